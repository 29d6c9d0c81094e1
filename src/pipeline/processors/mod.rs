//! The processors a step can run. Each takes the step's input files and
//! returns the files it produced (the next steps' inputs); each writes a
//! temporary name and renames at the end, so a re-run after a crash never
//! leaves half a file under a final name.

mod chat_xml;
mod danmu_ass;
mod exec;
mod files;
mod flv_jump;
mod media;
mod upload;

pub use danmu_ass::{AssStyle, convert as danmu_to_ass};

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::StepError;
use super::context::JobContext;
use super::log::JobLog;
use crate::config::pipeline::Processor;

/// What a processor gets.
pub struct StepIo<'a> {
    pub ctx: &'a JobContext,
    pub inputs: Vec<PathBuf>,
    pub cancel: &'a CancellationToken,
    pub log: &'a JobLog,
    /// Reports progress (0.0 … 1.0).
    pub progress: &'a (dyn Fn(f64) + Send + Sync),
}

/// Runs `p` on the step's inputs.
pub async fn run(p: &Processor, io: StepIo<'_>) -> Result<Vec<PathBuf>, StepError> {
    match p {
        Processor::Remux {
            format,
            delete_source,
        } => media::remux(&io, *format, *delete_source).await,
        Processor::Thumbnail { offset, width } => media::thumbnail(&io, *offset, *width).await,
        Processor::Execute {
            command,
            env,
            timeout,
            outputs,
        } => exec::execute(&io, command, env, *timeout, outputs).await,
        Processor::Copy { dest } => files::copy(&io, dest, false).await,
        Processor::Move { dest } => files::copy(&io, dest, true).await,
        Processor::Delete {} => files::delete(&io).await,
        Processor::Metadata {} => files::metadata(&io).await,
        Processor::DanmuAss {
            font_size,
            opacity,
            duration,
            resolution,
            font,
        } => {
            let fixed = resolution
                .as_deref()
                .and_then(crate::config::pipeline::parse_resolution);
            let style = AssStyle {
                width: fixed.map_or(1920, |r| r.0),
                height: fixed.map_or(1080, |r| r.1),
                font: font.clone(),
                font_size: *font_size,
                opacity: *opacity,
                scroll: *duration,
            };
            danmu_ass::run(&io, style, fixed.is_none()).await
        }
        Processor::Upload {
            remote,
            path,
            rclone,
        } => upload::upload(&io, remote, path, rclone.as_deref()).await,
    }
}

/// Video files among the inputs (chat XML, sidecars and images are skipped).
pub fn videos(inputs: &[PathBuf]) -> Vec<PathBuf> {
    inputs
        .iter()
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            matches!(
                ext.as_str(),
                "flv" | "ts" | "mp4" | "mkv" | "m4s" | "mov" | "webm"
            )
        })
        .cloned()
        .collect()
}

/// `path` with `.part` appended: where a processor writes before renaming.
pub fn temp_of(path: &Path) -> PathBuf {
    crate::config::paths::part_path(path)
}

/// A file operation that failed: retried, since disks and mounts come back.
pub fn io_err(what: &str, p: &Path, e: std::io::Error) -> StepError {
    StepError::Retry(format!("cannot {what} {}: {e}", p.display()))
}

/// Runs file work on the blocking pool, off the runtime's threads; a task
/// that died is retried.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StepError> + Send + 'static,
) -> Result<T, StepError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StepError::Retry(e.to_string()))?
}

/// Renames a finished temporary file to its final name.
pub fn finish(temp: &Path, fin: &Path) -> Result<(), StepError> {
    std::fs::rename(temp, fin).map_err(|e| {
        StepError::Retry(format!(
            "cannot rename {} to {}: {e}",
            temp.display(),
            fin.display()
        ))
    })
}
