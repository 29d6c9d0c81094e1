//! Secrets stay off engine command lines: a streamlink recording with
//! cookies and an Authorization header shows neither in
//! `/proc/PID/cmdline`; they reach streamlink through a 0600 `--config`
//! file that is removed when the download ends.

use std::time::Duration;

use crate::engines::{EXIT, engine_config, have_tools};
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

/// Command lines (NUL-separated args joined by spaces) of processes whose
/// arguments contain `needle`.
fn cmdlines_with(needle: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .filter(|c| c.contains(needle) && !c.contains("cargo"))
        .collect()
}

#[test]
fn streamlink_gets_cookies_and_credentials_from_a_private_file() {
    if !have_tools() || !std::path::Path::new("/proc/self/cmdline").exists() {
        return;
    }
    let fake = Fake::new();
    let room = fake.live_room("secretive");
    let s = Srec::new();
    engine_config(
        &s,
        "cookies = \"SESSDATA=cookie-secret-1\"\n\
         [recording.headers]\nAuthorization = \"Bearer auth-secret-1\"\n",
    );
    s.ok(&["add", &room.page_url(), "--template", "streamlink_hls"]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(20));
    let port = fake.base_url();
    let port = port
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    let mut lines = Vec::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            lines = cmdlines_with("--stdout")
                .into_iter()
                .filter(|c| c.contains(port))
                .collect();
            !lines.is_empty()
        }),
        "no streamlink process found"
    );
    let line = &lines[0];
    assert!(!line.contains("cookie-secret-1"), "{line}");
    assert!(!line.contains("auth-secret-1"), "{line}");
    let file = line
        .split(' ')
        .skip_while(|a| *a != "--config")
        .nth(1)
        .expect("--config FILE")
        .to_string();
    let text = std::fs::read_to_string(&file).expect("option file");
    assert!(
        text.contains("http-cookie=SESSDATA=cookie-secret-1"),
        "{text}"
    );
    assert!(
        text.contains("http-header=Authorization=Bearer auth-secret-1"),
        "{text}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(
        !std::path::Path::new(&file).exists(),
        "the option file outlived the download"
    );
}
