//! FLV file header and tag model, with their wire encodings.
//!
//! A tag owns its body as [`Bytes`], normally a zero-copy slice of the parser's
//! buffer, so tags can be passed through repair and segmenting without copying.

use bytes::Bytes;

use super::audio::AudioInfo;
use super::error::FlvError;
use super::video::VideoInfo;

/// Length of a tag header (type, size, timestamp, stream id).
pub const TAG_HEADER_LEN: usize = 11;
/// Length of the PreviousTagSize field that follows every tag.
pub const PREV_TAG_SIZE_LEN: usize = 4;
/// Largest body FLV's 24-bit size field can express.
pub const MAX_TAG_DATA_LEN: usize = 0x00FF_FFFF;

/// Kind of an FLV tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagType {
    Audio,
    Video,
    Script,
}

impl TagType {
    /// Decodes the tag type byte. The filter (encryption) bit and reserved bits
    /// must be zero: we cannot do anything useful with encrypted tags, and a
    /// strict check makes resync after garbage much more reliable.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            8 => Some(Self::Audio),
            9 => Some(Self::Video),
            18 => Some(Self::Script),
            _ => None,
        }
    }

    /// The wire value of this type.
    pub fn as_byte(self) -> u8 {
        match self {
            Self::Audio => 8,
            Self::Video => 9,
            Self::Script => 18,
        }
    }
}

/// One FLV tag. `timestamp` is the full 32-bit value (24 bits + extended byte),
/// in milliseconds; consumers compare timestamps with wrapping arithmetic.
#[derive(Clone, PartialEq, Eq)]
pub struct FlvTag {
    pub tag_type: TagType,
    pub timestamp: u32,
    pub stream_id: u32,
    pub data: Bytes,
}

impl FlvTag {
    /// A tag with stream id 0, as FLV requires.
    pub fn new(tag_type: TagType, timestamp: u32, data: impl Into<Bytes>) -> Self {
        Self {
            tag_type,
            timestamp,
            stream_id: 0,
            data: data.into(),
        }
    }

    /// Bytes this tag occupies in a file: header, body and PreviousTagSize.
    pub fn encoded_len(&self) -> u64 {
        (TAG_HEADER_LEN + self.data.len() + PREV_TAG_SIZE_LEN) as u64
    }

    /// The 11-byte tag header.
    pub fn header_bytes(&self) -> Result<[u8; TAG_HEADER_LEN], FlvError> {
        let size = self.data.len();
        if size > MAX_TAG_DATA_LEN {
            return Err(FlvError::TagDataTooLong { size });
        }
        let ts = self.timestamp;
        let sid = self.stream_id;
        Ok([
            self.tag_type.as_byte(),
            (size >> 16) as u8,
            (size >> 8) as u8,
            size as u8,
            (ts >> 16) as u8,
            (ts >> 8) as u8,
            ts as u8,
            (ts >> 24) as u8,
            (sid >> 16) as u8,
            (sid >> 8) as u8,
            sid as u8,
        ])
    }

    /// The trailing PreviousTagSize field for this tag.
    pub fn prev_tag_size_bytes(&self) -> [u8; PREV_TAG_SIZE_LEN] {
        ((TAG_HEADER_LEN + self.data.len()) as u32).to_be_bytes()
    }

    /// Appends header, body and PreviousTagSize to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), FlvError> {
        out.extend_from_slice(&self.header_bytes()?);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.prev_tag_size_bytes());
        Ok(())
    }

    /// Video header fields, if this is a video tag with a parseable header.
    pub fn video(&self) -> Option<VideoInfo> {
        match self.tag_type {
            TagType::Video => VideoInfo::parse(&self.data),
            _ => None,
        }
    }

    /// Audio header fields, if this is an audio tag with a parseable header.
    pub fn audio(&self) -> Option<AudioInfo> {
        match self.tag_type {
            TagType::Audio => AudioInfo::parse(&self.data),
            _ => None,
        }
    }

    /// True for a video keyframe carrying picture data (not a sequence header
    /// or end-of-sequence marker): the only place a file may start or split.
    pub fn is_video_keyframe(&self) -> bool {
        self.video()
            .is_some_and(|v| v.is_keyframe() && v.is_coded_frame())
    }

    /// True for an audio or video sequence header (decoder configuration).
    pub fn is_sequence_header(&self) -> bool {
        match self.tag_type {
            TagType::Video => self.video().is_some_and(|v| v.is_sequence_header()),
            TagType::Audio => self.audio().is_some_and(|a| a.is_sequence_header()),
            TagType::Script => false,
        }
    }
}

/// Short form (type, timestamp, size, first bytes): bodies can be megabytes.
impl std::fmt::Debug for FlvTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = &self.data[..self.data.len().min(8)];
        write!(
            f,
            "FlvTag({:?} ts={} sid={} len={} head={:02x?})",
            self.tag_type,
            self.timestamp,
            self.stream_id,
            self.data.len(),
            head
        )
    }
}

/// The FLV file header. Only the stream flags carry information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlvHeader {
    pub version: u8,
    pub has_audio: bool,
    pub has_video: bool,
}

impl FlvHeader {
    /// Length of the header proper (without PreviousTagSize0).
    pub const LEN: usize = 9;
    /// Header plus the 4-byte PreviousTagSize0 that always follows it.
    pub const LEN_WITH_PREV: usize = 13;
    /// Largest DataOffset we accept; real files use 9.
    pub const MAX_DATA_OFFSET: u32 = 1024;

    /// A version-1 header with the given stream flags.
    pub fn new(has_audio: bool, has_video: bool) -> Self {
        Self {
            version: 1,
            has_audio,
            has_video,
        }
    }

    /// Parses the 9-byte header, returning it and its DataOffset. `None` if
    /// the bytes are not a plausible FLV header.
    pub fn parse(b: &[u8]) -> Option<(Self, u32)> {
        if b.len() < Self::LEN || &b[..3] != b"FLV" || b[3] != 1 {
            return None;
        }
        let offset = u32::from_be_bytes([b[5], b[6], b[7], b[8]]);
        if !(Self::LEN as u32..=Self::MAX_DATA_OFFSET).contains(&offset) {
            return None;
        }
        let header = Self {
            version: b[3],
            has_audio: b[4] & 0x04 != 0,
            has_video: b[4] & 0x01 != 0,
        };
        Some((header, offset))
    }

    /// Header plus PreviousTagSize0, ready to start a file.
    pub fn encode(&self) -> [u8; Self::LEN_WITH_PREV] {
        let flags = (u8::from(self.has_audio) << 2) | u8::from(self.has_video);
        [b'F', b'L', b'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip() {
        let h = FlvHeader::new(true, true);
        let enc = h.encode();
        assert_eq!(FlvHeader::parse(&enc), Some((h, 9)));
        assert!(FlvHeader::parse(b"FLV\x02\x05\0\0\0\x09").is_none());
        assert!(FlvHeader::parse(b"FLV\x01\x05\0\0\0\x02").is_none());
    }

    #[test]
    fn tag_header_encodes_extended_timestamp() {
        let t = FlvTag::new(TagType::Video, 0x1234_5678, vec![0u8; 300]);
        let h = t.header_bytes().unwrap();
        assert_eq!(h, [9, 0, 1, 44, 0x34, 0x56, 0x78, 0x12, 0, 0, 0]);
        assert_eq!(t.prev_tag_size_bytes(), 311u32.to_be_bytes());
        assert_eq!(t.encoded_len(), 315);
    }
}
