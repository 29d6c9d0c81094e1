//! Fuzz target: arbitrary bytes as the protobuf of a Bilibili
//! `SEND_GIFT_V2` (`SendGiftBroadcastProtobuf`). The raw decoder must
//! never panic and bound its gift list; the same bytes base64-wrapped in a
//! `SEND_GIFT_V2` command, sent twice in one frame (flat `data.pb`, then
//! nested `data.data.pb`), must decode through `BilibiliProtocol` to each
//! gift once per tid (gifts without one twice), and the events must go
//! through the XML writer to a file that parses back complete.
#![no_main]

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use srec::danmu::bilibili::dedupe::RecentGifts;
use srec::danmu::bilibili::packet::{OP_COMMAND, encode_with};
use srec::danmu::bilibili::{BilibiliProtocol, gift_v2};
use srec::danmu::protocol::{ChatProtocol, WsFrame};
use srec::danmu::xml::{DanmuXmlWriter, RecordInfo, RepairOutcome, repair};

fuzz_target!(|data: &[u8]| {
    let raw = gift_v2::decode(data);
    if let Ok(b) = &raw {
        assert!(b.gifts.len() <= 256, "gift list bounded");
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let flat = format!(r#"{{"cmd":"SEND_GIFT_V2","data":{{"pb":"{b64}"}}}}"#);
    let nested = format!(r#"{{"cmd":"SEND_GIFT_V2","data":{{"data":{{"pb":"{b64}"}}}}}}"#);
    let frame = [
        encode_with(0, OP_COMMAND, flat.as_bytes()),
        encode_with(0, OP_COMMAND, nested.as_bytes()),
    ]
    .concat();
    let mut p = BilibiliProtocol::new(1, 0, String::new(), String::new());
    let decoded = p
        .decode(&WsFrame::Binary(frame))
        .expect("well-framed command packets always decode");
    let want = match &raw {
        Err(_) => 0,
        Ok(b) => {
            let mut seen = HashSet::new();
            (0..2)
                .flat_map(|_| b.gifts.iter())
                .filter(|g| {
                    RecentGifts::key(&g.tid, &g.gift_id.to_string())
                        .is_none_or(|k| seen.insert(k))
                })
                .count()
        }
    };
    assert_eq!(decoded.events.len(), want, "each tid once");
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
