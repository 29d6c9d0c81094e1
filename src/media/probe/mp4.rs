//! ISO BMFF: walks the top-level boxes (seeking over `mdat`), reads the
//! track timescales and `trex` defaults from `moov`, and for every fragment
//! (`moof` followed by a complete `mdat`) each track's decode time (`tfdt`)
//! and the sum of its sample durations (`trun`, else the `tfhd` or `trex`
//! default). The length is the latest fragment end less the earliest
//! fragment start over all tracks. A plain MP4 without fragments gives its
//! `mvhd` duration. A fragment whose `mdat` a crash cut is not counted.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek};
use std::time::Duration;

/// Largest `moov` read (real ones are a few KiB for fMP4).
const MAX_MOOV: u64 = 64 << 20;
/// Largest `moof` read (one `trun` entry per sample: a few KiB).
const MAX_MOOF: u64 = 4 << 20;

/// What `moov` says about the tracks.
#[derive(Debug, Default)]
struct Movie {
    /// Track ID → media timescale.
    timescales: HashMap<u32, u32>,
    /// Track ID → `trex` default sample duration.
    default_duration: HashMap<u32, u32>,
    /// `mvhd` duration in seconds (plain MP4), when non-zero.
    mvhd_secs: Option<f64>,
}

/// One track's part of a fragment: decode time and total duration (ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    track: u32,
    tfdt: Option<u64>,
    ticks: u64,
}

/// Earliest start and latest end of a track, in its ticks.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u64,
    end: u64,
}

/// Media length of an MP4 file of `len` bytes; `None` without a timescale
/// or a complete fragment.
pub fn duration<R: Read + Seek>(r: &mut BufReader<R>, len: u64) -> io::Result<Option<Duration>> {
    let mut movie = Movie::default();
    let mut spans: HashMap<u32, Span> = HashMap::new();
    let mut pending: Option<Vec<Run>> = None;
    let mut pos = 0u64;
    while pos + 8 <= len {
        let mut h = [0u8; 16];
        r.read_exact(&mut h[..8])?;
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let kind = [h[4], h[5], h[6], h[7]];
        let (hlen, size) = match size32 {
            0 => (8, len - pos),
            1 => {
                if pos + 16 > len {
                    break;
                }
                r.read_exact(&mut h[8..16])?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&h[8..16]);
                (16, u64::from_be_bytes(b))
            }
            n => (8, u64::from(n)),
        };
        if size < hlen || !kind.iter().all(u8::is_ascii_graphic) {
            break; // not a box: garbage or a cut
        }
        let end = pos.saturating_add(size);
        let body_len = size - hlen;
        match &kind {
            b"moov" | b"moof" if end <= len => {
                let max = if &kind == b"moov" { MAX_MOOV } else { MAX_MOOF };
                if body_len > max {
                    break;
                }
                let mut body = vec![0u8; body_len as usize];
                r.read_exact(&mut body)?;
                if &kind == b"moov" {
                    movie = parse_moov(&body);
                } else {
                    pending = Some(parse_moof(&body, &movie));
                }
            }
            b"mdat" if end <= len => {
                if let Some(runs) = pending.take() {
                    commit(&runs, &mut spans);
                }
                r.seek_relative(body_len as i64)?;
            }
            _ if end <= len => r.seek_relative(body_len as i64)?,
            _ => break, // cut by the crash
        }
        pos = end;
    }
    Ok(length(&spans, &movie))
}

/// Adds a fragment whose samples are all in the file.
fn commit(runs: &[Run], spans: &mut HashMap<u32, Span>) {
    for run in runs {
        let start = match (run.tfdt, spans.get(&run.track)) {
            (Some(t), _) => t,
            (None, Some(s)) => s.end,
            (None, None) => 0,
        };
        let end = start.saturating_add(run.ticks);
        spans
            .entry(run.track)
            .and_modify(|s| {
                s.start = s.start.min(start);
                s.end = s.end.max(end);
            })
            .or_insert(Span { start, end });
    }
}

fn length(spans: &HashMap<u32, Span>, movie: &Movie) -> Option<Duration> {
    let secs = |ticks: u64, track: &u32| -> Option<f64> {
        let scale = *movie.timescales.get(track)?;
        Some(ticks as f64 / f64::from(scale))
    };
    let start = spans
        .iter()
        .filter_map(|(t, s)| secs(s.start, t))
        .reduce(f64::min);
    let end = spans
        .iter()
        .filter_map(|(t, s)| secs(s.end, t))
        .reduce(f64::max);
    match (start, end) {
        (Some(s), Some(e)) if e > s => Some(Duration::from_secs_f64(e - s)),
        (Some(_), Some(_)) => Some(Duration::ZERO),
        _ => movie.mvhd_secs.map(Duration::from_secs_f64),
    }
}

/// The child boxes of `buf` as `(kind, body)`; stops at a malformed one.
fn boxes(buf: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while let Some(h) = buf.get(pos..pos + 8) {
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let kind = [h[4], h[5], h[6], h[7]];
        let (hlen, size) = match size32 {
            0 => (8, buf.len() - pos),
            1 => match buf.get(pos + 8..pos + 16).map(be_u64) {
                Some(s) => (16, usize::try_from(s).unwrap_or(usize::MAX)),
                None => break,
            },
            n => (8, n),
        };
        let Some(body) = buf.get(pos + hlen..pos.saturating_add(size)) else {
            break;
        };
        if size < hlen {
            break;
        }
        out.push((kind, body));
        pos += size;
    }
    out
}

