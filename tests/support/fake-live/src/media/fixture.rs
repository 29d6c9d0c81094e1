//! The embedded media fixtures (see `gen-fixtures.sh`) and what the server
//! needs to know about them, parsed once at start-up.
//!
//! Each clip is exactly [`LAP_MS`] long for both audio and video, cut into
//! [`SEGMENTS_PER_LAP`] one-second segments that each start on a keyframe, so
//! any segment boundary is a safe place to loop, switch clips or jump.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::flv::{self, MetaData, RawTag};
use super::fmp4::{self, Timescales};
use super::ts;

/// Duration of one HLS segment (and one GOP) in milliseconds.
pub const SEGMENT_MS: u64 = 1000;
/// Segments per pass through a clip.
pub const SEGMENTS_PER_LAP: u64 = 4;
/// Duration of one pass through a clip ("lap"), identical for audio and video.
pub const LAP_MS: u64 = SEGMENT_MS * SEGMENTS_PER_LAP;

macro_rules! fixture {
    ($clip:literal, $($part:literal),+) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/", $clip, "/", $($part),+)).as_slice()
    };
}

macro_rules! segments {
    ($clip:literal, $ext:literal) => {
        [
            fixture!($clip, "seg0.", $ext),
            fixture!($clip, "seg1.", $ext),
            fixture!($clip, "seg2.", $ext),
            fixture!($clip, "seg3.", $ext),
        ]
    };
}

/// The FLV rendition of a clip, split into what a live stream sends once
/// (headers) and what it repeats (media tags).
#[derive(Debug)]
pub struct FlvClip {
    /// onMetaData script body describing this clip.
    pub metadata: Bytes,
    /// Body of the AVC sequence header tag.
    pub avc_header: Bytes,
    /// Body of the AAC sequence header tag.
    pub aac_header: Bytes,
    /// Audio/video media tags in file order, timestamps within `0..LAP_MS`.
    pub tags: Vec<RawTag>,
}

