//! Douyin live (`https://live.douyin.com/WEBRID`, also
//! `www.douyin.com/root/live/WEBRID`). A check needs a `ttwid` cookie,
//! registered once at `ttwid.bytedance.com/ttwid/union/register/` and
//! cached per API origin (renewed when the enter API answers empty, which
//! is how Douyin refuses a stale one), then asks the web enter API for the
//! room ([`parse`]). The streamer's own `cookies` win: a configured
//! `ttwid` is used as it is and never registered.
//!
//! Not claimed: videos (`www.douyin.com/video/…`), user pages
//! (`/user/…`), non-numeric room ids. `a_bogus`/`msToken` signatures are
//! not sent (reported unnecessary with a ttwid cookie).

pub mod parse;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::http::{CHROME_UA, merge_cookies};
use super::{BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef};

/// Real origins.
const LIVE_ORIGIN: &str = "https://live.douyin.com";
const TTWID_ORIGIN: &str = "https://ttwid.bytedance.com";

/// The web client's app id.
const AID: &str = "6383";

/// Douyin live, with its `ttwid` cache (API origin → cookie value).
#[derive(Default)]
pub struct DouyinPlatform {
    ttwid: Mutex<HashMap<String, String>>,
}

/// The numeric web room id of a room URL.
fn web_rid(url: &::url::Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let id = match (host.as_str(), segs.as_slice()) {
        ("live.douyin.com", [id]) => *id,
        ("www.douyin.com" | "douyin.com", ["root", "live", id]) => *id,
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| id.to_string())
}

/// Headers the Douyin CDNs and APIs expect.
fn headers() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Referer".to_string(), format!("{LIVE_ORIGIN}/")),
        ("User-Agent".to_string(), CHROME_UA.to_string()),
    ])
}

/// 21 hex characters, as the web page's `__ac_nonce`.
fn ac_nonce() -> String {
    let (a, b): (u64, u64) = (rand::random(), rand::random());
    format!("{a:016x}{b:016x}")[..21].to_string()
}

/// The `ttwid` value of a `Set-Cookie` header.
fn ttwid_of(set_cookie: &str) -> Option<String> {
    let first = set_cookie.split(';').next()?.trim();
    let (k, v) = first.split_once('=')?;
    (k.trim() == "ttwid" && !v.trim().is_empty()).then(|| v.trim().to_string())
}

