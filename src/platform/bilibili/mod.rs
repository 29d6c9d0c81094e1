//! Bilibili live (`https://live.bilibili.com/ROOMID`, also `/h5/ROOMID` and
//! `/blanc/ROOMID`; ROOMID may be a short id).
//!
//! A single check: `room_init` turns the URL's id (short or long) into the
//! long room id and the anchor's uid (cached in memory, it never changes),
//! `getInfoByRoom` (WBI-signed) gives title, area, avatar and live state,
//! and for a live room `getRoomPlayInfo` (WBI-signed) gives the streams.
//! Batch checks name rooms by uid (`get_status_info_by_uids`); see
//! [`batch`]. Every API origin (`api.live.bilibili.com`, `api.bilibili.com`)
//! is replaced by the one configured `api_base`.

mod api;
mod batch;
pub mod chat;
pub mod parse;
pub mod wbi;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use self::api::{Api, DESKTOP_UA, REFERER};
pub use self::api::{KeyCache, buvid3};
use self::parse::RoomInfo;
use super::{
    BatchGroup, BatchResult, BoxFut, CheckContext, LiveStatus, Platform, PlatformError,
    RoomIdentity, RoomRef, StreamCandidate,
};
use crate::config::Quality;

const ROOM_INIT: &str = "/room/v1/Room/room_init";
const INFO: &str = "/xlive/web-room/v1/index/getInfoByRoom";
const PLAY_INFO: &str = "/xlive/web-room/v2/index/getRoomPlayInfo";
/// `web_location` the site's own room page sends with signed calls.
const WEB_LOCATION: &str = "444.8";

/// Long room id and anchor uid of a room id as written in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resolved {
    room_id: u64,
    uid: u64,
}

/// The Bilibili live platform. One instance serves every check of the
/// daemon, so its caches (WBI keys, room → uid) are shared.
#[derive(Default)]
pub struct BilibiliPlatform {
    keys: KeyCache,
    /// URL room id (short or long) → long id and uid, learned from
    /// `room_init`; rooms never change either.
    rooms: Mutex<HashMap<u64, Resolved>>,
}

/// The room id a URL names: `live.bilibili.com/ID`, `/h5/ID`, `/blanc/ID`.
fn url_room(url: &::url::Url) -> Option<u64> {
    if !matches!(url.scheme(), "http" | "https")
        || !url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case("live.bilibili.com"))
    {
        return None;
    }
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let id = match segs.as_slice() {
        [id] | ["h5" | "blanc", id] => *id,
        _ => return None,
    };
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().filter(|n| *n > 0)
}

fn room_of(url: &str) -> Result<u64, PlatformError> {
    ::url::Url::parse(url)
        .ok()
        .as_ref()
        .and_then(url_room)
        .ok_or_else(|| PlatformError::NotFound(format!("not a Bilibili live room URL: {url}")))
}

/// The `qn` asked of `getRoomPlayInfo`. The site returns URLs for one
/// quality only (the asked one or the best below it), so the wish is
/// mapped here: `best` → 10000 (原画, the source), `worst` → 80 (流畅);
/// heights and bit rates map roughly onto the ladder 80 (≈480p, <1.5
/// Mbit/s), 150 (≈720p), 250 (超清 ≈720p high rate), 400 (蓝光 ≈1080p),
/// 10000 (source). 4K (20000) and Dolby (30000) are not asked for.
fn qn_for(q: Quality) -> u32 {
    match q {
        Quality::Best => 10000,
        Quality::Worst => 80,
        Quality::Height(h) if h >= 1080 => 10000,
        Quality::Height(h) if h >= 720 => 150,
        Quality::Height(_) => 80,
        Quality::MaxKbps(k) if k >= 8000 => 10000,
        Quality::MaxKbps(k) if k >= 4000 => 400,
        Quality::MaxKbps(k) if k >= 2500 => 250,
        Quality::MaxKbps(k) if k >= 1500 => 150,
        Quality::MaxKbps(_) => 80,
    }
}

/// What the CDN wants on media requests.
fn media_headers() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Referer".to_string(), REFERER.to_string()),
        ("User-Agent".to_string(), DESKTOP_UA.to_string()),
    ])
}

/// The status a room's info gives, without streams: live only when
/// `live_status` is 1 (2 = a rerun loop, reported with `note: "rerun"`).
fn status_of(info: &RoomInfo) -> LiveStatus {
    let live = info.live_status == 1;
    LiveStatus {
        live,
        title: info.title.clone(),
        category: info.category.clone(),
        avatar: info.face.clone(),
        started_at: info.live_start_s.filter(|_| live).map(|s| s * 1000),
        room: Some(RoomIdentity {
            id: info.room_id.to_string(),
            owner_id: Some(info.uid.to_string()),
            owner_name: info.uname.clone(),
        }),
        note: (info.live_status == 2).then(|| "rerun".to_string()),
        ..Default::default()
    }
}

impl BilibiliPlatform {
    /// Long room id and uid of a URL room id: from the cache, else one
    /// `room_init` call (`60004` → not found).
    async fn resolve(&self, api: &Api<'_>, id: u64) -> Result<Resolved, PlatformError> {
        if let Some(r) = self.cached(id) {
            return Ok(r);
        }
        let text = api
            .get(ROOM_INIT, &[("id", id.to_string())], "room_init")
            .await?;
        let init = parse::room_init(&text)?;
        let r = Resolved {
            room_id: init.room_id,
            uid: init.uid,
        };
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.insert(id, r);
        rooms.insert(init.room_id, r);
        Ok(r)
    }

