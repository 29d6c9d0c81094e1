//! Throughput of the FLV media path without I/O: parse + repair + segment.
//!
//! Builds ~1 GiB of realistic FLV in memory once (a 60 s, ~6 Mbit/s H.264 +
//! 128 kbit/s AAC template repeated with rising timestamps), then feeds it to
//! `FlvPipeline` in 64 KiB chunks, as an HTTP client would, and prints GB/s.
//! Run: `cargo bench --bench flv_parse`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use srec::media::flv::synth::{self, StreamShape};
use srec::media::flv::{
    FlvHeader, FlvItem, FlvParser, FlvPipeline, FlvTag, PipelineConfig, SegmentPolicy,
};

const TARGET_BYTES: usize = 1 << 30;
const CHUNK: usize = 64 * 1024;
const ROUNDS: usize = 3;

fn build_stream(shape: StreamShape) -> (Vec<u8>, usize) {
    let template_ms = 60_000u32;
    let mut seq = 0;
    let head = synth::av_stream(shape, 0, 0, &mut seq); // metadata + headers
    let template = synth::av_frames(shape, 0, template_ms, &mut seq);
    let mut out = Vec::with_capacity(TARGET_BYTES + 64 * 1024 * 1024);
    out.extend_from_slice(&FlvHeader::new(true, true).encode());
    let mut tags = 0;
    for t in &head {
        t.encode_into(&mut out).expect("encode");
        tags += 1;
    }
    let mut rep = 0u32;
    while out.len() < TARGET_BYTES {
        let offset = rep * template_ms;
        for t in &template {
            let t = FlvTag {
                timestamp: t.timestamp + offset,
                ..t.clone()
            };
            t.encode_into(&mut out).expect("encode");
            tags += 1;
        }
        rep += 1;
    }
    (out, tags)
}

fn gbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn bench_pipeline(input: &[u8], cfg: PipelineConfig) -> (Duration, u64) {
    let mut p = FlvPipeline::new(cfg);
    let mut events = Vec::with_capacity(1024);
    let mut n = 0u64;
    let t0 = Instant::now();
    for chunk in input.chunks(CHUNK) {
        p.push(chunk, &mut events);
        n += events.len() as u64;
        black_box(&events);
        events.clear();
    }
    p.finish(&mut events);
    n += events.len() as u64;
    (t0.elapsed(), n)
}

fn bench_parser(input: &[u8]) -> (Duration, u64) {
    let mut p = FlvParser::default();
    let mut n = 0u64;
    let t0 = Instant::now();
    for chunk in input.chunks(CHUNK) {
        p.feed(chunk);
        while let Ok(Some(item)) = p.next_item() {
            if let FlvItem::Tag(t) = item {
                n += t.data.len() as u64;
                black_box(t);
            }
        }
    }
    (t0.elapsed(), n)
}

fn main() {
    // ~6 Mbit/s 1080p-class stream, then a ~0.6 Mbit/s one whose small tags
    // stress per-tag overhead rather than memory bandwidth.
    let high = StreamShape {
        fps: 30,
        gop_frames: 60,
        keyframe_bytes: 150_000,
        frame_bytes: 22_000,
        audio_frame_bytes: 370,
        ..Default::default()
    };
    let low = StreamShape {
        fps: 30,
        gop_frames: 60,
        keyframe_bytes: 12_000,
        frame_bytes: 1_500,
        audio_frame_bytes: 200,
        ..Default::default()
    };
    run("6 Mbit/s", high);
    run("0.6 Mbit/s", low);
}

fn run(name: &str, shape: StreamShape) {
    let t0 = Instant::now();
    let (input, tags) = build_stream(shape);
    println!(
        "flv_parse [{name}]: built {:.2} GiB, {} tags ({:.0} B/tag avg) in {:.1?}",
        input.len() as f64 / (1u64 << 30) as f64,
        tags,
        input.len() as f64 / tags as f64,
        t0.elapsed()
    );
    let cfg = PipelineConfig {
        segment: SegmentPolicy {
            max_duration_ms: Some(30 * 60 * 1000),
            ..Default::default()
        },
        ..Default::default()
    };
    let best = |f: &dyn Fn() -> (Duration, u64)| {
        (0..ROUNDS)
            .map(|_| f())
            .min_by_key(|r| r.0)
            .expect("at least one round")
    };
    let (d, _) = best(&|| bench_parser(&input));
    println!(
        "flv_parse [{name}]: parser only          {:6.2} GB/s  ({:.0?} best of {ROUNDS})",
        gbps(input.len(), d),
        d
    );
    let (d, events) = best(&|| bench_pipeline(&input, cfg));
    println!(
        "flv_parse [{name}]: parse+repair+segment {:6.2} GB/s  ({:.0?} best of {ROUNDS}, {} events, {:.1} M tags/s)",
        gbps(input.len(), d),
        d,
        events,
        tags as f64 / d.as_secs_f64() / 1e6
    );
}
