//! Secrets stay off engine command lines: a streamlink recording with
//! cookies and an Authorization header shows neither in
//! `/proc/PID/cmdline`; they reach streamlink through a 0600 `--config`
//! file that is removed when the download ends. FFmpeg 7 reads them from
//! a 0600 `-/headers` file; an older ffmpeg fetches FLV and HLS through
//! srec's loopback header proxy, which adds them upstream and closes when
//! the download ends.

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

/// An `ffmpeg` that says it is 6.1 (too old for `-/headers FILE`, whatever
/// the installed version) and otherwise is the real one.
fn ffmpeg6_wrapper(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("ffmpeg6");
    let text = "#!/usr/bin/env bash\n\
         if [ \"$1\" = -version ]; then echo 'ffmpeg version 6.1-wrapper'; exit 0; fi\n\
         exec ffmpeg \"$@\"\n";
    std::fs::write(&script, text).expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// Size of the files below `dir` whose name ends with `ext` (`.part` too).
fn bytes_with(dir: &std::path::Path, ext: &str) -> u64 {
    crate::engines::files_below(dir)
        .iter()
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(ext) || n.ends_with(&format!("{ext}.part"))
        })
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// The port of the loopback URL in an ffmpeg command line (`-i
/// http://127.0.0.1:PORT/TOKEN/http/...`), checking the token's shape.
fn loopback_port(cmdline: &str) -> u16 {
    let url = cmdline
        .split(' ')
        .skip_while(|a| *a != "-i")
        .nth(1)
        .expect("-i URL");
    let rest = url.strip_prefix("http://127.0.0.1:").expect(url);
    let (port, path) = rest.split_once('/').expect(url);
    let token = path.split('/').next().unwrap_or_default();
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{url}"
    );
    port.parse().expect("port")
}

#[test]
fn old_ffmpeg_fetches_through_the_loopback_header_proxy() {
    if !have_tools() || !std::path::Path::new("/proc/self/cmdline").exists() {
        return;
    }
    let fake = Fake::new();
    let flv_room = fake.live_room("proxied_flv");
    let hls_room = fake.live_room("proxied_hls");
    let s = Srec::new();
    let wrapper = ffmpeg6_wrapper(s.dir.path());
    let out = engine_config(
        &s,
        &format!(
            "cookies = \"SESSDATA=cookie-secret-3\"\n\
             [recording.headers]\nAuthorization = \"Bearer auth-secret-3\"\n\
             Referer = \"https://referer.example/\"\n\
             [engines.ffmpeg]\npath = \"{}\"\n",
            wrapper.display()
        ),
    );
    s.ok(&["add", &flv_room.page_url(), "--template", "ffmpeg_flv"]);
    s.ok(&["add", &hls_room.page_url(), "--template", "ffmpeg_hls"]);
    let mut d = s.daemon();
    let rec = out.display().to_string();
    let mut lines = Vec::new();
    assert!(
        wait_until(Duration::from_secs(20), || {
            lines = cmdlines_with("-segment_format")
                .into_iter()
                .filter(|c| c.contains(&rec))
                .collect();
            lines.len() == 2
        }),
        "two ffmpeg processes: {lines:?}"
    );
    for line in &lines {
        for secret in [
            "cookie-secret-3",
            "auth-secret-3",
            "SESSDATA",
            "Authorization",
        ] {
            assert!(!line.contains(secret), "{secret} on argv: {line}");
        }
        loopback_port(line);
    }
    // Both record, and the fake platform got the cookie on every media
    // request (the FLV stream, playlists and segments alike).
    assert!(
        wait_until(Duration::from_secs(30), || {
            bytes_with(&out.join(flv_room.id()), ".flv") > 50_000
                && bytes_with(&out.join(hls_room.id()), ".ts") > 50_000
        }),
        "both recordings produce bytes; log:\n{}",
        d.seen.join("\n")
    );
    assert!(
        cmdlines_with("cookie-secret-3").is_empty() && cmdlines_with("auth-secret-3").is_empty(),
        "a secret on some command line"
    );
    let seen = fake.media_cookies();
    for kind in ["flv", "playlist", "segment"] {
        assert!(
            seen.get(&format!("{kind} SESSDATA=cookie-secret-3"))
                .is_some_and(|n| *n > 0),
            "{kind} requests carried the cookie: {seen:?}"
        );
        assert!(
            !seen.contains_key(&format!("{kind} ")),
            "{kind} request without the cookie: {seen:?}"
        );
    }
    // The proxy lives as long as its download: the FLV room going offline
    // ends ffmpeg, and its listener closes while the daemon runs on.
    let flv_line = lines
        .iter()
        .find(|l| l.contains(".flv"))
        .expect("the FLV ffmpeg");
    let port = loopback_port(flv_line);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    flv_room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        }),
        "the header proxy outlived its download"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
