//! Huya (`www.huya.com/RID`, numeric or vanity): everything comes from the
//! room page (room state, profile, `hyPlayerConfig.stream`); stream URLs
//! are assembled per CDN and quality and signed with [`anticode`]. When
//! the page changes shape, numeric rooms are read from the MP API
//! ([`mp`]) instead. Both origins (`www.huya.com`, `mp.huya.com`) are
//! replaced by the configured `api_base`.

pub mod anticode;
pub mod mp;
pub mod parse;

use std::collections::BTreeMap;

use parse::Page;

use super::douyu::BROWSER_UA;
use super::{
    BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomIdentity, RoomRef,
    StreamCandidate, StreamFormat,
};

/// The real origin of Huya's room pages; also the Referer/Origin its
/// pages and CDNs expect.
const ORIGIN: &str = "https://www.huya.com";

/// Single-segment paths of `www.huya.com` that are not rooms.
const RESERVED: &[&str] = &[
    "l",
    "g",
    "video",
    "e",
    "myfollow",
    "download",
    "search",
    "cache.php",
    "index",
    "info",
    "member",
    "favicon.ico",
    "robots.txt",
];

/// Huya.
pub struct HuyaPlatform;

/// The room id (numeric or vanity name) a Huya URL names.
fn room_id(url: &::url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if !matches!(host.as_str(), "huya.com" | "www.huya.com" | "m.huya.com") {
        return None;
    }
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let [seg] = segs.as_slice() else {
        return None;
    };
    let word = seg
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (word && !RESERVED.contains(&seg.to_ascii_lowercase().as_str())).then(|| seg.to_string())
}

/// `{base}/{name}.{suffix}?{query}`.
fn join(base: &str, name: &str, suffix: &str, query: &str) -> String {
    format!(
        "{}/{name}.{}?{query}",
        base.trim_end_matches('/'),
        suffix.trim_start_matches('.')
    )
}

/// Every stream candidate of a live page, signed for viewer `uid` at
/// `now_ms`: per quality (source first, then by bitrate), FLV on each CDN,
/// then HLS on each CDN.
fn candidates(page: &Page, uid: u64, now_ms: i64) -> Vec<StreamCandidate> {
    let mut qualities = page.qualities.clone();
    if qualities.is_empty() {
        qualities.push(parse::Quality {
            name: "source".into(),
            bitrate_kbps: 0,
        });
    }
    // Source (0) first, then the highest bitrate first.
    qualities.sort_by_key(|q| (q.bitrate_kbps != 0, std::cmp::Reverse(q.bitrate_kbps)));
    let headers = BTreeMap::from([
        ("Referer".to_string(), format!("{ORIGIN}/")),
        ("Origin".to_string(), ORIGIN.to_string()),
        ("User-Agent".to_string(), BROWSER_UA.to_string()),
    ]);
    let mut out = Vec::new();
    for q in &qualities {
        let ratio = if q.bitrate_kbps == 0 {
            String::new()
        } else {
            format!("&ratio={}", q.bitrate_kbps)
        };
        for format in [StreamFormat::Flv, StreamFormat::Hls] {
            for s in &page.streams {
                // The `-imgplus` name is Huya's AI-enhanced picture; the
                // plain name is the streamer's own.
                let name = s.stream_name.trim_end_matches("-imgplus");
                let (base, suffix, code) = match format {
                    StreamFormat::Flv => (&s.flv_url, &s.flv_suffix, &s.flv_anticode),
                    StreamFormat::Hls => (&s.hls_url, &s.hls_suffix, &s.hls_anticode),
                };
                if base.is_empty() || code.is_empty() {
                    continue;
                }
                let query = match anticode::sign(code, name, uid, now_ms) {
                    Ok(q) => q,
                    Err(e) => {
                        tracing::debug!(cdn = s.cdn, "huya: skipping a stream: {e}");
                        continue;
                    }
                };
                out.push(StreamCandidate {
                    bitrate: (q.bitrate_kbps > 0).then(|| q.bitrate_kbps * 1000),
                    codec: Some(super::normalise_codec("avc")),
                    cdn: Some(s.cdn.clone()),
                    headers: headers.clone(),
                    expires_at: anticode::expiry(code),
                    ..StreamCandidate::new(
                        join(base, name, suffix, &format!("{query}{ratio}")),
                        format,
                        q.name.clone(),
                    )
                });
            }
        }
    }
    out
}

