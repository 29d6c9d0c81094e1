//! Chat timing against the video (issue 16): a comment's offset in a chat
//! file must match when it was sent relative to when that segment's video
//! file was created. The fake server stamps each comment with its send
//! time (`p` field 5), the video file's birth time (statx) is when the
//! engine created it, so `offset − (sent − born)` is the skew. The chat
//! service is made to lag (`SREC_EVENT_CAPACITY=1`, so some files are
//! opened from the database's open segments rather than from the event)
//! and to hear of each opened segment 1.5 s late
//! (`SREC_TEST_DANMU_EVENT_DELAY_MS`); the origin must still be the
//! engine's open time, not when the chat service noticed (before, the skew
//! was the 1.5 s delay).

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::danmu_e2e::{chatty_server, rows, videos};
use crate::harness::{Daemon, Srec, wait_until};

const ROOMS: usize = 3;
/// The goal the README documents.
const MAX_SKEW: f64 = 1.0;

/// `(offset s, sent ms)` of each comment of a chat file.
fn comments(path: &Path) -> Vec<(f64, i64)> {
    let text = std::fs::read_to_string(path).expect("read xml");
    let mut r = Reader::from_str(&text);
    let mut out = Vec::new();
    loop {
        match r.read_event().expect("xml parses") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"d" => {
                let p = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"p")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .expect("p");
                let f: Vec<&str> = p.split(',').collect();
                out.push((f[0].parse().expect("offset"), f[4].parse().expect("sent")));
            }
            _ => {}
        }
    }
    out
}

/// When the file was created (Unix ms), from the file system.
fn born_ms(path: &Path) -> i64 {
    let t = std::fs::metadata(path)
        .and_then(|m| m.created())
        .expect("this file system records birth times");
    t.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

#[test]
fn chat_offsets_match_the_video_file_within_a_second_even_when_the_chat_service_lags() {
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
        .map(|i| fake.live_room(&format!("timed{i}")))
        .collect();
    for r in &rooms {
        s.ok(&["add", &r.page_url()]);
    }
    let mut cmd = s.daemon_command();
    cmd.env("SREC_EVENT_CAPACITY", "1");
    cmd.env(srec::danmu::service::TEST_EVENT_DELAY_ENV, "1500");
    let mut d = Daemon::spawn(cmd);
    assert!(
        wait_until(Duration::from_secs(90), || videos(&out).len() >= ROOMS * 5),
        "every room split a few times: {:?}",
        videos(&out)
    );
    for r in &rooms {
        r.set_live(false);
    }
    assert!(
        wait_until(Duration::from_secs(40), || rows(&s).1 == 0),
        "every chat file closed: {:?}",
        rows(&s)
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);

    let mut skews = Vec::new();
    for video in videos(&out) {
        let xml = video.with_extension("xml");
        if !xml.exists() {
            continue; // a last file shorter than the resync period (danmu_lag)
        }
        let born = born_ms(&video);
        for (offset, sent) in comments(&xml) {
            // Sent before the file existed: held for it, written at 0.
            if sent < born {
                continue;
            }
            skews.push(offset - (sent - born) as f64 / 1000.0);
        }
    }
    assert!(
        skews.len() > 50,
        "enough comments measured: {}",
        skews.len()
    );
    let mut abs: Vec<f64> = skews.iter().map(|s| s.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let pct = |q: f64| abs[((abs.len() - 1) as f64 * q) as usize];
    let (median, p95, max) = (pct(0.5), pct(0.95), pct(1.0));
    eprintln!(
        "skew over {} comments: median {:.3} s, p95 {:.3} s, max {:.3} s",
        abs.len(),
        median,
        p95,
        max
    );
    assert!(
        max < MAX_SKEW,
        "chat offsets are off the video by up to {max:.3} s (median {median:.3}, p95 {p95:.3})"
    );
}
