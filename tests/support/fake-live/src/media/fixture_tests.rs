//! Fixture loading: both clip sets parse to the expected shape, a
//! directory loads like the embedded set, bad files are named.

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
        let times = |kind: u8| -> Vec<u32> {
            let tags = clip.flv.tags.iter().filter(|t| t.kind == kind);
            tags.map(|t| t.timestamp).collect()
        };
        let video = times(flv::TAG_VIDEO);
        let audio = times(flv::TAG_AUDIO);
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
