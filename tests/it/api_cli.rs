//! The real binary: `srec run` serves the API (address in the lock file),
//! the CLI applies changes through it, and bad API settings stop the daemon
//! at start with a clear error.

use std::time::Duration;

use serde_json::Value;

use crate::harness::Srec;

fn api_addr(srec: &Srec) -> String {
    let text = std::fs::read_to_string(srec.data_dir().join("daemon.lock")).unwrap();
    let info: Value = serde_json::from_str(&text).unwrap();
    format!(
        "http://{}",
        info["api"].as_str().expect("api address in lock file")
    )
}

fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    })
}

#[test]
fn cli_changes_go_through_the_daemon_api() {
    let srec = Srec::new();
    srec.write_config("[api]\nport = 0\ntoken = \"cli-token-123\"\n");
    let mut daemon = srec.daemon();
    daemon.wait_for("REST API listening", Duration::from_secs(5));
    let base = api_addr(&srec);
    assert_eq!(get(&format!("{base}/api/health/live"), None).0, 200);

    let out = srec.ok(&["add", "http://127.0.0.1:9/room/alice", "--priority", "high"]);
    assert!(out.contains("through its API"), "{out}");
    // Visible at once: no DB poll in between.
    let (status, list) = get(&format!("{base}/api/streamers"), Some("cli-token-123"));
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["name"], "alice");
    assert_eq!(list["items"][0]["priority"], "high");
    daemon.wait_for(
        "method=POST path=/api/streamers status=201",
        Duration::from_secs(5),
    );

    let dup = srec.run(&["add", "http://127.0.0.1:9/room/alice"]);
    assert_eq!(dup.code(), 1);
    assert!(dup.stderr().contains("already exists"), "{}", dup.stderr());

    srec.ok(&["disable", "alice"]);
    daemon.wait_for(
        "method=PATCH path=/api/streamers/1 status=200",
        Duration::from_secs(5),
    );
    let (_, one) = get(&format!("{base}/api/streamers/1"), Some("cli-token-123"));
    assert_eq!(one["enabled"], false);
    assert!(srec.ok(&["enable", "alice"]).contains("enabled streamer 1"));

    let status = srec.ok(&["status"]);
    assert!(status.contains("API http://"), "{status}");
    assert!(
        status.contains("download slots: 0/6 used, 0 queued"),
        "{status}"
    );
    let json = srec.json(&["status"]);
    assert_eq!(json["downloads"]["slots"]["limit"], 6);

    // A wrong token in the environment is refused with advice.
    let mut wrong = srec.command();
    wrong
        .env("SREC_API_TOKEN", "wrong-token-1")
        .args(["disable", "alice"]);
    let out = crate::harness::Out(wrong.output().unwrap());
    assert_eq!(out.code(), 1);
    assert!(out.stderr().contains("SREC_API_TOKEN"), "{}", out.stderr());

    srec.ok(&["remove", "alice"]);
    daemon.wait_for(
        "method=DELETE path=/api/streamers/1 status=204",
        Duration::from_secs(5),
    );
    assert_eq!(
        get(&format!("{base}/api/streamers"), Some("cli-token-123")).1["total"],
        0
    );
    daemon.signal("TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(20)), 0);
}

#[test]
fn without_the_api_the_cli_falls_back_to_the_database() {
    let srec = Srec::new();
    srec.write_config("[api]\nenabled = false\n");
    let mut daemon = srec.daemon();
    let out = srec.ok(&["add", "http://127.0.0.1:9/room/bob"]);
    assert!(out.contains("picks it up within a second"), "{out}");
    daemon.wait_for("streamer added", Duration::from_secs(5));
    let lock = std::fs::read_to_string(srec.data_dir().join("daemon.lock")).unwrap();
    assert!(!lock.contains("\"api\""), "{lock}");
    assert!(!srec.ok(&["status"]).contains("download slots"));
}

#[test]
fn non_loopback_bind_is_refused() {
    for (config, needle) in [
        ("[api]\naddress = \"0.0.0.0\"\n", "api.address"),
        (
            "[api]\naddress = \"0.0.0.0\"\nallow_remote = true\nport = 0\n",
            "api.allow_remote",
        ),
    ] {
        let srec = Srec::new();
        srec.write_config(config);
        let out = srec.run(&["run", "--no-tui"]);
        assert_eq!(out.code(), 1, "{config}: {}", out.stderr());
        assert!(out.stderr().contains(needle), "{config}: {}", out.stderr());
        assert!(out.stderr().contains("loopback"), "{}", out.stderr());
    }
}

#[test]
fn port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let srec = Srec::new();
    srec.write_config(&format!("[api]\nport = {port}\n"));
    let out = srec.run(&["run", "--no-tui"]);
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let err = out.stderr();
    assert!(
        err.contains(&format!("port {port}")) && err.contains("api.port"),
        "{err}"
    );
}
