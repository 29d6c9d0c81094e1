//! Chat capture end to end (issue 16): the real binary records a fake room
//! with `record_danmu = true` and a small duration split; every video file
//! gets an `.xml` with the same base name, every XML parses, the messages
//! written equal what the server sent (a forced disconnect is a marked gap,
//! not a loss of counted messages), offsets start near 0 and increase; a
//! `kill -9` leaves files the next start closes so they parse.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_live::ServerOptions;
use quick_xml::Reader;
use quick_xml::events::Event;
use srec::db::Db;

use crate::engines::files_below;
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

const LOG: Duration = Duration::from_secs(30);

fn setup(s: &Srec, extra: &str) -> PathBuf {
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\nstream_format = \"hls\"\n{extra}",
        out.display()
    ));
    out
}

pub(crate) fn chatty_server() -> Fake {
    Fake::start(ServerOptions {
        chat_interval: Duration::from_millis(100),
        ..Default::default()
    })
}

/// One parsed chat file: message offsets (s) in order, and gap count.
pub(crate) struct Parsed {
    pub(crate) offsets: Vec<f64>,
    gaps: usize,
}

/// Parses strictly (end names checked, `</i>` required).
pub(crate) fn parse(path: &Path) -> Parsed {
    let text = std::fs::read_to_string(path).expect("read xml");
    let mut r = Reader::from_str(&text);
    let (mut depth, mut closed) = (0, false);
    let mut out = Parsed {
        offsets: Vec::new(),
        gaps: 0,
    };
    loop {
        let ev = r
            .read_event()
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let (e, start) = match ev {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                (e, true)
            }
            Event::Empty(e) => (e, false),
            Event::End(e) => {
                depth -= 1;
                closed |= depth == 0 && e.name().as_ref() == b"i";
                continue;
            }
            _ => continue,
        };
        if depth != 1 + usize::from(start) {
            continue;
        }
        let attr = |k: &[u8]| {
            e.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == k)
                .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        };
        match e.name().as_ref() {
            b"d" => {
                let p = attr(b"p").expect("p");
                out.offsets
                    .push(p.split(',').next().unwrap().parse().expect("time"));
            }
            b"gift" | b"sc" | b"guard" => out
                .offsets
                .push(attr(b"ts").expect("ts").parse().expect("ts")),
            b"gap" => out.gaps += 1,
            _ => {}
        }
    }
    assert!(closed, "{}: no </i>", path.display());
    out
}

pub(crate) fn xml_files(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = files_below(out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    v
}

pub(crate) fn videos(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = files_below(out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ts" || e == "flv"))
        .collect();
    v.sort();
    v
}

/// `(rows, rows still open, messages in rows)` of `danmu_files`.
pub(crate) fn rows(s: &Srec) -> (i64, i64, i64) {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        Ok(c.query_row(
            "SELECT COUNT(*), COALESCE(SUM(state = 'open'), 0), COALESCE(SUM(messages), 0) FROM danmu_files",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
    .expect("rows")
}

#[test]
fn chat_files_pair_with_video_segments_and_count_every_message() {
    let fake = chatty_server();
    let s = Srec::new();
    let out = setup(&s, "max_segment_duration = \"3s\"\n");
    let room = fake.live_room("chatty");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    d.wait_for("chat capture started", LOG);
    d.wait_for("chat file opened", LOG);
    assert!(wait_until(LOG, || room.chat_sent() > 15), "chat flows");
    assert!(
        wait_until(LOG, || {
            let st = s.json(&["status"]);
            st["chat_files"][0]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(".xml"))
                && st["chat_files"][0]["messages"].is_u64()
        }),
        "srec status lists the chat file with its live count"
    );
    room.drop_chat_connections();
    d.wait_for("chat connection lost", LOG);
    assert!(
        wait_until(Duration::from_secs(60), || xml_files(&out).len() >= 3),
        "three chat files (two closed segments): {:?}",
        files_below(&out)
    );
    let st = s.json(&["status"]);
    let listed = st["chat_files"].as_array().cloned().unwrap_or_default();
    assert!(
        listed.len() >= 2
            && listed
                .iter()
                .any(|f| f["state"] == "closed" && f["messages"].as_u64().is_some_and(|m| m > 0)),
        "srec status lists the closed chat files of the live session too: {listed:?}"
    );
    room.pause_chat(true);
    let sent = room.chat_sent();
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(40), || {
            let (n, open, _) = rows(&s);
            n >= 3 && open == 0
        }),
        "every chat file closed after the session ended: {:?}",
        rows(&s)
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);

    let xmls = xml_files(&out);
    let vids = videos(&out);
    let stems =
        |v: &[PathBuf]| -> Vec<PathBuf> { v.iter().map(|p| p.with_extension("")).collect() };
    assert_eq!(
        stems(&xmls),
        stems(&vids),
        "one .xml per video file, same base name"
    );
    let mut total = 0;
    let mut gaps = 0;
    for x in &xmls {
        let p = parse(x);
        total += p.offsets.len();
        gaps += p.gaps;
        if let Some(first) = p.offsets.first() {
            assert!(*first < 2.0, "{}: first offset {first}", x.display());
        }
        assert!(
            p.offsets.windows(2).all(|w| w[0] <= w[1]),
            "{}: offsets increase: {:?}",
            x.display(),
            p.offsets
        );
    }
    assert!(gaps >= 1, "the forced disconnect is marked");
    assert_eq!(
        total as u64, sent,
        "messages written = messages the server sent"
    );
    assert_eq!(
        rows(&s).2,
        total as i64,
        "danmu_files counts match the files"
    );
}

#[test]
fn kill_9_leaves_chat_files_the_next_start_closes() {
    let fake = chatty_server();
    let s = Srec::new();
    let out = setup(&s, "");
    let room = fake.live_room("crashy");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    d.wait_for("chat file opened", LOG);
    let before = room.chat_sent();
    assert!(
        wait_until(LOG, || room.chat_sent() > before + 20),
        "chat flows"
    );
    // Let at least one flush reach the file.
    assert!(wait_until(LOG, || xml_files(&out).iter().any(|p| {
        std::fs::read_to_string(p).is_ok_and(|t| t.contains("<d "))
    })));
    d.signal("KILL");
    d.wait_exit(Duration::from_secs(20));
    assert_eq!(rows(&s).1, 1, "the crash left the file open");
    room.set_live(false);
    let mut d = s.daemon();
    d.wait_for("closed 1 chat file(s) left open", LOG);
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);
    let xmls = xml_files(&out);
    assert!(!xmls.is_empty());
    let mut total = 0;
    for x in &xmls {
        total += parse(x).offsets.len();
    }
    assert!(total > 0, "messages before the kill survive");
    assert_eq!(rows(&s).1, 0, "no row left open");
}

