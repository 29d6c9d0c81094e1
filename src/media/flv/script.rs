//! Script tags: recognising onMetaData and extracting the stream facts we keep.

use super::amf0::{self, Amf0Value};

/// The name AMF0 string of an onMetaData tag (marker, length, bytes).
const ON_METADATA_PREFIX: &[u8] = b"\x02\x00\x0AonMetaData";

/// Cheap check (no decoding) whether a script tag body is onMetaData.
pub fn is_on_metadata(data: &[u8]) -> bool {
    data.starts_with(ON_METADATA_PREFIX)
}

/// Facts from the source's onMetaData that we carry into our own metadata.
/// Every field is optional: sources omit whatever they like.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamMetadata {
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub framerate: Option<f64>,
    pub video_codec_id: Option<f64>,
    pub audio_codec_id: Option<f64>,
    pub audio_sample_rate: Option<f64>,
    pub stereo: Option<bool>,
    pub has_video: Option<bool>,
    pub has_audio: Option<bool>,
    pub encoder: Option<String>,
}

impl StreamMetadata {
    /// Decodes an onMetaData tag body. `None` if it is not onMetaData or the
    /// AMF0 is broken before the properties (junk must not stop recording).
    pub fn from_script_tag(data: &[u8]) -> Option<Self> {
        if !is_on_metadata(data) {
            return None;
        }
        let (value, _) = amf0::decode(&data[ON_METADATA_PREFIX.len()..]).ok()?;
        Some(Self::from_amf(&value))
    }

    /// Extracts known fields from an ECMA array / object.
    pub fn from_amf(v: &Amf0Value) -> Self {
        let num = |k: &str| {
            v.get(k)
                .and_then(Amf0Value::as_f64)
                .filter(|n| n.is_finite())
        };
        let flag = |k: &str| v.get(k).and_then(Amf0Value::as_bool);
        Self {
            width: num("width"),
            height: num("height"),
            framerate: num("framerate").or_else(|| num("videoframerate")),
            video_codec_id: num("videocodecid"),
            audio_codec_id: num("audiocodecid"),
            audio_sample_rate: num("audiosamplerate"),
            stereo: flag("stereo"),
            has_video: flag("hasVideo"),
            has_audio: flag("hasAudio"),
            encoder: v
                .get("encoder")
                .and_then(Amf0Value::as_str)
                .map(|s| s.chars().take(256).collect()),
        }
    }

    /// Whether the source says it carries video (explicitly or via a codec id).
    pub fn announces_video(&self) -> Option<bool> {
        self.has_video.or(self.video_codec_id.map(|_| true))
    }

    /// Whether the source says it carries audio.
    pub fn announces_audio(&self) -> Option<bool> {
        self.has_audio.or(self.audio_codec_id.map(|_| true))
    }

    /// True if a new onMetaData describes a different stream (resolution or
    /// codecs), which warrants a new file. Other fields (bitrate, encoder
    /// strings, server timestamps) change on every reconnect and are ignored.
    pub fn essentials_differ(&self, other: &Self) -> bool {
        self.width != other.width
            || self.height != other.height
            || self.video_codec_id != other.video_codec_id
            || self.audio_codec_id != other.audio_codec_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::synth;

    #[test]
    fn extracts_fields() {
        let tag = synth::on_metadata(0, 1280.0, 720.0);
        let m = StreamMetadata::from_script_tag(&tag.data).unwrap();
        assert_eq!(m.width, Some(1280.0));
        assert_eq!(m.height, Some(720.0));
        assert_eq!(m.video_codec_id, Some(7.0));
        assert_eq!(m.announces_audio(), Some(true));
        assert!(!m.essentials_differ(&m.clone()));
        let other =
            StreamMetadata::from_script_tag(&synth::on_metadata(0, 1920.0, 1080.0).data).unwrap();
        assert!(m.essentials_differ(&other));
    }

    #[test]
    fn junk_is_ignored() {
        assert!(StreamMetadata::from_script_tag(b"\x02\x00\x0AonMetaData\x08\x00").is_none());
        assert!(StreamMetadata::from_script_tag(b"\x02\x00\x03foo").is_none());
    }
}
