//! The streamlink fallback: sites srec has no extractor for but one of
//! streamlink's plugins knows. Such a streamer gets platform `streamlink`
//! when it is added ([`admit`]; never from the URL alone, so URL resolution
//! stays pure), its checks run `streamlink --json URL` ([`parse`]) with the
//! streamer's proxy, headers and cookies (secret ones through a private
//! `--config` file, [`HttpOptions`]), and it is recorded by the
//! streamlink engine on the page URL so the plugin resolves (and refreshes)
//! the stream itself.

pub mod admit;
pub mod parse;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::{BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef};
use crate::config::secrets::is_secret_header;
use crate::net::SecretFile;

/// Longest a `--json` check may take (plugins make several requests).
const CHECK_TIMEOUT: Duration = Duration::from_secs(45);

/// Sites reached through streamlink's plugins.
pub struct StreamlinkPlatform;

/// streamlink's HTTP options for a streamer, split so secrets stay off
/// the command line every local user can read (`ps`): the public ones as
/// arguments (`--http-proxy`, `--http-header K=V`), the secret ones
/// (cookies, credential headers, a proxy with a password) as lines of a
/// streamlink config file (`http-cookie=K=V`) handed over with `--config
/// FILE`. Shared by the checks and the streamlink engine so both reach the
/// site the same way.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// Arguments safe to show in `ps`.
    pub args: Vec<String>,
    /// Config-file lines (`option=value\n`); empty when there are none.
    /// Values cannot hold line breaks (refused at config load).
    pub secret_lines: String,
}

impl HttpOptions {
    /// Splits a streamer's proxy, headers and cookies.
    pub fn new(
        proxy: Option<&str>,
        headers: &BTreeMap<String, String>,
        cookies: Option<&str>,
    ) -> Self {
        let mut o = Self::default();
        if let Some(p) = proxy {
            if proxy_has_password(p) {
                o.secret("http-proxy", p.to_string());
            } else {
                o.args.extend(["--http-proxy".to_string(), p.to_string()]);
            }
        }
        for (k, v) in headers {
            if is_secret_header(k) {
                o.secret("http-header", format!("{k}={v}"));
            } else {
                o.args
                    .extend(["--http-header".to_string(), format!("{k}={v}")]);
            }
        }
        for c in cookies.iter().flat_map(|c| c.split(';')) {
            if let Some((k, v)) = c.trim().split_once('=') {
                o.secret("http-cookie", format!("{}={}", k.trim(), v.trim()));
            }
        }
        o
    }

    /// Adds a secret config-file line `option=value`.
    pub fn secret(&mut self, option: &str, value: String) {
        self.secret_lines.push_str(&format!("{option}={value}\n"));
    }

    /// Writes the secret lines to a private file (none when there are no
    /// secrets) and returns the arguments to run with: `--config FILE`
    /// first, then the public ones. Keep the file alive until the child
    /// has exited; dropping it removes it.
    pub fn into_argv(self, tag: &str) -> std::io::Result<(Vec<String>, Option<SecretFile>)> {
        if self.secret_lines.is_empty() {
            return Ok((self.args, None));
        }
        let file = SecretFile::create(tag, &self.secret_lines)?;
        let mut argv = vec!["--config".to_string(), file.path().display().to_string()];
        argv.extend(self.args);
        Ok((argv, Some(file)))
    }
}

/// Whether a proxy URL carries a password (then it is a secret).
fn proxy_has_password(p: &str) -> bool {
    ::url::Url::parse(p).is_ok_and(|u| u.password().is_some())
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
    let (mut args, secrets) =
        HttpOptions::new(cfg.proxy.as_deref(), &cfg.headers, cfg.cookies.as_deref())
            .into_argv("streamlink-check")
            .map_err(|e| {
                PlatformError::Transient(format!("cannot write streamlink's option file: {e}"))
            })?;
    args.extend(["--json".to_string(), ctx.url.to_string()]);
    let text = run(&cfg.streamlink_path, &args, CHECK_TIMEOUT).await;
    // The child has exited (or was killed on timeout): remove the file.
    drop(secrets);
    parse::output(&text?, ctx.url)
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
    fn http_options_keep_secrets_off_argv() {
        let headers = BTreeMap::from([
            ("Referer".to_string(), "https://x/".to_string()),
            ("Authorization".to_string(), "Bearer t".to_string()),
        ]);
        let o = HttpOptions::new(Some("socks5://h:1"), &headers, Some("a=1; b = 2;"));
        assert_eq!(
            o.args.join(" "),
            "--http-proxy socks5://h:1 --http-header Referer=https://x/"
        );
        assert_eq!(
            o.secret_lines,
            "http-header=Authorization=Bearer t\nhttp-cookie=a=1\nhttp-cookie=b=2\n"
        );
        let p = HttpOptions::new(Some("http://u:pw@h:1"), &BTreeMap::new(), None);
        assert!(p.args.is_empty());
        assert_eq!(p.secret_lines, "http-proxy=http://u:pw@h:1\n");
        assert_eq!(
            HttpOptions::new(None, &BTreeMap::new(), None),
            HttpOptions::default()
        );
    }

    #[test]
    fn secrets_go_to_a_private_config_file() {
        let o = HttpOptions::new(None, &BTreeMap::new(), Some("a=1"));
        let (argv, file) = o.into_argv("test").unwrap();
        let file = file.unwrap();
        assert_eq!(argv, ["--config", &file.path().display().to_string()]);
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap(),
            "http-cookie=a=1\n"
        );
        let (argv, none) = HttpOptions::default().into_argv("test").unwrap();
        assert!(argv.is_empty() && none.is_none());
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
