//! Douyu (`www.douyu.com/RID`): room info from `betard`, the play URL from
//! `getH5PlayV1` signed with the key bundle of `getEncryption` (see
//! [`sign`]). Vanity paths are turned into the numeric room id by the room
//! page. Every host (`www.douyu.com` for all three APIs) is replaced by the
//! configured `api_base`.

pub mod parse;
pub mod play;
mod room_url;
pub mod sign;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use parse::RoomInfo;
use play::{Play, PlayAnswer};
use room_url::room_id;
use sign::{DEFAULT_DID, Encryption};

use super::generic::retry_after;
use super::{
    BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomIdentity, RoomRef,
    StreamCandidate, StreamFormat,
};

/// The real origin of every Douyu API srec calls.
const ORIGIN: &str = "https://www.douyu.com";

/// A desktop browser's user agent: Douyu answers its web APIs only to
/// browsers, and the key bundle is tied to the agent that asked for it.
pub const BROWSER_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/// Most CDNs a check asks play URLs for (one request each): enough for the
/// recorder to fail over without hammering the API on every check.
const MAX_CDNS: usize = 3;

/// Douyu. Keeps the latest key bundle per API origin so checks do not ask
/// for a new one each time; a refused key is dropped and fetched again.
#[derive(Default)]
pub struct DouyuPlatform {
    keys: Mutex<HashMap<String, Encryption>>,
    /// Vanity path -> numeric room id, per API origin (`{base}/{path}`):
    /// the page is read once, not on every check.
    rids: Mutex<HashMap<String, String>>,
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Sends a request with Douyu's browser headers and returns status + body.
async fn send(req: reqwest::RequestBuilder, referer: &str) -> Result<(u16, String), PlatformError> {
    let resp = req
        .header(reqwest::header::USER_AGENT, BROWSER_UA)
        .header(reqwest::header::REFERER, referer)
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 429 {
        return Err(PlatformError::RateLimited {
            retry_after: retry_after(&resp),
        });
    }
    let body = resp
        .text()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    Ok((status, body))
}

/// A GET whose non-2xx answers are errors (404 = no such room).
async fn get_ok(ctx: &CheckContext<'_>, url: &str, referer: &str) -> Result<String, PlatformError> {
    let (status, body) = send(ctx.http.get(url), referer).await?;
    if !(200..300).contains(&status) {
        return Err(PlatformError::from_status(status, url, None));
    }
    Ok(body)
}

impl DouyuPlatform {
    fn cached_key(&self, base: &str) -> Option<Encryption> {
        let keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.get(base)
            .filter(|k| k.expire_at.is_none_or(|t| t > now_s() + 30))
            .cloned()
    }

    fn store_key(&self, base: &str, key: Option<Encryption>) {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        match key {
            Some(k) => keys.insert(base.to_string(), k),
            None => keys.remove(base),
        };
    }

    /// The key bundle: the cached one unless `fresh`, else a new one.
    async fn key(
        &self,
        ctx: &CheckContext<'_>,
        base: &str,
        fresh: bool,
    ) -> Result<Encryption, PlatformError> {
        if !fresh && let Some(k) = self.cached_key(base) {
            return Ok(k);
        }
        let url = format!("{base}/wgapi/livenc/liveweb/websec/getEncryption?did={DEFAULT_DID}");
        let body = get_ok(ctx, &url, &format!("{ORIGIN}/")).await?;
        let key = parse::encryption(&body)?;
        self.store_key(base, Some(key.clone()));
        Ok(key)
    }

    /// The numeric room id of a vanity path, from its room page (cached).
    async fn vanity_rid(
        &self,
        ctx: &CheckContext<'_>,
        base: &str,
        path: &str,
    ) -> Result<String, PlatformError> {
        let page_url = format!("{base}/{path}");
        let cached = {
            let rids = self.rids.lock().unwrap_or_else(|p| p.into_inner());
            rids.get(&page_url).cloned()
        };
        if let Some(rid) = cached {
            return Ok(rid);
        }
        let page = get_ok(ctx, &page_url, &format!("{ORIGIN}/")).await?;
        let rid = parse::page_room_id(&page)
            .ok_or_else(|| PlatformError::NotFound(format!("douyu room `{path}`")))?;
        let mut rids = self.rids.lock().unwrap_or_else(|p| p.into_inner());
        rids.insert(page_url, rid.clone());
        Ok(rid)
    }

    /// One signed `getH5PlayV1` request; a refused key is refreshed and
    /// the request sent once more.
    async fn play(
        &self,
        ctx: &CheckContext<'_>,
        base: &str,
        rid: &str,
        cdn: &str,
    ) -> Result<PlayAnswer, PlatformError> {
        let url = format!("{base}/lapi/live/getH5PlayV1/{rid}");
        for fresh in [false, true] {
            let key = self.key(ctx, base, fresh).await?;
            let form = sign::play_form(&key, DEFAULT_DID, rid, now_s(), cdn);
            let req = ctx.http.post(&url).form(&form);
            let (status, body) = send(req, &format!("{ORIGIN}/{rid}")).await?;
            if !(200..300).contains(&status) && status != 403 {
                return Err(PlatformError::from_status(status, &url, None));
            }
            match play::h5play(status, &body)? {
                PlayAnswer::AuthFailed => {
                    tracing::debug!(rid, "douyu refused the key bundle; fetching a new one");
                    self.store_key(base, None);
                }
                answer => return Ok(answer),
            }
        }
        Err(PlatformError::AuthRequired(format!(
            "douyu refused a fresh play signature for room {rid} (鉴权失败); \
             the signing scheme may have changed, or cookies of a logged-in browser may help"
        )))
    }

