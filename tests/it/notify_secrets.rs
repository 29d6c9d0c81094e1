//! Notification secrets stay secret: a daemon logging at debug for every
//! crate drives deliveries that succeed, retry and end as dead letters
//! through channels holding a webhook URL token, a Discord webhook token,
//! an SMTP password, an HMAC secret and a secret header; none of those
//! values appears in its stderr or log files, in `srec notify test`,
//! `srec notify dead-letters [--json]`, `srec config show`, or the API.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{Daemon, Srec, wait_until};
use crate::notify_support::{Receiver, insert_event, verify_hmac, wait_channels};
use crate::smtp_sink::{SinkTls, SmtpSink, TestCa};

const EXIT: Duration = Duration::from_secs(35);
const HOOK_TOKEN: &str = "hooktok-Q7x2";
const DISCORD_TOKEN: &str = "dcTok-Zr8v1NqWp";
const GONE_TOKEN: &str = "goneTok-3hJ9";
const SMTP_PASSWORD: &str = "smtpPw-Lk4m";
const HMAC_SECRET: &str = "hmacSec-Vb6t";
const HEADER_KEY: &str = "hdrKey-Ns5c";
const SECRETS: &[&str] = &[
    HOOK_TOKEN,
    DISCORD_TOKEN,
    GONE_TOKEN,
    SMTP_PASSWORD,
    HMAC_SECRET,
    HEADER_KEY,
];
const DISK_LOW: &str = r#"{"path":"/rec","free_bytes":1000,"min_free_bytes":5000}"#;

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn api_get(base: &str, path: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "GET {path}");
        r.text().await.unwrap()
    })
}

fn api_post(base: &str, path: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = client.post(format!("{base}{path}")).send().await.unwrap();
        r.text().await.unwrap()
    })
}

fn api_base(s: &Srec) -> String {
    let text = std::fs::read_to_string(s.data_dir().join("daemon.lock")).unwrap();
    let info: Value = serde_json::from_str(&text).unwrap();
    format!("http://{}", info["api"].as_str().expect("api address"))
}

fn log_files(s: &Srec) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(s.data_dir().join("logs")).unwrap() {
        all.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap_or_default());
    }
    all
}

#[test]
fn secrets_never_reach_logs_dead_letters_config_show_or_the_api() {
    let rx = Receiver::start();
    let ca = TestCa::new("secrets test CA");
    let sink = SmtpSink::start_with(SinkTls::Starttls, &ca);
    let s = Srec::new();
    let ca_file = s.dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let dead = closed_port();
    let quick = "events = [\"disk_low\"]\nbackoff = \"100ms\"\nmax_backoff = \"200ms\"\n\
                 breaker_threshold = 100\n";
    let mail = |id: &str, port: u16, attempts: u32| {
        format!(
            "[notify.channels.{id}]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {port}\n\
             security = \"starttls\"\nuser = \"bot\"\npassword = \"{SMTP_PASSWORD}\"\n\
             ca_file = \"{}\"\nfrom = \"srec@localhost\"\nto = [\"me@localhost\"]\n\
             max_attempts = {attempts}\n{quick}",
            ca_file.display()
        )
    };
    s.write_config(&format!(
        "[api]\nport = 0\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}?token={HOOK_TOKEN}\"\n\
         secret = \"{HMAC_SECRET}\"\nheaders.X-Api-Key = \"{HEADER_KEY}\"\nmax_attempts = 50\n{quick}\
         [notify.channels.dc]\ntype = \"discord\"\nurl = \"{}\"\nmax_attempts = 2\n{quick}\
         [notify.channels.gone]\ntype = \"webhook\"\n\
         url = \"http://127.0.0.1:{dead}/hooks/{GONE_TOKEN}?token={GONE_TOKEN}\"\n\
         secret = \"{HMAC_SECRET}\"\nmax_attempts = 2\n{quick}{}{}",
        rx.url("hook"),
        rx.url(&format!("api/webhooks/123/{DISCORD_TOKEN}")),
        mail("mail", sink.port, 5),
        mail("mailgone", dead, 2),
    ));
    let mut printed = String::new();

    // `srec notify test`: answers and failures of each kind.
    for id in ["hook", "dc", "mail"] {
        printed.push_str(&s.ok(&["notify", "test", id]));
    }
    for id in ["gone", "mailgone"] {
        let out = s.run(&["notify", "test", id]);
        assert_eq!(out.code(), 1, "{id}");
        assert!(out.stderr().contains(id), "{}", out.stderr());
        printed.push_str(&out.stdout());
        printed.push_str(&out.stderr());
    }

    let mut cmd = s.daemon_command();
    cmd.env("SREC_LOG", "debug");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    wait_channels(&mut d, &["hook", "dc", "gone", "mail", "mailgone"]);
    // The receiver is down: `hook` retries, `dc` gives up.
    rx.set_down(true);
    let id = insert_event(&s, "disk_low", DISK_LOW);
    assert!(
        wait_until(Duration::from_secs(20), || {
            rx.hits("hook").len() >= 3
                && s.json(&["notify", "dead-letters"])
                    .as_array()
                    .is_some_and(|a| a.len() == 3)
        }),
        "retries and dead letters; log:\n{}",
        d.seen.join("\n")
    );
    rx.set_down(false);
    assert!(wait_until(Duration::from_secs(10), || {
        rx.delivered("hook")
            .iter()
            .any(|h| h.json()["event_id"] == id)
    }));
    assert!(wait_until(Duration::from_secs(10), || sink.mails().len() >= 2));
    let hit = rx.delivered("hook").last().unwrap().clone();
    assert!(verify_hmac(HMAC_SECRET, &hit));
    assert_eq!(
        hit.header("X-Api-Key"),
        HEADER_KEY,
        "the real value is sent"
    );
    assert_eq!(sink.logins()[0].password, SMTP_PASSWORD);

    let dead_json = s.json(&["notify", "dead-letters"]);
    let channels: Vec<&str> = dead_json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["channel"].as_str().unwrap())
        .collect();
    for c in ["dc", "gone", "mailgone"] {
        assert!(channels.contains(&c), "{dead_json}");
    }
    printed.push_str(&dead_json.to_string());
    printed.push_str(&s.ok(&["notify", "dead-letters"]));
    printed.push_str(&s.ok(&["config", "show"]));
    let base = api_base(&s);
    for path in ["/api/notify/dead-letters", "/api/config"] {
        printed.push_str(&api_get(&base, path));
    }
    for ch in ["gone", "mailgone", "dc"] {
        printed.push_str(&api_post(&base, &format!("/api/notify/test/{ch}")));
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let stderr = d.seen.join("\n");
    assert!(stderr.contains("DEBUG"), "debug logging is on");
    assert!(stderr.contains("send failed"), "retries are logged");
    assert!(printed.contains("<redacted>"), "config show redacts");
    let files = log_files(&s);
    assert!(
        files.contains("notification moved to dead letters"),
        "{files}"
    );
    for (what, text) in [
        ("daemon stderr", &stderr),
        ("log files", &files),
        ("CLI and API output", &printed),
    ] {
        for secret in SECRETS {
            if let Some(at) = text.find(secret) {
                let from = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let to = text[at..].find('\n').map_or(text.len(), |n| at + n);
                panic!("{what} leaks {secret}: {}", &text[from..to]);
            }
        }
    }
}
