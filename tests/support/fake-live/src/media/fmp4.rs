//! Fragmented-MP4 timestamp rewriting for looped HLS fMP4 segments.
//!
//! A fragment's decode time lives in `moof/traf/tfdt` (per track, in that
//! track's timescale from the init section's `mdhd`), and ffmpeg also writes
//! `sidx` boxes with an earliest presentation time.  Both are shifted; the
//! `mfhd` sequence number is advanced so fragments keep counting up.

use std::collections::BTreeMap;

/// Why an MP4 byte string could not be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mp4Error {
    /// A box header or body runs past its parent.
    Truncated { offset: usize },
    /// A `traf` names a track the init section does not declare.
    UnknownTrack(u32),
}

impl std::fmt::Display for Mp4Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mp4Error::Truncated { offset } => write!(f, "MP4 box truncated at byte {offset}"),
            Mp4Error::UnknownTrack(id) => write!(f, "fragment refers to unknown track {id}"),
        }
    }
}

impl std::error::Error for Mp4Error {}

/// Track id -> media timescale, read from the init section.
pub type Timescales = BTreeMap<u32, u32>;

struct BoxRef {
    kind: [u8; 4],
    start: usize,
    body: usize,
    end: usize,
}

fn boxes(data: &[u8], from: usize, to: usize) -> Result<Vec<BoxRef>, Mp4Error> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos + 8 <= to {
        let size32 = read_u32(data, pos)?;
        let mut kind = [0u8; 4];
        kind.copy_from_slice(&data[pos + 4..pos + 8]);
        let (size, body) = match size32 {
            0 => (to - pos, pos + 8),
            1 => (read_u64(data, pos + 8)? as usize, pos + 16),
            n => (n as usize, pos + 8),
        };
        let end = pos
            .checked_add(size)
            .ok_or(Mp4Error::Truncated { offset: pos })?;
        if size < 8 || end > to {
            return Err(Mp4Error::Truncated { offset: pos });
        }
        out.push(BoxRef {
            kind,
            start: pos,
            body,
            end,
        });
        pos = end;
    }
    Ok(out)
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, Mp4Error> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(Mp4Error::Truncated { offset: at })
}

fn read_u64(data: &[u8], at: usize) -> Result<u64, Mp4Error> {
    Ok((u64::from(read_u32(data, at)?) << 32) | u64::from(read_u32(data, at + 4)?))
}

fn write_u32(data: &mut [u8], at: usize, v: u32) {
    data[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn write_u64(data: &mut [u8], at: usize, v: u64) {
    data[at..at + 8].copy_from_slice(&v.to_be_bytes());
}

fn child<'a>(list: &'a [BoxRef], kind: &[u8; 4]) -> Option<&'a BoxRef> {
    list.iter().find(|b| &b.kind == kind)
}

/// Reads `moov/trak/{tkhd,mdia/mdhd}` to map each track id to its timescale.
pub fn timescales(init: &[u8]) -> Result<Timescales, Mp4Error> {
    let mut out = Timescales::new();
    for moov in boxes(init, 0, init.len())?
        .iter()
        .filter(|b| &b.kind == b"moov")
    {
        for trak in boxes(init, moov.body, moov.end)?
            .iter()
            .filter(|b| &b.kind == b"trak")
        {
            let kids = boxes(init, trak.body, trak.end)?;
            let (Some(tkhd), Some(mdia)) = (child(&kids, b"tkhd"), child(&kids, b"mdia")) else {
                continue;
            };
            let track_id = if init[tkhd.body] == 1 {
                read_u32(init, tkhd.body + 20)?
            } else {
                read_u32(init, tkhd.body + 12)?
            };
            let mdia_kids = boxes(init, mdia.body, mdia.end)?;
            let Some(mdhd) = child(&mdia_kids, b"mdhd") else {
                continue;
            };
            let timescale = if init[mdhd.body] == 1 {
                read_u32(init, mdhd.body + 20)?
            } else {
                read_u32(init, mdhd.body + 12)?
            };
            out.insert(track_id, timescale);
        }
    }
    Ok(out)
}

/// How to move one fragment in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// Added to every decode/presentation time, in milliseconds (may be negative;
    /// results are clamped at zero because MP4 times are unsigned).
    pub offset_ms: i64,
    /// Added to the `mfhd` sequence number.
    pub sequence_add: u32,
}

fn ticks(offset_ms: i64, timescale: u32) -> i128 {
    i128::from(offset_ms) * i128::from(timescale) / 1000
}

fn shifted(value: u64, by: i128) -> u64 {
    (i128::from(value) + by).clamp(0, i128::from(u64::MAX)) as u64
}

/// Returns a copy of a media segment with `sidx`, `mfhd` and `tfdt` shifted.
pub fn rewrite(seg: &[u8], scales: &Timescales, shift: Shift) -> Result<Vec<u8>, Mp4Error> {
    let mut out = seg.to_vec();
    for top in boxes(seg, 0, seg.len())? {
        match &top.kind {
            b"sidx" => rewrite_sidx(&mut out, &top, shift.offset_ms)?,
            b"moof" => rewrite_moof(&mut out, &top, scales, shift)?,
            _ => {}
        }
    }
    Ok(out)
}

