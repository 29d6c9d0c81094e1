//! Our onMetaData tag, laid out so it can be rewritten in place.
//!
//! The body is encoded by hand (not via [`Amf0Value`] trees) because the
//! keyframe arrays can hold tens of thousands of numbers. Every value whose
//! content changes during recording is a fixed-size number or boolean, and
//! the space reserved for the keyframe arrays is filled with a trailing
//! `srecPadding` strict array of nulls, sized so the body always has exactly
//! [`MetadataLayout::reserved_len`] bytes. Players skip the padding; ffmpeg
//! stops reading the keyframes object once it has both arrays.

use crate::media::flv::amf0::{Amf0Error, Amf0Value, encode_key};
use crate::media::flv::error::FlvError;
use crate::media::flv::segmenter::SegmentStart;

const PADDING_KEY: &str = "srecPadding";
/// Upper bound on reserved keyframe slots (3.6 MB of metadata), far below
/// FLV's 16 MiB tag limit.
pub const MAX_KEYFRAME_SLOTS: usize = 200_000;
/// Padding property with zero elements (key, marker, u32 count) plus the
/// ECMA array's end marker that follows it.
const MIN_PADDING: usize = 2 + PADDING_KEY.len() + 1 + 4 + 3;

/// Values known only while/after writing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveValues<'a> {
    pub duration_ms: u64,
    pub filesize: u64,
    pub last_timestamp: u32,
    pub last_keyframe: Option<(u32, u64)>,
    /// (file-relative ms, byte position) of indexed keyframes.
    pub keyframes: &'a [(u32, u64)],
}

/// Fixed part of the metadata plus the reserved size.
#[derive(Debug, Clone)]
pub struct MetadataLayout {
    fixed: Vec<(&'static str, Amf0Value)>,
    reserved_len: usize,
}

impl MetadataLayout {
    /// Lays out metadata for a file starting with `start`, with room for
    /// `slots` keyframes.
    pub fn new(start: &SegmentStart, slots: usize) -> Result<Self, FlvError> {
        let slots = slots.min(MAX_KEYFRAME_SLOTS);
        let mut layout = Self {
            fixed: fixed_fields(start),
            reserved_len: 0,
        };
        // Each keyframe adds one number to each array (2 x 9 bytes), so the
        // full-size body is measured with two entries and extrapolated.
        let (probe, extra) = if slots >= 2 { (2, slots - 2) } else { (0, 0) };
        let dummy = [(0u32, 0u64); 2];
        let live = LiveValues {
            keyframes: &dummy[..probe],
            ..Default::default()
        };
        layout.reserved_len = layout.body_without_padding(&live)?.len() + extra * 18 + MIN_PADDING;
        Ok(layout)
    }

    /// Size of the script tag body, constant for the life of the file.
    pub fn reserved_len(&self) -> usize {
        self.reserved_len
    }

    /// The script tag body for `live`, exactly `reserved_len` bytes.
    pub fn encode(&self, live: &LiveValues<'_>) -> Result<Vec<u8>, FlvError> {
        let mut body = self.body_without_padding(live)?;
        let needed = body.len() + MIN_PADDING;
        if needed > self.reserved_len {
            return Err(FlvError::MetadataOverflow {
                needed,
                reserved: self.reserved_len,
            });
        }
        let nulls = self.reserved_len - needed;
        encode_key(PADDING_KEY, &mut body)?;
        body.push(0x0A);
        body.extend_from_slice(&(nulls as u32).to_be_bytes());
        body.resize(body.len() + nulls, 0x05);
        body.extend_from_slice(&[0, 0, 9]);
        Ok(body)
    }

    /// Everything but the padding property and the final end marker.
    fn body_without_padding(&self, live: &LiveValues<'_>) -> Result<Vec<u8>, Amf0Error> {
        let with_index = live.keyframes.len() >= 2;
        let (kf_ts, kf_pos) = live.last_keyframe.unwrap_or((0, 0));
        let dynamic: [(&str, Amf0Value); 7] = [
            (
                "duration",
                Amf0Value::Number(live.duration_ms as f64 / 1000.0),
            ),
            ("filesize", Amf0Value::Number(live.filesize as f64)),
            (
                "lasttimestamp",
                Amf0Value::Number(f64::from(live.last_timestamp) / 1000.0),
            ),
            (
                "lastkeyframetimestamp",
                Amf0Value::Number(f64::from(kf_ts) / 1000.0),
            ),
            ("lastkeyframelocation", Amf0Value::Number(kf_pos as f64)),
            ("hasKeyframes", Amf0Value::Boolean(with_index)),
            ("canSeekToEnd", Amf0Value::Boolean(false)),
        ];
        let count = dynamic.len() + self.fixed.len() + usize::from(with_index) + 1;
        let mut b = Vec::with_capacity(256 + live.keyframes.len() * 18);
        Amf0Value::String("onMetaData".into()).encode(&mut b)?;
        b.push(0x08);
        b.extend_from_slice(&(count as u32).to_be_bytes());
        for (k, v) in dynamic.iter().chain(self.fixed.iter()) {
            encode_key(k, &mut b)?;
            v.encode(&mut b)?;
        }
        if with_index {
            encode_key("keyframes", &mut b)?;
            b.push(0x03);
            encode_key("times", &mut b)?;
            put_numbers(
                &mut b,
                live.keyframes.iter().map(|&(t, _)| f64::from(t) / 1000.0),
                live.keyframes.len(),
            );
            encode_key("filepositions", &mut b)?;
            put_numbers(
                &mut b,
                live.keyframes.iter().map(|&(_, p)| p as f64),
                live.keyframes.len(),
            );
            b.extend_from_slice(&[0, 0, 9]);
        }
        Ok(b)
    }
}

fn fixed_fields(start: &SegmentStart) -> Vec<(&'static str, Amf0Value)> {
    let meta = start.metadata.clone().unwrap_or_default();
    let video = start.video_header.as_ref().and_then(|t| t.video());
    let audio = start.audio_header.as_ref().and_then(|t| t.audio());
    let mut f = Vec::new();
    let mut num = |k: &'static str, v: Option<f64>| {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            f.push((k, Amf0Value::Number(v)));
        }
    };
    num("width", meta.width);
    num("height", meta.height);
    num("framerate", meta.framerate);
    num(
        "videocodecid",
        video.map(|v| v.codec.metadata_id()).or(meta.video_codec_id),
    );
    num(
        "audiocodecid",
        audio
            .map(|a| f64::from(a.sound_format))
            .or(meta.audio_codec_id),
    );
    num(
        "audiosamplerate",
        meta.audio_sample_rate.or(audio.map(|a| a.sample_rate_hz())),
    );
    if let Some(stereo) = meta.stereo.or(audio.map(|a| a.stereo)) {
        f.push(("stereo", Amf0Value::Boolean(stereo)));
    }
    f.push(("hasVideo", Amf0Value::Boolean(start.header.has_video)));
    f.push(("hasAudio", Amf0Value::Boolean(start.header.has_audio)));
    f.push(("hasMetadata", Amf0Value::Boolean(true)));
    f.push(("metadatacreator", Amf0Value::String("srec".into())));
    f
}

fn put_numbers(b: &mut Vec<u8>, values: impl Iterator<Item = f64>, n: usize) {
    b.push(0x0A);
    b.extend_from_slice(&(n as u32).to_be_bytes());
    for v in values {
        b.push(0x00);
        b.extend_from_slice(&v.to_be_bytes());
    }
}
