//! Admission of a new streamer URL (`srec add`, `POST /api/streamers`): a
//! URL only the catch-all `generic` platform claims, and that is not a
//! direct media URL, becomes platform `streamlink` when
//! `streamlink --can-handle-url URL` exits 0. Runs a process, so it is
//! kept out of the pure [`crate::platform::resolve`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::platform::ResolvedUrl;

/// Longest `--can-handle-url` may take (it only loads the plugins).
const TIMEOUT: Duration = Duration::from_secs(15);

/// What admission decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub resolved: ResolvedUrl,
    /// A note for the user when the URL stays `generic` for a reason they
    /// can change (streamlink missing, or it knows no plugin either).
    pub hint: Option<String>,
}

/// A URL that already names media (`.m3u8`, `.flv`, `.ts`, `.mp4`) or a
/// loopback test room: generic records it directly.
fn is_direct(url: &str) -> bool {
    let Ok(u) = ::url::Url::parse(url) else {
        return true;
    };
    let path = u.path().to_ascii_lowercase();
    let media = [".m3u8", ".flv", ".ts", ".mp4"]
        .iter()
        .any(|ext| path.ends_with(ext));
    media || (crate::platform::fake::is_loopback(&u) && path.starts_with("/room/"))
}

/// Whether `binary --can-handle-url URL` exits 0 (a timeout counts as
/// no), or why it could not run.
fn can_handle(binary: &Path, url: &str) -> Result<bool, String> {
    let mut child = Command::new(binary)
        .args(["--can-handle-url", url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("`{}`: {e}", binary.display()))?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                // A hung streamlink must not hang `srec add`; not ours to judge.
                let _ = child.kill();
                let _ = child.wait();
                return Ok(false);
            }
            Err(e) => return Err(format!("`{}`: {e}", binary.display())),
        }
    }
}

/// Decides the platform of a resolved URL (blocking: runs streamlink).
pub fn admit(resolved: ResolvedUrl, binary: &Path) -> Admitted {
    if resolved.platform != "generic" || is_direct(&resolved.url) {
        return Admitted {
            resolved,
            hint: None,
        };
    }
    match can_handle(binary, &resolved.url) {
        Ok(true) => Admitted {
            resolved: ResolvedUrl {
                platform: "streamlink",
                ..resolved
            },
            hint: None,
        },
        Ok(false) => Admitted {
            resolved,
            hint: Some(
                "no srec platform and no streamlink plugin knows this site; it is \
                 checked as a direct stream URL"
                    .into(),
            ),
        },
        Err(e) => Admitted {
            resolved,
            hint: Some(format!(
                "no srec platform knows this site and streamlink could not run ({e}); it is \
                 checked as a direct stream URL. Install streamlink or set \
                 [engines.streamlink] path, then add it again to use streamlink's plugins"
            )),
        },
    }
}

/// [`admit`] on the blocking pool, for async callers (the API).
pub async fn admit_async(resolved: ResolvedUrl, binary: PathBuf) -> Admitted {
    let fallback = resolved.clone();
    tokio::task::spawn_blocking(move || admit(resolved, &binary))
        .await
        .unwrap_or(Admitted {
            resolved: fallback,
            hint: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(url: &str) -> ResolvedUrl {
        crate::platform::resolve(url).unwrap()
    }

    /// A stand-in binary that answers `--can-handle-url` with `code`.
    fn stub(dir: &Path, code: i32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(format!("sl{code}"));
        std::fs::write(&p, format!("#!/bin/sh\nexit {code}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn decides_by_streamlink_and_skips_direct_and_known_urls() {
        let dir = tempfile::tempdir().unwrap();
        let (yes, no) = (stub(dir.path(), 0), stub(dir.path(), 1));
        let page = generic("https://example.invalid/channel");
        let a = admit(page.clone(), &yes);
        assert_eq!((a.resolved.platform, a.hint), ("streamlink", None));
        let b = admit(page.clone(), &no);
        assert_eq!(b.resolved.platform, "generic");
        assert!(b.hint.unwrap().contains("no streamlink plugin"));
        let c = admit(page, Path::new("/nonexistent/streamlink"));
        assert_eq!(c.resolved.platform, "generic");
        assert!(c.hint.unwrap().contains("[engines.streamlink] path"));
        for direct in [
            "https://cdn.example/live/a.m3u8?t=1",
            "https://cdn.example/a.FLV",
            "http://127.0.0.1:9/room/x/y",
        ] {
            let d = admit(generic(direct), &yes);
            assert_eq!(d.resolved.platform, "generic", "{direct}");
        }
        let yt = admit(generic("https://www.youtube.com/@a/live"), &yes);
        assert_eq!(yt.resolved.platform, "youtube");
    }
}
