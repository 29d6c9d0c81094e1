use super::*;
use crate::media::flv::segmenter::SegmentStart;
use crate::media::flv::synth::{self, StreamShape};
use crate::media::flv::tag::{FlvHeader, TagType};

fn run(cfg: PipelineConfig, parts: &[&[u8]], chunk: usize) -> (Vec<SegmentEvent>, PipelineStats) {
    let mut p = FlvPipeline::new(cfg);
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            p.reconnect(&mut out);
        }
        for c in part.chunks(chunk.max(1)) {
            p.push(c, &mut out);
        }
    }
    p.finish(&mut out);
    (out, p.stats())
}

/// Per file: the tags written.
fn files(events: &[SegmentEvent]) -> Vec<Vec<FlvTag>> {
    let mut files = Vec::new();
    for e in events {
        match e {
            SegmentEvent::Open { .. } => files.push(Vec::new()),
            SegmentEvent::Tag(t) => files.last_mut().expect("tag before open").push(t.clone()),
            SegmentEvent::Close { .. } => {}
        }
    }
    files
}

fn stream(start_ts: u32, ms: u32, seq: &mut u64) -> Vec<u8> {
    synth::encode(
        Some(FlvHeader::new(true, true)),
        &synth::av_stream(StreamShape::default(), start_ts, ms, seq),
    )
}

fn assert_monotonic_per_type(tags: &[FlvTag]) {
    for ty in [TagType::Audio, TagType::Video] {
        let ts: Vec<u32> = tags
            .iter()
            .filter(|t| t.tag_type == ty)
            .map(|t| t.timestamp)
            .collect();
        assert!(
            ts.windows(2).all(|w| w[0] <= w[1]),
            "{ty:?} not monotonic: {ts:?}"
        );
    }
}

#[test]
fn clean_stream_is_one_file_and_chunking_does_not_matter() {
    let bytes = stream(5000, 4000, &mut 0);
    let (one, stats) = run(PipelineConfig::default(), &[&bytes], usize::MAX);
    let (bytewise, _) = run(PipelineConfig::default(), &[&bytes], 1);
    let (odd, _) = run(PipelineConfig::default(), &[&bytes], 4097);
    assert_eq!(one, bytewise);
    assert_eq!(one, odd);
    let f = files(&one);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0][0].timestamp, 0);
    assert_eq!(stats.bytes_skipped, 0);
    assert_eq!(stats.repair.script_tags_consumed, 1);
    assert!(matches!(
        one.last(),
        Some(SegmentEvent::Close {
            reason: SplitReason::EndOfInput,
            ..
        })
    ));
}

#[test]
fn garbage_in_the_middle_costs_only_the_damaged_tag() {
    let mut bytes = stream(0, 4000, &mut 0);
    let mid = bytes.len() / 2;
    let junk = vec![0x09u8; 1000]; // looks like video type bytes: a hard case
    bytes.splice(mid..mid, junk);
    let (events, stats) = run(PipelineConfig::default(), &[&bytes], 1500);
    let f = files(&events);
    assert_eq!(f.len(), 1);
    assert!(stats.bytes_skipped >= 1000);
    let clean = files(&run(PipelineConfig::default(), &[&stream(0, 4000, &mut 0)], 1500).0);
    assert!(
        clean[0].len() - f[0].len() <= 1,
        "lost {} tags",
        clean[0].len() - f[0].len()
    );
    assert_monotonic_per_type(&f[0]);
}

#[test]
fn reconnect_with_replayed_gop_and_clock_reset_continues_one_file() {
    let mut seq = 0;
    let shape = StreamShape::default();
    let first = synth::av_stream(shape, 10_000, 3000, &mut seq);
    // Second connection: metadata + headers again, replay since the last
    // keyframe (source time 12_000), then new media on a clock reset to 0.
    let mut second = vec![
        synth::on_metadata(0, 1280.0, 720.0),
        synth::avc_sequence_header(0, 0),
        synth::aac_sequence_header(0, 0),
    ];
    second.extend(
        first
            .iter()
            .filter(|t| t.timestamp >= 12_000 && !t.is_sequence_header())
            .cloned(),
    );
    let replayed = second.len() - 3;
    second.extend(synth::av_frames(shape, 0, 2000, &mut seq));
    let a = synth::encode(Some(FlvHeader::new(true, true)), &first);
    let b = synth::encode(Some(FlvHeader::new(true, true)), &second);
    let (events, stats) = run(PipelineConfig::default(), &[&a, &b], 777);
    let f = files(&events);
    assert_eq!(f.len(), 1, "{events:?}");
    assert_eq!(stats.reconnects, 1);
    assert_eq!(stats.repair.duplicate_tags_dropped, replayed as u64);
    assert_eq!(stats.repair.duplicate_headers_dropped, 2);
    assert_eq!(stats.repair.timestamp_rebases, 1);
    assert_monotonic_per_type(&f[0]);
    let last = f[0].last().unwrap().timestamp;
    assert!((4900..5100).contains(&last), "{last}");
}

#[test]
fn codec_change_splits_into_self_contained_files() {
    let mut seq = 0;
    let mut tags = synth::av_stream(StreamShape::default(), 0, 3000, &mut seq);
    tags.push(synth::avc_sequence_header(3000, 7));
    tags.extend(synth::av_frames(
        StreamShape::default(),
        3000,
        3000,
        &mut seq,
    ));
    let bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    let (events, _) = run(PipelineConfig::default(), &[&bytes], 9000);
    let opens: Vec<&SegmentStart> = events
        .iter()
        .filter_map(|e| match e {
            SegmentEvent::Open { start, .. } => Some(&**start),
            _ => None,
        })
        .collect();
    assert_eq!(opens.len(), 2);
    assert_ne!(opens[0].video_header, opens[1].video_header);
    assert!(opens[1].audio_header.is_some());
    let f = files(&events);
    assert!(f[1][0].is_video_keyframe());
    assert_eq!(f[1][0].timestamp, 0);
    assert!(events.iter().any(|e| matches!(
        e,
        SegmentEvent::Close {
            reason: SplitReason::HeaderChange { video: true, .. },
            ..
        }
    )));
}

#[test]
fn split_on_reconnect_is_optional() {
    let mut seq = 0;
    let a = stream(0, 5000, &mut seq);
    let b = synth::encode(
        Some(FlvHeader::new(true, true)),
        &synth::av_frames(StreamShape::default(), 5000, 4000, &mut seq),
    );
    let cfg = PipelineConfig {
        split_on_reconnect: true,
        segment: SegmentPolicy {
            min_bytes: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let (events, _) = run(cfg, &[&a, &b], 4096);
    assert_eq!(files(&events).len(), 2);
    assert!(events.iter().any(|e| matches!(
        e,
        SegmentEvent::Close {
            reason: SplitReason::Discontinuity,
            ..
        }
    )));
}

#[test]
fn arbitrary_bytes_never_panic_and_events_stay_well_formed() {
    let base = stream(0, 2000, &mut 0);
    let mut x: u64 = 0x1234_5678;
    for round in 0..200 {
        let mut bytes = base.clone();
        for _ in 0..(round % 20) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x as usize) % bytes.len();
            bytes[i] = (x >> 32) as u8;
        }
        let (events, _) = run(PipelineConfig::default(), &[&bytes], 1 + round * 37);
        let _ = files(&events);
        let opens = events
            .iter()
            .filter(|e| matches!(e, SegmentEvent::Open { .. }))
            .count();
        let closes = events
            .iter()
            .filter(|e| matches!(e, SegmentEvent::Close { .. }))
            .count();
        assert_eq!(opens, closes);
    }
}
