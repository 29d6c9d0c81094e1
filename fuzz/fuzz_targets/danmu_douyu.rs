//! Fuzz target: arbitrary bytes through the douyu chat codec's
//! `decode`, as one binary frame, as one text frame, and cut into
//! frames of a size the first byte picks (packets split across frames).
//! Invariant: never a panic; after an error the codec keeps decoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srec::danmu::douyu::DouyuChat;
use srec::danmu::protocol::{ChatProtocol, WsFrame};

fuzz_target!(|data: &[u8]| {
    let mut whole = DouyuChat::new("9100");
    let _ = whole.decode(&WsFrame::Binary(data.to_vec()));
    let _ = whole.decode(&WsFrame::Text(String::from_utf8_lossy(data).into_owned()));
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut chunked = DouyuChat::new("9100");
    for chunk in rest.chunks(usize::from(first).max(1)) {
        let _ = chunked.decode(&WsFrame::Binary(chunk.to_vec()));
    }
    let _ = chunked.heartbeat();
});
