use std::io::Read;

use super::*;
use crate::media::flv::amf0::{self, Amf0Value};
use crate::media::flv::parser::{FlvItem, FlvParser};
use crate::media::flv::repair::SplitReason;
use crate::media::flv::segmenter::SegmentEvent;
use crate::media::flv::synth::{self, StreamShape};

fn start() -> SegmentStart {
    SegmentStart {
        header: FlvHeader::new(true, true),
        metadata: crate::media::flv::script::StreamMetadata::from_script_tag(
            &synth::on_metadata(0, 640.0, 360.0).data,
        ),
        video_header: Some(synth::avc_sequence_header(0, 0)),
        audio_header: Some(synth::aac_sequence_header(0, 0)),
    }
}

fn media(ms: u32) -> Vec<FlvTag> {
    synth::av_frames(StreamShape::default(), 0, ms, &mut 0)
}

/// (offset, tag) for every complete tag of a file.
fn walk(b: &[u8]) -> Vec<(u64, FlvTag)> {
    let mut out = Vec::new();
    let mut pos = 13usize;
    while pos + 15 <= b.len() {
        let size = (usize::from(b[pos + 1]) << 16)
            | (usize::from(b[pos + 2]) << 8)
            | usize::from(b[pos + 3]);
        if pos + 15 + size > b.len() {
            break;
        }
        let mut p = FlvParser::new_headerless(Default::default());
        p.feed(&b[pos..pos + 15 + size]);
        p.finish();
        match p.next_item() {
            Ok(Some(FlvItem::Tag(t))) => out.push((pos as u64, t)),
            other => panic!("bad tag at {pos}: {other:?}"),
        }
        pos += 15 + size;
    }
    out
}

fn metadata_of(tag: &FlvTag) -> Amf0Value {
    let vals = amf0::decode_all(&tag.data).unwrap();
    assert_eq!(vals[0].as_str(), Some("onMetaData"));
    vals[1].clone()
}

fn numbers(v: Option<&Amf0Value>) -> Vec<f64> {
    match v {
        Some(Amf0Value::StrictArray(items)) => items.iter().map(|i| i.as_f64().unwrap()).collect(),
        other => panic!("not an array: {other:?}"),
    }
}

fn write_all(tags: &[FlvTag], opts: WriterOptions) -> (FinishedFile, Vec<u8>) {
    let mut w = FlvWriter::create(Cursor::new(Vec::new()), &start(), opts).unwrap();
    for t in tags {
        w.write_tag(t).unwrap();
    }
    let (info, cur) = w.finish().unwrap();
    (info, cur.into_inner())
}

