//! Free space of an output folder's filesystem, for `min_free_space`: the
//! recorder starts nothing below it and stops running recordings cleanly,
//! and the metrics report it. `statvfs` on the folder, or on its nearest
//! existing ancestor (the folder is created by the first recording).
//!
//! Test-only knob: when `SREC_TEST_FREE_SPACE_FILE` names a file holding a
//! number, that number is the free space of every folder (so integration
//! tests can fill and empty a "disk" without mounting a small filesystem,
//! which needs root). Not for production use.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable of the test-only free-space knob.
pub const TEST_FREE_SPACE_ENV: &str = "SREC_TEST_FREE_SPACE_FILE";

/// How often a folder under `min_free_space` is looked at again, and how
/// often running recordings' folders are checked. One `statvfs` per folder
/// per period: no busy loop while the disk is full.
pub const DISK_POLL: Duration = Duration::from_secs(2);

/// Free bytes (for unprivileged users) on the filesystem holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    if let Some(knob) = std::env::var_os(TEST_FREE_SPACE_ENV) {
        let text = std::fs::read_to_string(&knob)?;
        return text.trim().parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{TEST_FREE_SPACE_ENV}: not a number: {text:?}"),
            )
        });
    }
    let probe = existing_ancestor(dir).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no existing folder above {}", dir.display()),
        )
    })?;
    let s = rustix::fs::statvfs(&probe).map_err(std::io::Error::from)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// `dir` or the nearest ancestor that exists.
fn existing_ancestor(dir: &Path) -> Option<PathBuf> {
    let mut probe = dir.to_path_buf();
    while !probe.exists() {
        probe = probe.parent().filter(|p| !p.as_os_str().is_empty())?.into();
    }
    Some(probe)
}

/// The user-facing reason a recording waits: `disk full: 10 MiB free in
/// DIR (min_free_space 1 GiB)`.
pub fn reason(dir: &Path, free: u64, min: u64) -> String {
    let b = |n: u64| bytesize::ByteSize::b(n).display().iec().to_string();
    format!(
        "disk full: {} free in {} (min_free_space {}); recording resumes when space is back",
        b(free),
        dir.display(),
        b(min)
    )
}

/// Whether a recording into `dir` must wait: the free bytes when they are
/// under `min` (0 = no check). A folder that cannot be measured does not
/// block (the engine reports its real error).
pub fn low(dir: &Path, min: u64) -> Option<u64> {
    if min == 0 {
        return None;
    }
    free_bytes(dir).ok().filter(|free| *free < min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_the_nearest_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(&dir.path().join("not/yet/created")).unwrap();
        assert!(free > 0);
        assert_eq!(low(dir.path(), 0), None, "0 turns the check off");
        assert_eq!(low(dir.path(), 1), None);
        assert!(low(dir.path(), u64::MAX).is_some());
        let r = reason(Path::new("/rec"), 1 << 20, 1 << 30);
        assert!(
            r.starts_with("disk full: 1.0 MiB free in /rec (min_free_space 1.0 GiB)"),
            "{r}"
        );
    }
}