/// One clip ("variant") in all its containers.
#[derive(Debug)]
pub struct Clip {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub ts: [&'static [u8]; 4],
    /// Payload packets per PID in one lap: how far continuity counters advance.
    pub ts_cc_per_lap: BTreeMap<u16, u64>,
    pub init: &'static [u8],
    pub m4s: [&'static [u8]; 4],
    pub timescales: Timescales,
    pub flv: FlvClip,
    /// Peak bits per second (largest segment), for `BANDWIDTH=`.
    pub bandwidth: u64,
    /// RFC 6381 codecs string, for `CODECS=`.
    pub codecs: String,
}

/// Both clips; index 0 is the default rendition, 1 the alternative one.
#[derive(Debug)]
pub struct Media {
    pub clips: [Clip; 2],
}

impl Media {
    /// Parses the embedded fixtures; fails only if they were regenerated wrongly.
    pub fn load() -> Result<Media, String> {
        Ok(Media {
            clips: [
                Clip::load(
                    "a",
                    320,
                    180,
                    segments!("a", "ts"),
                    fixture!("a", "init.mp4"),
                    segments!("a", "m4s"),
                    fixture!("a", "stream.flv"),
                )?,
                Clip::load(
                    "b",
                    480,
                    270,
                    segments!("b", "ts"),
                    fixture!("b", "init.mp4"),
                    segments!("b", "m4s"),
                    fixture!("b", "stream.flv"),
                )?,
            ],
        })
    }

    /// The clip at `index` modulo the number of clips (so callers can toggle freely).
    pub fn clip(&self, index: usize) -> &Clip {
        &self.clips[index % self.clips.len()]
    }
}

impl Clip {
    fn load(
        name: &'static str,
        width: u32,
        height: u32,
        ts: [&'static [u8]; 4],
        init: &'static [u8],
        m4s: [&'static [u8]; 4],
        flv_file: &'static [u8],
    ) -> Result<Clip, String> {
        let err = |what: &str, e: &dyn std::fmt::Display| format!("fixture {name}: {what}: {e}");
        let mut ts_cc_per_lap = BTreeMap::new();
        for seg in ts {
            for (pid, n) in ts::payload_packets(seg).map_err(|e| err("ts", &e))? {
                *ts_cc_per_lap.entry(pid).or_insert(0) += n;
            }
        }
        let timescales = fmp4::timescales(init).map_err(|e| err("init.mp4", &e))?;
        if timescales.is_empty() {
            return Err(format!("fixture {name}: init.mp4 declares no tracks"));
        }
        let flv = split_flv(flv_file, width, height).map_err(|e| err("stream.flv", &e))?;
        let codecs =
            codecs(&flv.avc_header).ok_or_else(|| format!("fixture {name}: bad AVC header"))?;
        let biggest = ts.iter().map(|s| s.len()).max().unwrap_or(0) as u64;
        Ok(Clip {
            name,
            width,
            height,
            ts,
            ts_cc_per_lap,
            init,
            m4s,
            timescales,
            flv,
            bandwidth: biggest * 8 * 1000 / SEGMENT_MS,
            codecs,
        })
    }
}

fn split_flv(file: &[u8], width: u32, height: u32) -> Result<FlvClip, String> {
    let all = flv::parse(file).map_err(|e| e.to_string())?;
    let avc_header = all
        .iter()
        .find(|t| t.is_avc_header())
        .ok_or("no AVC sequence header")?
        .body
        .clone();
    let aac_header = all
        .iter()
        .find(|t| t.is_aac_header())
        .ok_or("no AAC sequence header")?
        .body
        .clone();
    let tags: Vec<RawTag> = all
        .into_iter()
        .filter(|t| matches!(t.kind, flv::TAG_AUDIO | flv::TAG_VIDEO))
        .filter(|t| !t.is_avc_header() && !t.is_aac_header() && !t.is_avc_end())
        .collect();
    if !tags.first().is_some_and(RawTag::is_keyframe) {
        return Err("first media tag is not a keyframe".into());
    }
    if let Some(late) = tags
        .iter()
        .find(|t| u64::from(t.timestamp) >= LAP_MS + SEGMENT_MS)
    {
        return Err(format!(
            "tag at {} ms is far beyond the {LAP_MS} ms lap",
            late.timestamp
        ));
    }
    let video_bytes: usize = tags
        .iter()
        .filter(|t| t.kind == flv::TAG_VIDEO)
        .map(|t| t.body.len())
        .sum();
    let metadata = flv::on_metadata(&MetaData {
        width,
        height,
        framerate: 25.0,
        video_kbps: (video_bytes as f64 * 8.0 / LAP_MS as f64).round(),
        audio_sample_rate: 32000.0,
    });
    Ok(FlvClip {
        metadata,
        avc_header,
        aac_header,
        tags,
    })
}

/// `avc1.PPCCLL,mp4a.40.2` from an FLV AVC sequence header body
/// (5-byte FLV video preamble, then the AVCDecoderConfigurationRecord).
fn codecs(avc_header: &[u8]) -> Option<String> {
    let rec = avc_header.get(5..9)?;
    Some(format!(
        "avc1.{:02x}{:02x}{:02x},mp4a.40.2",
        rec[1], rec[2], rec[3]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media() -> Media {
        Media::load().expect("embedded fixtures parse")
    }

    #[test]
    fn both_clips_load_with_expected_shape() {
        let m = media();
        for clip in &m.clips {
            assert_eq!(
                clip.timescales.len(),
                2,
                "{}: video + audio tracks",
                clip.name
            );
            assert!(
                clip.codecs.starts_with("avc1.4d"),
                "{}: main profile, got {}",
                clip.name,
                clip.codecs
            );
            assert!(
                clip.bandwidth > 100_000 && clip.bandwidth < 600_000,
                "{}",
                clip.bandwidth
            );
        }
        assert_ne!(
            m.clips[0].flv.avc_header, m.clips[1].flv.avc_header,
            "different SPS"
        );
        assert!(m.clips[1].bandwidth > m.clips[0].bandwidth);
    }

    /// The looping arithmetic relies on each clip being exactly LAP_MS long for
    /// both streams: 100 video frames of 40 ms, 125 AAC frames of 32 ms.
    #[test]
    fn flv_clip_is_exactly_one_lap_per_stream() {
        for clip in &media().clips {
            let video: Vec<u32> = clip
                .flv
                .tags
                .iter()
                .filter(|t| t.kind == flv::TAG_VIDEO)
                .map(|t| t.timestamp)
                .collect();
            let audio: Vec<u32> = clip
                .flv
                .tags
                .iter()
                .filter(|t| t.kind == flv::TAG_AUDIO)
                .map(|t| t.timestamp)
                .collect();
            assert_eq!(video.len(), 100);
            assert_eq!(audio.len(), 125);
            assert_eq!(u64::from(video[99] - video[0] + 40), LAP_MS);
            assert_eq!(u64::from(audio[124] - audio[0] + 32), LAP_MS);
            let keyframes: Vec<u32> = clip
                .flv
                .tags
                .iter()
                .filter(|t| t.is_keyframe())
                .map(|t| t.timestamp)
                .collect();
            assert_eq!(keyframes, vec![0, 1000, 2000, 3000], "one GOP per segment");
        }
    }

    #[test]
    fn ts_segments_start_one_second_apart() {
        for clip in &media().clips {
            let firsts: Vec<i64> = clip
                .ts
                .iter()
                .map(|s| {
                    let stamps = ts::pes_stamps(s).expect("valid ts");
                    stamps.iter().map(|p| p.dts).min().expect("has PES")
                })
                .collect();
            for pair in firsts.windows(2) {
                // video DTS steps exactly 1 s; audio may start a frame earlier
                assert!((pair[1] - pair[0] - 90_000).abs() <= 3000, "{firsts:?}");
            }
        }
    }

    #[test]
    fn fmp4_fragments_cover_one_lap_per_track() {
        for clip in &media().clips {
            let starts: Vec<Vec<(u32, u64)>> = clip
                .m4s
                .iter()
                .map(|s| fmp4::decode_times(s).expect("valid fragment"))
                .collect();
            let video_scale = u64::from(clip.timescales[&1]);
            let video: Vec<u64> = starts
                .iter()
                .map(|f| f.iter().find(|(t, _)| *t == 1).expect("video").1)
                .collect();
            assert_eq!(
                video,
                vec![0, video_scale, 2 * video_scale, 3 * video_scale]
            );
        }
    }
}
