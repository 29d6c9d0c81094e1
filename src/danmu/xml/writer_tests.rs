use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::*;
use crate::danmu::message::{Comment, Gift, Guard, SuperChat};
use crate::danmu::xml::{RepairOutcome, repair};

fn comment(user: &str, text: &str) -> ChatEvent {
    ChatEvent::Comment(Comment {
        sender: Sender {
            name: user.into(),
            uid: Some("42".into()),
        },
        text: text.into(),
        mode: 1,
        size: 25,
        color: 0xFFFFFF,
        sent_ms: Some(1_767_268_812_345),
    })
}

type Item = (String, Vec<(String, String)>, String);

fn item(e: &quick_xml::events::BytesStart<'_>) -> Item {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                a.unescape_value().unwrap().into_owned(),
            )
        })
        .collect();
    (
        String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs,
        String::new(),
    )
}

/// Parses the whole file strictly (end names checked, `</i>` required);
/// returns `(tag, attributes, text)` of every child of `<i>`.
pub(crate) fn parse(path: &std::path::Path) -> Vec<Item> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = Reader::from_str(&text);
    let mut out = Vec::new();
    let mut depth = 0;
    let mut closed = false;
    loop {
        match r.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    out.push(item(&e));
                }
            }
            Event::Empty(e) if depth == 1 => out.push(item(&e)),
            Event::Text(t) if depth == 2 => {
                out.last_mut().unwrap().2 = t.unescape().unwrap().into_owned();
            }
            Event::End(e) => {
                depth -= 1;
                if depth == 0 && e.name().as_ref() == b"i" {
                    closed = true;
                }
            }
            _ => {}
        }
    }
    assert!(closed, "</i> missing");
    out
}

fn info() -> RecordInfo {
    RecordInfo {
        room_id: "456".into(),
        name: "Up <主播>".into(),
        title: "T & \"quotes\"".into(),
        area_parent: "A".into(),
        area_child: "B".into(),
        start_time: "2026-01-01T20:00:00+08:00".into(),
    }
}

#[test]
fn writes_every_kind_and_parses_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.xml");
    let mut w = DanmuXmlWriter::create(&path, &info()).unwrap();
    assert!(
        w.write(Duration::from_millis(12_345), &comment("v", "hi"))
            .unwrap()
    );
    w.gap(Duration::from_secs(13), Duration::from_secs(2), "reconnect")
        .unwrap();
    let sender = Sender {
        name: "rich".into(),
        uid: Some("7".into()),
    };
    w.write(
        Duration::from_secs(30),
        &ChatEvent::SuperChat(SuperChat {
            sender: sender.clone(),
            text: "sc text".into(),
            price: 30.0,
            duration_s: 60,
            sent_ms: None,
        }),
    )
    .unwrap();
    w.write(
        Duration::from_secs(31),
        &ChatEvent::Gift(Gift {
            sender: sender.clone(),
            name: "G".into(),
            count: 5,
            price: Some(0.5),
            sent_ms: None,
        }),
    )
    .unwrap();
    w.write(
        Duration::from_secs(32),
        &ChatEvent::Guard(Guard {
            sender,
            level: 3,
            count: 1,
            sent_ms: None,
        }),
    )
    .unwrap();
    assert!(
        !w.write(Duration::ZERO, &ChatEvent::LiveHint { live: true })
            .unwrap()
    );
    let stats = w.finish().unwrap();
    assert_eq!(
        stats,
        WriterStats {
            messages: 4,
            gaps: 1
        }
    );
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><i>"));
    let items = parse(&path);
    let info = items
        .iter()
        .find(|i| i.0 == "BililiveRecorderRecordInfo")
        .unwrap();
    assert!(info.1.contains(&("name".into(), "Up <主播>".into())));
    assert!(info.1.contains(&("title".into(), "T & \"quotes\"".into())));
    let d = items.iter().find(|i| i.0 == "d").unwrap();
    assert_eq!(d.1[0].1, "12.345,1,25,16777215,1767268812345,0,42,1");
    assert_eq!(d.2, "hi");
    let tags: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    for t in ["BililiveRecorder", "d", "gap", "sc", "gift", "guard"] {
        assert!(tags.contains(&t), "{t} missing in {tags:?}");
    }
    assert_eq!(items.iter().find(|i| i.0 == "sc").unwrap().2, "sc text");
}

#[test]
fn hostile_text_never_breaks_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.xml");
    let mut w = DanmuXmlWriter::create(&path, &RecordInfo::default()).unwrap();
    let nasty = [
        "</d></i><!--",
        "]]><![CDATA[x",
        "a\u{0}b\u{1}c\u{8}\u{b}\u{c}\u{1f}d",
        "&amp; &lt; & < > \" '",
        "\u{7f}\u{80}\u{9f}\u{feff}\u{fffe}\u{ffff}",
        "<?xml version=\"1.0\"?>",
        "--> -- <!-- ",
        "emoji 🎉 and 中文",
    ];
    for (i, t) in nasty.iter().enumerate() {
        w.write(Duration::from_secs(i as u64), &comment(t, t))
            .unwrap();
    }
    w.finish().unwrap();
    let items: Vec<_> = parse(&path).into_iter().filter(|i| i.0 == "d").collect();
    assert_eq!(items.len(), nasty.len());
    assert_eq!(items[0].2, "</d></i><!--");
    assert_eq!(items[2].2, "abcd");
    assert_eq!(items[3].2, "&amp; &lt; & < > \" '");
    assert_eq!(items[4].2, "");
    assert_eq!(items[7].1[1].1, "emoji 🎉 and 中文");
}

#[test]
fn flushes_within_a_second_without_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.xml");
    let mut w = DanmuXmlWriter::create(&path, &RecordInfo::default()).unwrap();
    w.write(Duration::ZERO, &comment("u", "early")).unwrap();
    std::thread::sleep(FLUSH_EVERY + Duration::from_millis(50));
    w.flush_if_due().unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("early"));
    drop(w);
}

#[test]
fn repair_closes_a_file_cut_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.xml");
    let mut w = DanmuXmlWriter::create(&full, &info()).unwrap();
    for i in 0..20 {
        w.write(Duration::from_secs(i), &comment("u", &format!("m{i} <&>")))
            .unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(&full).unwrap();
    assert_eq!(
        repair(&full).unwrap(),
        RepairOutcome::Complete { messages: 20 }
    );
    let body_end = bytes.len() - "\n</i>\n".len();
    let mut last_messages = 0;
    for cut in (0..body_end).step_by(7).chain([body_end]) {
        let p = dir.path().join(format!("cut{cut}.xml"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let outcome = repair(&p).unwrap();
        let items = parse(&p);
        let messages = items.iter().filter(|i| i.0 == "d").count() as u64;
        match outcome {
            RepairOutcome::Closed { messages: m, .. } => assert_eq!(m, messages),
            RepairOutcome::Rewritten => assert_eq!(messages, 0),
            RepairOutcome::Complete { .. } => panic!("a cut file is not complete"),
        }
        assert!(messages >= last_messages, "longer prefixes keep more");
        last_messages = messages;
        assert_eq!(repair(&p).unwrap(), RepairOutcome::Complete { messages });
    }
    assert_eq!(last_messages, 20);
}
