//! Finds a timestamp jump inside an FLV file, for the `remux` processor.
//!
//! ffmpeg evens out a jump only when it reads MPEG-TS (a format that
//! declares timestamp discontinuities); from FLV it copies the gap, so an
//! FLV whose source jumped 60 s (a CDN switch under the ffmpeg engine)
//! became a 63 s MP4 for 6 s of media. The remux stages such a file
//! through MPEG-TS; this scan, which only walks tag headers (seeking over
//! the payloads), decides whether that detour is needed.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// A jump this large (either way) between two tags of the same kind is a
/// discontinuity; ffmpeg's own threshold for MPEG-TS is 10 s as well.
pub const JUMP_MS: i64 = 10_000;

/// Whether two consecutive audio (or video) tags of the FLV at `path` are
/// more than [`JUMP_MS`] apart. A file that is not FLV, or that is cut or
/// damaged, reports what was seen before the damage.
pub fn has_jump(path: &Path) -> io::Result<bool> {
    let mut r = BufReader::with_capacity(64 * 1024, File::open(path)?);
    let mut header = [0u8; 9];
    if r.read_exact(&mut header).is_err() || &header[..3] != b"FLV" {
        return Ok(false);
    }
    let data_offset = u32::from_be_bytes([header[5], header[6], header[7], header[8]]);
    // From the data offset, skip the first PreviousTagSize (4 bytes).
    r.seek_relative(i64::from(data_offset) - 9 + 4)?;
    // Last timestamp per tag kind: audio (8), video (9).
    let mut last: [Option<i64>; 2] = [None, None];
    let mut tag = [0u8; 11];
    loop {
        if r.read_exact(&mut tag).is_err() {
            return Ok(false);
        }
        let kind = tag[0] & 0x1F;
        let size = u32::from_be_bytes([0, tag[1], tag[2], tag[3]]);
        let ts = i64::from(u32::from_be_bytes([tag[7], tag[4], tag[5], tag[6]]));
        let slot = match kind {
            8 => Some(0),
            9 => Some(1),
            18 => None,
            // Not a tag header: the file is damaged from here on.
            _ => return Ok(false),
        };
        if let Some(i) = slot {
            if last[i].is_some_and(|prev| (ts - prev).abs() > JUMP_MS) {
                return Ok(true);
            }
            last[i] = Some(ts);
        }
        r.seek_relative(i64::from(size) + 4)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(kind: u8, ts: u32, payload: usize) -> Vec<u8> {
        let size = payload as u32;
        let mut t = vec![
            kind,
            (size >> 16) as u8,
            (size >> 8) as u8,
            size as u8,
            (ts >> 16) as u8,
            (ts >> 8) as u8,
            ts as u8,
            (ts >> 24) as u8,
            0,
            0,
            0,
        ];
        t.extend(std::iter::repeat_n(0u8, payload));
        t.extend((11 + size).to_be_bytes());
        t
    }

    fn flv(tags: &[(u8, u32)]) -> tempfile::NamedTempFile {
        let mut bytes = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00".to_vec();
        for (kind, ts) in tags {
            bytes.extend(tag(*kind, *ts, 7));
        }
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    #[test]
    fn a_jump_between_tags_of_one_kind_is_found() {
        let smooth = flv(&[(18, 0), (9, 0), (8, 0), (9, 40), (8, 23), (9, 80)]);
        assert!(!has_jump(smooth.path()).unwrap());
        let forward = flv(&[(9, 0), (9, 40), (9, 60_040), (9, 60_080)]);
        assert!(has_jump(forward.path()).unwrap());
        let reset = flv(&[(8, 0), (8, 30_000), (8, 23)]);
        assert!(has_jump(reset.path()).unwrap());
        // Audio and video far apart from each other is not a jump.
        let apart = flv(&[(9, 0), (8, 20_000), (9, 40), (8, 20_023)]);
        assert!(!has_jump(apart.path()).unwrap());
        // Extended (upper 8 bits) timestamps are read.
        let ext = flv(&[(9, 0x00FF_FFF0), (9, 0x0100_0010)]);
        assert!(!has_jump(ext.path()).unwrap());
    }

    #[test]
    fn not_flv_or_cut_is_no_jump() {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), b"\x47not flv").unwrap();
        assert!(!has_jump(f.path()).unwrap());
        let cut = flv(&[(9, 0), (9, 40)]);
        let mut bytes = std::fs::read(cut.path()).unwrap();
        bytes.truncate(bytes.len() - 10);
        std::fs::write(cut.path(), bytes).unwrap();
        assert!(!has_jump(cut.path()).unwrap());
    }
}
