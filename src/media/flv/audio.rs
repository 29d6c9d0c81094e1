//! Audio tag header fields: sound format and AAC packet type.

/// SoundFormat value for AAC.
pub const SOUND_FORMAT_AAC: u8 = 10;

/// What an AAC packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AacPacketType {
    /// AudioSpecificConfig.
    SequenceHeader,
    /// Raw AAC frame.
    Raw,
    Other(u8),
}

/// Parsed audio tag header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioInfo {
    /// SoundFormat (10 = AAC, 2 = MP3, ...).
    pub sound_format: u8,
    /// SoundRate index (0..=3 = 5.5/11/22/44 kHz).
    pub sound_rate: u8,
    /// True for 16-bit samples.
    pub sound_size_16bit: bool,
    pub stereo: bool,
    /// Only for AAC.
    pub aac_packet_type: Option<AacPacketType>,
}

impl AudioInfo {
    /// Parses the header at the start of an audio tag body.
    pub fn parse(d: &[u8]) -> Option<Self> {
        let b0 = *d.first()?;
        let sound_format = b0 >> 4;
        let aac_packet_type = if sound_format == SOUND_FORMAT_AAC {
            Some(match *d.get(1)? {
                0 => AacPacketType::SequenceHeader,
                1 => AacPacketType::Raw,
                other => AacPacketType::Other(other),
            })
        } else {
            None
        };
        Some(Self {
            sound_format,
            sound_rate: (b0 >> 2) & 0x03,
            sound_size_16bit: b0 & 0x02 != 0,
            stereo: b0 & 0x01 != 0,
            aac_packet_type,
        })
    }

    /// True for an AAC AudioSpecificConfig.
    pub fn is_sequence_header(&self) -> bool {
        self.aac_packet_type == Some(AacPacketType::SequenceHeader)
    }

    /// True for AAC frame data (which needs a sequence header to decode).
    pub fn is_aac_raw(&self) -> bool {
        self.aac_packet_type == Some(AacPacketType::Raw)
    }

    /// Sample rate announced by the header (AAC always says 44.1 kHz here).
    pub fn sample_rate_hz(&self) -> f64 {
        [5512.0, 11025.0, 22050.0, 44100.0][usize::from(self.sound_rate)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aac() {
        let a = AudioInfo::parse(&[0xAF, 0x00, 0x12, 0x10]).unwrap();
        assert!(a.is_sequence_header() && a.stereo && a.sound_size_16bit);
        assert_eq!(a.sample_rate_hz(), 44100.0);
        assert!(AudioInfo::parse(&[0xAF, 0x01, 1]).unwrap().is_aac_raw());
        assert!(AudioInfo::parse(&[0xAF]).is_none());
        let mp3 = AudioInfo::parse(&[0x2F]).unwrap();
        assert_eq!(mp3.sound_format, 2);
        assert!(mp3.aac_packet_type.is_none());
    }
}
