//! Chat capture through the real binary for the sites whose codecs are
//! proven alone in `danmu_protocols`: Twitch (IRC), Douyu (STT) and Huya
//! (TARS). The daemon checks the emulated site, takes the room identity,
//! connects its chat through the shared runner and writes an `.xml` beside
//! each video file; every file parses and holds what the emulation sent.

use std::time::Duration;

use crate::danmu_e2e::{chatty_server, counts, parse, rows, videos, xml_files};
use crate::harness::{Srec, wait_until};

const LOG: Duration = Duration::from_secs(30);

/// Records `url` on `site` with chat until the emulation has sent more
/// than `want` messages, ends the stream and checks the files.
fn captures(site: &str, room_id: &str, url: &str, want: u64) {
    let fake = chatty_server();
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\n[platforms.{site}]\napi_base = \"{}\"\n",
        out.display(),
        fake.site_base(site)
    ));
    let room = fake.live_room(room_id);
    s.ok(&["add", url]);
    let mut d = s.daemon();
    d.wait_for("chat capture started", LOG);
    d.wait_for("chat file opened", LOG);
    let sent_key = format!("{site}.chat_sent");
    let sent = || fake.site_stats().get(&sent_key).copied().unwrap_or(0);
    assert!(
        wait_until(LOG, || sent() > want),
        "{site} chat flows: {:?}",
        fake.site_stats()
    );
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(40), || {
            let (n, open, _) = rows(&s);
            n >= 1 && open == 0
        }),
        "{site} chat files closed: {:?}",
        rows(&s)
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);

    let xmls = xml_files(&out);
    assert!(!xmls.is_empty(), "{site}: no chat file");
    for x in &xmls {
        let stem = x.with_extension("");
        assert!(
            videos(&out).iter().any(|v| v.with_extension("") == stem),
            "{site}: {} has no video file of the same name",
            x.display()
        );
    }
    let written: usize = xmls.iter().map(|x| parse(x).offsets.len()).sum();
    let (messages, dropped) = counts(&s);
    assert_eq!(
        messages, written as i64,
        "{site}: rows count what files hold"
    );
    assert!(
        written as u64 > want,
        "{site}: {written} messages written, more than {want} were sent"
    );
    assert!(
        (messages + dropped) as u64 <= sent(),
        "{site}: never more messages than the emulation sent"
    );
}

#[test]
fn twitch_chat_is_captured_beside_the_video() {
    captures("twitch", "danmu_tw", "https://www.twitch.tv/danmu_tw", 12);
}

#[test]
fn douyu_chat_is_captured_beside_the_video() {
    captures("douyu", "880011", "https://www.douyu.com/880011", 12);
}

#[test]
fn huya_chat_is_captured_beside_the_video() {
    captures("huya", "880022", "https://www.huya.com/880022", 12);
}

/// A Bilibili `LIVE`/`PREPARING` command in the chat makes the daemon check
/// the room at once: with a 60 s check interval, each hint is followed by a
/// room check within seconds.
#[test]
fn bilibili_live_and_preparing_hints_make_the_daemon_check_at_once() {
    let fake = chatty_server();
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"60s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\n[platforms.bilibili]\napi_base = \"{}\"\n",
        out.display(),
        fake.site_base("bilibili")
    ));
    let room = fake.live_room("10102");
    s.ok(&["add", "https://live.bilibili.com/10102"]);
    let mut d = s.daemon();
    d.wait_for("chat capture started", LOG);
    d.wait_for("chat file opened", LOG);
    // The emulation subscribes a socket to pushed commands once it has
    // answered the auth packet, before it reads the first heartbeat; a
    // command pushed earlier reaches nobody.
    assert!(
        wait_until(Duration::from_secs(20), || fake
            .site_stat("bilibili.heartbeat")
            > 0),
        "the chat socket authenticated and sent a heartbeat: {:?}",
        fake.site_stats()
    );
    let checks = || fake.site_stat("bilibili.info") + fake.site_stat("bilibili.status_by_uids");
    for cmd in ["LIVE", "PREPARING"] {
        let before = checks();
        room.send_chat(serde_json::json!({"cmd": cmd, "roomid": 10102}));
        assert!(
            wait_until(Duration::from_secs(10), || checks() > before),
            "{cmd} in the chat made the daemon check the room ({before} checks before): {:?}",
            fake.site_stats()
        );
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);
}
