//! [`Rebaser`]: moves the timeline of one fragmented-MP4 output file so it
//! starts at 0.
//!
//! A live fMP4 fragment carries its decode time in `moof/traf/tfdt`
//! (`baseMediaDecodeTime`, in the track's timescale from the init section's
//! `mdhd`). Copied unchanged, a file recorded an hour into a stream, or any
//! file after a split, starts an hour in: players show a wrong timeline and
//! ffprobe's duration is offset + length. The rebaser subtracts one offset
//! per file — the earliest start among the tracks of the file's first
//! fragment — from every `tfdt`, converted to each track's timescale, so
//! the audio/video sync of the source is kept exactly.
//!
//! It works on the bytes as they arrive, split anywhere: top-level boxes are
//! walked; `moof` boxes (small) are held whole, rewritten in place (sizes do
//! not change) and released; `mdat` and every other box stream through
//! untouched; `sidx` is dropped (its times would be wrong and it is
//! optional). `styp`, `prft`, `emsg` and the like are kept as they are:
//! they do not place samples on the timeline (a `prft` media time or a
//! version-1 `emsg` presentation time still counts on the source's clock,
//! not the file's). HLS segments start at box boundaries, so the walk restarts at
//! each one ([`Rebaser::end_segment`]), and bytes it cannot make sense of
//! are passed through unchanged until then: no byte is ever lost.

mod boxes;

use std::cmp::Ordering;
use std::collections::HashMap;

use bytes::{Bytes, BytesMut};

pub use boxes::{Fmp4Error, timescales};
use boxes::{children, field, find, header, malformed};

/// Largest `moof` held in memory. Real ones are a few KiB (one `trun`
/// entry per sample); anything bigger is not worth unbounded memory.
pub const MAX_MOOF: usize = 4 << 20;

/// The file's time offset as an exact fraction: `ticks / timescale` s.
#[derive(Debug, Clone, Copy)]
struct Offset {
    ticks: u64,
    timescale: u32,
}

impl Offset {
    fn cmp_time(&self, other: &Self) -> Ordering {
        let a = u128::from(self.ticks) * u128::from(other.timescale);
        let b = u128::from(other.ticks) * u128::from(self.timescale);
        a.cmp(&b)
    }

    /// The offset in `timescale` units, rounded to the nearest tick.
    fn in_scale(&self, timescale: u32) -> u64 {
        let num = u128::from(self.ticks) * u128::from(timescale);
        let den = u128::from(self.timescale);
        u64::try_from((2 * num + den) / (2 * den)).unwrap_or(u64::MAX)
    }
}

/// One `tfdt` of a held `moof`.
struct Tfdt {
    /// Offset of the value in the moof.
    at: usize,
    wide: bool,
    value: u64,
    timescale: u32,
}

/// Where the walk over the top-level boxes is.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Gathering a box header in `buf`.
    Header,
    /// Copying the rest of a box (`None`: up to the end of the segment).
    Copy(Option<u64>),
    /// Dropping the rest of a `sidx`.
    Drop(u64),
    /// Holding a `moof` of this many bytes in `buf`.
    Moof(usize),
    /// After an error: copying unchanged up to the end of the segment.
    Raw,
}

/// Rebases the fragments of one output file (see the module docs).
#[derive(Debug)]
pub struct Rebaser {
    timescales: HashMap<u32, u32>,
    offset: Option<Offset>,
    state: State,
    /// The header being gathered, or the `moof` being held.
    buf: BytesMut,
    /// Input bytes consumed so far (for error messages).
    pos: u64,
}

impl Rebaser {
    /// A rebaser for a file starting with `init` (written unchanged by the
    /// caller); fails if `init` yields no timescale.
    pub fn new(init: &[u8]) -> Result<Self, Fmp4Error> {
        Ok(Self {
            timescales: timescales(init)?,
            offset: None,
            state: State::Header,
            buf: BytesMut::new(),
            pos: 0,
        })
    }

    /// Takes the next bytes of the current segment and appends what can be
    /// written to `out`. On error every byte is still in `out` (unchanged
    /// from the failure on) and the rest of the segment is copied as is.
    pub fn push(&mut self, mut data: Bytes, out: &mut Vec<Bytes>) -> Result<(), Fmp4Error> {
        loop {
            match self.state {
                State::Header => {
                    let want = match header(&self.buf) {
                        Some(h) => h.len,
                        None if self.buf.len() >= 8 => 16,
                        None => 8,
                    };
                    if self.buf.len() < want {
                        if data.is_empty() {
                            return Ok(());
                        }
                        let n = (want - self.buf.len()).min(data.len());
                        self.take_into_buf(&mut data, n);
                        continue;
                    }
                    if let Err(e) = self.start_box(out) {
                        return Err(self.fail(e, data, out));
                    }
                }
                _ if data.is_empty() => return Ok(()),
                State::Raw => {
                    self.pos += data.len() as u64;
                    out.push(data);
                    return Ok(());
                }
                State::Copy(left) => {
                    let n = left.map_or(data.len(), |l| len_min(l, &data));
                    self.pos += n as u64;
                    out.push(data.split_to(n));
                    if let Some(l) = left {
                        self.state = next(l - n as u64, |l| State::Copy(Some(l)));
                    }
                }
                State::Drop(left) => {
                    let n = len_min(left, &data);
                    self.pos += n as u64;
                    let _ = data.split_to(n);
                    self.state = next(left - n as u64, State::Drop);
                }
                State::Moof(size) => {
                    let n = (size - self.buf.len()).min(data.len());
                    self.take_into_buf(&mut data, n);
                    if self.buf.len() == size {
                        let mut moof = self.buf.split();
                        let start = self.pos - size as u64;
                        if let Err(e) = self.rebase_moof(&mut moof, start) {
                            self.buf = moof;
                            return Err(self.fail(e, data, out));
                        }
                        out.push(moof.freeze());
                        self.state = State::Header;
                    }
                }
            }
        }
    }

