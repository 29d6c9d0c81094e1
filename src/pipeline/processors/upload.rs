//! `upload`: `rclone copyto` of each input to `remote:path/<file name>`,
//! with progress read from rclone's JSON stats lines. Outputs are the
//! inputs, so a following `delete` removes what was uploaded.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::StepIo;
use crate::pipeline::StepError;
use crate::pipeline::proc::{Program, run};

/// `(bytes, total)` from an rclone `--use-json-log` stats line.
pub fn parse_stats(line: &str) -> Option<(u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    let s = v.get("stats")?;
    Some((s.get("bytes")?.as_u64()?, s.get("totalBytes")?.as_u64()?))
}

pub async fn upload(
    io: &StepIo<'_>,
    remote: &str,
    path: &str,
    rclone: Option<&Path>,
) -> Result<Vec<PathBuf>, StepError> {
    let binary = rclone.unwrap_or(Path::new("rclone"));
    let folder = io.ctx.expand(path, &io.inputs);
    let folder = folder.trim_end_matches('/');
    // Sizes are read once, off the async threads (a stalled disk must not
    // block the runtime), and reused for the progress after each file.
    let mut sizes = Vec::with_capacity(io.inputs.len());
    for p in &io.inputs {
        sizes.push(tokio::fs::metadata(p).await.map(|m| m.len()).unwrap_or(0));
    }
    let total: u64 = sizes.iter().sum::<u64>().max(1);
    let done = AtomicU64::new(0);
    for (input, size) in io.inputs.iter().zip(sizes) {
        let Some(name) = input.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let target = if folder.is_empty() {
            format!("{remote}:{name}")
        } else {
            format!("{remote}:{folder}/{name}")
        };
        io.log
            .note(format!("upload {} -> {target}", input.display()))
            .await;
        let before = done.load(Ordering::Relaxed);
        run(
            Program {
                binary,
                args: vec![
                    "copyto".into(),
                    input.display().to_string(),
                    target,
                    "--stats".into(),
                    "1s".into(),
                    "--use-json-log".into(),
                    "--stats-log-level".into(),
                    "NOTICE".into(),
                ],
                env: Vec::new(),
                timeout: Duration::from_secs(24 * 3600),
            },
            io.cancel,
            io.log,
            |line| {
                if let Some((bytes, _)) = parse_stats(line) {
                    (io.progress)((before + bytes) as f64 / total as f64);
                }
            },
        )
        .await?;
        done.store(before + size, Ordering::Relaxed);
        (io.progress)(done.load(Ordering::Relaxed) as f64 / total as f64);
    }
    Ok(io.inputs.clone())
}

#[cfg(test)]
mod tests {
    #[test]
    fn stats_lines_give_progress() {
        let line =
            r#"{"level":"notice","msg":"x","stats":{"bytes":512,"totalBytes":1024,"speed":1}}"#;
        assert_eq!(super::parse_stats(line), Some((512, 1024)));
        assert_eq!(super::parse_stats("Transferred: 1 B"), None);
    }
}
