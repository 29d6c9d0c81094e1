//! The streamlink fallback end to end through the real binary, with a stub
//! `streamlink` (`[engines.streamlink] path`) that answers
//! `--can-handle-url` for `*.example.invalid`, logs its arguments and the
//! mode and contents of its `--config` file, prints the recorded `--json`
//! fixtures of `tests/fixtures/streamlink/` per URL, and on `--stdout`
//! hands over to the real streamlink reading the fake server's HLS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, ffprobe_ok, repo_root, wait_until};

const EXIT: Duration = Duration::from_secs(35);

/// The stub's folder: `state_NAME` (ok / nostreams / noplugin) and
/// `media_NAME` steer the answers for `https://example.invalid/NAME`;
/// `calls.log` lists every invocation's arguments, `configs.log` the mode
/// and lines of every `--config FILE` it was given.
struct Stub {
    dir: tempfile::TempDir,
}

/// The real streamlink on PATH, if installed.
fn real_streamlink() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("streamlink"))
        .find(|p| p.is_file())
}

impl Stub {
    fn new(fake: &Fake) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let real = real_streamlink().unwrap_or_else(|| PathBuf::from("/nonexistent/streamlink"));
        let script = format!(
            r#"#!/usr/bin/env bash
DIR='{dir}'
echo "$*" >> "$DIR/calls.log"
prev=""
for a in "$@"; do
  if [ "$prev" = --config ]; then stat -c %a "$a" >> "$DIR/configs.log"; cat "$a" >> "$DIR/configs.log"; fi
  prev="$a"
done
url=""
for a in "$@"; do case "$a" in https://*.invalid/*) url="$a";; esac; done
name="${{url##*/}}"
case " $* " in
  *" --can-handle-url "*) [[ "$url" == https://example.invalid/* ]]; exit $?;;
  *" --json "*)
    mode="$(cat "$DIR/state_$name" 2>/dev/null || echo noplugin)"
    cat "$DIR/json_$mode.json"
    [ "$mode" = ok ]; exit $?;;
  *" --stdout "*) exec '{real}' --stdout --loglevel warning "hls://$(cat "$DIR/media_$name")" best;;
esac
echo "stub streamlink: unexpected arguments: $*" >&2
exit 2
"#,
            dir = dir.path().display(),
            real = real.display(),
        );
        let bin = dir.path().join("streamlink");
        std::fs::write(&bin, script).expect("stub");
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let fixtures = repo_root().join("tests/fixtures/streamlink");
        let room = fake.room("slvars");
        for mode in ["ok", "nostreams", "noplugin"] {
            let t = std::fs::read_to_string(fixtures.join(format!("json_{mode}.json")))
                .expect("fixture");
            let filled = t
                .replace("{{hls_media_url}}", &room.hls_media_url())
                .replace("{{hls_variant1_url}}", &room.hls_variant_url(1))
                .replace("{{flv_url}}", &room.flv_url())
                .replace("{{url}}", "https://example.invalid/");
            std::fs::write(dir.path().join(format!("json_{mode}.json")), filled).expect("write");
        }
        Self { dir }
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("streamlink")
    }

    fn set(&self, name: &str, state: &str) {
        std::fs::write(self.dir.path().join(format!("state_{name}")), state).expect("state");
    }

    fn media(&self, name: &str, url: &str) {
        std::fs::write(self.dir.path().join(format!("media_{name}")), url).expect("media");
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("calls.log")).unwrap_or_default()
    }

    fn configs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("configs.log")).unwrap_or_default()
    }
}

fn config(s: &Srec, streamlink: &Path) {
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\n\n\
         [platforms.streamlink]\ncookies = \"a=1; b=2\"\n\n\
         [engines.streamlink]\npath = \"{}\"\n",
        streamlink.display()
    ));
}

fn by_url(list: &serde_json::Value, tail: &str) -> serde_json::Value {
    let arr = list.as_array().cloned().unwrap_or_default();
    arr.into_iter()
        .find(|x| x["url"].as_str().unwrap_or("").ends_with(tail))
        .unwrap_or_default()
}

