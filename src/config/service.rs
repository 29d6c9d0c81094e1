//! ConfigService: holds the current validated config, resolves effective
//! configs, and hot-reloads `config.toml` when it changes on disk. An invalid
//! edit is rejected with a logged error and the previous config stays active.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::effective::{EffectiveConfig, Layers};
use super::load::{ConfigError, load_file};
use super::model::ConfigFile;
use super::paths::Paths;
use crate::events::ConfigUpdateEvent;
use crate::model::streamer::Streamer;

/// Quiet period after the last file event before re-reading (editors write
/// in several steps: truncate, write, rename).
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Shared, hot-reloadable configuration.
pub struct ConfigService {
    paths: Paths,
    current: watch::Sender<Arc<ConfigFile>>,
    events: broadcast::Sender<ConfigUpdateEvent>,
}

impl ConfigService {
    /// Loads the config file (defaults when it does not exist).
    pub fn load(
        paths: Paths,
        events: broadcast::Sender<ConfigUpdateEvent>,
    ) -> Result<Self, ConfigError> {
        let file = load_file(&paths.config_file)?;
        let (current, _) = watch::channel(Arc::new(file));
        Ok(Self {
            paths,
            current,
            events,
        })
    }

    /// The active config.
    pub fn current(&self) -> Arc<ConfigFile> {
        self.current.borrow().clone()
    }

    /// Receiver that sees every accepted config (e.g. for log level reload).
    pub fn subscribe(&self) -> watch::Receiver<Arc<ConfigFile>> {
        self.current.subscribe()
    }

    /// Resolved paths of this instance.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Effective config for one streamer (all four levels merged).
    pub fn effective(&self, s: &Streamer) -> EffectiveConfig {
        EffectiveConfig::resolve(
            &self.current(),
            self.paths.default_output_dir(),
            Layers {
                platform: &s.platform,
                template: s.template.as_deref(),
                streamer: Some(&s.overrides),
            },
        )
    }

    /// Re-reads the file. `Ok(true)` when a different valid config was
    /// installed; on error the old config stays. A file deleted or moved
    /// away is an error too: falling back to the defaults would, among
    /// other things, switch off the API token.
    pub fn reload(&self) -> Result<bool, ConfigError> {
        let path = &self.paths.config_file;
        if !path.exists() {
            return Err(ConfigError::Vanished { path: path.clone() });
        }
        let file = load_file(path)?;
        if *self.current() == file {
            return Ok(false);
        }
        self.current.send_replace(Arc::new(file));
        let _ = self.events.send(ConfigUpdateEvent::GlobalReloaded);
        Ok(true)
    }

    /// Watches the config file's folder and reloads on changes until cancelled.
    pub fn spawn_watcher(
        self: &Arc<Self>,
        cancel: CancellationToken,
        tracker: &TaskTracker,
    ) -> Result<(), WatchError> {
        let file = self.paths.config_file.clone();
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), |d| d.to_path_buf());
        std::fs::create_dir_all(&dir).map_err(|source| WatchError::Dir {
            dir: dir.clone(),
            source,
        })?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let name = file.file_name().map(|n| n.to_os_string());
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // Our own reads produce access events; only content changes count.
            if let Ok(ev) = res
                && !matches!(ev.kind, notify::EventKind::Access(_))
                && ev.paths.iter().any(|p| p.file_name() == name.as_deref())
            {
                let _ = tx.send(());
            }
        })
        .map_err(|source| WatchError::Notify {
            dir: dir.clone(),
            source,
        })?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError::Notify {
                dir: dir.clone(),
                source,
            })?;
        let this = Arc::clone(self);
        tracker.spawn(async move {
            let _watcher = watcher;
            let mut last_error = String::new();
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    got = rx.recv() => if got.is_none() { break },
                }
                // Debounce: wait until events stop arriving.
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(DEBOUNCE) => break,
                        _ = rx.recv() => {}
                    }
                }
                match this.reload() {
                    Ok(changed) => {
                        last_error.clear();
                        if changed {
                            tracing::info!(path = %this.paths.config_file.display(), "config reloaded");
                        } else {
                            tracing::debug!("config file touched, content unchanged");
                        }
                    }
                    Err(e) => {
                        let msg = format!("{e}");
                        if msg != last_error {
                            if matches!(e, ConfigError::Vanished { .. }) {
                                tracing::warn!("{msg}");
                            } else {
                                tracing::error!("config change rejected, keeping the previous config: {msg}");
                            }
                            last_error = msg;
                        }
                    }
                }
            }
        });
        Ok(())
    }
}

/// The config watcher could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot create config folder {}", dir.display())]
    Dir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot watch config folder {}", dir.display())]
    Notify {
        dir: PathBuf,
        #[source]
        source: notify::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vanished_or_unreadable_file_keeps_the_config_and_its_token() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::in_dir(dir.path());
        std::fs::write(&paths.config_file, "[api]\ntoken = \"tok-123456\"\n").unwrap();
        let (tx, _) = broadcast::channel(4);
        let svc = ConfigService::load(paths.clone(), tx).unwrap();
        std::fs::remove_file(&paths.config_file).unwrap();
        let e = svc.reload().unwrap_err();
        assert!(matches!(e, ConfigError::Vanished { .. }), "{e}");
        assert_eq!(svc.current().api.token.as_deref(), Some("tok-123456"));
        std::fs::create_dir(&paths.config_file).unwrap();
        assert!(svc.reload().is_err(), "a folder in its place is unreadable");
        assert_eq!(svc.current().api.token.as_deref(), Some("tok-123456"));
    }
}
