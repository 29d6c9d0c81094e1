//! Video tag header fields: codec, frame type, packet type, composition time.
//!
//! Handles legacy FLV (codec id 7 = AVC, 12 = HEVC as used by Chinese CDNs) and
//! enhanced FLV (the `IsExHeader` bit with a FourCC such as `hvc1`/`av01`).

/// Video codec of a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264 (legacy id 7 or FourCC `avc1`).
    Avc,
    /// H.265 (legacy id 12 or FourCC `hvc1`).
    Hevc,
    /// Any other legacy codec id.
    Legacy(u8),
    /// Any other enhanced-FLV FourCC (`av01`, `vp09`, ...).
    FourCc([u8; 4]),
}

impl VideoCodec {
    /// The number written as `videocodecid` in onMetaData.
    pub fn metadata_id(self) -> f64 {
        match self {
            Self::Avc => 7.0,
            Self::Hevc => 12.0,
            Self::Legacy(id) => f64::from(id),
            Self::FourCc(cc) => f64::from(u32::from_be_bytes(cc)),
        }
    }
}

/// Frame type nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    Keyframe,
    Inter,
    DisposableInter,
    GeneratedKeyframe,
    /// Video info / command frame: carries no picture.
    Command,
    Unknown(u8),
}

impl FrameType {
    fn from_nibble(n: u8) -> Self {
        match n {
            1 => Self::Keyframe,
            2 => Self::Inter,
            3 => Self::DisposableInter,
            4 => Self::GeneratedKeyframe,
            5 => Self::Command,
            other => Self::Unknown(other),
        }
    }
}

/// What an AVC/HEVC (or enhanced) packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoPacketType {
    /// Decoder configuration record (AVCC/HVCC/AV1C...).
    SequenceHeader,
    /// Coded picture data (NAL units).
    CodedFrame,
    /// End of sequence marker.
    EndOfSequence,
    /// Anything else (enhanced metadata, multitrack...): passed through.
    Other(u8),
}

/// Parsed video tag header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoInfo {
    pub codec: VideoCodec,
    pub frame_type: FrameType,
    /// `None` for legacy codecs without a packet type byte.
    pub packet_type: Option<VideoPacketType>,
    /// Composition time offset (PTS - DTS) in ms; 0 where absent.
    pub composition_time: i32,
    /// True if the tag uses the enhanced-FLV extended header.
    pub enhanced: bool,
}

impl VideoInfo {
    /// Parses the header at the start of a video tag body.
    pub fn parse(d: &[u8]) -> Option<Self> {
        let b0 = *d.first()?;
        if b0 & 0x80 != 0 {
            return Self::parse_enhanced(d);
        }
        let frame_type = FrameType::from_nibble(b0 >> 4);
        let codec = match b0 & 0x0F {
            7 => VideoCodec::Avc,
            12 => VideoCodec::Hevc,
            other => VideoCodec::Legacy(other),
        };
        let mut info = Self {
            codec,
            frame_type,
            packet_type: None,
            composition_time: 0,
            enhanced: false,
        };
        if matches!(codec, VideoCodec::Avc | VideoCodec::Hevc) && frame_type != FrameType::Command {
            let pt = *d.get(1)?;
            info.packet_type = Some(match pt {
                0 => VideoPacketType::SequenceHeader,
                1 => VideoPacketType::CodedFrame,
                2 => VideoPacketType::EndOfSequence,
                other => VideoPacketType::Other(other),
            });
            if d.len() >= 5 {
                info.composition_time = si24(d[2], d[3], d[4]);
            }
        }
        Some(info)
    }

