//! Keeps ffmpeg's `-headers` (cookies, `Authorization`) off its command
//! line: FFmpeg 7.0 and later read an option's value from a file when the
//! option is written `-/name FILE`. Older versions have no such way; when a
//! download carries secret headers they fetch through srec's loopback
//! [`HeaderProxy`](crate::net::HeaderProxy) instead, which adds the headers
//! itself (docs/SECURITY.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::config::EffectiveConfig;
use crate::config::secrets::is_secret_header;
use crate::net::SecretFile;

/// The major version in `ffmpeg -version`'s first line (`ffmpeg version
/// 7.1.1-...`, `ffmpeg version n7.0`); `None` for git builds (`N-...`) and
/// anything unexpected, which are treated as old.
pub fn major_version(first_line: &str) -> Option<u32> {
    let v = first_line.strip_prefix("ffmpeg version ")?;
    let v = v.strip_prefix('n').unwrap_or(v);
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether `binary` understands `-/option FILE` (asked once per binary).
pub fn reads_option_files(binary: &Path) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let mut map = seen.lock().unwrap_or_else(|p| p.into_inner());
    *map.entry(binary.to_path_buf()).or_insert_with(|| {
        crate::download::tools::version(binary, "-version")
            .ok()
            .and_then(|l| major_version(&l))
            .is_some_and(|m| m >= 7)
    })
}

/// Whether a download sends secrets in its request headers: cookies, or a
/// header the config counts as secret (`Authorization`, names with
/// `token`, `key`, `auth`, `session`, ...; see
/// [`is_secret_header`](crate::config::secrets::is_secret_header)).
pub fn has_secret_headers(cfg: &EffectiveConfig) -> bool {
    cfg.cookies.as_deref().is_some_and(|c| !c.is_empty())
        || cfg.headers.keys().any(|k| is_secret_header(k))
}

/// Moves the value of `-headers` into a private file and rewrites the pair
/// to `-/headers FILE`; the file lives as long as the returned guard.
pub fn move_headers(argv: &mut [String]) -> std::io::Result<Option<SecretFile>> {
    let Some(i) = argv.iter().position(|a| a == "-headers") else {
        return Ok(None);
    };
    let Some(value) = argv.get(i + 1) else {
        return Ok(None);
    };
    let file = SecretFile::create("ffmpeg-headers", value)?;
    argv[i] = "-/headers".into();
    argv[i + 1] = file.path().display().to_string();
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_first_line() {
        assert_eq!(
            major_version("ffmpeg version 7.1.1-1ubuntu1 Copyright"),
            Some(7)
        );
        assert_eq!(major_version("ffmpeg version n7.0 Copyright"), Some(7));
        assert_eq!(major_version("ffmpeg version 5.1.9-0+deb12u1"), Some(5));
        assert_eq!(major_version("ffmpeg version N-113-gabc"), None);
        assert_eq!(major_version("something else"), None);
    }

    #[test]
    fn cookies_and_credential_headers_are_secret_a_referer_is_not() {
        let mut cfg = EffectiveConfig::defaults("/rec".into());
        assert!(!has_secret_headers(&cfg));
        cfg.headers.insert("Referer".into(), "https://x/".into());
        cfg.headers.insert("User-Agent".into(), "ua".into());
        assert!(!has_secret_headers(&cfg));
        cfg.cookies = Some("a=1".into());
        assert!(has_secret_headers(&cfg));
        cfg.cookies = None;
        cfg.headers.insert("X-Api-Token".into(), "t".into());
        assert!(has_secret_headers(&cfg));
        cfg.headers.clear();
        cfg.headers
            .insert("authorization".into(), "Bearer b".into());
        assert!(has_secret_headers(&cfg));
    }

    #[test]
    fn headers_move_to_a_private_file() {
        let mut argv: Vec<String> = ["-headers", "Cookie: a=1\r\n", "-i", "http://x/"]
            .map(String::from)
            .to_vec();
        let file = move_headers(&mut argv).unwrap().expect("moved");
        assert_eq!(argv[0], "-/headers");
        assert_eq!(argv[1], file.path().display().to_string());
        assert!(!argv.iter().any(|a| a.contains("a=1")));
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap(),
            "Cookie: a=1\r\n"
        );
        let mut none: Vec<String> = vec!["-i".into(), "x".into()];
        assert!(move_headers(&mut none).unwrap().is_none());
    }
}
