//! MPEG-TS: the PTS span of the timing stream (video, else the first
//! stream), measured by the HLS recorder's own [`TsAnalyzer`]. A file up to
//! [`WHOLE`] is read through; a larger one at its start (to find the PMT and
//! the first PTS) and its end (the last PES headers), which the analyzer
//! joins on the 33-bit PTS circle. A packet cut by a crash is dropped by the
//! packet reader.

use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::time::Duration;

use crate::media::ts::{PACKET_SIZE, TsAnalyzer};

/// Files up to this size are read whole.
pub const WHOLE: u64 = 32 << 20;
/// Bytes read at the start of a larger file.
const HEAD: u64 = 4 << 20;
/// Bytes read at the end of a larger file: several seconds of any bitrate
/// a live stream uses, so the last PES headers of every stream are in it.
const TAIL: u64 = 8 << 20;

/// Media length of a TS file of `len` bytes (span of PTS plus one frame).
pub fn duration<R: Read + Seek>(r: &mut BufReader<R>, len: u64) -> io::Result<Option<Duration>> {
    let mut analyzer = TsAnalyzer::new();
    if len <= WHOLE {
        feed(r, &mut analyzer, len)?;
    } else {
        feed(r, &mut analyzer, HEAD)?;
        // Packets are written from offset 0, so a multiple of 188 is the
        // start of one (the reader re-syncs if not).
        let from = (len - TAIL) / PACKET_SIZE as u64 * PACKET_SIZE as u64;
        r.seek(SeekFrom::Start(from))?;
        feed(r, &mut analyzer, len - from)?;
    }
    Ok(analyzer.finish().duration())
}

/// Feeds up to `n` bytes from the reader's position.
fn feed<R: Read>(r: &mut R, analyzer: &mut TsAnalyzer, n: u64) -> io::Result<()> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = n;
    while left > 0 {
        let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
        let got = r.read(&mut buf[..want])?;
        if got == 0 {
            break;
        }
        analyzer.feed(&buf[..got]);
        left -= got as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::media::ts::testutil::segment;

    fn measure(b: Vec<u8>) -> Option<u128> {
        let len = b.len() as u64;
        let mut r = BufReader::new(Cursor::new(b));
        duration(&mut r, len).unwrap().map(|d| d.as_millis())
    }

    #[test]
    fn span_of_the_video_pts_plus_one_frame() {
        // 50 frames at 25 fps: 2 s, from any PTS, across the 33-bit wrap.
        assert_eq!(measure(segment(0, 50, 25, true, true)), Some(2_000));
        let near_wrap = crate::media::ts::PTS_MODULO - 90_000;
        assert_eq!(measure(segment(near_wrap, 50, 25, true, true)), Some(2_000));
    }

    #[test]
    fn a_file_cut_mid_packet_counts_the_complete_ones() {
        let whole = segment(900_000, 50, 25, true, true);
        let cut = whole.len() - 100;
        assert_ne!(cut % PACKET_SIZE, 0);
        let ms = measure(whole[..cut].to_vec()).unwrap();
        assert!((1_900..=2_000).contains(&ms), "{ms}");
        assert_eq!(measure(whole[..10].to_vec()), None);
        assert_eq!(measure(Vec::new()), None);
    }

    #[test]
    fn a_large_file_is_read_at_both_ends() {
        // Over WHOLE bytes: the middle is never read, so garbage there does
        // not matter; the ends give 0 .. 60 s.
        let mut file = segment(0, 25, 25, true, true);
        let filler = vec![0u8; (WHOLE + TAIL) as usize];
        file.extend_from_slice(&filler);
        let tail = segment(59 * 90_000, 25, 25, true, true);
        let pad = (PACKET_SIZE - file.len() % PACKET_SIZE) % PACKET_SIZE;
        file.extend(std::iter::repeat_n(0xFF, pad));
        let tail_at = file.len() + tail.len() - TAIL as usize;
        assert!(tail_at < file.len() && tail_at > HEAD as usize);
        file.extend_from_slice(&tail);
        assert_eq!(measure(file), Some(60_000));
    }
}
