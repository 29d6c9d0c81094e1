//! Fuzz target: arbitrary bytes through parser -> repair rules -> segmenter
//! -> writer, plus the AMF0 decoder.
//!
//! Invariants checked beyond "no panic": segment events are well formed
//! (Open/Close alternate with rising indexes, tags only inside a file) and
//! every file the writer produces parses back to exactly the tags written.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use srec::media::flv::{
    FlvItem, FlvParser, FlvPipeline, FlvWriter, ParserConfig, PipelineConfig, SegmentEvent, SegmentPolicy,
    WriterOptions, amf0,
};

fuzz_target!(|data: &[u8]| {
    // Byte 0 picks the chunk size, byte 1 where (if anywhere) to reconnect.
    let [chunk, reconnect_at, body @ ..] = data else {
        return;
    };
    let chunk = usize::from(*chunk) * 16 + 1;
    let cfg = PipelineConfig {
        parser: ParserConfig { max_tag_size: 1 << 20 },
        segment: SegmentPolicy {
            max_duration_ms: Some(2_000),
            min_bytes: 0,
            min_duration_ms: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut pipeline = FlvPipeline::new(cfg);
    let mut events = Vec::new();
    for (i, c) in body.chunks(chunk).enumerate() {
        if i == usize::from(*reconnect_at) {
            pipeline.reconnect(&mut events);
        }
        pipeline.push(c, &mut events);
    }
    pipeline.finish(&mut events);
    check_and_write(&events);
    let _ = amf0::decode_all(body);
});

fn check_and_write(events: &[SegmentEvent]) {
    let opts = WriterOptions { keyframe_slots: 8, buffer_size: 4096 };
    let mut writer: Option<(FlvWriter<Cursor<Vec<u8>>>, usize)> = None;
    let mut next_index = 0u32;
    for ev in events {
        match ev {
            SegmentEvent::Open { index, start } => {
                assert!(writer.is_none(), "Open while a file is open");
                assert_eq!(*index, next_index);
                next_index += 1;
                let preamble = 1 + usize::from(start.video_header.is_some()) + usize::from(start.audio_header.is_some());
                let w = FlvWriter::create(Cursor::new(Vec::new()), start, opts).expect("create");
                writer = Some((w, preamble));
            }
            SegmentEvent::Tag(tag) => {
                let (w, n) = writer.as_mut().expect("Tag outside a file");
                w.write_tag(tag).expect("write");
                *n += 1;
            }
            SegmentEvent::Close { index, .. } => {
                assert_eq!(*index + 1, next_index);
                let (w, n) = writer.take().expect("Close without Open");
                let (info, cur) = w.finish().expect("finish");
                let bytes = cur.into_inner();
                assert_eq!(info.bytes, bytes.len() as u64);
                assert_eq!(count_tags(&bytes), n, "file does not parse back");
            }
        }
    }
    assert!(writer.is_none(), "file left open");
}

fn count_tags(bytes: &[u8]) -> usize {
    let mut p = FlvParser::default();
    p.feed(bytes);
    p.finish();
    let mut n = 0;
    loop {
        match p.next_item() {
            Ok(Some(FlvItem::Tag(_))) => n += 1,
            Ok(Some(FlvItem::Skipped { bytes })) => panic!("writer output has {bytes} junk bytes"),
            Ok(Some(FlvItem::Header(_))) => {}
            Ok(None) => return n,
            Err(e) => panic!("writer output does not parse: {e}"),
        }
    }
}
