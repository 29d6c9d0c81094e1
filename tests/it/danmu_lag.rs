//! Chat files follow the video even when the chat service misses download
//! events: with `SREC_EVENT_CAPACITY=1` every broadcast receiver lags, and
//! the chat service re-reads the open segments from the database (on a lag
//! and every second), so each video file still gets its `.xml` and no chat
//! file is truncated by a repeated open.

use std::path::PathBuf;
use std::time::Duration;

use crate::danmu_e2e::{chatty_server, parse, rows, videos, xml_files};
use crate::harness::{Daemon, Srec, wait_until};

const ROOMS: usize = 3;

#[test]
fn chat_files_follow_the_video_although_the_chat_service_lags() {
    let fake = chatty_server();
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\nstream_format = \"flv\"\n\
         max_segment_duration = \"3s\"\n",
        out.display()
    ));
    let rooms: Vec<_> = (0..ROOMS)
        .map(|i| fake.live_room(&format!("laggy{i}")))
        .collect();
    for r in &rooms {
        s.ok(&["add", &r.page_url()]);
    }
    let mut cmd = s.daemon_command();
    cmd.env("SREC_EVENT_CAPACITY", "1");
    let mut d = Daemon::spawn(cmd);
    let per_room = |room: &str| {
        videos(&out)
            .iter()
            .filter(|p| p.starts_with(out.join(room)))
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(60), || rooms
            .iter()
            .all(|r| per_room(r.id()) >= 4)),
        "every room split a few times: {:?}",
        videos(&out)
    );
    for r in &rooms {
        r.set_live(false);
    }
    assert!(
        wait_until(Duration::from_secs(40), || rows(&s).1 == 0),
        "every chat file closed after the sessions ended: {:?}",
        rows(&s)
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);
    assert!(
        d.seen.iter().any(|l| l.contains("danmu: missed")),
        "the chat service really lagged"
    );
    let stems =
        |v: Vec<PathBuf>| -> Vec<PathBuf> { v.iter().map(|p| p.with_extension("")).collect() };
    let xmls = xml_files(&out);
    // Each room's last file was cut short by the offline switch: it may be
    // shorter than the chat service's resync period (documented), so only
    // the files before it must have chat.
    let last: Vec<PathBuf> = rooms
        .iter()
        .filter_map(|r| {
            stems(videos(&out))
                .into_iter()
                .filter(|p| p.starts_with(out.join(r.id())))
                .max()
        })
        .collect();
    let missing: Vec<_> = stems(videos(&out))
        .into_iter()
        .filter(|v| !last.contains(v) && !stems(xmls.clone()).contains(v))
        .collect();
    let db = srec::db::Db::open(&s.db_path()).expect("db");
    let n: i64 = db
        .with(|c| Ok(c.query_row("SELECT COUNT(*) FROM session_segments", [], |r| r.get(0))?))
        .expect("count");
    eprintln!("segment rows {n}, videos {}", videos(&out).len());
    assert!(
        missing.is_empty(),
        "video files without chat: {missing:?}\nvideos {:?}\nchat {xmls:?}",
        videos(&out)
            .iter()
            .map(|p| (
                p.clone(),
                std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            ))
            .collect::<Vec<_>>()
    );
    let messages: usize = xmls.iter().map(|x| parse(x).offsets.len()).sum();
    assert!(messages > 0, "chat was written");
}
