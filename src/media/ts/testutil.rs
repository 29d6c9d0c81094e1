//! Builders for synthetic transport streams used by the TS and HLS tests:
//! packets with adaptation fields, PES packets, and whole segments whose
//! frames, keyframes and timestamps are known exactly.

use super::packet::{PACKET_SIZE, SYNC_BYTE};
use super::pes::write_timestamp;
use super::psi::{build_pat, build_pmt};

pub const PMT_PID: u16 = 0x1000;
pub const VIDEO_PID: u16 = 0x100;
pub const AUDIO_PID: u16 = 0x101;

/// One packet; the adaptation field stuffs short payloads to 188 bytes.
pub fn packet(pid: u16, pusi: bool, rai: bool, pcr: Option<u64>, payload: &[u8]) -> Vec<u8> {
    let mut af = Vec::new();
    if rai || pcr.is_some() || payload.len() < PACKET_SIZE - 4 {
        let mut flags = 0u8;
        if rai {
            flags |= 0x40;
        }
        let mut fields = Vec::new();
        if let Some(pcr) = pcr {
            flags |= 0x10;
            let (base, ext) = (pcr / 300, pcr % 300);
            fields.extend([
                (base >> 25) as u8,
                (base >> 17) as u8,
                (base >> 9) as u8,
                (base >> 1) as u8,
                ((base as u8 & 1) << 7) | 0x7E | (ext >> 8) as u8,
                ext as u8,
            ]);
        }
        let room = PACKET_SIZE - 4 - 1 - payload.len();
        // af = [len][flags][fields][stuffing]; len excludes itself.
        af.push(room as u8);
        if room > 0 {
            af.push(flags);
            af.extend(&fields);
            af.resize(1 + room, 0xFF);
        }
    }
    let afc = match (af.is_empty(), payload.is_empty()) {
        (true, _) => 0x10,
        (false, true) => 0x20,
        (false, false) => 0x30,
    };
    let mut p = vec![
        SYNC_BYTE,
        (if pusi { 0x40 } else { 0 }) | (pid >> 8) as u8,
        pid as u8,
        afc,
    ];
    p.extend(af);
    p.extend(payload);
    assert_eq!(p.len(), PACKET_SIZE, "payload too long for one packet");
    p
}

/// Splits one PES packet across as many TS packets as needed.
pub fn pes(pid: u16, stream_id: u8, pts: u64, dts: Option<u64>, es: &[u8], rai: bool) -> Vec<u8> {
    let mut pes = vec![0, 0, 1, stream_id, 0, 0, 0x80];
    match dts {
        Some(d) => {
            pes.extend([0xC0, 10]);
            pes.extend(write_timestamp(0b0011, pts));
            pes.extend(write_timestamp(0b0001, d));
        }
        None => {
            pes.extend([0x80, 5]);
            pes.extend(write_timestamp(0b0010, pts));
        }
    }
    pes.extend(es);
    let mut out = Vec::new();
    let first_room = if rai {
        PACKET_SIZE - 4 - 2
    } else {
        PACKET_SIZE - 4
    };
    let mut rest: &[u8] = &pes;
    let n = rest.len().min(first_room);
    out.extend(packet(pid, true, rai, None, &rest[..n]));
    rest = &rest[n..];
    while !rest.is_empty() {
        let n = rest.len().min(PACKET_SIZE - 4);
        out.extend(packet(pid, false, false, None, &rest[..n]));
        rest = &rest[n..];
    }
    out
}

/// An H.264 access unit: AUD, then SPS/PPS/IDR or a P slice, padded.
pub fn h264_frame(key: bool, pad: usize) -> Vec<u8> {
    let mut au = vec![0, 0, 0, 1, 0x09, 0xF0];
    if key {
        au.extend([
            0, 0, 0, 1, 0x67, 0x42, 0, 0x1E, 0, 0, 0, 1, 0x68, 0xCE, 0, 0, 1, 0x65, 0x88,
        ]);
    } else {
        au.extend([0, 0, 1, 0x41, 0x9A]);
    }
    au.resize(au.len() + pad, 0xAB);
    au
}

/// A segment of `frames` H.264 frames at 25 fps starting at `pts0` (90 kHz),
/// with a keyframe every `gop` frames (frame 0 is key iff `first_key`); the
/// RAI flag is set only if `rai`. PAT/PMT first, plus one audio PES.
pub fn segment(pts0: u64, frames: u32, gop: u32, first_key: bool, rai: bool) -> Vec<u8> {
    let mut out = packet(0, true, false, None, &build_pat(PMT_PID));
    out.extend(packet(
        PMT_PID,
        true,
        false,
        None,
        &build_pmt(&[(0x1B, VIDEO_PID), (0x0F, AUDIO_PID)]),
    ));
    out.extend(packet(VIDEO_PID, false, false, Some(pts0 * 300), &[]));
    for i in 0..frames {
        let key = if i == 0 { first_key } else { i % gop == 0 };
        let pts = pts0 + u64::from(i) * 3600;
        out.extend(pes(
            VIDEO_PID,
            0xE0,
            pts + 3600,
            Some(pts),
            &h264_frame(key, 300),
            key && rai,
        ));
        if i == 0 {
            out.extend(pes(
                AUDIO_PID,
                0xC0,
                pts,
                None,
                &[0xFF, 0xF1, 0x50, 0x80, 0, 0x1F, 0xFC],
                false,
            ));
        }
    }
    out
}

/// Real HLS segments made by ffmpeg (H.264 + AAC, 25 fps, keyframe every
/// second, `seg_secs`-second segments) in `dir`, as TS (`seg{n}.ts`) or, with
/// `fmp4`, as fragmented MP4 (`init.mp4` + `seg{n}.m4s`); `index.m3u8` is
/// ffmpeg's playlist. Returns the segment paths in order, or `None` (after
/// a loud note) when ffmpeg is not installed.
pub fn ffmpeg_hls(
    dir: &std::path::Path,
    total_secs: u32,
    seg_secs: u32,
    fmp4: bool,
) -> Option<Vec<std::path::PathBuf>> {
    use std::process::Command;
    let have = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        eprintln!("!!! ffmpeg not found on PATH: SKIPPING the tests on real HLS segments !!!");
        return None;
    }
    let ext = if fmp4 { "m4s" } else { "ts" };
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=25",
    ])
    .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
    .args(["-t", &total_secs.to_string()])
    .args([
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
        "-sc_threshold",
        "0",
    ])
    .args(["-c:a", "aac", "-b:a", "32k", "-f", "hls"])
    .args(["-hls_time", &seg_secs.to_string(), "-hls_list_size", "0"]);
    if fmp4 {
        cmd.args([
            "-hls_segment_type",
            "fmp4",
            "-hls_fmp4_init_filename",
            "init.mp4",
        ]);
    }
    let status = cmd
        .arg("-hls_segment_filename")
        .arg(dir.join(format!("seg%d.{ext}")))
        .arg(dir.join("index.m3u8"))
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make HLS fixtures");
    Some(
        (0..)
            .map(|i| dir.join(format!("seg{i}.{ext}")))
            .take_while(|p| p.exists())
            .collect(),
    )
}

/// `ffprobe` duration of a file and whether it printed errors; `None` when
/// ffprobe is missing.
pub fn ffprobe(path: &std::path::Path) -> Option<(f64, String)> {
    use std::process::Command;
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let duration = stdout.trim().parse().unwrap_or(f64::NAN);
    Some((duration, String::from_utf8_lossy(&out.stderr).into_owned()))
}
