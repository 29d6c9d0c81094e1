//! Minimal FLV reading and writing: enough to split the fixture into tags and
//! to emit a live stream (header, onMetaData, sequence headers, media tags).
//!
//! Only the parts of the format the fake server produces are modelled; the
//! recorder under test has its own, much stricter parser.

use bytes::{BufMut, Bytes, BytesMut};

/// FLV tag type for audio.
pub const TAG_AUDIO: u8 = 8;
/// FLV tag type for video.
pub const TAG_VIDEO: u8 = 9;
/// FLV tag type for script data (onMetaData).
pub const TAG_SCRIPT: u8 = 18;

/// One tag as stored in a file: type, 32-bit millisecond timestamp, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTag {
    pub kind: u8,
    pub timestamp: u32,
    pub body: Bytes,
}

impl RawTag {
    /// An AVC sequence header (AVCDecoderConfigurationRecord) tag.
    pub fn is_avc_header(&self) -> bool {
        self.kind == TAG_VIDEO
            && self.body.len() >= 2
            && self.body[0] & 0x0f == 7
            && self.body[1] == 0
    }

    /// An AVC end-of-sequence tag; dropped when looping so the stream never "ends".
    pub fn is_avc_end(&self) -> bool {
        self.kind == TAG_VIDEO
            && self.body.len() >= 2
            && self.body[0] & 0x0f == 7
            && self.body[1] == 2
    }

    /// An AAC sequence header (AudioSpecificConfig) tag.
    pub fn is_aac_header(&self) -> bool {
        self.kind == TAG_AUDIO
            && self.body.len() >= 2
            && self.body[0] >> 4 == 10
            && self.body[1] == 0
    }

    /// A video keyframe carrying coded data (not a sequence header).
    pub fn is_keyframe(&self) -> bool {
        self.kind == TAG_VIDEO
            && self.body.len() >= 2
            && self.body[0] >> 4 == 1
            && self.body[1] == 1
    }
}

/// Why an FLV byte string could not be split into tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlvError {
    BadHeader,
    Truncated { offset: usize },
}

impl std::fmt::Display for FlvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlvError::BadHeader => write!(f, "not an FLV file (bad signature or header size)"),
            FlvError::Truncated { offset } => write!(f, "FLV truncated at byte {offset}"),
        }
    }
}

impl std::error::Error for FlvError {}

/// Splits a complete FLV file into its tags (header and back-pointers dropped).
pub fn parse(data: &[u8]) -> Result<Vec<RawTag>, FlvError> {
    if data.len() < 13 || &data[..3] != b"FLV" {
        return Err(FlvError::BadHeader);
    }
    let header_len = u32::from_be_bytes([data[5], data[6], data[7], data[8]]) as usize;
    let mut pos = header_len + 4;
    let mut tags = Vec::new();
    while pos < data.len() {
        let head = data
            .get(pos..pos + 11)
            .ok_or(FlvError::Truncated { offset: pos })?;
        let size = u32::from_be_bytes([0, head[1], head[2], head[3]]) as usize;
        let timestamp = u32::from_be_bytes([head[7], head[4], head[5], head[6]]);
        let body = data
            .get(pos + 11..pos + 11 + size)
            .ok_or(FlvError::Truncated { offset: pos })?;
        tags.push(RawTag {
            kind: head[0] & 0x1f,
            timestamp,
            body: Bytes::copy_from_slice(body),
        });
        pos += 11 + size + 4;
    }
    Ok(tags)
}

