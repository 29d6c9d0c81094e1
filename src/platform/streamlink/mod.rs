//! The streamlink fallback: sites srec has no extractor for but one of
//! streamlink's plugins knows. Such a streamer gets platform `streamlink`
//! when it is added ([`admit`]; never from the URL alone, so URL resolution
//! stays pure), its checks run `streamlink --json URL` ([`parse`]) with the
//! streamer's proxy, headers and cookies, and it is recorded by the
//! streamlink engine on the page URL so the plugin resolves (and refreshes)
//! the stream itself.

pub mod admit;
pub mod parse;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::{BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef};

/// Longest a `--json` check may take (plugins make several requests).
const CHECK_TIMEOUT: Duration = Duration::from_secs(45);

/// Sites reached through streamlink's plugins.
pub struct StreamlinkPlatform;

/// streamlink's HTTP options for a streamer: `--http-proxy`,
/// `--http-header K=V`, `--http-cookie K=V`. Shared by the checks and the
/// streamlink engine so both reach the site the same way.
pub fn http_args(
    proxy: Option<&str>,
    headers: &BTreeMap<String, String>,
    cookies: Option<&str>,
) -> Vec<String> {
    let mut a = Vec::new();
    if let Some(p) = proxy {
        a.extend(["--http-proxy".to_string(), p.to_string()]);
    }
    for (k, v) in headers {
        a.extend(["--http-header".to_string(), format!("{k}={v}")]);
    }
    for c in cookies.iter().flat_map(|c| c.split(';')) {
        if let Some((k, v)) = c.trim().split_once('=') {
            a.extend([
                "--http-cookie".to_string(),
                format!("{}={}", k.trim(), v.trim()),
            ]);
        }
    }
    a
}

/// Runs `binary args…` and returns its stdout (any exit status: streamlink
/// exits 1 with a JSON error), or why it could not run.
async fn run(binary: &Path, args: &[String], timeout: Duration) -> Result<String, PlatformError> {
    let child = tokio::process::Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            PlatformError::Transient(format!(
                "cannot run streamlink (`{}`): {e}; install it or set [engines.streamlink] path",
                binary.display()
            ))
        })?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| {
            PlatformError::Transient(format!(
                "streamlink took longer than {}s to answer",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| PlatformError::Transient(format!("streamlink: {e}")))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn check(ctx: &CheckContext<'_>) -> Result<LiveStatus, PlatformError> {
    let cfg = ctx.config;
    let mut args = http_args(cfg.proxy.as_deref(), &cfg.headers, cfg.cookies.as_deref());
    args.extend(["--json".to_string(), ctx.url.to_string()]);
    let text = run(&cfg.streamlink_path, &args, CHECK_TIMEOUT).await?;
    parse::output(&text, ctx.url)
}

impl Platform for StreamlinkPlatform {
    fn name(&self) -> &'static str {
        "streamlink"
    }

    /// Never claims a URL by itself: [`admit`] assigns it.
    fn room(&self, _url: &::url::Url) -> Option<RoomRef> {
        None
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(check(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_options() {
        let headers = BTreeMap::from([("Referer".to_string(), "https://x/".to_string())]);
        let a = http_args(Some("socks5://h:1"), &headers, Some("a=1; b = 2;")).join(" ");
        assert_eq!(
            a,
            "--http-proxy socks5://h:1 --http-header Referer=https://x/ \
             --http-cookie a=1 --http-cookie b=2"
        );
        assert!(http_args(None, &BTreeMap::new(), None).is_empty());
    }

    #[tokio::test]
    async fn a_missing_binary_is_a_clear_error() {
        let e = run(Path::new("/nonexistent/streamlink"), &[], CHECK_TIMEOUT)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, PlatformError::Transient(m) if m.contains("[engines.streamlink] path")),
            "{e:?}"
        );
    }
}