    /// Play URLs on up to [`MAX_CDNS`] CDNs in [`cdn_order`]; the site's
    /// first answer when none of them gives one.
    async fn streams(
        &self,
        ctx: &CheckContext<'_>,
        base: &str,
        rid: &str,
    ) -> Result<Option<Vec<Play>>, PlatformError> {
        let PlayAnswer::Ok(first) = self.play(ctx, base, rid, "").await? else {
            return Ok(None);
        };
        let mut plays = Vec::new();
        for cdn in cdn_order(&first, &ctx.config.cdn).iter().take(MAX_CDNS) {
            if *cdn == first.cdn {
                plays.push(first.clone());
                continue;
            }
            match self.play(ctx, base, rid, cdn).await {
                Ok(PlayAnswer::Ok(p)) => plays.push(p),
                Ok(_) => {}
                Err(e) => tracing::debug!(rid, cdn, "douyu: no URL on this CDN: {e}"),
            }
        }
        if plays.is_empty() {
            plays.push(first);
        }
        Ok(Some(plays))
    }
}

/// The CDNs to ask for: the user's `cdn` wishes Douyu offers, then the
/// site's default, then its other CDNs; `scdn*` ones (slow P2P-assisted
/// edges) only when the user names them.
fn cdn_order(first: &Play, wished: &[String]) -> Vec<String> {
    let offered = |c: &String| first.cdns.contains(c) || *c == first.cdn;
    let mut order: Vec<String> = wished.iter().filter(|c| offered(c)).cloned().collect();
    let site = std::iter::once(&first.cdn).chain(first.cdns.iter());
    for c in site {
        if !c.is_empty() && !c.starts_with("scdn") && !order.contains(c) {
            order.push(c.clone());
        }
    }
    order
}

/// The stream candidates of the play answers, one per CDN.
fn candidates(plays: &[Play]) -> Vec<StreamCandidate> {
    let headers = BTreeMap::from([
        ("Referer".to_string(), format!("{ORIGIN}/")),
        ("User-Agent".to_string(), BROWSER_UA.to_string()),
    ]);
    // Every CDN carries the same source picture: one label for all of them.
    let (quality, bitrate) = plays
        .iter()
        .find_map(|p| p.source.clone())
        .unwrap_or(("source".into(), None));
    plays
        .iter()
        .map(|p| StreamCandidate {
            bitrate,
            codec: Some(super::normalise_codec("avc")),
            cdn: (!p.cdn.is_empty()).then(|| p.cdn.clone()),
            headers: headers.clone(),
            ..StreamCandidate::new(p.url.clone(), StreamFormat::Flv, quality.clone())
        })
        .collect()
}

/// The status fields `betard` fills, before streams are known.
fn status_of(info: &RoomInfo) -> LiveStatus {
    LiveStatus {
        title: info.title.clone(),
        category: info.category.clone(),
        avatar: info.avatar.clone(),
        room: Some(RoomIdentity {
            id: info.rid.clone(),
            owner_id: info.owner_id.clone(),
            owner_name: info.owner_name.clone(),
        }),
        ..LiveStatus::default()
    }
}

/// Douyu's STT chat endpoint.
pub const CHAT_URL: &str = "wss://danmuproxy.douyu.com:8502/";

impl Platform for DouyuPlatform {
    fn name(&self) -> &'static str {
        "douyu"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        room_id(url).map(|id| RoomRef {
            url: format!("{ORIGIN}/{id}"),
            id,
        })
    }

    /// The STT chat of the numeric room id the check resolved.
    fn chat_target(
        &self,
        _page_url: &str,
        room: &RoomIdentity,
        api_base: Option<&str>,
    ) -> Option<super::ChatTarget> {
        let numeric = !room.id.is_empty() && room.id.bytes().all(|b| b.is_ascii_digit());
        numeric.then(|| super::ChatTarget::Douyu {
            url: super::chat::chat_url(CHAT_URL, api_base),
            room_id: room.id.clone(),
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://www.douyu.com/9100",
            "https://douyu.com/9100",
            "https://www.douyu.com/topic/s14?rid=9100",
            "https://www.douyu.com/lunashow",
            "https://m.douyu.com/9100",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(async move {
            let id = ::url::Url::parse(ctx.url)
                .ok()
                .as_ref()
                .and_then(room_id)
                .ok_or_else(|| {
                    PlatformError::NotFound(format!("not a Douyu room URL: {}", ctx.url))
                })?;
            let base = ctx.api_base(ORIGIN);
            let rid = if id.bytes().all(|b| b.is_ascii_digit()) {
                id
            } else {
                self.vanity_rid(ctx, &base, &id).await?
            };
            let (status, body) = send(
                ctx.http.get(format!("{base}/betard/{rid}")),
                &format!("{ORIGIN}/{rid}"),
            )
            .await?;
            if !(200..300).contains(&status) && status != 404 {
                return Err(PlatformError::from_status(status, "douyu betard", None));
            }
            let info = parse::betard(if status == 404 { "" } else { &body }, &rid)?;
            let mut live = status_of(&info);
            if !info.on_air {
                return Ok(live);
            }
            if info.rerun {
                live.note = Some("rerun".into());
                return Ok(live);
            }
            let Some(plays) = self.streams(ctx, &base, &rid).await? else {
                return Ok(live);
            };
            live.live = true;
            live.started_at = info.show_time.map(|s| s * 1000);
            live.streams = candidates(&plays);
            Ok(live)
        })
    }
}

#[cfg(test)]
mod tests;
