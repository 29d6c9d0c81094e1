//! One daemon per data dir: `srec run` holds an exclusive lock on
//! `daemon.lock` (released by the OS even on `kill -9`) and writes its pid
//! there so `srec status` can tell whether a daemon is running.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a running daemon advertises in its lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonInfo {
    pub pid: u32,
    /// Unix milliseconds.
    pub started_at: i64,
    pub version: String,
    /// Where the REST API listens (absent when `api.enabled = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<std::net::SocketAddr>,
}

/// Lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another srec daemon (pid {pid}) is already running with data dir {}", dir.display())]
    AlreadyRunning { pid: u32, dir: PathBuf },
    #[error("cannot use lock file {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held for the daemon's lifetime; dropping it releases the lock.
#[derive(Debug)]
pub struct DaemonLock {
    file: File,
    info: DaemonInfo,
    path: PathBuf,
}

impl DaemonLock {
    /// Takes the lock or reports who holds it.
    pub fn acquire(path: &Path) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let pid = read_info(&mut file).map_or(0, |i| i.pid);
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                return Err(LockError::AlreadyRunning { pid, dir });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let info = DaemonInfo {
            pid: std::process::id(),
            started_at: crate::db::now_ms(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            api: None,
        };
        write_info(&file, &info).map_err(io)?;
        Ok(Self {
            file,
            info,
            path: path.to_path_buf(),
        })
    }

    /// Advertises the REST API address so the CLI can find the daemon.
    pub fn advertise_api(&self, addr: std::net::SocketAddr) -> Result<(), LockError> {
        let info = DaemonInfo {
            api: Some(addr),
            ..self.info.clone()
        };
        write_info(&self.file, &info).map_err(|source| LockError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Replaces the lock file's content (the lock stays held).
fn write_info(mut file: &File, info: &DaemonInfo) -> std::io::Result<()> {
    let text = serde_json::to_string(info).map_err(std::io::Error::other)?;
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

fn read_info(file: &mut File) -> Option<DaemonInfo> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

/// The running daemon for this lock file, if any.
pub fn probe(path: &Path) -> Option<DaemonInfo> {
    let mut file = File::open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => read_info(&mut file).or(Some(DaemonInfo {
            pid: 0,
            started_at: 0,
            version: String::new(),
            api: None,
        })),
        Err(TryLockError::Error(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_and_probe_sees_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.lock");
        assert_eq!(probe(&path), None);
        let held = DaemonLock::acquire(&path).unwrap();
        let info = probe(&path).unwrap();
        assert_eq!(info.pid, std::process::id());
        let err = DaemonLock::acquire(&path).unwrap_err();
        assert!(err.to_string().contains("already running"), "{err}");
        assert_eq!(info.api, None);
        held.advertise_api("127.0.0.1:4321".parse().unwrap())
            .unwrap();
        assert_eq!(
            probe(&path).unwrap().api,
            Some("127.0.0.1:4321".parse().unwrap())
        );
        drop(held);
        assert_eq!(probe(&path), None);
        DaemonLock::acquire(&path).unwrap();
    }
}
