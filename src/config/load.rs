//! Reading `config.toml`: parse errors carry file, line, column and the key at
//! fault; unknown keys and values get a "did you mean" suggestion.

use std::path::{Path, PathBuf};

use super::model::ConfigFile;
use super::validate;

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}{}", path.display(), key_suffix(key))]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
    #[error(
        "config file {} is gone; keeping the config in force (restore the file to change settings)",
        path.display()
    )]
    Vanished { path: PathBuf },
    #[error("{}: invalid value for `{key}`: {message}", path.display())]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

fn key_suffix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!(" (key `{key}`)")
    }
}

/// Loads the config file; a missing file yields the embedded defaults.
pub fn load_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_str(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses and validates config text; `path` is only used in messages.
pub fn parse_str(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let parse_err = |key: String, message: String, span: Option<std::ops::Range<usize>>| {
        let (line, column) = span.map_or((1, 1), |s| line_col(text, s.start));
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            key,
            message: with_suggestion(&message),
        }
    };
    let de = toml::Deserializer::parse(text)
        .map_err(|e| parse_err(String::new(), e.message().to_string(), e.span()))?;
    let file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let message = super::messages::humanize(inner.message(), &key);
        parse_err(key, message, inner.span())
    })?;
    validate::validate(&file).map_err(|v| ConfigError::Invalid {
        path: path.to_path_buf(),
        key: v.key,
        message: v.message,
    })?;
    Ok(file)
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a
/// shorter message with the closest valid name.
pub fn with_suggestion(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .map(|r| ("key", r))
        .or_else(|| {
            message
                .strip_prefix("unknown variant `")
                .map(|r| ("value", r))
        })
    else {
        return message.to_string();
    };
    let (what, rest) = rest;
    let Some((bad, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match suggest(bad, &candidates) {
        Some(best) => format!("unknown {what} `{bad}` (did you mean `{best}`?)"),
        None if candidates.is_empty() => format!("unknown {what} `{bad}`"),
        None => format!(
            "unknown {what} `{bad}`; expected one of: {}",
            candidates.join(", ")
        ),
    }
}

/// The candidate closest to `bad`, if any is close enough to be a typo.
pub fn suggest<'a>(bad: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(bad, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The error a config text gives, as printed (test helper shared by the
/// config modules' tests).
#[cfg(test)]
pub(crate) fn test_error(text: &str) -> String {
    parse_str(text, Path::new("c.toml"))
        .unwrap_err()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        test_error(text)
    }

    #[test]
    fn unknown_key_names_line_col_key_and_suggestion() {
        let msg = err("[recording]\nengine = \"mesio\"\nchek_interval = \"10s\"\n");
        assert!(
            msg.starts_with("c.toml:3:1: unknown key `chek_interval`"),
            "{msg}"
        );
        assert!(msg.contains("did you mean `check_interval`"), "{msg}");
        assert!(msg.contains("recording"), "{msg}");
    }

    #[test]
    fn bad_variant_gets_suggestion() {
        let msg = err("[recording]\nengine = \"mesioo\"\n");
        assert!(msg.contains("c.toml:2:10"), "{msg}");
        assert!(msg.contains("did you mean `mesio`"), "{msg}");
        assert!(msg.contains("recording.engine"), "{msg}");
    }

    #[test]
    fn syntax_error_has_position() {
        let msg = err("[recording]\nengine = \n");
        assert!(msg.starts_with("c.toml:2:"), "{msg}");
    }

    #[test]
    fn bad_duration_is_reported_with_key() {
        let msg = err("[platforms.fake]\ncheck_interval = \"soon\"\n");
        assert!(msg.contains("c.toml:2:"), "{msg}");
        assert!(msg.contains("platforms.fake.check_interval"), "{msg}");
    }

    #[test]
    fn empty_and_missing_files_give_defaults() {
        assert_eq!(
            parse_str("", Path::new("x")).unwrap(),
            ConfigFile::default()
        );
        let missing = load_file(Path::new("/nonexistent/srec/config.toml")).unwrap();
        assert_eq!(missing, ConfigFile::default());
    }
}
