//! Batch checks: one request answers for many streamers of a platform that
//! supports it, split into chunks of the platform's maximum batch size.

use super::service::{Outcome, StreamMonitor};
use crate::config::EffectiveConfig;
use crate::platform::{CheckContext, LiveStatus, Platform, PlatformError};
use crate::streamer::Streamer;

impl StreamMonitor {
    /// Checks a group of batch-capable streamers with one request per
    /// `Platform::max_batch` members. `members` are `(streamer id, room id)`.
    pub async fn check_batch(&self, members: &[(i64, String)]) -> Vec<(i64, Outcome)> {
        let present: Vec<(Streamer, String)> = members
            .iter()
            .filter_map(|(id, room)| self.streamers.get(*id).map(|s| (s, room.clone())))
            .collect();
        let Some((first, _)) = present.first() else {
            return Vec::new();
        };
        let platform = self.platforms.by_name(&first.platform);
        let mut out = Vec::with_capacity(present.len());
        for chunk in present.chunks(platform.max_batch().max(1)) {
            out.extend(self.check_chunk(platform.as_ref(), chunk).await);
        }
        out
    }

    async fn check_chunk(
        &self,
        platform: &dyn Platform,
        chunk: &[(Streamer, String)],
    ) -> Vec<(i64, Outcome)> {
        let Some((first, _)) = chunk.first() else {
            return Vec::new();
        };
        let eff = self.config.effective(first);
        let ids: Vec<String> = chunk.iter().map(|(_, r)| r.clone()).collect();
        let mut result = match self.clients.client(&eff) {
            Ok(http) => {
                let ctx = CheckContext {
                    url: &first.url,
                    http: &http,
                    config: &eff,
                };
                let t0 = std::time::Instant::now();
                let r = platform.check_batch_each(&ctx, &ids).await;
                self.check_latency.observe(t0.elapsed().as_secs_f64());
                r
            }
            Err(e) => Err(PlatformError::Transient(e)),
        }
        .map_err(|e| super::proxy_hint::name_proxy(e, &eff));
        let mut out = Vec::with_capacity(chunk.len());
        for (s, room) in chunk {
            let r = match &mut result {
                Ok(m) => m
                    .remove(room)
                    .unwrap_or_else(|| Err(PlatformError::NotFound(format!("room `{room}`")))),
                Err(e) => Err(e.clone()),
            };
            let eff = self.config.effective(s);
            let r = self.with_streams(platform, s, &eff, r).await;
            out.push((s.id, self.apply(s, &eff, r).await));
        }
        out
    }

    /// A batch answer may leave out stream URLs (Twitch's needs a token per
    /// channel): a member that turned live and has no session yet is checked
    /// on its own, so the recording starts with streams and a per-channel
    /// failure (geo-block, auth) lands on that member only.
    async fn with_streams(
        &self,
        platform: &dyn Platform,
        s: &Streamer,
        eff: &EffectiveConfig,
        r: Result<LiveStatus, PlatformError>,
    ) -> Result<LiveStatus, PlatformError> {
        let needs = matches!(&r, Ok(st) if st.live && st.streams.is_empty());
        if !needs || !matches!(self.session_of(s.id).await, Ok(None)) {
            return r;
        }
        let http = self.clients.client(eff).map_err(PlatformError::Transient)?;
        let ctx = CheckContext {
            url: &s.url,
            http: &http,
            config: eff,
        };
        platform.check_live(&ctx).await
    }
}
