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
        let sizes: Vec<(u32, u32)> = m.clips.iter().map(|c| (c.width, c.height)).collect();
        assert_eq!(sizes, [(320, 180), (480, 270)], "read from the SPS");
    }

    /// Writes the embedded fixtures out as `gen-fixtures.sh --out DIR` would.
    fn write_embedded(dir: &Path) {
        for clip in &media().clips {
            let d = dir.join(clip.name);
            std::fs::create_dir_all(&d).expect("mkdir");
            let flv = std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures")
                    .join(clip.name)
                    .join("stream.flv"),
            )
            .expect("checked-in flv");
            let mut parts: Vec<&[u8]> = clip.ts.to_vec();
            parts.push(clip.init);
            parts.extend(clip.m4s);
            parts.push(&flv);
            for (file, data) in CLIP_FILES.iter().zip(parts) {
                std::fs::write(d.join(file), data).expect("write");
            }
        }
    }

    #[test]
    fn a_directory_loads_like_the_embedded_set() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write_embedded(tmp.path());
        let (from_dir, embedded) = (Media::load_dir(tmp.path()).expect("loads"), media());
        for (d, e) in from_dir.clips.iter().zip(&embedded.clips) {
            assert_eq!(
                (d.name, d.width, d.height, d.bandwidth, &d.codecs),
                (e.name, e.width, e.height, e.bandwidth, &e.codecs)
            );
            assert_eq!(d.ts, e.ts);
            assert_eq!(d.flv.metadata, e.flv.metadata);
            assert_eq!(d.flv.tags, e.flv.tags);
            assert_eq!(d.ts_cc_per_lap, e.ts_cc_per_lap);
        }
    }

    #[test]
    fn a_bad_directory_names_the_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope");
        let e = Media::load_dir(&missing).expect_err("no such dir");
        assert!(
            e.contains(&missing.display().to_string()) && e.contains("does not exist"),
            "{e}"
        );

        write_embedded(tmp.path());
        let gone = tmp.path().join("b").join("seg2.m4s");
        std::fs::remove_file(&gone).expect("rm");
        let e = Media::load_dir(tmp.path()).expect_err("file missing");
        assert!(
            e.contains(&gone.display().to_string()) && e.contains("cannot read"),
            "{e}"
        );

        write_embedded(tmp.path());
        let flv = tmp.path().join("a").join("stream.flv");
        std::fs::write(&flv, b"not an flv").expect("write");
        let e = Media::load_dir(tmp.path()).expect_err("bad flv");
        assert!(
            e.contains(&flv.display().to_string()) && e.contains("not an FLV"),
            "{e}"
        );

        // Cut after the second second: still valid FLV, but not one lap.
        write_embedded(tmp.path());
        let whole = std::fs::read(&flv).expect("read");
        let tags = flv::parse(&whole).expect("parse");
        let mut short = flv::file_header().to_vec();
        for t in tags.iter().filter(|t| t.timestamp < 2000) {
            short.extend_from_slice(&flv::write_tag(t.kind, t.timestamp, &t.body));
        }
        std::fs::write(&flv, short).expect("write");
        let e = Media::load_dir(tmp.path()).expect_err("short flv");
        assert!(
            e.contains(&flv.display().to_string()) && e.contains("want 100 / 125"),
            "{e}"
        );
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