fn child<'a>(list: &[([u8; 4], &'a [u8])], kind: &[u8; 4]) -> Option<&'a [u8]> {
    list.iter().find(|(k, _)| k == kind).map(|(_, b)| *b)
}

fn be_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_be_bytes(a)
}

fn be_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

/// The u32 at `at` of a full box body, if present.
fn u32_at(body: &[u8], at: usize) -> Option<u32> {
    body.get(at..at + 4).map(be_u32)
}

fn u64_at(body: &[u8], at: usize) -> Option<u64> {
    body.get(at..at + 8).map(be_u64)
}

/// Version-dependent u32 of a full box (`mdhd` timescale, `tkhd` track).
fn versioned_u32(body: &[u8], v0: usize, v1: usize) -> Option<u32> {
    u32_at(body, if *body.first()? == 1 { v1 } else { v0 })
}

fn parse_moov(moov: &[u8]) -> Movie {
    let mut movie = Movie::default();
    let kids = boxes(moov);
    if let Some(mvhd) = child(&kids, b"mvhd") {
        let (scale, dur) = if mvhd.first() == Some(&1) {
            (u32_at(mvhd, 20), u64_at(mvhd, 24))
        } else {
            (u32_at(mvhd, 12), u32_at(mvhd, 16).map(u64::from))
        };
        if let (Some(s), Some(d)) = (scale.filter(|s| *s > 0), dur) {
            // All ones means "unknown" in either version.
            if d > 0 && d != u64::from(u32::MAX) && d != u64::MAX {
                movie.mvhd_secs = Some(d as f64 / f64::from(s));
            }
        }
    }
    for (kind, trak) in &kids {
        if kind != b"trak" {
            continue;
        }
        let tk = boxes(trak);
        let track = child(&tk, b"tkhd").and_then(|b| versioned_u32(b, 12, 20));
        let scale = child(&tk, b"mdia")
            .map(boxes)
            .and_then(|m| child(&m, b"mdhd").and_then(|b| versioned_u32(b, 12, 20)));
        if let (Some(t), Some(s)) = (track, scale.filter(|s| *s > 0)) {
            movie.timescales.insert(t, s);
        }
    }
    if let Some(mvex) = child(&kids, b"mvex") {
        for (kind, trex) in boxes(mvex) {
            if &kind == b"trex"
                && let (Some(t), Some(d)) = (u32_at(trex, 4), u32_at(trex, 12))
            {
                movie.default_duration.insert(t, d);
            }
        }
    }
    movie
}

fn parse_moof(moof: &[u8], movie: &Movie) -> Vec<Run> {
    let mut runs = Vec::new();
    for (kind, traf) in boxes(moof) {
        if &kind != b"traf" {
            continue;
        }
        let kids = boxes(traf);
        let Some(tfhd) = child(&kids, b"tfhd") else {
            continue;
        };
        let Some(track) = u32_at(tfhd, 4) else {
            continue;
        };
        let default = tfhd_default_duration(tfhd)
            .or_else(|| movie.default_duration.get(&track).copied())
            .unwrap_or(0);
        let tfdt = child(&kids, b"tfdt").and_then(|b| match b.first() {
            Some(1) => u64_at(b, 4),
            Some(_) => u32_at(b, 4).map(u64::from),
            None => None,
        });
        let ticks = kids
            .iter()
            .filter(|(k, _)| k == b"trun")
            .map(|(_, b)| trun_ticks(b, default))
            .sum();
        runs.push(Run { track, tfdt, ticks });
    }
    runs
}

/// `default_sample_duration` of a `tfhd`, when its flag says it is there.
fn tfhd_default_duration(tfhd: &[u8]) -> Option<u32> {
    let flags = u32_at(tfhd, 0)? & 0x00FF_FFFF;
    if flags & 0x08 == 0 {
        return None;
    }
    let mut at = 8;
    if flags & 0x01 != 0 {
        at += 8; // base_data_offset
    }
    if flags & 0x02 != 0 {
        at += 4; // sample_description_index
    }
    u32_at(tfhd, at)
}

/// Sum of the sample durations of one `trun`.
fn trun_ticks(trun: &[u8], default: u32) -> u64 {
    let (Some(flags), Some(count)) = (u32_at(trun, 0), u32_at(trun, 4)) else {
        return 0;
    };
    let flags = flags & 0x00FF_FFFF;
    if flags & 0x100 == 0 {
        return u64::from(count) * u64::from(default);
    }
    let mut at = 8;
    if flags & 0x01 != 0 {
        at += 4; // data_offset
    }
    if flags & 0x04 != 0 {
        at += 4; // first_sample_flags
    }
    let per_sample = 4 * [0x100, 0x200, 0x400, 0x800]
        .iter()
        .filter(|f| flags & *f != 0)
        .count();
    (0..count as usize)
        .map_while(|i| u32_at(trun, at + i * per_sample))
        .map(u64::from)
        .sum()
}

#[cfg(test)]
#[path = "mp4_tests.rs"]
mod tests;
