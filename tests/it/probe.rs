//! `srec probe URL`: exit status 0 live, 3 offline, 1 error; the human and
//! JSON outputs name the platform, the ranked candidates and the pick.

use crate::fake::Fake;
use crate::harness::Srec;

#[test]
fn probe_reports_live_offline_and_errors_with_their_exit_codes() {
    let fake = Fake::new();
    let live = fake.live_room("alice");
    let off = fake.room("bob");
    off.set_live(false);
    let s = Srec::new();
    s.write_config("[recording]\nstream_format = \"flv\"\n");

    let out = s.run(&["probe", &live.page_url()]);
    assert_eq!(out.code(), 0, "{}", out.stderr());
    let text = out.stdout();
    assert!(text.contains("platform  fake"), "{text}");
    assert!(text.contains("status    LIVE"), "{text}");
    assert!(text.contains("format flv"), "{text}");
    // The FLV candidate is ranked first because the config asks for FLV.
    let pick = text.lines().find(|l| l.contains('→')).expect("a pick");
    assert!(pick.contains("flv"), "{text}");
    assert!(
        text.contains("records   #1 (source flv) with mesio"),
        "{text}"
    );

    let out = s.run(&["probe", &live.page_url(), "--json"]);
    assert_eq!(out.code(), 0);
    let j: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(j["platform"], "fake");
    assert_eq!(j["live"], true);
    assert_eq!(j["selected"], 0);
    assert_eq!(j["streams"][0]["format"], "flv");
    assert_eq!(j["streams"][0]["url"], live.flv_url());
    assert_eq!(j["room"]["id"], "alice");

    let out = s.run(&["probe", &off.page_url(), "--json"]);
    assert_eq!(out.code(), 3, "offline exits 3: {}", out.stderr());
    let j: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(j["live"], false);
    assert!(j["selected"].is_null());

    let missing = format!("{}/room/nobody", fake.base_url());
    let out = s.run(&["probe", &missing]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr().contains("room not found"), "{}", out.stderr());
    assert!(out.stdout().is_empty());

    let out = s.run(&["probe", "ftp://example.com/x"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("unsupported URL scheme"),
        "{}",
        out.stderr()
    );
}

#[test]
fn probe_uses_the_monitored_streamers_own_config() {
    let fake = Fake::new();
    let live = fake.live_room("carol");
    let s = Srec::new();
    s.write_config(
        "[recording]\nstream_format = \"hls\"\n\n[templates.flvfirst]\nstream_format = \"flv\"\n",
    );
    s.ok(&["add", &live.page_url(), "--template", "flvfirst"]);
    let j: serde_json::Value =
        serde_json::from_str(&s.ok(&["probe", &live.page_url(), "--json"])).expect("json");
    assert_eq!(j["streamer_id"], 1);
    assert_eq!(j["streams"][0]["format"], "flv", "{j}");
}

#[test]
fn a_dead_proxy_is_named_as_the_proxy() {
    let s = Srec::new();
    s.write_config("[recording]\nproxy = \"http://user:hunter22@127.0.0.1:9\"\n");
    let out = s.run(&["probe", "http://127.0.0.1:9/room/x"]);
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let err = out.stderr();
    assert!(err.contains("through proxy http://127.0.0.1:9/"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
}
