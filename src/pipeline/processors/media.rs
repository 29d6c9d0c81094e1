//! ffmpeg processors: `remux` (stream copy into MP4 with faststart, or
//! MKV; a timestamp jump inside a TS input is evened out, not copied, and
//! an FLV with one goes through TS first) and
//! `thumbnail` (one JPEG at an offset or the middle).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{StepIo, blocking, finish, io_err, temp_of, videos};
use crate::config::pipeline::RemuxFormat;
use crate::pipeline::StepError;
use crate::pipeline::proc::{Program, run};

/// Remux output of `input`: same stem, new extension (`.remux.mp4` when
/// the input already is an MP4).
fn remux_target(input: &Path, ext: &str) -> PathBuf {
    let same = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if same {
        input.with_extension(format!("remux.{ext}"))
    } else {
        input.with_extension(ext)
    }
}

pub async fn remux(
    io: &StepIo<'_>,
    format: RemuxFormat,
    delete_source: bool,
) -> Result<Vec<PathBuf>, StepError> {
    let (ext, muxer) = match format {
        RemuxFormat::Mp4 => ("mp4", "mp4"),
        RemuxFormat::Mkv => ("mkv", "matroska"),
    };
    let inputs = videos(&io.inputs);
    if inputs.is_empty() {
        return Err(StepError::Fatal("no video file among the inputs".into()));
    }
    let mut out = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let target = remux_target(input, ext);
        if !input.exists() && target.exists() {
            // A previous run finished and deleted its source.
            out.push(target);
            continue;
        }
        let temp = temp_of(&target);
        let staged = stage_if_jumping(io, input).await?;
        let source = staged.as_deref().unwrap_or(input);
        let mut args: Vec<String> = [
            "-hide_banner",
            "-nostdin",
            "-y",
            "-loglevel",
            "warning",
            // Missing PTS are generated; DTS are kept (no `igndts`): ffmpeg
            // evens out a timestamp jump inside an MPEG-TS file (a source
            // reset or a CDN switch) from the DTS, and with B-frames
            // ignoring them left a 60 s gap or non-monotonic DTS
            // (it/pipeline_media::remux_evens_out_timestamp_jumps_inside_a_file).
            "-fflags",
            "+genpts",
            "-i",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(source.display().to_string());
        args.extend(
            ["-map", "0", "-c", "copy", "-avoid_negative_ts", "make_zero"].map(String::from),
        );
        if format == RemuxFormat::Mp4 {
            args.extend(["-movflags", "+faststart", "-dn", "-sn"].map(String::from));
        }
        args.extend([
            "-f".to_string(),
            muxer.to_string(),
            temp.display().to_string(),
        ]);
        io.log
            .note(format!("remux {} -> {}", input.display(), target.display()))
            .await;
        let res = ffmpeg_into(io, args, &temp, Duration::from_secs(6 * 3600)).await;
        if let Some(staged) = &staged {
            let _ = tokio::fs::remove_file(staged).await;
        }
        res?;
        finish(&temp, &target)?;
        if delete_source {
            let _ = tokio::fs::remove_file(input).await;
        }
        (io.progress)((i + 1) as f64 / inputs.len() as f64);
        out.push(target);
    }
    Ok(out)
}

