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

/// An `ffmpeg` that says it is 7.1, records what srec passed, and runs the
/// real (older) ffmpeg with `-/headers FILE` turned back into `-headers`.
fn ffmpeg7_wrapper(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("ffmpeg7");
    let text = format!(
        "#!/usr/bin/env bash\n\
         if [ \"$1\" = -version ]; then echo 'ffmpeg version 7.1-wrapper'; exit 0; fi\n\
         printf '%s\\n' \"$@\" > '{d}/argv.txt'\n\
         args=()\n\
         while [ $# -gt 0 ]; do\n\
           if [ \"$1\" = -/headers ]; then\n\
             cp \"$2\" '{d}/headers.txt'; stat -c %a \"$2\" > '{d}/mode.txt'\n\
             h=\"$(cat \"$2\"; printf x)\"; args+=(-headers \"${{h%x}}\"); shift 2\n\
           else args+=(\"$1\"); shift; fi\n\
         done\n\
         exec ffmpeg \"${{args[@]}}\"\n",
        d = dir.display()
    );
    std::fs::write(&script, text).expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

#[test]
fn ffmpeg_7_gets_its_headers_from_a_private_file() {
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let room = fake.live_room("ff7");
    let s = Srec::new();
    let wrapper = ffmpeg7_wrapper(s.dir.path());
    engine_config(
        &s,
        &format!(
            "cookies = \"SESSDATA=cookie-secret-2\"\nengine = \"ffmpeg\"\nstream_format = \"flv\"\n\
             [engines.ffmpeg]\npath = \"{}\"\n",
            wrapper.display()
        ),
    );
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(20));
    let argv = std::fs::read_to_string(s.dir.path().join("argv.txt")).expect("argv");
    assert!(!argv.contains("cookie-secret-2"), "{argv}");
    let file = argv
        .lines()
        .skip_while(|a| *a != "-/headers")
        .nth(1)
        .expect("-/headers FILE")
        .to_string();
    let headers = std::fs::read_to_string(s.dir.path().join("headers.txt")).expect("headers");
    assert!(
        headers.contains("Cookie: SESSDATA=cookie-secret-2"),
        "{headers}"
    );
    let mode = std::fs::read_to_string(s.dir.path().join("mode.txt")).expect("mode");
    assert_eq!(mode.trim(), "600");
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(
        !std::path::Path::new(&file).exists(),
        "the header file outlived the download"
    );
}
