//! The chat XML srec writes is read by a real third-party reader of
//! BililiveRecorder XML: `biliass` (PyPI; yutto's converter, a port of
//! danmaku2ass). The real binary captures a fake room's chat, hostile
//! comments included (control characters, `]]>`, markup, quotes, emoji,
//! ASS override braces); biliass turns every file into ASS, which must hold
//! one `Dialogue:` line per `<d>` element, each comment's text, and the
//! hostile one escaped as biliass escapes plain text. Fails (not skips)
//! without biliass when `SREC_REQUIRE_TOOLS=1`; `scripts/test.sh` installs
//! it with pip.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::json;

use crate::danmu_e2e::{chatty_server, rows, xml_files};
use crate::harness::{Srec, tool_missing, wait_until};

const LOG: Duration = Duration::from_secs(30);

/// The hostile comment as pushed (control characters included).
const HOSTILE: &str =
    "boom ]]> <b>&amp;</b> \"q\" 'a' 😀 {\\an8} c\u{1}t\u{7f}l\u{9c} </d></i><d p=\"0\">x end";
/// What biliass must show of it: control characters removed by srec,
/// entities decoded, `\` doubled and braces escaped by biliass.
const HOSTILE_ASS: &str =
    "boom ]]> <b>&amp;</b> \"q\" 'a' 😀 \\{\\\\an8\\} ctl </d></i><d p=\"0\">x end";

/// How to run biliass: the console script, else the Python module.
fn biliass() -> Option<Vec<&'static str>> {
    let cmds: [&[&'static str]; 2] = [&["biliass"], &["python3", "-m", "biliass"]];
    cmds.into_iter()
        .find(|c| {
            Command::new(c[0])
                .args(&c[1..])
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(<[_]>::to_vec)
}

/// The texts of a chat file's `<d>` elements, unescaped.
fn comments(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read xml");
    let mut r = Reader::from_str(&text);
    let (mut out, mut inside) = (Vec::new(), None::<String>);
    loop {
        match r.read_event().expect("xml parses") {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"d" => inside = Some(String::new()),
            Event::Text(t) => {
                if let Some(s) = inside.as_mut() {
                    s.push_str(&t.unescape().expect("text unescapes"));
                }
            }
            Event::CData(c) => {
                if let Some(s) = inside.as_mut() {
                    s.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::End(e) if e.name().as_ref() == b"d" => out.extend(inside.take()),
            _ => {}
        }
    }
    out
}

/// Plain text as biliass writes it into a `Dialogue:` line.
fn ass_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('{', "\\{")
        .replace('}', "\\}")
        .replace('\n', "\\N")
}

#[test]
fn biliass_reads_every_comment_of_a_captured_chat_file() {
    let Some(cmd) = biliass() else {
        tool_missing(
            "biliass is not installed (pip install biliass); chat XML not checked with a third-party reader",
        );
        return;
    };
    let fake = chatty_server();
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\nstream_format = \"hls\"\n",
        out.display()
    ));
    let room = fake.live_room("compat");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    d.wait_for("chat file opened", LOG);
    assert!(wait_until(LOG, || room.chat_sent() > 5), "chat flows");
    let hostile = [
        (HOSTILE, "h<o>st\"ile & 'user'"),
        ("emoji 🎉🧧 and CJK 弹幕 测试", "弹幕君"),
        ("tab\there", "t"),
    ];
    for (text, user) in hostile {
        room.send_chat(
            json!({"type": "chat", "user": user, "text": text, "ts": 1_767_268_812_345u64}),
        );
    }
    assert!(
        wait_until(LOG, || xml_files(&out).iter().any(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.contains("tab\there"))
        })),
        "the pushed comments reach a chat file"
    );
    assert!(
        wait_until(LOG, || room.chat_sent() > 20),
        "more chat after them"
    );
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

    let (mut total, mut hostile_seen) = (0, false);
    for xml in xml_files(&out) {
        let texts = comments(&xml);
        if texts.is_empty() {
            continue;
        }
        let ass = xml.with_extension("ass");
        let run = Command::new(cmd[0])
            .args(&cmd[1..])
            .args(["-s", "1920x1080", "--skip-reduce", "-o"])
            .arg(&ass)
            .arg(&xml)
            .output()
            .expect("run biliass");
        assert!(
            run.status.success(),
            "biliass failed on {}: {}",
            xml.display(),
            String::from_utf8_lossy(&run.stderr)
        );
        let ass = std::fs::read_to_string(&ass).expect("biliass wrote the ASS file");
        let dialogues: Vec<&str> = ass.lines().filter(|l| l.starts_with("Dialogue:")).collect();
        assert_eq!(
            dialogues.len(),
            texts.len(),
            "{}: one Dialogue per <d>",
            xml.display()
        );
        for t in &texts {
            let want = ass_escape(t.trim());
            assert!(
                dialogues.iter().any(|l| l.contains(&want)),
                "{}: comment {t:?} (as {want:?}) not in the ASS",
                xml.display()
            );
        }
        hostile_seen |= dialogues.iter().any(|l| l.ends_with(HOSTILE_ASS));
        total += texts.len();
    }
    assert!(total > 10, "{total} comments converted");
    assert!(
        hostile_seen,
        "the hostile comment reads back as {HOSTILE_ASS:?}"
    );
}
