//! YouTube live: a channel's `/live` page (`/@handle/live`,
//! `/channel/UC…/live`, `/c/name/live`, `/user/name/live`) or one video
//! (`/watch?v=`, `/live/ID`, `youtu.be/ID`). The page HTML is fetched with a
//! Chrome user agent and a consent cookie, its `ytInitialPlayerResponse`
//! decides the state ([`parse`]), and a live broadcast's HLS master is
//! expanded into one candidate per variant ([`hls`]).
//!
//! Not claimed: a channel home without `/live` (it is not a stream),
//! `/shorts`, `/playlist`, `/feed`, search pages. The canonical URL keeps
//! the form given (channel `/live` pages follow the channel's next
//! broadcast, a video URL stays on that video); `m.`/no-`www` hosts and
//! `youtu.be`/`/live/ID` links are rewritten to `www.youtube.com`.

pub mod hls;
pub mod parse;

use std::collections::BTreeMap;

use super::generic::retry_after;
use super::http::{CHROME_UA, merge_cookies};
use super::{BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef};

/// Real origin of the pages.
const ORIGIN: &str = "https://www.youtube.com";

/// The cookie that stands for "consent given/refused" so YouTube serves the
/// page instead of redirecting EU visitors to consent.youtube.com.
const CONSENT_COOKIE: (&str, &str) = ("SOCS", "CAI");

/// YouTube.
pub struct YoutubePlatform;

/// What a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A channel's `/live` page; the path after the origin.
    Channel { id: String, path: String },
    /// One video id.
    Video(String),
}

impl Target {
    fn id(&self) -> &str {
        match self {
            Self::Channel { id, .. } | Self::Video(id) => id,
        }
    }

    /// Path and query after the origin.
    fn path(&self) -> String {
        match self {
            Self::Channel { path, .. } => path.clone(),
            Self::Video(v) => format!("/watch?v={v}"),
        }
    }
}

fn is_video_id(s: &str) -> bool {
    s.len() == 11
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.%".contains(&b))
}

fn target(url: &::url::Url) -> Option<Target> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    if host == "youtu.be" {
        return match segs.as_slice() {
            [id] if is_video_id(id) => Some(Target::Video((*id).to_string())),
            _ => None,
        };
    }
    if !matches!(
        host.as_str(),
        "youtube.com" | "www.youtube.com" | "m.youtube.com"
    ) {
        return None;
    }
    let channel = |id: &str, path: String| {
        Some(Target::Channel {
            id: id.into(),
            path,
        })
    };
    match segs.as_slice() {
        ["watch"] => url
            .query_pairs()
            .find(|(k, _)| k == "v")
            .map(|(_, v)| v.into_owned())
            .filter(|v| is_video_id(v))
            .map(Target::Video),
        ["live", id] if is_video_id(id) => Some(Target::Video((*id).to_string())),
        [h, "live"] if h.starts_with('@') && is_name(&h[1..]) => channel(h, format!("/{h}/live")),
        ["channel", id, "live"] if id.starts_with("UC") && id.len() == 24 && is_name(id) => {
            channel(id, format!("/channel/{id}/live"))
        }
        [kind @ ("c" | "user"), name, "live"] if is_name(name) => {
            channel(name, format!("/{kind}/{name}/live"))
        }
        _ => None,
    }
}

impl Platform for YoutubePlatform {
    fn name(&self) -> &'static str {
        "youtube"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        let t = target(url)?;
        Some(RoomRef {
            id: t.id().to_string(),
            url: format!("{ORIGIN}{}", t.path()),
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://www.youtube.com/@lofigirl/live",
            "https://youtube.com/channel/UCSJ4gkVC6NrvII8umztf0Ow/live",
            "https://m.youtube.com/c/SomeName/live",
            "https://www.youtube.com/watch?v=jfKfPfyJRdk",
            "https://youtu.be/jfKfPfyJRdk",
            "https://www.youtube.com/live/jfKfPfyJRdk?si=abc",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(check(ctx))
    }
}

/// Headers the googlevideo HLS hosts are sent.
fn media_headers() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Referer".to_string(), format!("{ORIGIN}/")),
        ("User-Agent".to_string(), CHROME_UA.to_string()),
    ])
}