/// `(messages, dropped)` summed over `danmu_files`.
pub(crate) fn counts(s: &Srec) -> (i64, i64) {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        Ok(c.query_row(
            "SELECT COALESCE(SUM(messages), 0), COALESCE(SUM(dropped), 0) FROM danmu_files",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })
    .expect("counts")
}

#[test]
fn bilibili_chat_is_captured_from_the_emulation_with_every_encoding_and_a_flood() {
    let fake = chatty_server();
    let s = Srec::new();
    let out = setup(
        &s,
        &format!(
            "[platforms.bilibili]\napi_base = \"{}\"\n",
            fake.site_base("bilibili")
        ),
    );
    let room = fake.live_room("10101");
    s.ok(&["add", "https://live.bilibili.com/10101"]);
    let mut d = s.daemon();
    d.wait_for("chat capture started", LOG);
    d.wait_for("chat file opened", LOG);
    assert!(wait_until(LOG, || room.chat_sent() > 12), "chat flows");
    room.flood_chat(3000);
    assert!(wait_until(LOG, || room.chat_sent() > 3012), "flood sent");
    room.pause_chat(true);
    let sent = room.chat_sent();
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(40), || {
            let (n, open, _) = rows(&s);
            n >= 1 && open == 0
        }),
        "chat files closed: {:?}",
        rows(&s)
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(40)), 0);
    let stats = fake.site_stats();
    assert!(
        stats.get("bilibili.danmu_info").is_some_and(|n| *n >= 1),
        "{stats:?}"
    );
    assert!(
        stats.get("bilibili.heartbeat").is_some_and(|n| *n >= 1),
        "heartbeat right after auth: {stats:?}"
    );
    let mut total = 0;
    let (mut scs, mut guards, mut gifts) = (0, 0, 0);
    let mut all = String::new();
    for x in xml_files(&out) {
        total += parse(&x).offsets.len();
        let text = std::fs::read_to_string(&x).unwrap();
        assert!(!text.contains("<&>"), "text escaped");
        scs += text.matches("<sc ").count();
        guards += text.matches("<guard ").count();
        gifts += text.matches("<gift ").count();
        all.push_str(&text);
    }
    assert!(scs > 0, "SUPER_CHAT_MESSAGE written as <sc>");
    assert!(guards > 0, "GUARD_BUY written as <guard>");
    for name in ["辣条", "小花花", "牛哇牛哇", "情书", "星河入梦", "告白花束"] {
        assert!(
            all.contains(&format!("giftname=\"{name}\"")),
            "gift {name} written (SEND_GIFT, SEND_GIFT_V2, both, blind box)"
        );
    }
    let (messages, dropped) = counts(&s);
    assert_eq!(messages, total as i64);
    assert_eq!(
        (messages + dropped) as u64,
        sent,
        "every message sent is written or counted as dropped \
         (a gift sent as SEND_GIFT and SEND_GIFT_V2 once, every blind-box gift)"
    );
    let gift_sent = stats.get("bilibili.gift_sent").copied().unwrap_or(0);
    if dropped == 0 {
        assert_eq!(gifts as u64, gift_sent, "each gift's tid written once");
    } else {
        assert!(
            gifts as u64 <= gift_sent && gifts as u64 + dropped as u64 >= gift_sent,
            "{gifts} gifts written, {gift_sent} sent, {dropped} dropped"
        );
    }
    assert!(total > 12, "plain, zlib and brotli frames all decode");
}
