//! File processors: `copy` and `move` into a folder (temporary name, then
//! rename), `delete` (only inside the recording's output folder), and the
//! `metadata` JSON sidecar.

use std::path::PathBuf;

use serde::Serialize;

use super::{StepIo, blocking, finish, io_err, temp_of};
use crate::pipeline::StepError;
use crate::pipeline::context::is_inside;

pub async fn copy(io: &StepIo<'_>, dest: &str, remove: bool) -> Result<Vec<PathBuf>, StepError> {
    let dir = PathBuf::from(io.ctx.expand(dest, &io.inputs));
    if !dir.is_absolute() {
        return Err(StepError::Fatal(format!(
            "dest `{}` is not an absolute path",
            dir.display()
        )));
    }
    let inputs = io.inputs.clone();
    blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
        let mut out = Vec::new();
        for input in &inputs {
            let Some(name) = input.file_name() else {
                continue;
            };
            let target = dir.join(name);
            if !input.exists() && target.exists() {
                out.push(target); // done by an earlier run
                continue;
            }
            if remove && std::fs::rename(input, &target).is_ok() {
                out.push(target);
                continue;
            }
            let temp = temp_of(&target);
            std::fs::copy(input, &temp).map_err(|e| io_err("copy", input, e))?;
            finish(&temp, &target)?;
            if remove {
                std::fs::remove_file(input).map_err(|e| io_err("remove", input, e))?;
            }
            out.push(target);
        }
        Ok(out)
    })
    .await
}

pub async fn delete(io: &StepIo<'_>) -> Result<Vec<PathBuf>, StepError> {
    for input in &io.inputs {
        if !input.exists() {
            continue;
        }
        if !is_inside(input, &io.ctx.output_dir) {
            return Err(StepError::Fatal(format!(
                "refusing to delete {}: it is outside the output folder {}",
                input.display(),
                io.ctx.output_dir.display()
            )));
        }
        tokio::fs::remove_file(input)
            .await
            .map_err(|e| io_err("delete", input, e))?;
        io.log.note(format!("deleted {}", input.display())).await;
    }
    Ok(Vec::new())
}

#[derive(Serialize)]
struct Sidecar<'a> {
    streamer: &'a str,
    platform: &'a str,
    title: &'a str,
    category: Option<&'a str>,
    session_id: Option<i64>,
    index: Option<u32>,
    started_at: Option<String>,
    ended_at: Option<String>,
    /// Every title the session showed, oldest first.
    titles: Vec<TitleFact<'a>>,
    files: Vec<FileFact>,
}

#[derive(Serialize)]
struct TitleFact<'a> {
    at: Option<String>,
    title: &'a str,
    category: Option<&'a str>,
}

#[derive(Serialize)]
struct FileFact {
    path: PathBuf,
    bytes: Option<u64>,
    /// Media length read from the file's own timestamps (video files).
    duration_ms: Option<u64>,
}

/// Size and media length of each input, read off the async workers (a
/// media walk reads the file).
async fn file_facts(inputs: &[PathBuf]) -> Vec<FileFact> {
    let inputs = inputs.to_vec();
    let facts = tokio::task::spawn_blocking(move || {
        inputs
            .into_iter()
            .map(|p| FileFact {
                bytes: std::fs::metadata(&p).ok().map(|m| m.len()),
                duration_ms: crate::media::probe::media_length(&p)
                    .ok()
                    .flatten()
                    .map(|m| u64::try_from(m.duration.as_millis()).unwrap_or(u64::MAX)),
                path: p,
            })
            .collect()
    })
    .await;
    facts.unwrap_or_default()
}

fn rfc3339(ms: Option<i64>) -> Option<String> {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339())
}

pub async fn metadata(io: &StepIo<'_>) -> Result<Vec<PathBuf>, StepError> {
    let Some(first) = io.inputs.first() else {
        return Err(StepError::Fatal("no input to describe".into()));
    };
    let c = io.ctx;
    let sidecar = Sidecar {
        streamer: &c.streamer,
        platform: &c.platform,
        title: &c.title,
        category: c.category.as_deref(),
        session_id: c.session_id,
        index: c.index,
        started_at: rfc3339(c.started_at),
        ended_at: rfc3339(c.ended_at),
        titles: c
            .titles
            .iter()
            .map(|t| TitleFact {
                at: rfc3339(Some(t.at)),
                title: &t.title,
                category: t.category.as_deref(),
            })
            .collect(),
        files: file_facts(&io.inputs).await,
    };
    let text = serde_json::to_vec_pretty(&sidecar).map_err(|e| StepError::Fatal(e.to_string()))?;
    let target = first.with_extension("meta.json");
    let temp = temp_of(&target);
    std::fs::write(&temp, text).map_err(|e| io_err("write", &temp, e))?;
    finish(&temp, &target)?;
    Ok(vec![target])
}
