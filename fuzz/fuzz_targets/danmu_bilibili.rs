//! Fuzz target: arbitrary bytes as a Bilibili chat websocket frame through
//! `BilibiliProtocol::decode` (16-byte headers, nested zlib/brotli packets,
//! command JSON), then every decoded event through the XML writer, whose
//! output must always parse back (end tag included) and repair as complete.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use srec::danmu::bilibili::BilibiliProtocol;
use srec::danmu::protocol::{ChatProtocol, WsFrame};
use srec::danmu::xml::{DanmuXmlWriter, RecordInfo, RepairOutcome, repair};

fuzz_target!(|data: &[u8]| {
    let mut p = BilibiliProtocol::new(1, 0, String::new(), String::new());
    let Ok(decoded) = p.decode(&WsFrame::Binary(data.to_vec())) else {
        return;
    };
    if decoded.events.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("f.xml");
    let mut w = DanmuXmlWriter::create(&path, &RecordInfo::default()).expect("create");
    for (i, e) in decoded.events.iter().enumerate() {
        w.write(Duration::from_millis(i as u64), e).expect("write");
    }
    w.finish().expect("finish");
    assert!(
        matches!(repair(&path).expect("repair"), RepairOutcome::Complete { .. }),
        "a finished file is complete and parses"
    );
});
