//! HTTP calls to Bilibili's APIs: the headers every request needs (Referer,
//! a desktop User-Agent, a `buvid3` cookie), WBI-signed GETs with a key
//! cache and one retry on risk-control codes, and the classification of
//! HTTP failures (412 = risk-control block).

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rand::Rng;

use super::parse;
use super::wbi::{self, CachedKeys, WbiKeys};
use crate::platform::generic::retry_after;
use crate::platform::{CheckContext, PlatformError};

/// Real origin of the live APIs (`room_init`, `getInfoByRoom`, ...).
pub const LIVE_API: &str = "https://api.live.bilibili.com";
/// Real origin of `nav` (the WBI keys).
pub const MAIN_API: &str = "https://api.bilibili.com";
/// The Referer the APIs and the CDN expect.
pub const REFERER: &str = "https://live.bilibili.com/";
/// A desktop browser's User-Agent: the APIs answer scripts' default agents
/// with risk-control codes more often.
pub const DESKTOP_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Codes after which a signed call is retried once with fresh WBI keys.
const STALE_KEY_CODES: &[i64] = &[-352, -403];

/// A `buvid3` device cookie, random once per process: since 2025-06 the
/// APIs answer `-352` without one, and any well-formed value is accepted.
pub fn buvid3() -> &'static str {
    static VALUE: OnceLock<String> = OnceLock::new();
    VALUE.get_or_init(|| {
        let mut rng = rand::rng();
        let hex = |n: usize, rng: &mut rand::rngs::ThreadRng| -> String {
            (0..n)
                .map(|_| char::from(b"0123456789ABCDEF"[rng.random_range(0..16)]))
                .collect()
        };
        format!(
            "{}-{}-{}-{}-{}{}infoc",
            hex(8, &mut rng),
            hex(4, &mut rng),
            hex(4, &mut rng),
            hex(4, &mut rng),
            hex(12, &mut rng),
            rng.random_range(10_000..100_000)
        )
    })
}

/// The Cookie header for API calls: the user's cookies plus `buvid3` when
/// they carry none.
fn cookie_header(user: Option<&str>) -> String {
    let user = user.map(str::trim).filter(|c| !c.is_empty());
    match user {
        Some(c) if c.split(';').any(|p| p.trim().starts_with("buvid3=")) => c.to_string(),
        Some(c) => format!("{}; buvid3={}", c.trim_end_matches(';'), buvid3()),
        None => format!("buvid3={}", buvid3()),
    }
}

/// One check's view of the APIs.
pub struct Api<'a> {
    ctx: &'a CheckContext<'a>,
    /// `https://api.live.bilibili.com` or the configured `api_base`.
    pub live: String,
    /// `https://api.bilibili.com` or the configured `api_base`.
    pub main: String,
    cookie: String,
}

impl<'a> Api<'a> {
    /// Origins and cookies from the check's config. The Cookie header set
    /// here replaces the client's default one, so it carries the user's
    /// cookies (`cookies`, else a `Cookie` entry of `headers`) too.
    pub fn new(ctx: &'a CheckContext<'a>) -> Self {
        let user = ctx.config.cookies.as_deref().or_else(|| {
            ctx.config
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("cookie"))
                .map(|(_, v)| v.as_str())
        });
        Self {
            live: ctx.api_base(LIVE_API),
            main: ctx.api_base(MAIN_API),
            cookie: cookie_header(user),
            ctx,
        }
    }

    /// A header unless the user's `headers` config sets it.
    fn has_user_header(&self, name: &str) -> bool {
        self.ctx
            .config
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case(name))
    }

    /// Adds Referer, User-Agent and Cookie and sends; non-2xx answers are
    /// classified (412 = risk control → rate limited).
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        api: &str,
    ) -> Result<String, PlatformError> {
        let mut req = req.header(reqwest::header::COOKIE, &self.cookie);
        if !self.has_user_header("referer") {
            req = req.header(reqwest::header::REFERER, REFERER);
        }
        if !self.has_user_header("user-agent") {
            req = req.header(reqwest::header::USER_AGENT, DESKTOP_UA);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| PlatformError::from_reqwest(&e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            // The API itself is missing, not the room (rooms answer 60004).
            return Err(PlatformError::Transient(format!(
                "bilibili {api}: HTTP 404 (is `api_base` right?)"
            )));
        }
        if !status.is_success() {
            let retry = retry_after(&resp);
            return Err(PlatformError::from_status(
                status.as_u16(),
                &format!("bilibili {api}"),
                retry,
            ));
        }
        resp.text()
            .await
            .map_err(|e| PlatformError::from_reqwest(&e))
    }

    /// An unsigned GET on the live API origin.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
        api: &str,
    ) -> Result<String, PlatformError> {
        let req = self
            .ctx
            .http
            .get(format!("{}{path}", self.live))
            .query(query);
        self.send(req, api).await
    }

    /// A POST with a JSON body on the live API origin.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        api: &str,
    ) -> Result<String, PlatformError> {
        let req = self
            .ctx
            .http
            .post(format!("{}{path}", self.live))
            .json(body);
        self.send(req, api).await
    }

    /// A WBI-signed GET on the live API origin. Keys come from `keys`
    /// (fetched from `nav` when stale); a `-352`/`-403` answer drops them
    /// and the call is made once more with fresh ones.
    pub async fn signed(
        &self,
        keys: &KeyCache,
        path: &str,
        params: &[(&str, String)],
        api: &str,
    ) -> Result<String, PlatformError> {
        let mut refreshed = false;
        loop {
            let k = keys.get(self, refreshed).await?;
            let now = chrono::Utc::now().timestamp();
            let query = wbi::sign(params, &k, now)
                .ok_or_else(|| PlatformError::missing("nav", "data.wbi_img (keys too short)"))?;
            let url = format!("{}{path}?{query}", self.live);
            let text = self.send(self.ctx.http.get(url), api).await?;
            let stale = parse::code_of(&text).is_some_and(|c| STALE_KEY_CODES.contains(&c));
            if stale && !refreshed {
                tracing::debug!(
                    api,
                    "bilibili risk-control code; retrying with fresh WBI keys"
                );
                refreshed = true;
                continue;
            }
            return Ok(text);
        }
    }
}

/// WBI keys shared by every check of the platform, fetched from `nav` at
/// most every [`wbi::KEY_TTL`] (or when a signed call was refused).
#[derive(Default)]
pub struct KeyCache {
    cached: Mutex<Option<CachedKeys>>,
}

impl KeyCache {
    async fn get(&self, api: &Api<'_>, force: bool) -> Result<WbiKeys, PlatformError> {
        if !force {
            let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = cached
                .as_ref()
                .filter(|c| c.fresh_for(&api.main, Instant::now()))
            {
                return Ok(c.keys.clone());
            }
        }
        let req = api
            .ctx
            .http
            .get(format!("{}/x/web-interface/nav", api.main));
        let keys = parse::nav_keys(&api.send(req, "nav").await?)?;
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(CachedKeys {
            keys: keys.clone(),
            api_base: api.main.clone(),
            fetched: Instant::now(),
        });
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buvid3_is_added_unless_present() {
        let b = buvid3();
        assert!(b.ends_with("infoc") && b.len() > 30, "{b}");
        assert_eq!(buvid3(), b, "one value per process");
        assert_eq!(cookie_header(None), format!("buvid3={b}"));
        assert_eq!(
            cookie_header(Some("SESSDATA=x;")),
            format!("SESSDATA=x; buvid3={b}")
        );
        assert_eq!(cookie_header(Some("a=1; buvid3=MINE")), "a=1; buvid3=MINE");
    }
}
