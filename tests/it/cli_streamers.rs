//! `srec add/list/remove/enable/disable/status` through the real binary.

use crate::harness::Srec;

#[test]
fn add_list_toggle_remove_round_trip() {
    let s = Srec::new();
    s.ok(&["add", "http://127.0.0.1:9/room/alice"]);
    s.ok(&[
        "add",
        "https://cdn.example/live/bob.m3u8",
        "--name",
        "Bob B",
        "--priority",
        "high",
        "--disabled",
    ]);

    let list = s.json(&["list"]);
    let arr = list.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["name"], "alice");
    assert_eq!(arr[0]["platform"], "fake");
    assert_eq!(arr[0]["state"], "not_live");
    assert_eq!(arr[0]["enabled"], true);
    assert_eq!(arr[1]["name"], "Bob B");
    assert_eq!(arr[1]["priority"], "high");
    assert_eq!(arr[1]["enabled"], false);
    assert_eq!(arr[1]["platform"], "generic");

    let table = s.ok(&["list"]);
    assert!(
        table.contains("alice") && table.contains("disabled"),
        "{table}"
    );

    assert!(s.ok(&["enable", "Bob B"]).contains("enabled streamer 2"));
    assert!(s.ok(&["enable", "2"]).contains("already enabled"));
    s.ok(&["disable", "http://127.0.0.1:9/room/alice"]);
    let list = s.json(&["list"]);
    assert_eq!(list[0]["enabled"], false);
    assert_eq!(list[1]["enabled"], true);

    let status = s.json(&["status"]);
    assert!(status["daemon"].is_null());
    assert_eq!(status["streamers"]["total"], 2);
    assert_eq!(status["streamers"]["disabled"], 1);
    assert_eq!(status["streamers"]["by_state"]["not_live"], 1);
    assert_eq!(status["recordings"].as_array().unwrap().len(), 0);

    assert!(s.ok(&["remove", "alice"]).contains("removed streamer 1"));
    let list = s.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Bob B");
}

#[test]
fn add_json_returns_created_row() {
    let s = Srec::new();
    let v = s.json(&["add", "http://127.0.0.1:9/room/x"]);
    assert_eq!(v["id"], 1);
    assert_eq!(v["url"], "http://127.0.0.1:9/room/x");
}

#[test]
fn duplicate_url_is_refused_and_changes_nothing() {
    let s = Srec::new();
    s.ok(&["add", "http://127.0.0.1:9/room/a", "--name", "first"]);
    let before = s.ok(&["list", "--json"]);
    let out = s.run(&["add", "http://127.0.0.1:9/room/a", "--name", "second"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("already exists (id 1)"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        out.stderr().lines().count(),
        1,
        "one readable line: {}",
        out.stderr()
    );
    assert_eq!(s.ok(&["list", "--json"]), before);
}

#[test]
fn bad_urls_are_clear_errors() {
    let s = Srec::new();
    for (url, expect) in [
        ("ftp://host/x", "unsupported URL scheme `ftp`"),
        ("not a url", "is not a valid URL"),
    ] {
        let out = s.run(&["add", url]);
        assert_eq!(out.code(), 1, "{url}");
        assert!(out.stderr().starts_with("error: "), "{}", out.stderr());
        assert!(out.stderr().contains(expect), "{}", out.stderr());
        assert!(!out.stderr().contains("panicked"));
    }
    assert_eq!(s.json(&["list"]).as_array().unwrap().len(), 0);
}

#[test]
fn selectors_not_found_and_ambiguous() {
    let s = Srec::new();
    s.ok(&["add", "http://127.0.0.1:9/room/a", "--name", "twin"]);
    s.ok(&["add", "http://127.0.0.1:9/room/b", "--name", "twin"]);
    let out = s.run(&["remove", "twin"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("several streamers (ids 1, 2)"),
        "{}",
        out.stderr()
    );
    let out = s.run(&["disable", "nobody"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr().contains("no streamer matches `nobody`"),
        "{}",
        out.stderr()
    );
    assert_eq!(s.json(&["list"]).as_array().unwrap().len(), 2);
}

#[test]
fn usage_errors_exit_2() {
    let s = Srec::new();
    assert_eq!(s.run(&["add"]).code(), 2);
    assert_eq!(s.run(&["frobnicate"]).code(), 2);
    assert_eq!(
        s.run(&["add", "http://x/y", "--priority", "urgent"]).code(),
        2
    );
    assert_eq!(s.run(&["--help"]).code(), 0);
}

#[test]
fn list_into_closed_pipe_does_not_fail() {
    let s = Srec::new();
    for i in 0..50 {
        s.ok(&["add", &format!("http://127.0.0.1:9/room/r{i}")]);
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{}' list | head -n 1", crate::harness::BIN))
        .env("SREC_CONFIG", s.config_path())
        .env("SREC_DATA_DIR", s.data_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}

#[test]
fn names_from_urls_are_decoded_and_credentials_refused() {
    let s = Srec::new();
    let out = s.run(&["add", "https://bob:hunter22@cdn.example/live/a.m3u8"]);
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(
        out.stderr().contains("user name or password"),
        "{}",
        out.stderr()
    );
    assert!(!out.stderr().contains("hunter22"), "{}", out.stderr());
    let out = s.run(&["add", "https://cdn.example/live/c.m3u8", "--name", "42"]);
    assert_eq!(out.code(), 1, "{}", out.stderr());
    assert!(out.stderr().contains("digits only"), "{}", out.stderr());
    let added = s.json(&["add", "https://cdn.example/live/%F0%9F%8E%A5cam.m3u8"]);
    assert_eq!(added["name"], "🎥cam");
    let long = format!("https://cdn.example/live/{}.m3u8", "n".repeat(300));
    let added = s.json(&["add", &long]);
    assert_eq!(added["name"].as_str().unwrap().chars().count(), 200);
    assert!(s.ok(&["list"]).lines().all(|l| !l.contains("hunter22")));
}
