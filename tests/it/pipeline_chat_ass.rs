//! `danmu_ass` on a chat file in the exact shape BililiveRecorder writes
//! (`tests/fixtures/danmu/bililiverecorder.xml`: UTF-8 BOM, CRLF, the
//! stylesheet PI, Bilibili header fields, `<BililiveRecorder>`,
//! `<BililiveRecorderRecordInfo>`, an embedded XSL, `<d>` with `user` and
//! `raw` JSON, `<sc>`, `<gift>`, `<guard>`): every comment becomes a
//! Dialogue in time order with its colour, super chats are pinned lines,
//! gifts and guards are left out, and the result is a valid ASS script
//! (checked here and by ffmpeg's ASS demuxer). Also through the daemon's
//! paired trigger.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use srec::pipeline::processors::{AssStyle, danmu_to_ass};

use crate::harness::{Srec, have_ffprobe, repo_root};

fn fixture() -> PathBuf {
    repo_root().join("tests/fixtures/danmu/bililiverecorder.xml")
}

fn style() -> AssStyle {
    AssStyle {
        width: 1920,
        height: 1080,
        font: "Sans".into(),
        font_size: 40,
        opacity: 0.8,
        scroll: Duration::from_secs(8),
    }
}

/// A child of `<i>`: `(tag, attributes, text)`.
type Child = (String, Vec<(String, String)>, String);

/// What the fixture holds, read independently of srec's reader.
fn children(path: &Path) -> Vec<Child> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut r = Reader::from_str(text.trim_start_matches('\u{feff}'));
    let (mut out, mut depth) = (Vec::new(), 0);
    let item = |e: &quick_xml::events::BytesStart<'_>| {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.unescape_value().expect("value").into_owned(),
                )
            })
            .collect();
        (
            String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attrs,
            String::new(),
        )
    };
    loop {
        match r.read_event().expect("the fixture is well-formed XML") {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    out.push(item(&e));
                }
            }
            Event::Empty(e) if depth == 1 => out.push(item(&e)),
            Event::Text(t) if depth == 2 => {
                let s = t.unescape().expect("text");
                out.last_mut().expect("open element").2.push_str(&s);
            }
            Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> &'a str {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {attrs:?}"))
}

