//! How much media a recorded file holds, read from the file itself: the
//! span of its own timestamps (FLV tag times, MPEG-TS PTS, fMP4 decode
//! times). Crash recovery uses it to give a segment the length a player
//! will show, since a killed engine never reported one.
//!
//! Every reader accepts what a crash leaves behind: a file that ends in the
//! middle of a tag, packet or fragment is measured up to its last complete
//! one. Nothing here runs an external tool, and the whole file is read only
//! when it is small; large files are read at their start and end.

pub mod flv;
pub mod mp4;
pub mod ts;

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

/// A container the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Flv,
    /// MPEG transport stream (HLS `.ts`).
    Ts,
    /// ISO BMFF: fragmented MP4 (HLS fMP4), or a finished plain MP4.
    Mp4,
}

impl Container {
    /// Recognises a container from the first bytes of a file (at least 12
    /// are needed for MP4, 189 to be sure of TS when the file is longer).
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"FLV\x01") {
            return Some(Self::Flv);
        }
        let sync = crate::media::ts::SYNC_BYTE;
        if head.first() == Some(&sync) && head.get(188).is_none_or(|b| *b == sync) {
            return Some(Self::Ts);
        }
        const MP4_FIRST: [&[u8; 4]; 6] = [b"ftyp", b"styp", b"moov", b"moof", b"mdat", b"free"];
        match head.get(4..8) {
            Some(k) if MP4_FIRST.iter().any(|m| m.as_slice() == k) => Some(Self::Mp4),
            _ => None,
        }
    }
}

/// What was measured in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLength {
    pub container: Container,
    /// From the first timestamp to the end of the last complete frame.
    pub duration: Duration,
}

/// Measures the media in the file at `path`. `Ok(None)` when the container
/// is not one of [`Container`] or holds no complete timestamped frame.
pub fn media_length(path: &Path) -> io::Result<Option<MediaLength>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut r = BufReader::with_capacity(64 * 1024, file);
    let mut head = Vec::with_capacity(189);
    (&mut r).take(189).read_to_end(&mut head)?;
    r.seek(SeekFrom::Start(0))?;
    let Some(container) = Container::sniff(&head) else {
        return Ok(None);
    };
    let duration = match container {
        Container::Flv => flv::duration(&mut r, len)?,
        Container::Ts => ts::duration(&mut r, len)?,
        Container::Mp4 => mp4::duration(&mut r, len)?,
    };
    Ok(duration.map(|duration| MediaLength {
        container,
        duration,
    }))
}

/// Path of a fixture file of the live test server (unit tests).
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/fake-live/fixtures/b")
        .join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_three_containers_and_nothing_else() {
        assert_eq!(Container::sniff(b"FLV\x01\x05"), Some(Container::Flv));
        let mut ts = vec![0x47; 1];
        ts.resize(188, 0);
        ts.push(0x47);
        assert_eq!(Container::sniff(&ts), Some(Container::Ts));
        ts[188] = 0;
        assert_eq!(Container::sniff(&ts), None, "a lone 0x47 is not TS");
        assert_eq!(
            Container::sniff(b"\0\0\0\x18ftypiso6"),
            Some(Container::Mp4)
        );
        assert_eq!(Container::sniff(b"\x1aE\xdf\xa3 matroska"), None);
        assert_eq!(Container::sniff(b""), None);
    }

    #[test]
    fn measures_real_files_like_ffprobe() {
        // ffprobe: stream.flv 4.08 s from 0.048, seg0.ts 1.032 s.
        let flv = media_length(&fixture("stream.flv")).unwrap().unwrap();
        assert_eq!(flv.container, Container::Flv);
        let ms = flv.duration.as_millis();
        assert!((3_950..=4_150).contains(&ms), "{ms}");
        // Cut mid-tag, as a kill leaves it: a little less, never nothing.
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.flv");
        let bytes = std::fs::read(fixture("stream.flv")).unwrap();
        std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4 + 7]).unwrap();
        let ms = media_length(&cut).unwrap().unwrap().duration.as_millis();
        assert!((2_700..=3_300).contains(&ms), "{ms}");
        let ts = media_length(&fixture("seg0.ts")).unwrap().unwrap();
        assert_eq!(ts.container, Container::Ts);
        let ms = ts.duration.as_millis();
        assert!((950..=1_100).contains(&ms), "{ms}");
    }

    #[test]
    fn unknown_and_empty_files_have_no_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mkv");
        std::fs::write(&p, b"\x1aE\xdf\xa3 not a container we read").unwrap();
        assert_eq!(media_length(&p).unwrap(), None);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(media_length(&p).unwrap(), None);
        assert!(media_length(&dir.path().join("missing")).is_err());
    }
}
