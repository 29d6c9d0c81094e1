//! The media fixtures (see `gen-fixtures.sh`) and what the server needs to
//! know about them, parsed once at start-up: either the small clips embedded
//! in the binary or a set generated elsewhere (`gen-fixtures.sh --out DIR`)
//! and loaded from `DIR` ([`Media::load_dir`]).
//!
//! Each clip is exactly [`LAP_MS`] long for both audio and video, cut into
//! [`SEGMENTS_PER_LAP`] one-second segments that each start on a keyframe, so
//! any segment boundary is a safe place to loop, switch clips or jump.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;

use super::avc;
use super::flv::{self, MetaData, RawTag};
use super::fmp4::{self, Timescales};
use super::ts;

/// Duration of one HLS segment (and one GOP) in milliseconds.
pub const SEGMENT_MS: u64 = 1000;
/// Segments per pass through a clip.
pub const SEGMENTS_PER_LAP: u64 = 4;
/// Duration of one pass through a clip ("lap"), identical for audio and video.
pub const LAP_MS: u64 = SEGMENT_MS * SEGMENTS_PER_LAP;

/// Clip directory names, in rendition order.
pub const CLIP_NAMES: [&str; 2] = ["a", "b"];
/// The files of one clip directory, as `gen-fixtures.sh` writes them.
pub const CLIP_FILES: [&str; 10] = [
    "seg0.ts",
    "seg1.ts",
    "seg2.ts",
    "seg3.ts",
    "init.mp4",
    "seg0.m4s",
    "seg1.m4s",
    "seg2.m4s",
    "seg3.m4s",
    "stream.flv",
];

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
    /// Picture size, from the clip's SPS.
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