#[test]
fn site_streamlink_add_chooses_streamlink_only_when_it_has_a_plugin() {
    let fake = Fake::new();
    let stub = Stub::new(&fake);
    let s = Srec::new();
    config(&s, &stub.bin());
    let out = s.ok(&["add", "https://example.invalid/channel"]);
    assert!(out.contains("(streamlink, "), "{out}");
    let other = s.run(&["add", "https://other.invalid/page"]);
    assert!(other.stdout().contains("(generic, "), "{}", other.stdout());
    assert!(
        other.stderr().contains("no streamlink plugin"),
        "{}",
        other.stderr()
    );
    // Direct media URLs never ask streamlink.
    let direct = s.ok(&["add", "https://example.invalid/live/x.m3u8"]);
    assert!(direct.contains("(generic, "), "{direct}");
    assert_eq!(stub.calls().lines().count(), 2, "{}", stub.calls());
    // Without streamlink the URL stays generic, with a hint.
    let s2 = Srec::new();
    config(&s2, Path::new("/nonexistent/streamlink"));
    let missing = s2.run(&["add", "https://example.invalid/channel"]);
    assert!(
        missing.stdout().contains("(generic, "),
        "{}",
        missing.stdout()
    );
    assert!(
        missing.stderr().contains("[engines.streamlink] path"),
        "{}",
        missing.stderr()
    );
}