    /// The current segment is over (complete or not): whatever is held is
    /// written unchanged and the next segment is walked from its first box.
    pub fn end_segment(&mut self, out: &mut Vec<Bytes>) {
        if !self.buf.is_empty() {
            out.push(self.buf.split().freeze());
        }
        self.state = State::Header;
    }

    fn take_into_buf(&mut self, data: &mut Bytes, n: usize) {
        self.buf.extend_from_slice(&data.split_to(n));
        self.pos += n as u64;
    }

    /// A complete header is in `buf`: decides what to do with the box.
    fn start_box(&mut self, out: &mut Vec<Bytes>) -> Result<(), Fmp4Error> {
        let h = header(&self.buf).ok_or_else(|| malformed(b"", self.pos, "no header"))?;
        let at = self.pos - h.len as u64;
        let bad = |reason| malformed(&h.kind, at, reason);
        let Some(size) = h.size else {
            // Size 0: the box runs to the end, which only a trailing mdat
            // may do; here the end is the end of the segment.
            if &h.kind != b"mdat" {
                return Err(bad("size 0 is only valid for a trailing mdat"));
            }
            out.push(self.buf.split().freeze());
            self.state = State::Copy(None);
            return Ok(());
        };
        let body = size
            .checked_sub(h.len as u64)
            .ok_or_else(|| bad("box size smaller than its header"))?;
        match &h.kind {
            b"sidx" => {
                self.buf.clear();
                self.state = next(body, State::Drop);
            }
            b"moof" => match usize::try_from(size) {
                Ok(n) if n <= MAX_MOOF => self.state = State::Moof(n),
                _ => {
                    return Err(Fmp4Error::MoofTooLarge {
                        size,
                        offset: at,
                        max: MAX_MOOF,
                    });
                }
            },
            _ => {
                out.push(self.buf.split().freeze());
                self.state = next(body, |l| State::Copy(Some(l)));
            }
        }
        Ok(())
    }

    /// Passes what is held and the rest of `data` through unchanged.
    fn fail(&mut self, e: Fmp4Error, data: Bytes, out: &mut Vec<Bytes>) -> Fmp4Error {
        if !self.buf.is_empty() {
            out.push(self.buf.split().freeze());
        }
        self.pos += data.len() as u64;
        if !data.is_empty() {
            out.push(data);
        }
        self.state = State::Raw;
        e
    }

    /// Rewrites every `traf/tfdt` of a whole `moof` (header included) in
    /// place; on error nothing was changed.
    fn rebase_moof(&mut self, moof: &mut [u8], start: u64) -> Result<(), Fmp4Error> {
        let shift = |e: Fmp4Error| match e {
            Fmp4Error::Malformed {
                kind,
                offset,
                reason,
            } => Fmp4Error::Malformed {
                kind,
                offset: start + offset,
                reason,
            },
            e => e,
        };
        let tfdts = self.tfdts(moof).map_err(shift)?;
        if self.offset.is_none() {
            self.offset = tfdts
                .iter()
                .map(|t| Offset {
                    ticks: t.value,
                    timescale: t.timescale,
                })
                .min_by(Offset::cmp_time);
        }
        let Some(offset) = self.offset else {
            return Ok(());
        };
        for t in tfdts {
            let value = t.value.saturating_sub(offset.in_scale(t.timescale));
            if t.wide {
                moof[t.at..t.at + 8].copy_from_slice(&value.to_be_bytes());
            } else {
                // Smaller than the 32-bit value it replaces.
                let v = u32::try_from(value).unwrap_or(u32::MAX);
                moof[t.at..t.at + 4].copy_from_slice(&v.to_be_bytes());
            }
        }
        Ok(())
    }

    fn tfdts(&self, moof: &[u8]) -> Result<Vec<Tfdt>, Fmp4Error> {
        let len = header(moof).map_or(8, |h| h.len);
        let mut out = Vec::new();
        for traf in children(moof, len, moof.len())?
            .iter()
            .filter(|c| &c.kind == b"traf")
        {
            let kids = children(moof, traf.body, traf.end)?;
            let tfhd = find(&kids, b"tfhd")
                .ok_or_else(|| malformed(b"traf", traf.start as u64, "no tfhd"))?;
            let track = u32::from_be_bytes(field(moof, tfhd, tfhd.body + 4)?);
            let Some(tfdt) = find(&kids, b"tfdt") else {
                continue;
            };
            let timescale = *self
                .timescales
                .get(&track)
                .ok_or(Fmp4Error::UnknownTrack(track))?;
            let at = tfdt.body + 4;
            let (wide, value) = match field::<1>(moof, tfdt, tfdt.body)? {
                [0] => (false, u64::from(u32::from_be_bytes(field(moof, tfdt, at)?))),
                [1] => (true, u64::from_be_bytes(field(moof, tfdt, at)?)),
                _ => return Err(malformed(b"tfdt", tfdt.start as u64, "unknown version")),
            };
            out.push(Tfdt {
                at,
                wide,
                value,
                timescale,
            });
        }
        Ok(out)
    }
}

/// `left` bytes still to go in `state`, or the next header if none.
fn next(left: u64, state: fn(u64) -> State) -> State {
    if left == 0 {
        State::Header
    } else {
        state(left)
    }
}

/// The smaller of `left` and the length of `data`.
fn len_min(left: u64, data: &Bytes) -> usize {
    usize::try_from(left).map_or(data.len(), |l| l.min(data.len()))
}