/// The status a parsed page describes.
fn status_of(page: &Page, id: &str, uid: u64, now_ms: i64) -> LiveStatus {
    let mut st = LiveStatus {
        title: page.title.clone(),
        category: page.category.clone(),
        avatar: page.avatar.clone(),
        room: Some(RoomIdentity {
            id: page.room_id.clone().unwrap_or_else(|| id.to_string()),
            owner_id: page.owner_id.clone(),
            owner_name: page.owner_name.clone(),
        }),
        ..LiveStatus::default()
    };
    if page.suspended {
        st.note = Some("suspended".into());
        return st;
    }
    if page.replay() {
        st.note = Some("replay".into());
        return st;
    }
    if page.state != "ON" {
        return st;
    }
    st.streams = candidates(page, uid, now_ms);
    st.live = !st.streams.is_empty();
    st.started_at = st
        .live
        .then_some(page.start_time)
        .flatten()
        .map(|s| s * 1000);
    st
}

/// GETs a Huya page or API with the browser headers Huya wants.
async fn get_text(ctx: &CheckContext<'_>, url: &str) -> Result<String, PlatformError> {
    let req = ctx
        .http
        .get(url)
        .header(reqwest::header::USER_AGENT, BROWSER_UA)
        .header(reqwest::header::REFERER, format!("{ORIGIN}/"))
        .header(reqwest::header::ORIGIN, ORIGIN);
    super::http::fetch_text(req, url).await
}

/// Huya's TARS chat endpoint.
pub const CHAT_URL: &str = "wss://cdnws.api.huya.com:443";

