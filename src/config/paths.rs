//! Where srec keeps its files: config file, data dir (database, logs, lock) and
//! the default output folder. XDG locations via `directories`, overridable by
//! flags and `SREC_CONFIG` / `SREC_DATA_DIR`.

use std::path::{Path, PathBuf};

/// Resolved filesystem locations for one srec instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The TOML config file (may not exist: embedded defaults apply).
    pub config_file: PathBuf,
    /// Holds `srec.db`, `logs/` and the daemon lock.
    pub data_dir: PathBuf,
}

/// Raised when no home directory can be found and nothing was overridden.
#[derive(Debug, thiserror::Error)]
#[error("cannot determine the {what} location (no home directory); pass --{flag} or set {env}")]
pub struct PathsError {
    what: &'static str,
    flag: &'static str,
    env: &'static str,
}

impl Paths {
    /// Resolves paths; explicit values (flags or env, already merged by clap)
    /// win over the XDG defaults.
    pub fn resolve(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> Result<Self, PathsError> {
        let dirs = directories::ProjectDirs::from("", "", "srec");
        let config_file = match config {
            Some(p) => p,
            None => dirs
                .as_ref()
                .map(|d| d.config_dir().join("config.toml"))
                .ok_or(PathsError {
                    what: "config file",
                    flag: "config",
                    env: "SREC_CONFIG",
                })?,
        };
        let data_dir = match data_dir {
            Some(p) => p,
            None => dirs
                .as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .ok_or(PathsError {
                    what: "data directory",
                    flag: "data-dir",
                    env: "SREC_DATA_DIR",
                })?,
        };
        Ok(Self {
            config_file,
            data_dir,
        })
    }

    /// Paths rooted in one directory; used by tests and benchmarks.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            config_file: dir.join("config.toml"),
            data_dir: dir.join("data"),
        }
    }

    /// The SQLite database file.
    pub fn db_file(&self) -> PathBuf {
        self.data_dir.join("srec.db")
    }

    /// Folder for the daemon's rolling log files.
    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Lock file held by a running daemon (one daemon per data dir).
    pub fn lock_file(&self) -> PathBuf {
        self.data_dir.join("daemon.lock")
    }

    /// Output folder used when the config does not name one.
    pub fn default_output_dir(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }
}

/// The in-progress name of a segment (`name.ext.part`), renamed on close.
pub fn part_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".part");
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_paths_win() {
        let p = Paths::resolve(Some("/x/c.toml".into()), Some("/y".into())).unwrap();
        assert_eq!(p.config_file, PathBuf::from("/x/c.toml"));
        assert_eq!(p.db_file(), PathBuf::from("/y/srec.db"));
        assert_eq!(p.logs_dir(), PathBuf::from("/y/logs"));
        assert_eq!(p.default_output_dir(), PathBuf::from("/y/recordings"));
    }
}
