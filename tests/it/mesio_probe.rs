//! ffprobe/ffmpeg checks of recorded files: container duration, per-packet
//! timestamps and keyframe flags, a full decode, and the measures the mesio
//! tests assert on (monotonic timestamps, gaps in the video timeline).

use std::path::Path;
use std::process::Command;

/// Whether ffmpeg and ffprobe are installed; says so loudly when not.
pub fn tools(test: &str) -> bool {
    let ok = ["ffmpeg", "ffprobe"].iter().all(|t| {
        Command::new(t)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        crate::harness::tool_missing(&format!("{test}: ffmpeg/ffprobe not installed"));
    }
    ok
}

/// One demuxed packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    pub video: bool,
    pub dts: f64,
    pub key: bool,
}

/// What ffprobe says about a file.
#[derive(Debug)]
pub struct Probe {
    /// Media length: for fMP4, the container duration less the start time.
    pub duration: f64,
    /// ffprobe's `format=start_time` (0 if absent).
    pub start_time: f64,
    /// ffprobe's `format=duration` as reported (for fMP4: where it ends).
    pub format_duration: f64,
    /// ffprobe's `-v error` output (empty for a clean file).
    pub errors: String,
    pub packets: Vec<Packet>,
    pub width: Option<u64>,
}

/// Runs a tool without stalling the async runtime: the fake server and
/// the recorder of other cases share its workers, and a worker blocked on
/// ffmpeg would make the fake's pacing lag.
fn run(cmd: &mut Command) -> std::process::Output {
    let mut go = || cmd.output().expect("run ffmpeg/ffprobe");
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(go)
        }
        _ => go(),
    }
}

/// Probes `path` (format duration, video size, every packet).
pub fn probe(path: &Path) -> Probe {
    let out = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration,start_time,format_name:stream=index,codec_type,width:packet=stream_index,dts_time,pts_time,flags",
            "-of",
            "json",
        ])
        .arg(path));
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("ffprobe {}: {e}; {errors}", path.display()));
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let video_index = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .and_then(|s| s["index"].as_u64());
    let width = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .and_then(|s| s["width"].as_u64());
    let num = |x: &serde_json::Value| x.as_str().and_then(|s| s.parse::<f64>().ok());
    let packets = v["packets"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    Some(Packet {
                        video: p["stream_index"].as_u64() == video_index,
                        dts: num(&p["dts_time"]).or_else(|| num(&p["pts_time"]))?,
                        key: p["flags"].as_str().is_some_and(|f| f.contains('K')),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let format_duration = num(&v["format"]["duration"]).unwrap_or(0.0);
    let start_time = num(&v["format"]["start_time"]).unwrap_or(0.0);
    let mut duration = format_duration;
    // ffmpeg's mov demuxer reports where a fragmented MP4 ends, not how
    // long it is (a file starting at tfdt 5 s "lasts" 10 s). srec rebases
    // its fMP4 files to 0, but the length is measured from the first sample
    // all the same, like TS and FLV.
    if v["format"]["format_name"]
        .as_str()
        .is_some_and(|f| f.contains("mp4"))
    {
        duration -= start_time;
    }
    Probe {
        duration,
        start_time,
        format_duration,
        errors,
        packets,
        width,
    }
}

/// stderr of a full decode at `-v error` (empty when every frame decodes).
pub fn decode_errors(path: &Path) -> String {
    let out = run(Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"]));
    let mut err = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        err.push_str(&format!("\nffmpeg exited with {}", out.status));
    }
    err
}

impl Probe {
    /// Video packet decode timestamps in file order.
    pub fn video_dts(&self) -> Vec<f64> {
        self.packets
            .iter()
            .filter(|p| p.video)
            .map(|p| p.dts)
            .collect()
    }

    /// Whether the first video packet is a keyframe.
    pub fn starts_with_keyframe(&self) -> bool {
        self.packets.iter().find(|p| p.video).is_some_and(|p| p.key)
    }

    /// Streams whose decode timestamps ever step back or repeat:
    /// `(video?, at, previous)`.
    pub fn non_monotonic(&self) -> Vec<(bool, f64, f64)> {
        let mut last: [Option<f64>; 2] = [None, None];
        let mut bad = Vec::new();
        for p in &self.packets {
            let slot = &mut last[usize::from(p.video)];
            if let Some(prev) = *slot
                && p.dts <= prev
            {
                bad.push((p.video, p.dts, prev));
            }
            *slot = Some(p.dts);
        }
        bad
    }

    /// Steps between consecutive video packets longer than `max` seconds:
    /// `(from, step)` — frames missing from the middle of the file.
    pub fn video_gaps(&self, max: f64) -> Vec<(f64, f64)> {
        self.video_dts()
            .windows(2)
            .filter(|w| w[1] - w[0] > max)
            .map(|w| (w[0], w[1] - w[0]))
            .collect()
    }
}

/// Asserts what every recorded file must satisfy: it exists under its final
/// name, ffprobe reads it, timestamps are monotonic, video starts with a
/// keyframe. `strict` also requires ffprobe and a full decode to be silent.
pub fn assert_playable(path: &Path, strict: bool) -> Probe {
    assert!(path.exists(), "{} missing", path.display());
    let part = srec::download::engine::part_path(path);
    assert!(!part.exists(), "{} left behind", part.display());
    let p = probe(path);
    assert!(
        p.duration > 0.0 && !p.packets.is_empty(),
        "{}: nothing readable ({})",
        path.display(),
        p.errors
    );
    let bad = p.non_monotonic();
    assert!(
        bad.is_empty(),
        "{}: timestamps not monotonic at {:?}",
        path.display(),
        &bad[..bad.len().min(5)]
    );
    assert!(
        p.starts_with_keyframe(),
        "{}: first video packet is not a keyframe",
        path.display()
    );
    let decode = decode_errors(path);
    if strict {
        assert!(
            p.errors.trim().is_empty(),
            "{}: ffprobe: {}",
            path.display(),
            p.errors
        );
        assert!(
            decode.trim().is_empty(),
            "{}: decode: {decode}",
            path.display()
        );
    } else {
        assert!(
            !decode.contains("exited with"),
            "{}: decode failed: {decode}",
            path.display()
        );
    }
    p
}

/// `actual` within `tol` (fraction) of `expected`.
pub fn assert_close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol * expected,
        "{what}: {actual:.2} s vs expected {expected:.2} s (±{:.0} %)",
        tol * 100.0
    );
}

/// `actual` within [`lo`, `hi`] widened by `tol` (fraction) on each side.
pub fn assert_within(what: &str, actual: f64, lo: f64, hi: f64, tol: f64) {
    assert!(
        actual >= lo * (1.0 - tol) && actual <= hi * (1.0 + tol),
        "{what}: {actual:.2} s, expected {lo:.2}..{hi:.2} s (±{:.0} %)",
        tol * 100.0
    );
}
