//! External tools (ffmpeg, streamlink): finding a configured binary on PATH
//! before a job starts, so a missing tool is a typed error instead of a
//! failed spawn deep in a task, and reading its version for `srec config
//! check`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::engine::EngineError;

/// The executable `binary` names: a path (with a `/`) as is, else the first
/// match on `PATH`.
pub fn find(binary: &Path) -> Option<PathBuf> {
    let is_exec = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if binary.components().count() > 1 || binary.is_absolute() {
        return is_exec(binary).then(|| binary.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|p| is_exec(p))
}

/// [`find`] or [`EngineError::BinaryNotFound`].
pub fn require(binary: &Path) -> Result<PathBuf, EngineError> {
    find(binary).ok_or_else(|| EngineError::BinaryNotFound {
        binary: binary.display().to_string(),
    })
}

/// First line of `binary <flag>` (e.g. `ffmpeg -version`), or why not.
pub fn version(binary: &Path, flag: &str) -> Result<String, String> {
    let found = find(binary).ok_or_else(|| {
        format!(
            "`{}` was not found; install it or set its path in the config",
            binary.display()
        )
    })?;
    let out = Command::new(&found)
        .arg(flag)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", found.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if !out.status.success() || line.is_empty() {
        return Err(format!(
            "{} {flag} failed: {}",
            found.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_on_path_and_reports_missing() {
        assert!(find(Path::new("sh")).is_some());
        assert!(find(Path::new("/bin/sh")).is_some());
        assert!(find(Path::new("srec-no-such-tool")).is_none());
        let e = require(Path::new("/nope/ffmpeg")).unwrap_err();
        assert!(matches!(e, EngineError::BinaryNotFound { .. }));
        assert!(!e.retryable());
        assert!(
            version(Path::new("/nope/ffmpeg"), "-version")
                .unwrap_err()
                .contains("was not found")
        );
    }
}
