//! What a DAG knows about the recording it processes (stored as JSON with
//! the DAG so a restart or a config edit does not change it), and the
//! placeholder expansion of `execute` arguments, `dest` folders and upload
//! paths. Expansion is plain text replacement inside one argument: a title
//! such as `$(touch /tmp/x); rm -rf ~` stays one literal argument.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Facts about the recording, frozen when the DAG is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobContext {
    pub streamer_id: Option<i64>,
    pub streamer: String,
    pub platform: String,
    pub title: String,
    pub category: Option<String>,
    pub session_id: Option<i64>,
    pub index: Option<u32>,
    /// The recording's output folder: `delete` refuses anything outside it.
    pub output_dir: PathBuf,
    /// The ffmpeg binary (`[engines.ffmpeg] path`).
    pub ffmpeg: PathBuf,
    /// Session start and end, unix ms (the metadata sidecar reports them).
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Titles the session had, oldest first, as of the DAG's creation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<TitleChange>,
}

/// One title (and category) a session showed from `at` (unix ms) on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleChange {
    pub at: i64,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl JobContext {
    /// `(placeholder, value)` pairs for a step with `inputs`.
    pub fn values(&self, inputs: &[PathBuf]) -> Vec<(&'static str, String)> {
        let first = inputs
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let dir = inputs
            .first()
            .and_then(|p| p.parent())
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let all = inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>();
        vec![
            ("input", first),
            (
                "inputs_json",
                serde_json::to_string(&all).unwrap_or_default(),
            ),
            ("input_dir", dir),
            ("output_dir", self.output_dir.display().to_string()),
            ("streamer", self.streamer.clone()),
            ("platform", self.platform.clone()),
            ("title", self.title.clone()),
            ("category", self.category.clone().unwrap_or_default()),
            (
                "session_id",
                self.session_id.map(|i| i.to_string()).unwrap_or_default(),
            ),
            (
                "index",
                self.index.map(|i| i.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// Replaces `{name}` placeholders in `text`; unknown braces stay as they are.
    pub fn expand(&self, text: &str, inputs: &[PathBuf]) -> String {
        expand_with(text, &self.values(inputs))
    }

    /// The environment a command gets: `SREC_INPUT`, `SREC_TITLE`, ...
    pub fn env(&self, inputs: &[PathBuf]) -> Vec<(String, String)> {
        self.values(inputs)
            .into_iter()
            .map(|(k, v)| (format!("SREC_{}", k.to_ascii_uppercase()), v))
            .collect()
    }
}

/// One left-to-right pass, so a value containing `{title}` is not expanded again.
fn expand_with(text: &str, values: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (v, close))
        });
        match hit {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// True when `path` is inside `dir` after resolving `..` and symlinks of
/// the parts that exist.
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    let (Ok(p), Ok(d)) = (canonical(path), canonical(dir)) else {
        return false;
    };
    p != d && p.starts_with(&d)
}

fn canonical(p: &Path) -> std::io::Result<PathBuf> {
    match p.canonicalize() {
        Ok(c) => Ok(c),
        Err(_) => {
            let parent = p
                .parent()
                .ok_or_else(|| std::io::Error::other("no parent"))?;
            let name = p
                .file_name()
                .ok_or_else(|| std::io::Error::other("no name"))?;
            Ok(parent.canonicalize()?.join(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_once_and_literally() {
        let ctx = JobContext {
            title: "$(touch /tmp/x); rm -rf ~ {streamer}".into(),
            streamer: "alice".into(),
            session_id: Some(7),
            ..Default::default()
        };
        let inputs = [PathBuf::from("/rec/a.flv")];
        assert_eq!(
            ctx.expand("{title}|{input}|{session_id}|{nope}", &inputs),
            "$(touch /tmp/x); rm -rf ~ {streamer}|/rec/a.flv|7|{nope}"
        );
        assert!(
            ctx.env(&inputs)
                .contains(&("SREC_STREAMER".into(), "alice".into()))
        );
    }

    #[test]
    fn inside_checks_resolve_dot_dot() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.flv");
        std::fs::write(&f, b"x").unwrap();
        assert!(is_inside(&f, d.path()));
        assert!(!is_inside(&d.path().join("../a.flv"), d.path()));
        assert!(!is_inside(Path::new("/etc/passwd"), d.path()));
    }
}
