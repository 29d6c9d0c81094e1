//! Batch checks: `get_status_info_by_uids` answers for up to 200 anchors in
//! one request, keyed by uid. Streamers are stored by room URL, so each
//! room's uid is learned once with `room_init` and cached in memory: the
//! first round after a start costs one `room_init` per room (4 at a time),
//! later rounds one batch request per 200 rooms. Rooms the batch reports
//! live get their streams from `getRoomPlayInfo`, one call each, every
//! round they are live (the recorder takes the streams of the round that
//! opens a session).

use std::collections::HashMap;

use futures::StreamExt;

use super::api::Api;
use super::{BilibiliPlatform, Resolved, parse, status_of};
use crate::platform::{BatchResult, CheckContext, PlatformError};

const STATUS_BY_UIDS: &str = "/room/v1/Room/get_status_info_by_uids";
/// `room_init` calls in flight while a cold cache is filled.
const RESOLVE_CONCURRENCY: usize = 4;

impl BilibiliPlatform {
    /// Checks `ids` (URL room ids as [`BilibiliPlatform::batch_group`] gave
    /// them). A room `room_init` does not know is not found; any other
    /// failure of `room_init` or of the batch call is the client's (risk
    /// control, network) and fails the whole batch.
    pub(super) async fn batch(
        &self,
        ctx: &CheckContext<'_>,
        ids: &[String],
    ) -> Result<BatchResult, PlatformError> {
        let api = Api::new(ctx);
        let mut out: BatchResult = HashMap::with_capacity(ids.len());
        let mut members: Vec<(&String, Resolved)> = Vec::with_capacity(ids.len());
        // Futures first, then the stream: a `map` closure inside the stream
        // trips the compiler's higher-ranked lifetime check for `Send`.
        let pending: Vec<_> = ids.iter().map(|key| self.lookup(&api, key)).collect();
        let lookups = futures::stream::iter(pending)
            .buffer_unordered(RESOLVE_CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        for (key, r) in lookups {
            match r {
                Ok(r) => members.push((key, r)),
                Err(e @ PlatformError::NotFound(_)) => {
                    out.insert(key.clone(), Err(e));
                }
                Err(e) => return Err(e),
            }
        }
        if members.is_empty() {
            return Ok(out);
        }
        let uids: Vec<u64> = members.iter().map(|(_, r)| r.uid).collect();
        let body = serde_json::json!({ "uids": uids });
        let text = api
            .post_json(STATUS_BY_UIDS, &body, "get_status_info_by_uids")
            .await?;
        let rooms = parse::status_by_uids(&text)?;
        for (key, r) in members {
            let Some(info) = rooms.get(&r.uid) else {
                out.insert(
                    key.clone(),
                    Err(PlatformError::NotFound(format!(
                        "bilibili: anchor {} of room {} has no live room any more",
                        r.uid, r.room_id
                    ))),
                );
                continue;
            };
            let mut status = status_of(info);
            let result = if status.live {
                self.fill_streams(&api, ctx.config.quality, &mut status, r.room_id)
                    .await
                    .map(|()| status)
            } else {
                Ok(status)
            };
            out.insert(key.clone(), result);
        }
        Ok(out)
    }

    /// One member's long room id and uid.
    async fn lookup<'k>(
        &self,
        api: &Api<'_>,
        key: &'k String,
    ) -> (&'k String, Result<Resolved, PlatformError>) {
        let r = match key.parse::<u64>() {
            Ok(id) => self.resolve(api, id).await,
            Err(_) => Err(PlatformError::NotFound(format!(
                "not a Bilibili room id: {key}"
            ))),
        };
        (key, r)
    }
}
