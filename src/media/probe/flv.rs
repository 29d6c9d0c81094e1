//! FLV: walks the tag headers from the start (seeking over the bodies, so a
//! large file costs one small read per tag) and keeps the timestamps of the
//! audio and video tags. The walk stops at the first tag that does not fit
//! in the file (a crash cut it) or does not look like a tag.

use std::io::{self, BufReader, Read, Seek};
use std::time::Duration;

use crate::media::flv::duration::DurationTracker;
use crate::media::flv::tag::{PREV_TAG_SIZE_LEN, TAG_HEADER_LEN};
use crate::media::flv::{FlvHeader, TagType};

/// Media length of an FLV file of `len` bytes: from the first audio/video
/// timestamp to the end of the last complete frame. `None` without one.
pub fn duration<R: Read + Seek>(r: &mut BufReader<R>, len: u64) -> io::Result<Option<Duration>> {
    let mut head = [0u8; FlvHeader::LEN];
    if r.read_exact(&mut head).is_err() {
        return Ok(None);
    }
    let Some((_, data_offset)) = FlvHeader::parse(&head) else {
        return Ok(None);
    };
    let mut pos = u64::from(data_offset) + PREV_TAG_SIZE_LEN as u64;
    r.seek_relative(pos as i64 - FlvHeader::LEN as i64)?;
    let mut tracker = DurationTracker::default();
    let mut first: Option<u32> = None;
    let mut hdr = [0u8; TAG_HEADER_LEN];
    while pos + TAG_HEADER_LEN as u64 <= len {
        r.read_exact(&mut hdr)?;
        let Some(kind) = TagType::from_byte(hdr[0]) else {
            break;
        };
        let size = u32::from_be_bytes([0, hdr[1], hdr[2], hdr[3]]);
        let ts = u32::from_be_bytes([hdr[7], hdr[4], hdr[5], hdr[6]]);
        if hdr[8..11] != [0, 0, 0] {
            break; // stream id is always 0: not a tag
        }
        let end = pos + TAG_HEADER_LEN as u64 + u64::from(size);
        if end > len {
            break; // cut by the crash: its frame is not in the file
        }
        if kind != TagType::Script {
            tracker.observe(kind, ts);
            first = Some(first.map_or(ts, |f| f.min(ts)));
        }
        pos = end + PREV_TAG_SIZE_LEN as u64;
        r.seek_relative(i64::from(size) + PREV_TAG_SIZE_LEN as i64)?;
    }
    Ok(first.map(|f| Duration::from_millis(tracker.duration_ms().saturating_sub(u64::from(f)))))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::media::flv::FlvTag;

    fn measure(b: &[u8]) -> Option<u128> {
        let mut r = BufReader::with_capacity(64, Cursor::new(b.to_vec()));
        duration(&mut r, b.len() as u64)
            .unwrap()
            .map(|d| d.as_millis())
    }

    /// A file of `n` video tags 40 ms apart from `t0`, audio every 23 ms.
    fn file(t0: u32, n: u32) -> Vec<u8> {
        let mut out = FlvHeader::new(true, true).encode().to_vec();
        FlvTag::new(TagType::Script, 0, vec![2u8; 30])
            .encode_into(&mut out)
            .unwrap();
        let mut audio = t0;
        for i in 0..n {
            let t = t0 + i * 40;
            FlvTag::new(TagType::Video, t, vec![0x17; 500])
                .encode_into(&mut out)
                .unwrap();
            while audio <= t {
                FlvTag::new(TagType::Audio, audio, vec![0xAF; 20])
                    .encode_into(&mut out)
                    .unwrap();
                audio += 23;
            }
        }
        out
    }

    #[test]
    fn measures_from_first_timestamp_to_the_end_of_the_last_frame() {
        // 100 frames at 25 fps: 4 s, wherever the file's clock starts.
        assert_eq!(measure(&file(0, 100)), Some(4_000));
        assert_eq!(measure(&file(3_600_000, 100)), Some(4_000));
    }

    #[test]
    fn a_file_cut_mid_tag_counts_only_complete_tags() {
        let mut whole = file(0, 100);
        let at = whole.len();
        FlvTag::new(TagType::Video, 4_000, vec![0x27; 500])
            .encode_into(&mut whole)
            .unwrap();
        assert_eq!(measure(&whole), Some(4_040));
        // Cut inside the last tag's header or body: its frame is gone.
        assert_eq!(measure(&whole[..at + 5]), Some(4_000));
        assert_eq!(measure(&whole[..at + 300]), Some(4_000));
        // Cut inside its PreviousTagSize: the frame itself is complete.
        assert_eq!(measure(&whole[..at + 511 + 2]), Some(4_040));
    }

    #[test]
    fn nothing_measurable_is_none() {
        let header_only = FlvHeader::new(true, true).encode();
        assert_eq!(measure(&header_only), None);
        assert_eq!(measure(&header_only[..5]), None);
        assert_eq!(measure(b"not an flv at all"), None);
        let mut garbage = file(0, 10);
        let keep = measure(&garbage).unwrap();
        garbage.extend_from_slice(&[0xEE; 64]);
        assert_eq!(measure(&garbage), Some(keep), "garbage after the tags");
    }
}
