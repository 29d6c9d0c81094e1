//! Restart recovery after an unclean stop: looks at the file of every
//! segment left open (its `.part` renamed to the row's name, its real size,
//! its media length read from its own timestamps, its last write), then
//! closes the rows with those facts in one transaction
//! ([`orphans::recover_after_crash`]). The files are read off the database
//! connection, so a large file never holds it.

use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::db::orphans::{self, FileRecovery, FoundFile, OpenSegment};
use crate::db::sessions::Recovery;
use crate::db::{Db, DbError, now_ms};
use crate::media::probe;

/// Recovers the files and rows a crash left open (a no-op after a clean
/// stop, which closes everything).
pub async fn recover(db: &Db) -> Result<Recovery, DbError> {
    close_open(db, "recovered_after_crash").await
}

/// Closes every open session and segment with `reason`, each segment with
/// what its file says (size, media length, `.part` renamed). At a shutdown
/// this covers engines that did not close their files within the deadline:
/// without it their rows kept the last progress figures and a `.part`
/// stayed unrenamed for good (the next start finds no open row).
pub async fn close_open(db: &Db, reason: &'static str) -> Result<Recovery, DbError> {
    let open = db.call(|c| orphans::open_segments(c)).await?;
    let found = if open.is_empty() {
        Vec::new()
    } else {
        let now = now_ms();
        tokio::task::spawn_blocking(move || {
            open.iter()
                .filter_map(|seg| inspect(seg, now))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|_| DbError::Worker)?
    };
    db.call(move |c| orphans::close_with_files(c, reason, &found))
        .await
}

/// What is on disk for one open segment; `None` when its file is missing
/// or cannot be recovered (the row keeps what it had).
pub fn inspect(seg: &OpenSegment, now: i64) -> Option<FoundFile> {
    let path = Path::new(&seg.path);
    let found = match orphans::recover_file(path) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(path = seg.path, error = %e, "cannot recover a segment file left open");
            return None;
        }
    };
    let (bytes, renamed) = match found {
        FileRecovery::Renamed { bytes } => {
            tracing::warn!(path = seg.path, bytes, "recovered a segment left as .part");
            (bytes, true)
        }
        FileRecovery::Present { bytes } => (bytes, false),
        FileRecovery::Missing => {
            tracing::warn!(
                path = seg.path,
                "segment file of an interrupted recording is missing"
            );
            return None;
        }
    };
    let last_write_at = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .filter(|t| (seg.started_at..=now).contains(t));
    let media = match probe::media_length(path) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(path = seg.path, error = %e, "cannot read the media length of a segment left open");
            None
        }
    };
    // Without readable timestamps, the wall clock from open to last write
    // is the best length there is.
    let duration_ms = media
        .map(|m| u64::try_from(m.duration.as_millis()).unwrap_or(u64::MAX))
        .or_else(|| last_write_at.map(|t| (t - seg.started_at).max(0) as u64));
    tracing::info!(
        path = seg.path,
        bytes,
        duration_ms,
        container = ?media.map(|m| m.container),
        "segment file left open measured"
    );
    Some(FoundFile {
        segment_id: seg.id,
        bytes,
        duration_ms,
        last_write_at,
        renamed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::paths::part_path;

    fn seg(path: &Path, started_at: i64) -> OpenSegment {
        OpenSegment {
            id: 7,
            path: path.display().to_string(),
            started_at,
        }
    }

    #[test]
    fn a_crashed_hls_part_is_renamed_measured_and_timed() {
        let dir = tempfile::tempdir().unwrap();
        let ts = dir.path().join("0.ts");
        let bytes = std::fs::read(probe::fixture("seg0.ts")).unwrap();
        // Cut mid-packet, as a kill leaves it.
        std::fs::write(part_path(&ts), &bytes[..bytes.len() - 50]).unwrap();
        let f = inspect(&seg(&ts, 0), now_ms()).unwrap();
        assert!(f.renamed && ts.exists());
        assert_eq!(f.bytes, bytes.len() as u64 - 50, "the real size");
        let ms = f.duration_ms.unwrap();
        assert!((900..=1_100).contains(&ms), "{ms}");
        let mtime = f.last_write_at.unwrap();
        assert!(mtime <= now_ms());
    }

    #[test]
    fn an_unreadable_file_falls_back_to_the_wall_clock_and_a_missing_one_to_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mkv = dir.path().join("0.mkv");
        std::fs::write(&mkv, b"\x1aE\xdf\xa3 some matroska").unwrap();
        let now = now_ms();
        let f = inspect(&seg(&mkv, now - 60_000), now + 1_000).unwrap();
        let ms = f.duration_ms.unwrap();
        assert!((59_000..=62_000).contains(&ms), "{ms}");
        // An mtime before the segment started is not believed.
        let f = inspect(&seg(&mkv, now + 500_000), now + 1_000_000).unwrap();
        assert_eq!((f.duration_ms, f.last_write_at), (None, None));
        assert_eq!(inspect(&seg(&dir.path().join("gone.flv"), 0), now), None);
    }
}
