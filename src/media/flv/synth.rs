//! Synthetic FLV tags and streams for tests, benchmarks and fuzz seeds.
//!
//! Payloads are not decodable video; they only carry the header bytes the
//! repair and segmenting logic inspects, plus distinct filler so duplicate
//! detection sees distinct frames.

use bytes::Bytes;

use super::amf0::Amf0Value;
use super::tag::{FlvHeader, FlvTag, TagType};

/// AVC sequence header; `variant` changes the bytes (a "new" header).
pub fn avc_sequence_header(ts: u32, variant: u8) -> FlvTag {
    let data = vec![
        0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, variant,
    ];
    FlvTag::new(TagType::Video, ts, data)
}

/// AVC coded frame of `size` bytes (at least 9) whose filler encodes `seq`.
pub fn avc_frame(ts: u32, keyframe: bool, seq: u64, size: usize) -> FlvTag {
    let mut d = vec![0u8; size.max(9)];
    d[0] = if keyframe { 0x17 } else { 0x27 };
    d[1] = 1;
    d[5..9].copy_from_slice(&((size.max(9) - 9) as u32).to_be_bytes());
    fill(&mut d[9..], seq);
    FlvTag::new(TagType::Video, ts, d)
}

/// AVC end-of-sequence marker.
pub fn avc_end_of_sequence(ts: u32) -> FlvTag {
    FlvTag::new(TagType::Video, ts, vec![0x17, 2, 0, 0, 0])
}

/// AAC sequence header; `variant` changes the bytes.
pub fn aac_sequence_header(ts: u32, variant: u8) -> FlvTag {
    FlvTag::new(TagType::Audio, ts, vec![0xAF, 0, 0x12, 0x10 ^ variant])
}

/// Raw AAC frame of `size` bytes (at least 2) whose filler encodes `seq`.
pub fn aac_frame(ts: u32, seq: u64, size: usize) -> FlvTag {
    let mut d = vec![0u8; size.max(2)];
    d[0] = 0xAF;
    d[1] = 1;
    fill(&mut d[2..], seq);
    FlvTag::new(TagType::Audio, ts, d)
}

/// An onMetaData script tag with a few typical fields.
pub fn on_metadata(ts: u32, width: f64, height: f64) -> FlvTag {
    let props = vec![
        ("duration".into(), Amf0Value::Number(0.0)),
        ("width".into(), Amf0Value::Number(width)),
        ("height".into(), Amf0Value::Number(height)),
        ("framerate".into(), Amf0Value::Number(30.0)),
        ("videocodecid".into(), Amf0Value::Number(7.0)),
        ("audiocodecid".into(), Amf0Value::Number(10.0)),
        ("audiosamplerate".into(), Amf0Value::Number(44100.0)),
        ("stereo".into(), Amf0Value::Boolean(true)),
        ("encoder".into(), Amf0Value::String("synth".into())),
    ];
    script_tag(ts, "onMetaData", Amf0Value::EcmaArray(props))
}

/// A script tag `name(value)`.
pub fn script_tag(ts: u32, name: &str, value: Amf0Value) -> FlvTag {
    let mut d = Vec::new();
    // Encoding these literal values cannot fail (short keys and strings).
    let _ = Amf0Value::String(name.into()).encode(&mut d);
    let _ = value.encode(&mut d);
    FlvTag::new(TagType::Script, ts, Bytes::from(d))
}

/// Shape of a synthetic A/V stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamShape {
    pub fps: u32,
    pub gop_frames: u32,
    pub keyframe_bytes: usize,
    pub frame_bytes: usize,
    pub audio_frame_bytes: usize,
    /// AAC frame interval in ms (1024 samples at 44.1 kHz is ~23.2 ms).
    pub audio_interval_ms: f64,
}

impl Default for StreamShape {
    fn default() -> Self {
        Self {
            fps: 30,
            gop_frames: 60,
            keyframe_bytes: 4_000,
            frame_bytes: 600,
            audio_frame_bytes: 40,
            audio_interval_ms: 1_024_000.0 / 44_100.0,
        }
    }
}

/// Metadata, both sequence headers, then interleaved A/V frames covering
/// `duration_ms` from `start_ts`. `seq` makes payloads unique across calls.
pub fn av_stream(
    shape: StreamShape,
    start_ts: u32,
    duration_ms: u32,
    seq: &mut u64,
) -> Vec<FlvTag> {
    let mut tags = vec![
        on_metadata(0, 1280.0, 720.0),
        avc_sequence_header(start_ts, 0),
        aac_sequence_header(start_ts, 0),
    ];
    tags.extend(av_frames(shape, start_ts, duration_ms, seq));
    tags
}

/// Interleaved A/V frames only (starting with a keyframe), in DTS order.
pub fn av_frames(
    shape: StreamShape,
    start_ts: u32,
    duration_ms: u32,
    seq: &mut u64,
) -> Vec<FlvTag> {
    let mut tags = Vec::new();
    let frame_ms = 1000.0 / f64::from(shape.fps.max(1));
    let (mut v, mut a) = (0u32, 0u32);
    loop {
        let vt = f64::from(v) * frame_ms;
        let at = f64::from(a) * shape.audio_interval_ms;
        if vt.min(at) >= f64::from(duration_ms) {
            break;
        }
        *seq += 1;
        if vt <= at {
            let key = v % shape.gop_frames.max(1) == 0;
            let size = if key {
                shape.keyframe_bytes
            } else {
                shape.frame_bytes
            };
            tags.push(avc_frame(start_ts.wrapping_add(vt as u32), key, *seq, size));
            v += 1;
        } else {
            tags.push(aac_frame(
                start_ts.wrapping_add(at as u32),
                *seq,
                shape.audio_frame_bytes,
            ));
            a += 1;
        }
    }
    tags
}

/// Encodes a header (if any) and tags into FLV bytes.
pub fn encode(header: Option<FlvHeader>, tags: &[FlvTag]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(h) = header {
        out.extend_from_slice(&h.encode());
    }
    for t in tags {
        // Synthetic tags are always far below the 24-bit limit.
        let _ = t.encode_into(&mut out);
    }
    out
}

/// Deterministic filler derived from `seq` (xorshift), cheap and distinct.
fn fill(buf: &mut [u8], seq: u64) {
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
}