fn ass_time(t: f64) -> String {
    let cs = (t * 100.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

fn centis(t: &str) -> u64 {
    let p: Vec<&str> = t.split([':', '.']).collect();
    assert_eq!(p.len(), 4, "time {t}");
    let n = |i: usize| p[i].parse::<u64>().expect("number");
    ((n(0) * 60 + n(1)) * 60 + n(2)) * 100 + n(3)
}

/// The script's sections are there in order, its one style is the one
/// every event uses, and every Dialogue has the 10 fields of the Format
/// line with a start before its end; returns the Dialogue lines.
fn check_ass(ass: &str) -> Vec<Vec<String>> {
    let at = |s: &str| ass.find(s).unwrap_or_else(|| panic!("no {s}:\n{ass}"));
    assert!(ass.starts_with("[Script Info]\n"), "{ass}");
    assert!(at("[Script Info]") < at("[V4+ Styles]") && at("[V4+ Styles]") < at("[Events]"));
    assert!(ass.contains("ScriptType: v4.00+"));
    let style_fields = ass
        .lines()
        .find(|l| l.starts_with("Format: Name,"))
        .expect("style format")
        .split(',')
        .count();
    let style = ass
        .lines()
        .find(|l| l.starts_with("Style: "))
        .expect("a style");
    assert_eq!(style.split(',').count(), style_fields, "{style}");
    let format = ass
        .lines()
        .find(|l| l.starts_with("Format: Layer,"))
        .expect("events format");
    assert_eq!(format.split(',').count(), 10);
    ass.lines()
        .filter(|l| l.starts_with("Dialogue: "))
        .map(|l| {
            let f: Vec<String> = l["Dialogue: ".len()..]
                .splitn(10, ',')
                .map(String::from)
                .collect();
            assert_eq!(f.len(), 10, "{l}");
            assert!(centis(&f[1]) < centis(&f[2]), "{l}");
            assert_eq!(f[3], "Danmu", "{l}");
            f
        })
        .collect()
}

#[test]
fn bililiverecorder_chat_converts_every_comment_in_order_with_colours() {
    let items = children(&fixture());
    // The fixture is what the brief describes.
    let names: Vec<&str> = items.iter().map(|i| i.0.as_str()).collect();
    for want in [
        "chatserver",
        "chatid",
        "mission",
        "maxlimit",
        "state",
        "real_name",
        "source",
        "BililiveRecorder",
        "BililiveRecorderRecordInfo",
        "BililiveRecorderXmlStyle",
        "d",
        "sc",
        "gift",
        "guard",
    ] {
        assert!(names.contains(&want), "{want} in the fixture");
    }
    let comments: Vec<_> = items.iter().filter(|i| i.0 == "d").collect();
    let supers: Vec<_> = items.iter().filter(|i| i.0 == "sc").collect();
    assert!(comments.len() >= 10 && supers.len() >= 2);
    for c in &comments {
        assert_eq!(attr(&c.1, "p").split(',').count(), 8, "{c:?}");
        assert!(attr(&c.1, "raw").starts_with("[["), "raw JSON: {c:?}");
    }

    let xml = std::fs::read_to_string(fixture()).expect("fixture");
    let ass = danmu_to_ass(&xml, &style(), None);
    let events = check_ass(&ass);
    let text = |f: &Vec<String>| f[9].split_once('}').map_or("", |x| x.1).to_string();
    let danmu: Vec<&Vec<String>> = events.iter().filter(|f| !f[9].contains("SC ¥")).collect();
    // Every <d>, nothing dropped, in the file's (time) order; equal times
    // keep file order.
    assert_eq!(danmu.len(), comments.len(), "{ass}");
    for (c, f) in comments.iter().zip(&danmu) {
        let p: Vec<&str> = attr(&c.1, "p").split(',').collect();
        let t: f64 = p[0].parse().expect("time");
        assert_eq!(f[1], ass_time(t), "start of {c:?}");
        let rgb: u32 = p[3].parse().expect("colour");
        let bgr = format!(
            "\\c&H{:02X}{:02X}{:02X}&",
            rgb & 0xFF,
            (rgb >> 8) & 0xFF,
            (rgb >> 16) & 0xFF
        );
        assert!(f[9].contains(&bgr), "colour {bgr} of {c:?}: {}", f[9]);
        let shown = text(f);
        let want =
            c.2.replace('{', "｛")
                .replace('}', "｝")
                .replace('\\', "＼");
        assert_eq!(shown, want, "text of {c:?}");
        // Mode 4 / 5: fixed at the bottom / top centre; others scroll.
        match p[1] {
            "4" => assert!(f[9].starts_with("{\\an2\\pos(960,"), "{}", f[9]),
            "5" => assert!(f[9].starts_with("{\\an8\\pos(960,"), "{}", f[9]),
            _ => assert!(f[9].starts_with("{\\move(1920,"), "{}", f[9]),
        }
    }
    let starts: Vec<u64> = events.iter().map(|f| centis(&f[1])).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "time order");
    // Hostile text stays text: no override block from a comment.
    assert!(ass.contains("｛＼b1｝not bold＼N"), "{ass}");
    assert!(ass.contains("a < b && c > d"));

    // Super chats: pinned at the bottom, price and name, at most 30 s.
    let sc: Vec<&Vec<String>> = events.iter().filter(|f| f[9].contains("SC ¥")).collect();
    assert_eq!(sc.len(), supers.len());
    for (s, f) in supers.iter().zip(&sc) {
        let ts: f64 = attr(&s.1, "ts").parse().expect("ts");
        let keep: f64 = attr(&s.1, "time").parse().expect("time");
        assert_eq!(f[1], ass_time(ts));
        assert_eq!(f[2], ass_time(ts + keep.min(30.0)));
        assert_eq!(
            text(f),
            format!(
                "SC ¥{} {}: {}",
                attr(&s.1, "price"),
                attr(&s.1, "user"),
                s.2
            )
        );
        assert!(f[9].starts_with("{\\an2\\pos(960,"), "{}", f[9]);
    }
    // Gifts and guards carry no text: not shown (nor any of their names).
    assert_eq!(events.len(), comments.len() + supers.len());
    for g in items.iter().filter(|i| i.0 == "gift") {
        assert!(!ass.contains(attr(&g.1, "giftname")), "{g:?}");
    }
    // Nothing from the header, record info or stylesheet.
    for absent in ["chat.bilibili.com", "测试主播", "value-of", "stylesheet"] {
        assert!(!ass.contains(absent), "{absent}");
    }

    // ffmpeg's ASS demuxer reads every event.
    if have_ffprobe() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("chat.ass");
        std::fs::write(&file, &ass).expect("write");
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "packet=pts_time"])
            .args(["-of", "csv=p=0"])
            .arg(&file)
            .output()
            .expect("ffprobe");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && err.trim().is_empty(), "{err}");
        let packets = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(packets, events.len(), "ffprobe read every Dialogue");
    }
}

/// The same file through the real daemon: a paired (video + chat) DAG
/// with a `danmu_ass` step writes the `.ass` beside them.
#[test]
fn bililiverecorder_chat_through_the_paired_pipeline() {
    use crate::pipeline_support as ps;
    if !ps::have_ffmpeg() {
        return;
    }
    let s = Srec::new();
    let rec = ps::out_dir(&s);
    let _d = ps::daemon(
        &s,
        &format!(
            "[recording]\noutput_dir = \"{}\"\npipeline = \"subs\"\n\
             [pipelines.subs]\ntrigger = \"paired\"\n\
             [[pipelines.subs.steps]]\nid = \"ass\"\nprocessor = \"danmu_ass\"\n",
            rec.display()
        ),
    );
    let id = ps::streamer(&s, "blrec");
    let sess = ps::session(&s, id, "t");
    let video = rec.join("blrec_000.flv");
    ps::clip(&video, 14);
    let xml = rec.join("blrec_000.xml");
    std::fs::copy(fixture(), &xml).expect("copy fixture");
    let ev = srec::events::DanmuFinalised {
        session_id: sess,
        streamer_id: id,
        index: 0,
        path: xml.clone(),
        messages: 18,
        dropped: 0,
    };
    ps::db(&s)
        .with(|c| {
            srec::db::outbox::insert(
                c,
                Some(id),
                srec::events::DanmuFinalised::KIND,
                &serde_json::to_string(&ev).expect("json"),
            )
        })
        .expect("chat event");
    ps::segment(&s, id, sess, 0, &video);
    let all = ps::wait_jobs(&s, 1);
    ps::wait_state(&s, all[0]["id"].as_i64().expect("id"), "succeeded");
    let ass = std::fs::read_to_string(rec.join("blrec_000.ass")).expect("ass written");
    let comments = children(&fixture())
        .iter()
        .filter(|i| i.0 == "d" || i.0 == "sc")
        .count();
    let events = check_ass(&ass);
    assert_eq!(
        events.len(),
        comments,
        "every comment and super chat:\n{ass}"
    );
    assert!(ass.contains("PlayResX: 320"), "the video's size");
}
