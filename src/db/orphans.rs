//! Segment files left behind by a crash. An engine that writes `name.ext.part`
//! and renames on close (mesio HLS) leaves the `.part` when killed, while
//! its row already names the final file; an engine that writes the final name
//! directly (mesio FLV, ffmpeg) leaves the file but a stale size in its row.
//! [`recover_file`] puts the file under the row's name and measures it, so
//! everything received before the crash is found by the rest of srec (the
//! pipeline, `srec status`, cleanup) instead of being an orphan on disk.

use std::io;
use std::path::Path;

use crate::config::paths::part_path;

/// What was found for one open segment row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRecovery {
    /// `path.part` was renamed to `path`; its size.
    Renamed { bytes: u64 },
    /// `path` already existed; its size.
    Present { bytes: u64 },
    /// Neither exists (nothing was written, or the file was removed).
    Missing,
}

impl FileRecovery {
    /// The file's size, when there is one.
    pub fn bytes(self) -> Option<u64> {
        match self {
            Self::Renamed { bytes } | Self::Present { bytes } => Some(bytes),
            Self::Missing => None,
        }
    }
}

/// Makes the segment at `path` exist under that name if a crash left it as
/// `path.part` (renamed, then the directory fsynced so the rename survives a
/// power loss too), and reports its size. Never overwrites an existing file.
pub fn recover_file(path: &Path) -> io::Result<FileRecovery> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Ok(FileRecovery::Present { bytes: meta.len() });
    }
    let part = part_path(path);
    let meta = match std::fs::metadata(&part) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(FileRecovery::Missing),
        Err(e) => return Err(e),
    };
    // The writer is gone: make what it handed to the OS durable before the
    // name says "complete".
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&part) {
        let _ = f.sync_all();
    }
    std::fs::rename(&part, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        // Best effort: not every filesystem can fsync a directory.
        let _ = d.sync_all();
    }
    Ok(FileRecovery::Renamed { bytes: meta.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_a_part_measures_a_present_file_and_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        let hls = dir.path().join("a.ts");
        std::fs::write(part_path(&hls), b"0123456789").unwrap();
        assert_eq!(
            recover_file(&hls).unwrap(),
            FileRecovery::Renamed { bytes: 10 }
        );
        assert_eq!(std::fs::read(&hls).unwrap(), b"0123456789");
        assert!(!part_path(&hls).exists());

        let flv = dir.path().join("b.flv");
        std::fs::write(&flv, b"abc").unwrap();
        assert_eq!(
            recover_file(&flv).unwrap(),
            FileRecovery::Present { bytes: 3 }
        );
        // An existing final file is never replaced by a stray part.
        std::fs::write(part_path(&flv), b"zzzzzz").unwrap();
        assert_eq!(recover_file(&flv).unwrap().bytes(), Some(3));
        assert_eq!(std::fs::read(&flv).unwrap(), b"abc");

        let none = dir.path().join("c.ts");
        assert_eq!(recover_file(&none).unwrap(), FileRecovery::Missing);
        assert_eq!(FileRecovery::Missing.bytes(), None);
    }
}