/// The raw files of one clip.
struct ClipFiles {
    ts: [&'static [u8]; 4],
    init: &'static [u8],
    m4s: [&'static [u8]; 4],
    flv: &'static [u8],
}

impl Media {
    /// Parses the embedded fixtures; fails only if they were regenerated wrongly.
    pub fn load() -> Result<Media, String> {
        let a = ClipFiles {
            ts: segments!("a", "ts"),
            init: fixture!("a", "init.mp4"),
            m4s: segments!("a", "m4s"),
            flv: fixture!("a", "stream.flv"),
        };
        let b = ClipFiles {
            ts: segments!("b", "ts"),
            init: fixture!("b", "init.mp4"),
            m4s: segments!("b", "m4s"),
            flv: fixture!("b", "stream.flv"),
        };
        Ok(Media {
            clips: [
                Clip::load("a", "embedded fixtures/a", a)?,
                Clip::load("b", "embedded fixtures/b", b)?,
            ],
        })
    }

    /// Reads and parses a fixture set from `dir/a/` and `dir/b/` (the
    /// [`CLIP_FILES`] of each, as `gen-fixtures.sh --out DIR` writes them).
    /// Errors name the offending file.
    ///
    /// The file contents are leaked (`&'static`, like the embedded ones):
    /// meant for a server started once per process, not in a loop.
    pub fn load_dir(dir: &Path) -> Result<Media, String> {
        if !dir.is_dir() {
            return Err(format!(
                "fixtures directory {} does not exist or is not a directory",
                dir.display()
            ));
        }
        // Read everything first so a missing file leaks nothing.
        let mut raw: Vec<Vec<Vec<u8>>> = Vec::new();
        for name in CLIP_NAMES {
            let mut files = Vec::new();
            for file in CLIP_FILES {
                let path = dir.join(name).join(file);
                let data = std::fs::read(&path)
                    .map_err(|e| format!("fixture {}: cannot read: {e}", path.display()))?;
                files.push(data);
            }
            raw.push(files);
        }
        let mut clips = Vec::new();
        for (name, files) in CLIP_NAMES.into_iter().zip(raw) {
            let f: Vec<&'static [u8]> = files
                .into_iter()
                .map(|v| &*Box::leak(v.into_boxed_slice()))
                .collect();
            let files = ClipFiles {
                ts: [f[0], f[1], f[2], f[3]],
                init: f[4],
                m4s: [f[5], f[6], f[7], f[8]],
                flv: f[9],
            };
            let origin = dir.join(name).display().to_string();
            clips.push(Clip::load(name, &origin, files)?);
        }
        let [a, b]: [Clip; 2] = clips.try_into().expect("two clip names");
        Ok(Media { clips: [a, b] })
    }

    /// The clip at `index` modulo the number of clips (so callers can toggle freely).
    pub fn clip(&self, index: usize) -> &Clip {
        &self.clips[index % self.clips.len()]
    }
}

impl Clip {
    /// `origin` is the clip's directory (or a label for the embedded one),
    /// used in error messages as `fixture {origin}/{file}: ...`.
    fn load(name: &'static str, origin: &str, files: ClipFiles) -> Result<Clip, String> {
        let err = |file: &str, e: &dyn std::fmt::Display| format!("fixture {origin}/{file}: {e}");
        let mut ts_cc_per_lap = BTreeMap::new();
        for (i, seg) in files.ts.iter().enumerate() {
            for (pid, n) in ts::payload_packets(seg).map_err(|e| err(&format!("seg{i}.ts"), &e))? {
                *ts_cc_per_lap.entry(pid).or_insert(0) += n;
            }
        }
        let timescales = fmp4::timescales(files.init).map_err(|e| err("init.mp4", &e))?;
        if timescales.is_empty() {
            return Err(err("init.mp4", &"declares no tracks"));
        }
        for (i, seg) in files.m4s.iter().enumerate() {
            fmp4::decode_times(seg).map_err(|e| err(&format!("seg{i}.m4s"), &e))?;
        }
        let (flv, width, height) = split_flv(files.flv).map_err(|e| err("stream.flv", &e))?;
        let codecs = codecs(&flv.avc_header).ok_or_else(|| err("stream.flv", &"bad AVC header"))?;
        let biggest = files.ts.iter().map(|s| s.len()).max().unwrap_or(0) as u64;
        Ok(Clip {
            name,
            width,
            height,
            ts: files.ts,
            ts_cc_per_lap,
            init: files.init,
            m4s: files.m4s,
            timescales,
            flv,
            bandwidth: biggest * 8 * 1000 / SEGMENT_MS,
            codecs,
        })
    }
}

/// Splits the FLV into headers and media tags, checks that it is exactly one
/// lap (the looping arithmetic depends on it) and reads the picture size from
/// the SPS.
fn split_flv(file: &[u8]) -> Result<(FlvClip, u32, u32), String> {
    let all = flv::parse(file).map_err(|e| e.to_string())?;
    let avc_header = all
        .iter()
        .find(|t| t.is_avc_header())
        .ok_or("no AVC sequence header")?
        .body
        .clone();
    let (width, height) = avc::dimensions_from_flv_header(&avc_header)?;
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
    let count = |kind| tags.iter().filter(|t| t.kind == kind).count();
    let (video, audio) = (count(flv::TAG_VIDEO), count(flv::TAG_AUDIO));
    if (video, audio) != (100, 125) {
        return Err(format!(
            "{video} video / {audio} audio tags, want 100 / 125 (one {LAP_MS} ms lap at 25 fps, AAC 32 kHz)"
        ));
    }
    let keyframes: Vec<u32> = tags
        .iter()
        .filter(|t| t.is_keyframe())
        .map(|t| t.timestamp)
        .collect();
    if keyframes != [0, 1000, 2000, 3000] {
        return Err(format!(
            "keyframes at {keyframes:?} ms, want one per second at 0, 1000, 2000, 3000"
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
    Ok((
        FlvClip {
            metadata,
            avc_header,
            aac_header,
            tags,
        },
        width,
        height,
    ))
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
#[path = "fixture_tests.rs"]
mod tests;