    fn cached(&self, id: u64) -> Option<Resolved> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.get(&id).copied()
    }

    /// The streams of a room `status` says is live. The play info may find
    /// the broadcast over already (then `status` turns offline); a live room
    /// without `playurl_info` is paid or DRM-protected.
    async fn fill_streams(
        &self,
        api: &Api<'_>,
        quality: Quality,
        status: &mut LiveStatus,
        room_id: u64,
    ) -> Result<(), PlatformError> {
        let params = [
            ("room_id", room_id.to_string()),
            ("protocol", "0,1".to_string()),
            ("format", "0,1,2".to_string()),
            ("codec", "0,1".to_string()),
            ("qn", qn_for(quality).to_string()),
            ("platform", "web".to_string()),
            ("ptype", "8".to_string()),
            ("dolby", "5".to_string()),
            ("panorama", "1".to_string()),
            ("web_location", WEB_LOCATION.to_string()),
        ];
        let text = api
            .signed(&self.keys, PLAY_INFO, &params, "getRoomPlayInfo")
            .await?;
        let play = parse::play_info(&text)?;
        if play.live_status != 1 {
            status.live = false;
            status.started_at = None;
            status.note = (play.live_status == 2).then(|| "rerun".to_string());
            return Ok(());
        }
        let mut streams = play.streams.ok_or_else(|| {
            PlatformError::AuthRequired(format!(
                "bilibili room {room_id} is live but offers this client no play URL \
                 (a paid or DRM-protected room); cookies of an account allowed to watch it may help"
            ))
        })?;
        let headers = media_headers();
        for s in &mut streams {
            s.headers.clone_from(&headers);
        }
        status.streams = streams;
        Ok(())
    }

    async fn check(&self, ctx: &CheckContext<'_>) -> Result<LiveStatus, PlatformError> {
        let id = room_of(ctx.url)?;
        let api = Api::new(ctx);
        let r = self.resolve(&api, id).await?;
        let params = [
            ("room_id", r.room_id.to_string()),
            ("web_location", WEB_LOCATION.to_string()),
        ];
        let text = api
            .signed(&self.keys, INFO, &params, "getInfoByRoom")
            .await?;
        let info = parse::room_info(&text)?;
        let mut status = status_of(&info);
        if status.live {
            self.fill_streams(&api, ctx.config.quality, &mut status, r.room_id)
                .await?;
        }
        Ok(status)
    }
}

impl Platform for BilibiliPlatform {
    fn name(&self) -> &'static str {
        "bilibili"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        let id = url_room(url)?;
        Some(RoomRef {
            id: id.to_string(),
            url: format!("https://live.bilibili.com/{id}"),
        })
    }

    fn canonical_url(&self, room: &RoomIdentity) -> Option<String> {
        room.id
            .parse::<u64>()
            .ok()
            .map(|id| format!("https://live.bilibili.com/{id}"))
    }

    /// The long room id the check learnt; host and token are fetched by
    /// the chat provider before each connect (`getDanmuInfo`).
    fn chat_target(
        &self,
        _page_url: &str,
        room: &RoomIdentity,
        api_base: Option<&str>,
    ) -> Option<crate::platform::ChatTarget> {
        Some(crate::platform::ChatTarget::Bilibili {
            api_base: api_base
                .unwrap_or(api::LIVE_API)
                .trim_end_matches('/')
                .to_string(),
            room_id: room.id.parse().ok()?,
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://live.bilibili.com/21452505",
            "https://live.bilibili.com/6?spm_id_from=333.1007",
            "http://live.bilibili.com/h5/21452505",
            "https://live.bilibili.com/blanc/1024/",
        ]
    }

    /// The candidate URL itself, not the room page: streamlink's bilibili
    /// plugin would resolve the page against the real site, ignoring
    /// `api_base`, the user's cookies and srec's quality, format, codec and
    /// CDN choice. An expired URL is re-resolved by srec's recorder.
    fn streamlink_url(&self, _page: &str, stream: &StreamCandidate) -> String {
        super::prefixed_stream_url(stream)
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(self.check(ctx))
    }

    /// All Bilibili rooms form one group; the id is the URL's room id.
    fn batch_group(&self, url: &str) -> Option<BatchGroup> {
        let id = room_of(url).ok()?;
        Some(BatchGroup {
            key: "bilibili".into(),
            id: id.to_string(),
        })
    }

    /// One client of the batch API chunks at 200 uids; the site documents
    /// no limit.
    fn max_batch(&self) -> usize {
        200
    }

    /// The members that could be checked; [`Platform::check_batch_each`]
    /// also gives the others' errors.
    fn check_batch<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<HashMap<String, LiveStatus>, PlatformError>> {
        Box::pin(async move {
            let all = self.batch(ctx, ids).await?;
            Ok(all
                .into_iter()
                .filter_map(|(id, r)| r.ok().map(|s| (id, s)))
                .collect())
        })
    }

    fn check_batch_each<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<BatchResult, PlatformError>> {
        Box::pin(self.batch(ctx, ids))
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

#[cfg(test)]
#[path = "live_tests.rs"]
mod live_tests;