impl DouyinPlatform {
    fn cached(&self, key: &str) -> Option<String> {
        let map = self.ttwid.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    fn store(&self, key: &str, value: Option<String>) {
        let mut map = self.ttwid.lock().unwrap_or_else(|p| p.into_inner());
        match value {
            Some(v) => map.insert(key.to_string(), v),
            None => map.remove(key),
        };
    }

    /// Registers a fresh `ttwid`.
    async fn register(&self, ctx: &CheckContext<'_>, key: &str) -> Result<String, PlatformError> {
        let url = format!("{}/ttwid/union/register/", ctx.api_base(TTWID_ORIGIN));
        let body = serde_json::json!({
            "region": "cn", "aid": 6383, "needFid": false,
            "service": "https://www.douyin.com",
            "migrate_info": {"ticket": "", "source": "node"}, "cbUrlProtocol": "https",
            "union": true,
        });
        let req = ctx
            .http
            .post(&url)
            .header(reqwest::header::USER_AGENT, CHROME_UA)
            .json(&body);
        let resp = super::http::checked(super::http::send(req).await?, &url)?;
        let ttwid = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(ttwid_of)
            .ok_or_else(|| PlatformError::ApiChanged(format!("{url}: no `ttwid` in Set-Cookie")))?;
        self.store(key, Some(ttwid.clone()));
        Ok(ttwid)
    }

    /// One enter request with `ttwid` (or the user's own cookies).
    async fn enter(
        &self,
        ctx: &CheckContext<'_>,
        rid: &str,
        ttwid: Option<&str>,
    ) -> Result<String, PlatformError> {
        let url = format!("{}/webcast/room/web/enter/", ctx.api_base(LIVE_ORIGIN));
        let nonce = ac_nonce();
        let mut extra = vec![("__ac_nonce", nonce.as_str())];
        if let Some(t) = ttwid {
            extra.insert(0, ("ttwid", t));
        }
        let cookie = merge_cookies(ctx.config.cookies.as_deref(), &extra);
        let resp = ctx
            .http
            .get(&url)
            .query(&[
                ("aid", AID),
                ("app_name", "douyin_web"),
                ("live_id", "1"),
                ("device_platform", "web"),
                ("language", "zh-CN"),
                ("enter_from", "web_live"),
                ("cookie_enabled", "true"),
                ("screen_width", "1920"),
                ("screen_height", "1080"),
                ("browser_language", "zh-CN"),
                ("browser_platform", "Win32"),
                ("browser_name", "Chrome"),
                ("browser_version", "131.0.0.0"),
                ("web_rid", rid),
            ])
            .header(reqwest::header::USER_AGENT, CHROME_UA)
            .header(reqwest::header::REFERER, format!("{LIVE_ORIGIN}/{rid}"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .map_err(|e| PlatformError::from_reqwest(&e))?;
        let status = resp.status().as_u16();
        if status == 444 || status == 403 {
            return Err(PlatformError::Transient(format!(
                "HTTP {status}: {}",
                parse::BLOCKED
            )));
        }
        super::http::checked(resp, &url)?
            .text()
            .await
            .map_err(|e| PlatformError::from_reqwest(&e))
    }

    async fn check(&self, ctx: &CheckContext<'_>) -> Result<LiveStatus, PlatformError> {
        let parsed = ::url::Url::parse(ctx.url)
            .map_err(|_| PlatformError::NotFound(format!("not a URL: {}", ctx.url)))?;
        let rid = web_rid(&parsed).ok_or_else(|| {
            PlatformError::NotFound(format!("not a Douyin room URL: {}", ctx.url))
        })?;
        let own = ctx
            .config
            .cookies
            .as_deref()
            .is_some_and(|c| c.split(';').any(|p| p.trim().starts_with("ttwid=")));
        let key = ctx.api_base(TTWID_ORIGIN);
        let body = if own {
            self.enter(ctx, &rid, None).await?
        } else {
            let (ttwid, fresh) = match self.cached(&key) {
                Some(t) => (t, false),
                None => (self.register(ctx, &key).await?, true),
            };
            let body = self.enter(ctx, &rid, Some(&ttwid)).await?;
            if body.trim().is_empty() && !fresh {
                // A stale cookie is refused with an empty answer: renew once.
                self.store(&key, None);
                let ttwid = self.register(ctx, &key).await?;
                self.enter(ctx, &rid, Some(&ttwid)).await?
            } else {
                body
            }
        };
        parse::enter(&body, &headers())
    }
}

impl Platform for DouyinPlatform {
    fn name(&self) -> &'static str {
        "douyin"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        let id = web_rid(url)?;
        Some(RoomRef {
            url: format!("{LIVE_ORIGIN}/{id}"),
            id,
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://live.douyin.com/80017709309",
            "https://www.douyin.com/root/live/80017709309",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(self.check(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(u: &str) -> Option<RoomRef> {
        DouyinPlatform::default().room(&::url::Url::parse(u).unwrap())
    }

    #[test]
    fn urls() {
        for (u, id) in [
            ("https://live.douyin.com/80017709309", "80017709309"),
            ("http://live.douyin.com/123/?from=share", "123"),
            ("https://www.douyin.com/root/live/456", "456"),
        ] {
            let r = room(u).unwrap_or_else(|| panic!("{u}"));
            assert_eq!(r.id, id);
            assert_eq!(r.url, format!("https://live.douyin.com/{id}"));
        }
        for u in [
            "https://www.douyin.com/video/7300000000000000000",
            "https://www.douyin.com/user/MS4wLjABAAAA",
            "https://live.douyin.com/",
            "https://live.douyin.com/abc",
            "https://live.douyin.com/123/456",
            "https://www.douyin.com/root/live/",
            "https://www.youtube.com/@a/live",
            "https://live.bilibili.com/123",
        ] {
            assert_eq!(room(u), None, "{u}");
        }
    }

    #[test]
    fn set_cookie_and_nonce() {
        assert_eq!(
            ttwid_of("ttwid=1%7Cabc; Path=/; Domain=bytedance.com; HttpOnly").as_deref(),
            Some("1%7Cabc")
        );
        assert_eq!(ttwid_of("other=1; Path=/"), None);
        assert_eq!(ttwid_of("ttwid=; Path=/"), None);
        let n = ac_nonce();
        assert_eq!(n.len(), 21);
        assert!(n.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
