//! ffmpeg and ffprobe wrappers for the real-client tests.

use std::time::Duration;

/// Whether `tool` can be run; tests that need it skip loudly otherwise
/// (or fail, with `SREC_REQUIRE_TOOLS=1`).
pub fn have(tool: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        // CI sets SREC_REQUIRE_TOOLS=1: a missing tool fails instead of skipping.
        if std::env::var("SREC_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("`{tool}` not found on PATH, and SREC_REQUIRE_TOOLS=1 requires it");
        }
        eprintln!(
            "\n!!!!! SKIPPING: `{tool}` not found on PATH; install ffmpeg to run this test !!!!!\n"
        );
    }
    ok
}

/// Runs ffmpeg with `args` (after `-hide_banner -v error -nostdin -y`),
/// returning its stderr; panics if it fails or runs longer than `limit`
/// (a stream whose timestamps do not advance would otherwise never reach `-t`).
pub async fn ffmpeg(args: &[&str], limit: Duration) -> String {
    let child = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-nostdin", "-y"])
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(limit, child)
        .await
        .unwrap_or_else(|_| panic!("ffmpeg {args:?} still running after {limit:?}"))
        .expect("run ffmpeg");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ffmpeg {args:?} failed: {stderr}");
    stderr
}

/// `ffprobe -v error ARGS -of csv=p=0 PATH`.
fn ffprobe(path: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("run ffprobe")
}

/// `ffprobe -v error` diagnostics for a file (empty = clean).
pub fn ffprobe_errors(path: &std::path::Path) -> String {
    let out = ffprobe(path, &["-show_entries", "format=duration"]);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The first non-empty line ffprobe prints for `args`.
fn ffprobe_csv(path: &std::path::Path, args: &[&str]) -> String {
    let out = ffprobe(path, args);
    // MPEG-TS lists a stream under its program too: same values twice.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn ffprobe_duration(path: &std::path::Path) -> f64 {
    ffprobe_csv(path, &["-show_entries", "format=duration"])
        .parse()
        .expect("duration is a number")
}

/// `WIDTH,HEIGHT` of the first video stream.
pub fn ffprobe_video_size(path: &std::path::Path) -> String {
    ffprobe_csv(
        path,
        &[
            "-select_streams",
            "v",
            "-show_entries",
            "stream=width,height",
        ],
    )
}

/// Per stream index, the packets' (dts, pts) in file order.
pub fn ffprobe_packets(path: &std::path::Path) -> std::collections::BTreeMap<u32, Vec<(f64, f64)>> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "packet=stream_index,dts_time,pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    let mut streams = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 3 {
            continue;
        }
        let (Ok(si), Ok(pts), Ok(dts)) = (
            f[0].parse::<u32>(),
            f[1].parse::<f64>(),
            f[2].parse::<f64>(),
        ) else {
            continue;
        };
        streams.entry(si).or_insert_with(Vec::new).push((dts, pts));
    }
    streams
}

/// Asserts every stream's DTS strictly increases with no gap above
/// `max_gap` seconds, and that the streams span at least `min_span` seconds.
pub fn assert_continuous(path: &std::path::Path, max_gap: f64, min_span: f64) {
    let streams = ffprobe_packets(path);
    assert!(
        streams.len() >= 2,
        "audio and video in {}: {:?}",
        path.display(),
        streams.keys()
    );
    for (index, packets) in &streams {
        for pair in packets.windows(2) {
            let step = pair[1].0 - pair[0].0;
            assert!(
                step > 0.0,
                "stream {index}: DTS not increasing at {:?} in {}",
                pair,
                path.display()
            );
            assert!(
                step <= max_gap,
                "stream {index}: DTS gap {step:.3}s at {:?} in {}",
                pair,
                path.display()
            );
        }
        let span = packets.last().expect("packets").0 - packets[0].0;
        assert!(
            span >= min_span,
            "stream {index} spans only {span:.2}s in {}",
            path.display()
        );
    }
}
