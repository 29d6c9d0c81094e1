//! The remux processor on files whose timestamps jump inside the file
//! (concatenated MPEG-TS parts, as a CDN switch or a source reset leaves
//! them, and an FLV carrying the same jump), through the daemon: the MP4
//! is as long as the media and decodes clean.

use std::process::Command;

use crate::harness::{Srec, ffprobe_ok};
use crate::pipeline_support::{
    daemon, have_ffmpeg, out_dir, segment, session, streamer, wait_jobs, wait_state,
};

/// A TS file whose timestamps jump 60 s forward (a CDN switch) and one
/// that starts over at 0 (a source reset) remux to MP4s as long as their
/// media, which decode without an error.
///
/// The parts have B-frames (PTS ≠ DTS, as live streams do): without them
/// the old flags (`-fflags +genpts+igndts`) gave byte-identical output,
/// since ffmpeg's own TS discontinuity handling evens the jump out either
/// way. With B-frames, `igndts` throws away the DTS that handling needs:
/// measured with ffmpeg 5.1, the jump file became a 60.16 s MP4 and the
/// reset file had non-monotonic DTS that fail to decode; with the current
/// `+genpts` both are 6.10 s and decode clean.
///
/// The FLV with the 60 s jump (the ffmpeg engine copies one from an
/// HTTP-FLV source) became a 63.0 s MP4 with either flag set: ffmpeg evens
/// out jumps only when it reads TS, so the remux now stages such an FLV
/// through TS (6.10 s).
#[test]
fn remux_evens_out_timestamp_jumps_inside_a_file() {
    if !have_ffmpeg() {
        return;
    }
    let s = Srec::new();
    let rec = out_dir(&s);
    let part = |name: &str, offset: &str| {
        let path = rec.join(name);
        let st = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
            ])
            .arg("testsrc=duration=3:size=320x240:rate=25")
            .args(["-f", "lavfi", "-i", "sine=duration=3", "-c:v", "libx264"])
            .args([
                "-preset",
                "ultrafast",
                "-bf",
                "2",
                "-g",
                "25",
                "-c:a",
                "aac",
            ])
            .args(["-output_ts_offset", offset, "-f", "mpegts"])
            .arg(&path)
            .status()
            .expect("ffmpeg");
        assert!(st.success());
        std::fs::read(&path).unwrap()
    };
    let (a, later) = (part("a.part.ts", "0"), part("b.part.ts", "60"));
    assert!(
        has_b_frames(&rec.join("a.part.ts")),
        "the parts must have B-frames (PTS != DTS), or the test proves nothing"
    );
    std::fs::write(rec.join("jump_000.ts"), [a.clone(), later].concat()).unwrap();
    std::fs::write(rec.join("jump_001.ts"), [a.clone(), a].concat()).unwrap();
    // The same jump in an FLV: copied with the TS timestamps kept as they
    // are (no discontinuity handling), so the FLV is 63 s long.
    let flv = rec.join("jump_002.flv");
    let st = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-copyts"])
        .args(["-dts_delta_threshold", "1000000", "-i"])
        .arg(rec.join("jump_000.ts"))
        .args(["-map", "0", "-c", "copy", "-f", "flv"])
        .arg(&flv)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    let flv_len = crate::mesio_probe::probe(&flv).duration;
    assert!(flv_len > 60.0, "the FLV keeps the jump: {flv_len:.2} s");
    let cfg = format!(
        "[recording]\noutput_dir = \"{}\"\npipeline = \"p\"\n[pipelines.p]\n\
         [[pipelines.p.steps]]\nid = \"remux\"\nprocessor = \"remux\"\n",
        rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "jump");
    let sess = session(&s, id, "t");
    for i in 0..2 {
        segment(&s, id, sess, i, &rec.join(format!("jump_00{i}.ts")));
    }
    segment(&s, id, sess, 2, &flv);
    for j in wait_jobs(&s, 3) {
        wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
    }
    // Both files checked before failing, so a regression names both.
    let mut problems = Vec::new();
    for name in ["jump_000.mp4", "jump_001.mp4", "jump_002.mp4"] {
        let mp4 = rec.join(name);
        ffprobe_ok(&mp4);
        let p = crate::mesio_probe::probe(&mp4);
        if !(5.5..7.5).contains(&p.duration) {
            problems.push(format!("{name}: {:.2} s for 6 s of media", p.duration));
        }
        let decode = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&mp4)
            .args(["-f", "null", "-"])
            .output()
            .expect("ffmpeg");
        if !decode.stderr.is_empty() {
            let err = String::from_utf8_lossy(&decode.stderr);
            let first: Vec<&str> = err.lines().take(3).collect();
            problems.push(format!("{name} decodes with errors: {}", first.join(" | ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let left: Vec<String> = std::fs::read_dir(&rec)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("stage") || n.ends_with(".part") && !n.ends_with(".part.ts"))
        .collect();
    assert!(
        left.is_empty(),
        "no staging or temporary files left: {left:?}"
    );
}

/// Whether some video packet of `path` has a PTS different from its DTS
/// (frames stored out of display order).
fn has_b_frames(path: &std::path::Path) -> bool {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v"])
        .args(["-show_entries", "packet=pts,dts", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe");
    String::from_utf8_lossy(&out.stdout).lines().any(|l| {
        let mut f = l.split(',');
        f.next() != f.next()
    })
}
