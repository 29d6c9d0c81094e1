//! Reading and patching the config through the API: the JSON view (secrets
//! redacted), RFC 7386 merge patches, validation with the key at fault, and
//! an atomic write (`.partial`, fsync, rename) followed by a hot reload.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::ApiError;
use super::state::ApiState;
use crate::config::ConfigFile;

/// First line of a config file written by the API.
const HEADER: &str = "# srec configuration, last written by the API (PATCH /api/config).\n\
# examples/config.toml in srec's sources lists every key with its default.\n\n";

/// The config as JSON, with `api.token` replaced by `api.token_set`.
pub fn view(file: &ConfigFile) -> Result<Value, ApiError> {
    let mut v = serde_json::to_value(file.redacted())
        .map_err(|e| ApiError::internal("cannot render the config", &e))?;
    if let Some(api) = v.get_mut("api").and_then(Value::as_object_mut) {
        api.remove("token");
        api.insert("token_set".into(), Value::Bool(file.api.token.is_some()));
    }
    Ok(v)
}

/// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Applies a merge patch to the config in force, validates it, writes the
/// file atomically and reloads it. Returns the new config.
pub async fn apply(st: &ApiState, mut patch: Value) -> Result<ConfigFile, ApiError> {
    let Some(obj) = patch.as_object_mut() else {
        return Err(ApiError::validation(
            "",
            "the body must be a JSON object (a merge patch of the config)",
        ));
    };
    // `token_set` is part of the view only; a GET-modify-PATCH round trip
    // must not fail on it.
    if let Some(api) = obj.get_mut("api").and_then(Value::as_object_mut) {
        api.remove("token_set");
    }
    let _guard = st.config_write.lock().await;
    let current = st.config.current();
    let mut merged = serde_json::to_value(&*current)
        .map_err(|e| ApiError::internal("cannot render the config", &e))?;
    merge_patch(&mut merged, &patch);
    let bytes = serde_json::to_vec(&merged)
        .map_err(|e| ApiError::internal("cannot render the config", &e))?;
    let mut file: ConfigFile = super::extract::decode(&bytes)?;
    // A GET-modify-PATCH round trip sends the placeholders back.
    file.keep_secrets_from(&current);
    if let Some(field) = super::guard::config_change_denied(&current, &file) {
        return Err(super::guard::forbidden(field));
    }
    if file.has_placeholder() {
        return Err(ApiError::validation(
            "",
            format!(
                "`{}` is the placeholder printed for secrets; send the real value",
                crate::config::secrets::REDACTED
            ),
        ));
    }
    crate::config::validate::validate(&file).map_err(|v| ApiError::validation(v.key, v.message))?;
    if file == *current {
        return Ok(file);
    }
    let text = toml::to_string_pretty(&file)
        .map_err(|e| ApiError::internal("cannot write the config as TOML", &e))?;
    let text = format!("{HEADER}{text}");
    let path = st.config.paths().config_file.clone();
    // The written text must read back as the same config.
    let reread = crate::config::parse_str(&text, &path)
        .map_err(|e| ApiError::internal("the rendered config does not read back", &e))?;
    if reread != file {
        return Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the rendered config does not read back identically; nothing was written",
        ));
    }
    let target = path.clone();
    tokio::task::spawn_blocking(move || write_atomic(&target, text.as_bytes()))
        .await
        .map_err(|e| ApiError::internal("config writer stopped", &e))?
        .map_err(|e| ApiError::internal(&format!("cannot write {}", path.display()), &e))?;
    st.config
        .reload()
        .map_err(|e| ApiError::internal("the written config was rejected on reload", &e))?;
    tracing::info!(path = %path.display(), "config changed via the API and reloaded");
    Ok(file)
}

/// Writes `path` so a crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut partial = PathBuf::from(path);
    partial.as_mut_os_string().push(".partial");
    let _ = std::fs::remove_file(&partial);
    let mut f = private_file(&partial)?;
    // The config holds secrets: keep the mode the owner gave it, and make
    // a new file readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o600, |m| m.permissions().mode() & 0o7777);
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&partial, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new file that only its owner can read (0600 on Unix).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut t = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut t, &json!({"a": {"b": null, "e": 3}, "d": {"x": 1}}));
        assert_eq!(t, json!({"a": {"c": 2, "e": 3}, "d": {"x": 1}}));
    }

    #[test]
    fn view_hides_the_token() {
        let mut f = ConfigFile::default();
        f.api.token = Some("secret-token".into());
        f.recording.cookies = Some("secret-cookie".into());
        let v = view(&f).unwrap();
        assert_eq!(v["api"]["token_set"], json!(true));
        assert!(v["api"].get("token").is_none());
        assert!(!v.to_string().contains("secret-token"));
        assert!(!v.to_string().contains("secret-cookie"));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_partial() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert!(!dir.path().join("c.toml.partial").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&p), 0o600, "a new config file is private");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
            write_atomic(&p, b"three").unwrap();
            assert_eq!(mode(&p), 0o640, "an existing file keeps its mode");
        }
    }
}