fn rewrite_sidx(out: &mut [u8], sidx: &BoxRef, offset_ms: i64) -> Result<(), Mp4Error> {
    let version = out[sidx.body];
    let timescale = read_u32(out, sidx.body + 8)?;
    let at = sidx.body + 12;
    let by = ticks(offset_ms, timescale);
    if version == 0 {
        let ept = u64::from(read_u32(out, at)?);
        write_u32(out, at, shifted(ept, by).min(u64::from(u32::MAX)) as u32);
    } else {
        let ept = read_u64(out, at)?;
        write_u64(out, at, shifted(ept, by));
    }
    Ok(())
}

fn rewrite_moof(
    out: &mut [u8],
    moof: &BoxRef,
    scales: &Timescales,
    shift: Shift,
) -> Result<(), Mp4Error> {
    let kids = boxes(out, moof.body, moof.end)?;
    if let Some(mfhd) = child(&kids, b"mfhd") {
        let seq = read_u32(out, mfhd.body + 4)?;
        write_u32(out, mfhd.body + 4, seq.wrapping_add(shift.sequence_add));
    }
    for traf in kids.iter().filter(|b| &b.kind == b"traf") {
        let traf_kids = boxes(out, traf.body, traf.end)?;
        let (Some(tfhd), Some(tfdt)) = (child(&traf_kids, b"tfhd"), child(&traf_kids, b"tfdt"))
        else {
            continue;
        };
        let track = read_u32(out, tfhd.body + 4)?;
        let scale = *scales.get(&track).ok_or(Mp4Error::UnknownTrack(track))?;
        let by = ticks(shift.offset_ms, scale);
        let at = tfdt.body + 4;
        if out[tfdt.body] == 1 {
            let base = read_u64(out, at)?;
            write_u64(out, at, shifted(base, by));
        } else {
            let base = u64::from(read_u32(out, at)?);
            write_u32(out, at, shifted(base, by) as u32);
        }
    }
    Ok(())
}

/// Per-track `(track id, baseMediaDecodeTime)` of every fragment, in order.
pub fn decode_times(seg: &[u8]) -> Result<Vec<(u32, u64)>, Mp4Error> {
    let mut out = Vec::new();
    for moof in boxes(seg, 0, seg.len())?
        .iter()
        .filter(|b| &b.kind == b"moof")
    {
        for traf in boxes(seg, moof.body, moof.end)?
            .iter()
            .filter(|b| &b.kind == b"traf")
        {
            let kids = boxes(seg, traf.body, traf.end)?;
            if let (Some(tfhd), Some(tfdt)) = (child(&kids, b"tfhd"), child(&kids, b"tfdt")) {
                let track = read_u32(seg, tfhd.body + 4)?;
                let time = if seg[tfdt.body] == 1 {
                    read_u64(seg, tfdt.body + 4)?
                } else {
                    u64::from(read_u32(seg, tfdt.body + 4)?)
                };
                out.push((track, time));
            }
        }
    }
    Ok(out)
}

/// Start offset of the first top-level box of the given type (tests, checks).
pub fn find_top(seg: &[u8], kind: &[u8; 4]) -> Option<usize> {
    boxes(seg, 0, seg.len())
        .ok()?
        .iter()
        .find(|b| &b.kind == kind)
        .map(|b| b.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    fn fragment(track: u32, tfdt: u64) -> Vec<u8> {
        let mfhd = mp4_box(b"mfhd", &[0, 0, 0, 0, 0, 0, 0, 7]);
        let mut tfhd_body = vec![0, 0x02, 0, 0];
        tfhd_body.extend_from_slice(&track.to_be_bytes());
        let mut tfdt_body = vec![1, 0, 0, 0];
        tfdt_body.extend_from_slice(&tfdt.to_be_bytes());
        let traf = [mp4_box(b"tfhd", &tfhd_body), mp4_box(b"tfdt", &tfdt_body)].concat();
        let moof = mp4_box(b"moof", &[mfhd, mp4_box(b"traf", &traf)].concat());
        [moof, mp4_box(b"mdat", &[1, 2, 3])].concat()
    }

    #[test]
    fn shifts_tfdt_in_track_timescale_and_bumps_sequence() {
        let seg = fragment(2, 1000);
        let scales: Timescales = [(2, 32_000)].into_iter().collect();
        let out = rewrite(
            &seg,
            &scales,
            Shift {
                offset_ms: 4000,
                sequence_add: 4,
            },
        )
        .expect("valid");
        assert_eq!(
            decode_times(&out).expect("valid"),
            vec![(2, 1000 + 128_000)]
        );
        // mfhd sequence number 7 -> 11
        assert_eq!(read_u32(&out, 8 + 8 + 4).expect("in range"), 11);
        assert_eq!(out.len(), seg.len());
    }

    #[test]
    fn negative_shift_clamps_at_zero_and_unknown_track_errors() {
        let seg = fragment(1, 10);
        let scales: Timescales = [(1, 1000)].into_iter().collect();
        let out = rewrite(
            &seg,
            &scales,
            Shift {
                offset_ms: -50,
                sequence_add: 0,
            },
        )
        .expect("valid");
        assert_eq!(decode_times(&out).expect("valid"), vec![(1, 0)]);
        let none = Timescales::new();
        assert_eq!(
            rewrite(
                &seg,
                &none,
                Shift {
                    offset_ms: 0,
                    sequence_add: 0
                }
            ),
            Err(Mp4Error::UnknownTrack(1))
        );
    }

    #[test]
    fn truncated_box_is_an_error() {
        let mut seg = fragment(1, 0);
        seg.truncate(seg.len() - 1);
        assert!(matches!(
            decode_times(&seg),
            Err(Mp4Error::Truncated { .. })
        ));
    }
}