impl Platform for HuyaPlatform {
    fn name(&self) -> &'static str {
        "huya"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        room_id(url).map(|id| RoomRef {
            url: format!("{ORIGIN}/{id}"),
            id,
        })
    }

    /// The TARS chat of the presenter uid (`owner_id`) the room page gave.
    fn chat_target(
        &self,
        _page_url: &str,
        room: &RoomIdentity,
        api_base: Option<&str>,
    ) -> Option<super::ChatTarget> {
        let presenter_uid = room.owner_id.as_deref()?.parse::<u64>().ok()?;
        Some(super::ChatTarget::Huya {
            url: super::chat::chat_url(CHAT_URL, api_base),
            presenter_uid,
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://www.huya.com/660001",
            "https://huya.com/mochi",
            "https://m.huya.com/660001",
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
                    PlatformError::NotFound(format!("not a Huya room URL: {}", ctx.url))
                })?;
            let base = ctx.api_base(ORIGIN);
            let html = get_text(ctx, &format!("{base}/{id}")).await?;
            let page = match parse::page(&html) {
                // The page changed shape: the MP API knows numeric rooms.
                Err(PlatformError::ApiChanged(why)) if id.bytes().all(|b| b.is_ascii_digit()) => {
                    tracing::debug!(id, "huya room page unreadable ({why}); asking the MP API");
                    let body = get_text(ctx, &format!("{base}{}", mp::path(&id))).await?;
                    mp::profile(&body).map_err(|e| match e {
                        PlatformError::ApiChanged(mp_why) => {
                            PlatformError::ApiChanged(format!("{why}; {mp_why}"))
                        }
                        other => other,
                    })?
                }
                other => other?,
            };
            let now_ms = chrono::Utc::now().timestamp_millis();
            Ok(status_of(&page, &id, anticode::random_uid(), now_ms))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(u: &str) -> Option<String> {
        room_id(&::url::Url::parse(u).unwrap())
    }

    #[test]
    fn room_urls_match() {
        for (u, want) in [
            ("https://www.huya.com/660001", "660001"),
            ("https://huya.com/mochi/", "mochi"),
            ("https://m.huya.com/660001?from=share", "660001"),
        ] {
            assert_eq!(id(u).as_deref(), Some(want), "{u}");
        }
    }

    #[test]
    fn other_pages_and_sites_do_not_match() {
        for u in [
            "https://www.huya.com/",
            "https://www.huya.com/g/lol",
            "https://www.huya.com/g",
            "https://www.huya.com/l",
            "https://www.huya.com/video/play/123.html",
            "https://www.huya.com/cache.php?m=Live",
            "https://www.douyu.com/660001",
            "https://nothuya.com/660001",
        ] {
            assert_eq!(id(u), None, "{u}");
        }
    }

    fn stream(cdn: &str) -> parse::CdnStream {
        let code = "wsSecret=x&amp;wsTime=6553f100&amp;fm=RFdxOEJjSjNoNkRKdDZUWV8kMF8kMV8kMl8kMw%3D%3D&amp;ctype=huya_live&amp;fs=bgct";
        parse::CdnStream {
            cdn: cdn.into(),
            stream_name: "9100-imgplus".into(),
            flv_url: "http://f.example/src".into(),
            flv_suffix: "flv".into(),
            flv_anticode: code.into(),
            hls_url: "http://h.example/src".into(),
            hls_suffix: "m3u8".into(),
            hls_anticode: code.into(),
        }
    }

    #[test]
    fn candidates_per_quality_format_and_cdn() {
        let page = Page {
            state: "ON".into(),
            streams: vec![stream("AL"), stream("TX")],
            qualities: vec![
                parse::Quality {
                    name: "超清".into(),
                    bitrate_kbps: 2000,
                },
                parse::Quality {
                    name: "原画".into(),
                    bitrate_kbps: 0,
                },
                parse::Quality {
                    name: "蓝光4M".into(),
                    bitrate_kbps: 4000,
                },
            ],
            start_time: Some(1_700_000_000),
            ..Page::default()
        };
        let st = status_of(&page, "9100", 12_345_678, 1_700_000_000_000);
        assert!(st.live);
        assert_eq!(st.started_at, Some(1_700_000_000_000));
        assert_eq!(st.streams.len(), 12);
        let first = &st.streams[0];
        assert_eq!(
            first.url,
            "http://f.example/src/9100.flv?wsSecret=1d4b35a583b9bc1b1c0db0550a7df007\
             &wsTime=6553f100&seqid=1700012345678&ctype=huya_live&ver=1&fs=bgct&t=100\
             &u=3160493568&sdk_sid=1700000000000&codec=264",
            "the anticode vector, on the plain (not -imgplus) name"
        );
        assert_eq!(
            (first.quality.as_str(), first.cdn.as_deref()),
            ("原画", Some("AL"))
        );
        assert_eq!(first.expires_at, Some(0x6553_f100));
        assert_eq!(
            first.headers.get("Referer").map(String::as_str),
            Some("https://www.huya.com/")
        );
        assert_eq!(st.streams[1].cdn.as_deref(), Some("TX"));
        assert_eq!(st.streams[2].format, StreamFormat::Hls);
        assert!(
            st.streams[2]
                .url
                .starts_with("http://h.example/src/9100.m3u8?")
        );
        let second = &st.streams[4];
        assert_eq!(second.quality, "蓝光4M");
        assert_eq!(second.bitrate, Some(4_000_000));
        assert!(
            second.url.ends_with("&codec=264&ratio=4000"),
            "{}",
            second.url
        );
        assert_eq!(st.streams[8].quality, "超清");
    }

    #[test]
    fn replay_and_offline_are_not_live() {
        let mut page = Page {
            state: "REPLAY".into(),
            streams: vec![stream("AL")],
            ..Page::default()
        };
        let st = status_of(&page, "9100", 1, 1);
        assert!(!st.live && st.streams.is_empty());
        assert_eq!(st.note.as_deref(), Some("replay"));
        page.state = "OFF".into();
        let st = status_of(&page, "9100", 1, 1);
        assert!(!st.live && st.note.is_none());
        assert_eq!(st.room.unwrap().id, "9100");
    }
}
