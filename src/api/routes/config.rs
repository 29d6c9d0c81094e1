//! `/api/config`: the global config (read, and patched with a JSON merge
//! patch that is validated, written atomically and hot-applied) and the
//! effective config of one streamer with the level of each value.

use axum::Json;
use axum::extract::State;

use crate::api::config_file;
use crate::api::dto::EffectiveDto;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath};
use crate::api::schemas::ConfigFileDoc;
use crate::api::state::ApiState;

/// The config in force; secrets (`api.token`, cookies, tokens, proxy
/// passwords, credential headers) are shown as `<redacted>`.
#[utoipa::path(operation_id = "get_config", get, path = "/api/config", tag = "config",
    responses((status = 200, description = "The config in force", body = ConfigFileDoc)))]
pub async fn get(State(st): State<ApiState>) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(config_file::view(&st.config.current())?))
}

/// Change the global config with a JSON merge patch (RFC 7386): keys set
/// to null go back to their default. The result is validated, written to
/// the config file atomically and applied without a restart. Comments in
/// the file are not preserved. `engines.*`, `api.*` and `output_dir` (at
/// any level) cannot be changed here: 403 names the key.
#[utoipa::path(operation_id = "patch_config", patch, path = "/api/config", tag = "config",
    request_body(content = Object, description = "JSON merge patch of the config", content_type = "application/json"),
    responses(
        (status = 200, description = "The new config in force", body = ConfigFileDoc),
        (status = 400, description = "Invalid value; `field` names the key", body = ErrorBody),
        (status = 403, description = "`engines.*`, `api.*` and `output_dir` are edited in the file only; `field` names the key", body = ErrorBody),
    ))]
pub async fn patch(
    State(st): State<ApiState>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let file = config_file::apply(&st, patch).await?;
    Ok(Json(config_file::view(&file)?))
}

/// A streamer's merged recording config and where each value came from.
#[utoipa::path(operation_id = "get_effective_config", get, path = "/api/streamers/{id}/config", tag = "config",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 200, description = "Effective config", body = EffectiveDto),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such streamer", body = ErrorBody),
    ))]
pub async fn effective(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EffectiveDto>, ApiError> {
    let s = st
        .streamers
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("no streamer with id {id}")))?;
    let eff = st.config.effective(&s).redacted();
    let sources = eff
        .sources
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    let config = serde_json::to_value(&eff)
        .map_err(|e| ApiError::internal("cannot render the effective config", &e))?;
    Ok(Json(EffectiveDto {
        streamer_id: id,
        config,
        sources,
    }))
}