    fn parse_enhanced(d: &[u8]) -> Option<Self> {
        let b0 = d[0];
        let frame_type = FrameType::from_nibble((b0 >> 4) & 0x07);
        let raw_pt = b0 & 0x0F;
        let cc: [u8; 4] = d.get(1..5)?.try_into().ok()?;
        let codec = match &cc {
            b"avc1" => VideoCodec::Avc,
            b"hvc1" => VideoCodec::Hevc,
            _ => VideoCodec::FourCc(cc),
        };
        let (packet_type, composition_time) = match raw_pt {
            0 => (VideoPacketType::SequenceHeader, 0),
            1 => {
                // CodedFrames carries a composition time only for AVC/HEVC.
                let ct = match (codec, d.get(5..8)) {
                    (VideoCodec::Avc | VideoCodec::Hevc, Some(c)) => si24(c[0], c[1], c[2]),
                    _ => 0,
                };
                (VideoPacketType::CodedFrame, ct)
            }
            2 => (VideoPacketType::EndOfSequence, 0),
            3 => (VideoPacketType::CodedFrame, 0),
            other => (VideoPacketType::Other(other), 0),
        };
        Some(Self {
            codec,
            frame_type,
            packet_type: Some(packet_type),
            composition_time,
            enhanced: true,
        })
    }

    /// True for (generated) keyframes.
    pub fn is_keyframe(&self) -> bool {
        matches!(
            self.frame_type,
            FrameType::Keyframe | FrameType::GeneratedKeyframe
        )
    }

    /// True if the tag carries picture data (legacy codecs always do).
    pub fn is_coded_frame(&self) -> bool {
        match self.packet_type {
            Some(pt) => pt == VideoPacketType::CodedFrame,
            None => self.frame_type != FrameType::Command,
        }
    }

    /// True for a decoder configuration record.
    pub fn is_sequence_header(&self) -> bool {
        self.packet_type == Some(VideoPacketType::SequenceHeader)
    }

    /// True for an end-of-sequence marker.
    pub fn is_end_of_sequence(&self) -> bool {
        self.packet_type == Some(VideoPacketType::EndOfSequence)
    }
}

/// Sign-extends a big-endian 24-bit integer.
fn si24(a: u8, b: u8, c: u8) -> i32 {
    (i32::from_be_bytes([a, b, c, 0])) >> 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_avc() {
        let v = VideoInfo::parse(&[0x17, 0, 0, 0, 0]).unwrap();
        assert_eq!(v.codec, VideoCodec::Avc);
        assert!(v.is_keyframe() && v.is_sequence_header() && !v.is_coded_frame());
        let v = VideoInfo::parse(&[0x27, 1, 0xFF, 0xFF, 0xFE, 9]).unwrap();
        assert_eq!(v.frame_type, FrameType::Inter);
        assert_eq!(v.composition_time, -2);
        assert!(v.is_coded_frame());
        let v = VideoInfo::parse(&[0x17, 2, 0, 0, 0]).unwrap();
        assert!(v.is_end_of_sequence());
        let v = VideoInfo::parse(&[0x1C, 1, 0, 0, 40]).unwrap();
        assert_eq!(v.codec, VideoCodec::Hevc);
        assert_eq!(v.composition_time, 40);
        assert!(VideoInfo::parse(&[0x17]).is_none());
    }

    #[test]
    fn enhanced_hevc_and_av1() {
        let v = VideoInfo::parse(&[0x90, b'h', b'v', b'c', b'1']).unwrap();
        assert!(v.enhanced && v.is_sequence_header() && v.codec == VideoCodec::Hevc);
        let v = VideoInfo::parse(&[0x91, b'h', b'v', b'c', b'1', 0, 0, 33, 1]).unwrap();
        assert!(v.is_keyframe() && v.is_coded_frame());
        assert_eq!(v.composition_time, 33);
        let v = VideoInfo::parse(&[0xA3, b'a', b'v', b'0', b'1', 7]).unwrap();
        assert_eq!(v.codec, VideoCodec::FourCc(*b"av01"));
        assert_eq!(v.frame_type, FrameType::Inter);
        assert!(v.is_coded_frame());
        assert!(VideoInfo::parse(&[0x90, b'h']).is_none());
    }

    #[test]
    fn legacy_other_codec_is_coded() {
        let v = VideoInfo::parse(&[0x14, 0xAA]).unwrap();
        assert_eq!(v.codec, VideoCodec::Legacy(4));
        assert!(v.is_coded_frame() && v.packet_type.is_none());
    }
}