#[test]
fn site_streamlink_checks_live_offline_and_no_plugin() {
    let fake = Fake::new();
    let stub = Stub::new(&fake);
    let s = Srec::new();
    config(&s, &stub.bin());
    stub.set("on", "ok");
    stub.media("on", &fake.live_room("slon").hls_media_url());
    stub.set("off", "nostreams");
    stub.set("gone", "noplugin");
    for name in ["on", "off", "gone"] {
        let out = s.ok(&["add", &format!("https://example.invalid/{name}")]);
        assert!(out.contains("(streamlink, "), "{out}");
    }
    let mut d = s.daemon();
    // With a daemon, `srec add` goes through its API, which admits too.
    let via_api = s.ok(&["add", "https://example.invalid/late"]);
    assert!(
        via_api.contains("(streamlink, ") && via_api.contains("through its API"),
        "{via_api}"
    );
    let ok = wait_until(Duration::from_secs(25), || {
        let l = s.json(&["list"]);
        by_url(&l, "/on")["state"] == "live"
            && by_url(&l, "/gone")["state"] == "not_found"
            && stub
                .calls()
                .matches("--json https://example.invalid/off")
                .count()
                >= 2
    });
    let l = s.json(&["list"]);
    assert!(ok, "{l}\n{}", d.seen.join("\n"));
    assert_eq!(by_url(&l, "/off")["state"], "not_live", "{l}");
    let gone = by_url(&l, "/gone")["last_error"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(gone.contains("no plugin"), "{gone}");
    // The streamer's cookies reach streamlink through a private `--config`
    // file, never on its command line (readable by every user via `ps`).
    let calls = stub.calls();
    assert!(calls.contains("--config "), "{calls}");
    assert!(!calls.contains("a=1") && !calls.contains("b=2"), "{calls}");
    assert!(
        stub.configs()
            .contains("600\nhttp-cookie=a=1\nhttp-cookie=b=2\n"),
        "{}",
        stub.configs()
    );
    let file = calls
        .split(' ')
        .skip_while(|a| *a != "--config")
        .nth(1)
        .unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(5), || !Path::new(file).exists()),
        "the option file {file} outlived the check"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn site_streamlink_records_through_the_streamlink_engine() {
    if real_streamlink().is_none() {
        eprintln!("SKIPPED: streamlink is not installed");
        return;
    }
    let fake = Fake::new();
    let stub = Stub::new(&fake);
    let room = fake.room("slrec");
    stub.set("slrec", "nostreams");
    stub.media("slrec", &room.hls_media_url());
    let s = Srec::new();
    config(&s, &stub.bin());
    let out = s.ok(&["add", "https://example.invalid/slrec"]);
    assert!(out.contains("(streamlink, "), "{out}");
    let mut d = s.daemon();
    room.set_live(true);
    stub.set("slrec", "ok");
    d.wait_for("segment opened", Duration::from_secs(30));
    assert!(wait_until(Duration::from_secs(30), || {
        s.json(&["status"])["recordings"][0]["bytes"]
            .as_i64()
            .is_some_and(|b| b > 150_000)
    }));
    stub.set("slrec", "nostreams");
    room.set_live(false);
    let db = || Db::open(&s.db_path()).expect("db");
    let first = || {
        db().with(|c| sessions::list_for(c, 1, 10))
            .ok()
            .and_then(|v| v.first().cloned())
    };
    assert!(
        wait_until(Duration::from_secs(40), || first()
            .is_some_and(|x| x.ended_at.is_some())),
        "session not closed:\n{}",
        d.seen.join("\n")
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let session = first().expect("session");
    assert_eq!(session.title.as_deref(), Some("A \"quoted\" stream"));
    let segs = db()
        .with(|c| sessions::segments(c, session.id))
        .expect("segments");
    assert!(!segs.is_empty());
    for g in &segs {
        ffprobe_ok(Path::new(&g.path));
    }
    // The engine handed streamlink the page URL, not a stream URL.
    assert!(
        stub.calls().contains("https://example.invalid/slrec best"),
        "{}",
        stub.calls()
    );
}

#[test]
fn site_streamlink_probe_uses_the_admitted_platform() {
    let fake = Fake::new();
    let stub = Stub::new(&fake);
    let s = Srec::new();
    config(&s, &stub.bin());
    stub.set("pon", "ok");
    stub.set("poff", "nostreams");
    stub.set("pgone", "noplugin");
    let out = s.run(&["probe", "https://example.invalid/pon", "--json"]);
    assert_eq!(out.code(), 0, "{}", out.stderr());
    let j: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(j["platform"], "streamlink", "{j}");
    assert_eq!(j["engine"], "streamlink", "recorded by streamlink: {j}");
    assert!(
        j["streams"].as_array().is_some_and(|v| !v.is_empty()),
        "{j}"
    );
    let out = s.run(&["probe", "https://example.invalid/poff"]);
    assert_eq!(out.code(), 3, "{}", out.stderr());
    assert!(
        out.stdout().contains("platform  streamlink"),
        "{}",
        out.stdout()
    );
    let out = s.run(&["probe", "https://example.invalid/pgone"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("streamlink: room not found"),
        "{}",
        out.stderr()
    );
}

/// The streamlink engine's own command line (`--stdout`) carries no
/// cookie either: the stub logs its argv and the `--config` file it got
/// (0600), and the file is gone once the download has ended. Needs ffmpeg
/// (the engine pipes into it), not streamlink.
#[test]
fn site_streamlink_engine_gets_cookies_from_a_private_file() {
    if !crate::harness::have_ffmpeg() {
        return;
    }
    let fake = Fake::new();
    let stub = Stub::new(&fake);
    let room = fake.live_room("slsecret");
    stub.set("slsecret", "ok");
    stub.media("slsecret", &room.hls_media_url());
    let s = Srec::new();
    config(&s, &stub.bin());
    s.ok(&["add", "https://example.invalid/slsecret"]);
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(30), || stub
            .calls()
            .lines()
            .any(|l| l.contains("--stdout"))),
        "the engine never ran streamlink:\n{}",
        d.seen.join("\n")
    );
    let calls = stub.calls();
    let line = calls
        .lines()
        .find(|l| l.contains("--stdout"))
        .unwrap_or_default();
    assert!(line.starts_with("--config "), "{line}");
    assert!(!line.contains("a=1") && !line.contains("b=2"), "{line}");
    let file = line.split(' ').nth(1).unwrap_or_default().to_string();
    assert!(
        stub.configs()
            .contains("600\nhttp-cookie=a=1\nhttp-cookie=b=2\n"),
        "{}",
        stub.configs()
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(
        !Path::new(&file).exists(),
        "the option file {file} outlived the download"
    );
}