/// An FLV input with a timestamp jump copied into MPEG-TS first (stream
/// copy, a temporary `.stage.ts.part` beside it), because ffmpeg evens
/// out jumps only when it reads TS; `None` for any other input.
async fn stage_if_jumping(io: &StepIo<'_>, input: &Path) -> Result<Option<PathBuf>, StepError> {
    let flv = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("flv"));
    if !flv {
        return Ok(None);
    }
    let path = input.to_path_buf();
    let jump =
        blocking(move || super::flv_jump::has_jump(&path).map_err(|e| io_err("read", &path, e)))
            .await?;
    if !jump {
        return Ok(None);
    }
    let staged = temp_of(&input.with_extension("stage.ts"));
    io.log
        .note(format!(
            "{} has a timestamp jump: remuxing through MPEG-TS to even it out",
            input.display()
        ))
        .await;
    let mut args: Vec<String> = [
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "warning",
        "-fflags",
        "+genpts",
        "-i",
    ]
    .map(String::from)
    .to_vec();
    args.push(input.display().to_string());
    args.extend(["-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "mpegts"].map(String::from));
    args.push(staged.display().to_string());
    ffmpeg_into(io, args, &staged, Duration::from_secs(6 * 3600)).await?;
    Ok(Some(staged))
}

pub async fn thumbnail(
    io: &StepIo<'_>,
    offset: Option<Duration>,
    width: Option<u32>,
) -> Result<Vec<PathBuf>, StepError> {
    let inputs = videos(&io.inputs);
    if inputs.is_empty() {
        return Err(StepError::Fatal("no video file among the inputs".into()));
    }
    let mut out = Vec::new();
    for input in inputs {
        let at = match offset {
            Some(o) => o,
            None => probe(&io.ctx.ffmpeg, &input)
                .await
                .duration
                .map_or(Duration::ZERO, |d| d / 2),
        };
        let target = input.with_extension("jpg");
        let temp = temp_of(&target);
        let mut args: Vec<String> = vec![
            "-hide_banner".into(),
            "-nostdin".into(),
            "-y".into(),
            "-loglevel".into(),
            "warning".into(),
            "-ss".into(),
            format!("{:.3}", at.as_secs_f64()),
            "-i".into(),
            input.display().to_string(),
            "-frames:v".into(),
            "1".into(),
        ];
        if let Some(w) = width {
            args.extend(["-vf".into(), format!("scale={w}:-2")]);
        }
        args.extend([
            "-f".into(),
            "image2".into(),
            "-c:v".into(),
            "mjpeg".into(),
            temp.display().to_string(),
        ]);
        ffmpeg_into(io, args, &temp, Duration::from_secs(600)).await?;
        if !temp.exists() {
            return Err(StepError::Fatal(format!(
                "ffmpeg wrote no frame for {}",
                input.display()
            )));
        }
        finish(&temp, &target)?;
        out.push(target);
    }
    Ok(out)
}

/// Runs ffmpeg writing `temp`; on failure the half-written `temp` is
/// removed, so a retry or a cancelled step leaves no partial file.
async fn ffmpeg_into(
    io: &StepIo<'_>,
    args: Vec<String>,
    temp: &Path,
    timeout: Duration,
) -> Result<(), StepError> {
    let res = run(
        Program {
            binary: &io.ctx.ffmpeg,
            args,
            env: Vec::new(),
            timeout,
        },
        io.cancel,
        io.log,
        |_| {},
    )
    .await;
    if res.is_err() {
        let _ = tokio::fs::remove_file(temp).await;
    }
    res
}

/// What `ffmpeg -i` says about a file.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Probe {
    pub duration: Option<Duration>,
    /// Width and height of the first video stream.
    pub size: Option<(u32, u32)>,
}

/// Runs `ffmpeg -i input` (no output: it exits 1) and reads its report.
pub async fn probe(ffmpeg: &Path, input: &Path) -> Probe {
    let out = crate::download::child::command(ffmpeg)
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(input)
        .output()
        .await;
    match out {
        Ok(o) => parse_probe(&String::from_utf8_lossy(&o.stderr)),
        Err(_) => Probe::default(),
    }
}

/// Reads `Duration: 00:01:02.50` and the `1280x720` of the first video stream.
pub fn parse_probe(text: &str) -> Probe {
    let duration = (|| {
        let at = text.find("Duration: ")? + "Duration: ".len();
        let hms = text.get(at..)?.split(',').next()?;
        let mut parts = hms.trim().split(':');
        let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
        let secs = h.parse::<f64>().ok()? * 3600.0
            + m.parse::<f64>().ok()? * 60.0
            + s.parse::<f64>().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
    })();
    let size = text
        .lines()
        .find(|l| l.contains("Stream #") && l.contains("Video:"))
        .and_then(|l| {
            l.split([',', ' '])
                .find_map(|w| crate::config::pipeline::parse_resolution(w.trim()))
        });
    Probe { duration, size }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ffmpeg_reports_are_read() {
        let text = "Input #0, flv, from 'a.flv':\n  Duration: 00:01:02.50, start: 0.000000, bitrate: 1 kb/s\n  \
            Stream #0:0: Video: h264 (High), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 30 fps\n  \
            Stream #0:1: Audio: aac, 44100 Hz, stereo";
        let p = super::parse_probe(text);
        assert_eq!(p.duration, Some(std::time::Duration::from_millis(62_500)));
        assert_eq!(p.size, Some((1280, 720)));
        assert_eq!(super::parse_probe("garbage"), super::Probe::default());
    }
}