#[test]
fn finish_patches_duration_size_and_keyframe_index_in_place() {
    let tags = media(10_000);
    let (info, bytes) = write_all(&tags, WriterOptions::default());
    assert_eq!(info.bytes, bytes.len() as u64);
    let all = walk(&bytes);
    assert_eq!(all.len(), 3 + tags.len());
    assert_eq!(
        all[3..].iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
        tags
    );
    let meta = metadata_of(&all[0].1);
    let num = |k: &str| meta.get(k).and_then(Amf0Value::as_f64).unwrap();
    assert_eq!(num("filesize"), bytes.len() as f64);
    assert!((num("duration") - 10.0).abs() < 0.05, "{}", num("duration"));
    assert_eq!(num("width"), 640.0);
    assert_eq!(num("videocodecid"), 7.0);
    assert_eq!(
        meta.get("hasKeyframes").and_then(Amf0Value::as_bool),
        Some(true)
    );
    let kf = meta.get("keyframes").unwrap();
    let times = numbers(kf.get("times"));
    let positions = numbers(kf.get("filepositions"));
    assert_eq!(times, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
    for (t, p) in times.iter().zip(&positions) {
        let (_, tag) = all
            .iter()
            .find(|(off, _)| *off as f64 == *p)
            .expect("position is a tag start");
        assert!(tag.is_video_keyframe());
        assert_eq!(f64::from(tag.timestamp) / 1000.0, *t);
    }
}

#[test]
fn bytes_after_metadata_never_move() {
    let tags = media(4_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.flv");
    let mut w = FlvWriter::create(
        File::create(&path).unwrap(),
        &start(),
        WriterOptions::default(),
    )
    .unwrap();
    for t in &tags {
        w.write_tag(t).unwrap();
    }
    w.flush().unwrap();
    let before = std::fs::read(&path).unwrap();
    w.finish().unwrap();
    let after = std::fs::read(&path).unwrap();
    assert_eq!(before.len(), after.len());
    let meta_end = walk(&before)[1].0 as usize;
    assert_eq!(before[meta_end..], after[meta_end..]);
    assert_ne!(before[..meta_end], after[..meta_end]);
}

#[test]
fn more_keyframes_than_slots_keeps_a_sample() {
    let shape = StreamShape {
        gop_frames: 2,
        ..Default::default()
    }; // 15 keyframes/s
    let tags = synth::av_frames(shape, 0, 20_000, &mut 0);
    let opts = WriterOptions {
        keyframe_slots: 32,
        ..Default::default()
    };
    let (info, bytes) = write_all(&tags, opts);
    assert_eq!(info.keyframes_indexed, 32);
    assert_eq!(info.keyframes_seen, 300);
    let all = walk(&bytes);
    let meta = metadata_of(&all[0].1);
    let positions = numbers(meta.get("keyframes").unwrap().get("filepositions"));
    assert_eq!(positions.len(), 32);
    for p in positions {
        assert!(
            all.iter()
                .any(|(off, t)| *off as f64 == p && t.is_video_keyframe())
        );
    }
}

#[test]
fn audio_only_file_has_no_index_but_valid_metadata() {
    let tags: Vec<FlvTag> = (0..100u32)
        .map(|i| synth::aac_frame(i * 23, u64::from(i), 30))
        .collect();
    let mut s = start();
    s.video_header = None;
    s.header = FlvHeader::new(true, false);
    let mut w = FlvWriter::create(Cursor::new(Vec::new()), &s, WriterOptions::default()).unwrap();
    for t in &tags {
        w.write_tag(t).unwrap();
    }
    let (_, cur) = w.finish().unwrap();
    let all = walk(cur.get_ref());
    let meta = metadata_of(&all[0].1);
    assert!(meta.get("keyframes").is_none());
    assert_eq!(
        meta.get("hasVideo").and_then(Amf0Value::as_bool),
        Some(false)
    );
    assert_eq!(all.len(), 2 + 100);
}

#[test]
fn killed_before_finish_is_valid_up_to_last_complete_tag() {
    let tags = media(3_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.flv");
    let mut w = FlvWriter::create(
        File::create(&path).unwrap(),
        &start(),
        WriterOptions::default(),
    )
    .unwrap();
    for t in &tags {
        w.write_tag(t).unwrap();
    }
    w.flush().unwrap();
    std::mem::forget(w); // no finish, no drop: as if killed
    let mut bytes = Vec::new();
    File::open(&path).unwrap().read_to_end(&mut bytes).unwrap();
    let all = walk(&bytes);
    assert_eq!(all.len(), 3 + tags.len());
    // The unpatched metadata is still valid AMF0 (duration 0, no index).
    let meta = metadata_of(&all[0].1);
    assert_eq!(meta.get("duration").and_then(Amf0Value::as_f64), Some(0.0));
    // Truncated anywhere, the parser returns every complete tag before the cut.
    for cut in [
        bytes.len() - 1,
        bytes.len() - 300,
        bytes.len() / 2,
        all[3].0 as usize + 5,
    ] {
        let mut p = FlvParser::default();
        p.feed(&bytes[..cut]);
        p.finish();
        let mut n = 0;
        while let Ok(Some(item)) = p.next_item() {
            if matches!(item, FlvItem::Tag(_)) {
                n += 1;
            }
        }
        let complete = all
            .iter()
            .filter(|(off, t)| *off + t.encoded_len() <= cut as u64)
            .count();
        assert_eq!(n, complete, "cut at {cut}");
    }
}

#[test]
fn sink_names_files_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    let mut sink = SegmentFileSink::new(
        |i| base.join(format!("seg-{i:03}.flv")),
        WriterOptions::for_max_duration(Some(60_000)),
    );
    let mut closed = Vec::new();
    for index in 0..2u32 {
        let ev = SegmentEvent::Open {
            index,
            start: Box::new(start()),
        };
        assert!(sink.handle(&ev).unwrap().is_none());
        for t in media(1000) {
            sink.handle(&SegmentEvent::Tag(t)).unwrap();
        }
        let close = SegmentEvent::Close {
            index,
            reason: SplitReason::Duration,
            duration_ms: 0,
            bytes: 0,
        };
        closed.push(sink.handle(&close).unwrap().unwrap());
    }
    assert_eq!(closed[1].path, dir.path().join("seg-001.flv"));
    assert_eq!(
        closed[0].bytes,
        std::fs::metadata(&closed[0].path).unwrap().len()
    );
    assert_eq!(closed[0].reason, SplitReason::Duration);
    // Re-opening index 0 must fail rather than clobber the recording.
    let again = SegmentEvent::Open {
        index: 0,
        start: Box::new(start()),
    };
    assert!(matches!(sink.handle(&again), Err(FlvError::Io { .. })));
    assert!(matches!(
        sink.handle(&SegmentEvent::Tag(synth::aac_frame(0, 1, 10))),
        Err(FlvError::EventOrder(_))
    ));
}

#[test]
fn slots_for_max_duration() {
    assert_eq!(
        WriterOptions::for_max_duration(Some(3_600_000)).keyframe_slots,
        3616
    );
    assert_eq!(
        WriterOptions::for_max_duration(None),
        WriterOptions::default()
    );
    assert_eq!(
        WriterOptions::for_max_duration(Some(u64::MAX)).keyframe_slots,
        MAX_KEYFRAME_SLOTS
    );
}

#[test]
fn reserved_length_matches_full_index_exactly() {
    // The extrapolated reservation must fit a full index with zero padding
    // elements, for several slot counts.
    for slots in [0usize, 1, 2, 3, 50] {
        let layout = MetadataLayout::new(&start(), slots).unwrap();
        let kf: Vec<(u32, u64)> = (0..slots as u32)
            .map(|i| (i * 2000, 1000 + u64::from(i)))
            .collect();
        let live = LiveValues {
            keyframes: &kf,
            ..Default::default()
        };
        let body = layout.encode(&live).unwrap();
        assert_eq!(body.len(), layout.reserved_len());
        let empty = layout.encode(&LiveValues::default()).unwrap();
        assert_eq!(empty.len(), layout.reserved_len());
        if slots >= 2 {
            // Full index: the padding array has no elements.
            assert_eq!(&body[body.len() - 8..], &[0x0A, 0, 0, 0, 0, 0, 0, 9]);
        }
    }
}

#[test]
fn slots_for_a_size_limit_keep_small_files_small() {
    let small = WriterOptions::for_limits(None, Some(200_000));
    assert_eq!(small.keyframe_slots, 200_000 / 4096 + 16);
    assert!(small.metadata_budget() < 3_000);
    // The tighter of the two limits wins; no limit keeps the default.
    assert_eq!(
        WriterOptions::for_limits(Some(10_000), Some(1 << 30)).keyframe_slots,
        WriterOptions::for_max_duration(Some(10_000)).keyframe_slots
    );
    assert_eq!(
        WriterOptions::for_limits(None, None),
        WriterOptions::default()
    );
}