async fn check(ctx: &CheckContext<'_>) -> Result<LiveStatus, PlatformError> {
    let parsed = ::url::Url::parse(ctx.url)
        .map_err(|_| PlatformError::NotFound(format!("not a URL: {}", ctx.url)))?;
    let t = target(&parsed)
        .ok_or_else(|| PlatformError::NotFound(format!("not a YouTube live URL: {}", ctx.url)))?;
    let page_url = format!("{}{}", ctx.api_base(ORIGIN), t.path());
    let cookie = merge_cookies(ctx.config.cookies.as_deref(), &[CONSENT_COOKIE]);
    let resp = ctx
        .http
        .get(&page_url)
        .header(reqwest::header::USER_AGENT, CHROME_UA)
        .header(reqwest::header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Err(PlatformError::NotFound(format!(
            "YouTube has no channel or video at {}",
            ctx.url
        )));
    }
    if !resp.status().is_success() {
        return Err(PlatformError::from_status(
            status,
            &page_url,
            retry_after(&resp),
        ));
    }
    if resp.url().host_str() == Some("consent.youtube.com") {
        return Err(PlatformError::AuthRequired(
            "YouTube redirected to its cookie consent page; cookies may help: set \
             `cookies = \"SOCS=CAI\"` or a browser session's cookies"
                .into(),
        ));
    }
    let html = resp
        .text()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let now = chrono::Utc::now().timestamp();
    let channel_page = matches!(t, Target::Channel { .. });
    let decided = parse::page(&html, channel_page, now)?;
    let mut status = decided.status;
    let Some(manifest) = decided.manifest else {
        return Ok(status);
    };
    let base = ::url::Url::parse(&manifest)
        .map_err(|_| PlatformError::missing(parse::API, "streamingData.hlsManifestUrl"))?;
    let resp = ctx
        .http
        .get(base.as_str())
        .header(reqwest::header::USER_AGENT, CHROME_UA)
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    if !resp.status().is_success() {
        // The manifest went away between the page and now: transient.
        return Err(PlatformError::Transient(format!(
            "HTTP {} from the YouTube HLS manifest",
            resp.status().as_u16()
        )));
    }
    let text = resp
        .text()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    status.streams = hls::variants(&text, &base, decided.expires_at, &media_headers())?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(u: &str) -> Option<RoomRef> {
        YoutubePlatform.room(&::url::Url::parse(u).unwrap())
    }

    #[test]
    fn urls_that_match() {
        for (u, id, canon) in [
            (
                "https://www.youtube.com/@alice/live",
                "@alice",
                "https://www.youtube.com/@alice/live",
            ),
            (
                "https://m.youtube.com/@a.b-c/live/",
                "@a.b-c",
                "https://www.youtube.com/@a.b-c/live",
            ),
            (
                "http://youtube.com/channel/UCaaaaaaaaaaaaaaaaaaaaaa/live",
                "UCaaaaaaaaaaaaaaaaaaaaaa",
                "https://www.youtube.com/channel/UCaaaaaaaaaaaaaaaaaaaaaa/live",
            ),
            (
                "https://www.youtube.com/c/Name/live",
                "Name",
                "https://www.youtube.com/c/Name/live",
            ),
            (
                "https://www.youtube.com/user/Old/live",
                "Old",
                "https://www.youtube.com/user/Old/live",
            ),
            (
                "https://www.youtube.com/watch?v=aBcDeFgHiJk&t=5",
                "aBcDeFgHiJk",
                "https://www.youtube.com/watch?v=aBcDeFgHiJk",
            ),
            (
                "https://youtu.be/aBcDeFgHiJk?si=x",
                "aBcDeFgHiJk",
                "https://www.youtube.com/watch?v=aBcDeFgHiJk",
            ),
            (
                "https://m.youtube.com/live/aBcDeFgHiJk",
                "aBcDeFgHiJk",
                "https://www.youtube.com/watch?v=aBcDeFgHiJk",
            ),
        ] {
            let r = room(u).unwrap_or_else(|| panic!("{u} not claimed"));
            assert_eq!((r.id.as_str(), r.url.as_str()), (id, canon), "{u}");
        }
    }

    #[test]
    fn urls_that_do_not_match() {
        for u in [
            "https://www.youtube.com/@alice",
            "https://www.youtube.com/@alice/videos",
            "https://www.youtube.com/playlist?list=PL123",
            "https://www.youtube.com/shorts/aBcDeFgHiJk",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/watch?list=PL1",
            "https://www.youtube.com/channel/notachannel/live",
            "https://www.youtube.com/feed/subscriptions",
            "https://youtu.be/",
            "https://music.youtube.com/watch?v=aBcDeFgHiJk",
            "https://www.twitch.tv/alice",
            "https://live.douyin.com/123456",
            "https://notyoutube.com/@alice/live",
        ] {
            assert_eq!(room(u), None, "{u}");
        }
    }
}
