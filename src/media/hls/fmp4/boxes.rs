//! ISO BMFF box parsing for the [`Rebaser`](super::Rebaser): box headers
//! (32-bit size, 64-bit largesize, size 0), the boxes of a buffer, bounded
//! field reads, and the per-track timescales of an init section. Every read
//! is checked: malformed input is an error, never a panic.

use std::collections::HashMap;

/// Why fMP4 bytes could not be rebased.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fmp4Error {
    /// The init section names no track with a usable timescale.
    #[error("the fMP4 init section declares no track timescale")]
    NoTimescales,
    /// `offset`: where the box starts, counted in the fragment bytes fed
    /// to the rebaser (in the init section for the init's own errors).
    #[error("malformed fMP4 box `{kind}` at byte {offset}: {reason}")]
    Malformed {
        kind: String,
        offset: u64,
        reason: &'static str,
    },
    #[error("fMP4 moof of {size} bytes at byte {offset} is over the {max}-byte limit")]
    MoofTooLarge { size: u64, offset: u64, max: usize },
    #[error("fMP4 fragment refers to track {0}, which the init section does not declare")]
    UnknownTrack(u32),
}

/// A box found in a buffer: offsets are relative to that buffer.
pub(super) struct Child {
    pub kind: [u8; 4],
    pub start: usize,
    pub body: usize,
    pub end: usize,
}

/// A parsed box header.
pub(super) struct Header {
    pub kind: [u8; 4],
    pub len: usize,
    /// Total box size; `None` for size 0 ("to the end").
    pub size: Option<u64>,
}

fn fourcc(kind: &[u8]) -> String {
    kind.iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

pub(super) fn malformed(kind: &[u8], offset: u64, reason: &'static str) -> Fmp4Error {
    Fmp4Error::Malformed {
        kind: fourcc(kind),
        offset,
        reason,
    }
}

/// Parses the header at the start of `b`; `None` while it is incomplete.
pub(super) fn header(b: &[u8]) -> Option<Header> {
    let size32 = u32::from_be_bytes(b.get(..4)?.try_into().ok()?);
    let kind: [u8; 4] = b.get(4..8)?.try_into().ok()?;
    Some(match size32 {
        0 => Header {
            kind,
            len: 8,
            size: None,
        },
        1 => Header {
            kind,
            len: 16,
            size: Some(u64::from_be_bytes(b.get(8..16)?.try_into().ok()?)),
        },
        n => Header {
            kind,
            len: 8,
            size: Some(u64::from(n)),
        },
    })
}

/// The boxes of `buf[from..to]`, which must tile it exactly.
pub(super) fn children(buf: &[u8], from: usize, to: usize) -> Result<Vec<Child>, Fmp4Error> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos < to {
        let rest = &buf[pos..to];
        let kind = rest.get(4..8).unwrap_or(rest);
        let bad = |reason| malformed(kind, pos as u64, reason);
        let h = header(rest).ok_or_else(|| bad("truncated box header"))?;
        let size = h.size.ok_or_else(|| bad("size 0 inside a container"))?;
        let size = usize::try_from(size).map_err(|_| bad("box larger than its parent"))?;
        if size < h.len {
            return Err(bad("box size smaller than its header"));
        }
        if size > rest.len() {
            return Err(bad("box larger than its parent"));
        }
        out.push(Child {
            kind: h.kind,
            start: pos,
            body: pos + h.len,
            end: pos + size,
        });
        pos += size;
    }
    Ok(out)
}

pub(super) fn find<'a>(list: &'a [Child], kind: &[u8; 4]) -> Option<&'a Child> {
    list.iter().find(|c| &c.kind == kind)
}

/// Reads `N` bytes at `at` inside box `b` of `buf`.
pub(super) fn field<const N: usize>(
    buf: &[u8],
    b: &Child,
    at: usize,
) -> Result<[u8; N], Fmp4Error> {
    buf.get(at..at + N)
        .filter(|_| at + N <= b.end)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed(&b.kind, b.start as u64, "box too short for its fields"))
}

/// Reads the version-dependent u32 of a full box: the field at `v0` (in
/// version 0) or `v1` (in version 1) bytes past the body start.
pub(super) fn versioned_u32(buf: &[u8], b: &Child, v0: usize, v1: usize) -> Result<u32, Fmp4Error> {
    let [version] = field::<1>(buf, b, b.body)?;
    let at = if version == 1 { v1 } else { v0 };
    Ok(u32::from_be_bytes(field(buf, b, b.body + at)?))
}

/// Track ID → media timescale, from `moov/trak/{tkhd, mdia/mdhd}` of an
/// init section. Tracks with a timescale of 0 are left out.
pub fn timescales(init: &[u8]) -> Result<HashMap<u32, u32>, Fmp4Error> {
    let mut out = HashMap::new();
    for moov in children(init, 0, init.len())?
        .iter()
        .filter(|c| &c.kind == b"moov")
    {
        for trak in children(init, moov.body, moov.end)?
            .iter()
            .filter(|c| &c.kind == b"trak")
        {
            let kids = children(init, trak.body, trak.end)?;
            let (Some(tkhd), Some(mdia)) = (find(&kids, b"tkhd"), find(&kids, b"mdia")) else {
                continue;
            };
            // tkhd: version/flags, creation and modification times (32 or
            // 64 bits each), then track_ID. mdhd: the same, then timescale.
            let track = versioned_u32(init, tkhd, 12, 20)?;
            let mdia_kids = children(init, mdia.body, mdia.end)?;
            let Some(mdhd) = find(&mdia_kids, b"mdhd") else {
                continue;
            };
            let scale = versioned_u32(init, mdhd, 12, 20)?;
            if scale > 0 {
                out.insert(track, scale);
            }
        }
    }
    if out.is_empty() {
        return Err(Fmp4Error::NoTimescales);
    }
    Ok(out)
}