/// The 9-byte FLV file header (audio + video) followed by PreviousTagSize0.
pub fn file_header() -> Bytes {
    Bytes::from_static(&[b'F', b'L', b'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0])
}

/// Serialises one tag plus its trailing PreviousTagSize.
pub fn write_tag(kind: u8, timestamp: u32, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(11 + body.len() + 4);
    let size = body.len() as u32;
    out.put_u8(kind);
    out.put_slice(&size.to_be_bytes()[1..]);
    out.put_slice(&timestamp.to_be_bytes()[1..]);
    out.put_u8((timestamp >> 24) as u8);
    out.put_slice(&[0, 0, 0]);
    out.put_slice(body);
    out.put_u32(size + 11);
    out.freeze()
}

/// Stream properties announced in onMetaData.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaData {
    pub width: u32,
    pub height: u32,
    pub framerate: f64,
    pub video_kbps: f64,
    pub audio_sample_rate: f64,
}

/// Builds an AMF0 `onMetaData` script body like a live encoder sends
/// (no duration/filesize: a live stream has neither).
pub fn on_metadata(meta: &MetaData) -> Bytes {
    let mut out = BytesMut::new();
    amf_string(&mut out, "onMetaData");
    let entries: [(&str, Amf); 9] = [
        ("width", Amf::Number(f64::from(meta.width))),
        ("height", Amf::Number(f64::from(meta.height))),
        ("framerate", Amf::Number(meta.framerate)),
        ("videocodecid", Amf::Number(7.0)),
        ("videodatarate", Amf::Number(meta.video_kbps)),
        ("audiocodecid", Amf::Number(10.0)),
        ("audiosamplerate", Amf::Number(meta.audio_sample_rate)),
        ("stereo", Amf::Bool(false)),
        ("encoder", Amf::Str("fake-live")),
    ];
    out.put_u8(0x08); // ECMA array
    out.put_u32(entries.len() as u32);
    for (key, value) in entries {
        out.put_u16(key.len() as u16);
        out.put_slice(key.as_bytes());
        match value {
            Amf::Number(n) => {
                out.put_u8(0x00);
                out.put_f64(n);
            }
            Amf::Bool(b) => {
                out.put_u8(0x01);
                out.put_u8(u8::from(b));
            }
            Amf::Str(s) => amf_string(&mut out, s),
        }
    }
    out.put_slice(&[0, 0, 9]); // object end marker
    out.freeze()
}

enum Amf {
    Number(f64),
    Bool(bool),
    Str(&'static str),
}

fn amf_string(out: &mut BytesMut, s: &str) {
    out.put_u8(0x02);
    out.put_u16(s.len() as u16);
    out.put_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_parse_round_trips_extended_timestamps() {
        let mut file = BytesMut::new();
        file.put_slice(&file_header());
        file.put_slice(&write_tag(TAG_VIDEO, 0x1234_5678, &[0x17, 1, 0, 0, 0, 9]));
        file.put_slice(&write_tag(TAG_AUDIO, 7, &[0xaf, 1, 5]));
        let tags = parse(&file).expect("valid");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].timestamp, 0x1234_5678);
        assert!(tags[0].is_keyframe());
        assert_eq!(tags[1].kind, TAG_AUDIO);
        assert_eq!(&tags[1].body[..], &[0xaf, 1, 5]);
    }

    #[test]
    fn truncated_file_is_an_error() {
        let mut file = BytesMut::new();
        file.put_slice(&file_header());
        let tag = write_tag(TAG_AUDIO, 0, &[0xaf, 1, 1, 2, 3]);
        file.put_slice(&tag[..tag.len() - 6]);
        assert_eq!(parse(&file), Err(FlvError::Truncated { offset: 13 }));
        assert_eq!(parse(b"nope"), Err(FlvError::BadHeader));
    }

    #[test]
    fn metadata_is_amf0_on_metadata() {
        let body = on_metadata(&MetaData {
            width: 320,
            height: 180,
            framerate: 25.0,
            video_kbps: 120.0,
            audio_sample_rate: 32000.0,
        });
        assert_eq!(&body[..13], b"\x02\x00\x0aonMetaData");
        assert_eq!(body[13], 0x08);
        assert!(body.ends_with(&[0, 0, 9]));
    }
}
