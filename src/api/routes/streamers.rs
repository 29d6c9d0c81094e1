//! `/api/streamers`: list, get, create, update, delete, check now, stop
//! the current session's recording and start it again. Every change goes through the StreamerManager
//! (write-through + `ConfigUpdateEvent`), so the scheduler reacts at once.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};

use super::page_limit;
use crate::api::dto::{
    CheckAccepted, NewStreamerReq, Started, Stopped, StreamerDto, StreamerPage, StreamerQuery,
    UpdateStreamerReq,
};
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::state::ApiState;
use crate::config::RecordingOptions;
use crate::streamer::{NewStreamer, Streamer, StreamerState};

fn dto(st: &ApiState, s: Streamer) -> StreamerDto {
    let recording = st.downloads.is_recording(s.id);
    StreamerDto::new(s, recording)
}

/// Streamers whose open session's recording the user stopped.
async fn stopped_by_user(st: &ApiState) -> Result<std::collections::HashSet<i64>, ApiError> {
    let open = st.db.read(crate::db::sessions::active_recordings).await?;
    Ok(open
        .into_iter()
        .filter(|a| a.stopped_by_user)
        .map(|a| a.streamer_id)
        .collect())
}

fn find(st: &ApiState, id: i64) -> Result<Streamer, ApiError> {
    st.streamers
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("no streamer with id {id}")))
}

/// List streamers, filtered and paged, ordered by id.
#[utoipa::path(operation_id = "list_streamers", get, path = "/api/streamers", tag = "streamers", params(StreamerQuery),
    responses(
        (status = 200, description = "One page of streamers", body = StreamerPage),
        (status = 400, description = "Bad filter or paging value", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<ApiState>,
    ApiQuery(q): ApiQuery<StreamerQuery>,
) -> Result<Json<StreamerPage>, ApiError> {
    let state = q
        .state
        .as_deref()
        .map(str::parse::<StreamerState>)
        .transpose()
        .map_err(|e| ApiError::validation("state", e))?;
    if let Some(p) = &q.platform
        && !crate::platform::KNOWN_PLATFORMS.contains(&p.as_str())
    {
        return Err(ApiError::validation(
            "platform",
            format!(
                "unknown platform `{p}`; known: {}",
                crate::platform::KNOWN_PLATFORMS.join(", ")
            ),
        ));
    }
    let limit = page_limit(q.limit, 100)?;
    let offset = q.offset.unwrap_or(0);
    let matching: Vec<Streamer> = st
        .streamers
        .list()
        .into_iter()
        .filter(|s| state.is_none_or(|x| s.state == x))
        .filter(|s| q.platform.as_ref().is_none_or(|p| &s.platform == p))
        .filter(|s| q.enabled.is_none_or(|e| s.enabled == e))
        .collect();
    let total = matching.len();
    let stopped = stopped_by_user(&st).await?;
    let items = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|s| {
            let by_user = stopped.contains(&s.id);
            StreamerDto {
                stopped_by_user: by_user,
                ..dto(&st, s)
            }
        })
        .collect();
    Ok(Json(StreamerPage {
        items,
        total,
        offset,
        limit,
    }))
}

/// One streamer.
#[utoipa::path(operation_id = "get_streamer", get, path = "/api/streamers/{id}", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 200, description = "The streamer", body = StreamerDto),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such streamer", body = ErrorBody),
    ))]
pub async fn get(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<StreamerDto>, ApiError> {
    let s = find(&st, id)?;
    let by_user = stopped_by_user(&st).await?.contains(&id);
    Ok(Json(StreamerDto {
        stopped_by_user: by_user,
        ..dto(&st, s)
    }))
}

fn check_name(name: &str) -> Result<String, ApiError> {
    crate::streamer::admission::check_name(name).map_err(admission_error)
}

fn admission_error(e: crate::streamer::admission::AdmissionError) -> ApiError {
    ApiError::validation(e.field(), e.to_string())
}

fn check_template(st: &ApiState, t: &str) -> Result<(), ApiError> {
    let config = st.config.current();
    if config.templates.contains_key(t) {
        return Ok(());
    }
    let known: Vec<&str> = config.templates.keys().map(String::as_str).collect();
    let hint = crate::config::load::suggest(t, &known)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(ApiError::validation(
        "template",
        format!(
            "unknown template `{t}`{hint}; defined: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    ))
}

fn check_overrides(o: &RecordingOptions) -> Result<(), ApiError> {
    crate::config::validate::validate_options(o, "overrides")
        .map_err(|v| ApiError::validation(v.key, v.message))
}

/// Add a streamer; the scheduler starts checking it at once.
#[utoipa::path(operation_id = "create_streamer", post, path = "/api/streamers", tag = "streamers", request_body = NewStreamerReq,
    responses(
        (status = 201, description = "Created", body = StreamerDto,
            headers(("location" = String, description = "URL of the new streamer"))),
        (status = 400, description = "Invalid URL, name, template or overrides", body = ErrorBody),
        (status = 403, description = "`overrides.output_dir` is set in the file or the CLI only", body = ErrorBody),
        (status = 409, description = "A streamer with this URL exists", body = ErrorBody),
    ))]
pub async fn create(
    State(st): State<ApiState>,
    ApiJson(req): ApiJson<NewStreamerReq>,
) -> Result<
    (
        StatusCode,
        [(header::HeaderName, String); 1],
        Json<StreamerDto>,
    ),
    ApiError,
> {
    let admitted = crate::streamer::admission::admit(&req.url, req.name.as_deref())
        .map_err(admission_error)?;
    if let Some(t) = &req.template {
        check_template(&st, t)?;
    }
    let overrides = req.overrides.unwrap_or_default();
    check_overrides(&overrides)?;
    if let Some(f) = crate::api::guard::overrides_change_denied(None, &overrides) {
        return Err(crate::api::guard::forbidden(f));
    }
    // Sites only streamlink's plugins know become platform `streamlink`
    // (runs a process: on the blocking pool; after the cheap checks).
    let binary = st.config.current().engines.streamlink.path.clone();
    let sl = crate::platform::streamlink::admit::admit_async(admitted.resolved, binary).await;
    if let Some(hint) = &sl.hint {
        tracing::info!(url = %req.url, "{hint}");
    }
    let resolved = sl.resolved;
    let s = st
        .streamers
        .add(NewStreamer {
            url: resolved.url,
            name: admitted.name,
            platform: resolved.platform.to_string(),
            priority: req.priority.unwrap_or_default(),
            enabled: req.enabled.unwrap_or(true),
            template: req.template,
            overrides,
        })
        .await?;
    tracing::info!(id = s.id, name = %s.name, url = %s.url, "streamer added via the API");
    let location = format!("/api/streamers/{}", s.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(dto(&st, s)),
    ))
}

/// Change name, priority, enabled, template or overrides.
#[utoipa::path(operation_id = "update_streamer", patch, path = "/api/streamers/{id}", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    request_body = UpdateStreamerReq,
    responses(
        (status = 200, description = "The updated streamer", body = StreamerDto),
        (status = 400, description = "Invalid value", body = ErrorBody),
        (status = 403, description = "`overrides.output_dir` is set in the file or the CLI only", body = ErrorBody),
        (status = 404, description = "No such streamer", body = ErrorBody),
    ))]
pub async fn update(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateStreamerReq>,
) -> Result<Json<StreamerDto>, ApiError> {
    let name = req.name.as_deref().map(check_name).transpose()?;
    if let Some(Some(t)) = &req.template {
        check_template(&st, t)?;
    }
    if let Some(o) = &req.overrides {
        check_overrides(o)?;
        let old = st.streamers.get(id).map(|s| s.overrides);
        if let Some(f) = crate::api::guard::overrides_change_denied(old.as_ref(), o) {
            return Err(crate::api::guard::forbidden(f));
        }
    }
    let updated = st
        .streamers
        .update(id, move |s| {
            if let Some(n) = name {
                s.name = n;
            }
            if let Some(p) = req.priority {
                s.priority = p;
            }
            if let Some(e) = req.enabled {
                s.enabled = e;
            }
            if let Some(t) = req.template {
                s.template = t;
            }
            if let Some(mut o) = req.overrides {
                // A redacted value sent back unchanged keeps the stored secret.
                o.keep_secrets_from(&s.overrides);
                s.overrides = o;
            }
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no streamer with id {id}")))?;
    tracing::info!(id, name = %updated.name, "streamer updated via the API");
    Ok(Json(dto(&st, updated)))
}

/// Remove a streamer and its history (recorded files stay on disk).
#[utoipa::path(operation_id = "delete_streamer", delete, path = "/api/streamers/{id}", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such streamer", body = ErrorBody),
    ))]
pub async fn delete(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let s = find(&st, id)?;
    if !st.streamers.remove(id).await? {
        return Err(ApiError::not_found(format!("no streamer with id {id}")));
    }
    tracing::info!(id, name = %s.name, "streamer removed via the API");
    Ok(StatusCode::NO_CONTENT)
}

/// Check whether the streamer is live now instead of at the next interval.
#[utoipa::path(operation_id = "check_streamer", post, path = "/api/streamers/{id}/check", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 202, description = "Check requested", body = CheckAccepted),
        (status = 404, description = "No such streamer", body = ErrorBody),
        (status = 409, description = "The streamer is disabled", body = ErrorBody),
    ))]
pub async fn check(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<CheckAccepted>), ApiError> {
    let s = find(&st, id)?;
    if !s.enabled {
        return Err(ApiError::conflict(
            "streamer_disabled",
            format!("streamer {id} is disabled; enable it first"),
        ));
    }
    let triggered = st.scheduler.check_now(id);
    Ok((StatusCode::ACCEPTED, Json(CheckAccepted { triggered })))
}

/// Stop recording the streamer's current session (files are finalised).
/// It is not restarted while this session lasts; the next live session
/// records again, or `POST /api/streamers/{id}/start` now.
#[utoipa::path(operation_id = "stop_recording", post, path = "/api/streamers/{id}/stop", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 200, description = "Stop requested", body = Stopped),
        (status = 404, description = "No such streamer", body = ErrorBody),
        (status = 409, description = "Nothing is being recorded", body = ErrorBody),
    ))]
pub async fn stop(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Stopped>, ApiError> {
    find(&st, id)?;
    // The mark first: the recorder must not restart what it sees end.
    let marked = st
        .db
        .call(move |c| crate::db::sessions::set_user_stop(c, id, true))
        .await?;
    let stopped = st.downloads.stop_by_user(id);
    if !marked && !stopped {
        return Err(ApiError::conflict(
            "not_recording",
            format!("streamer {id} has no running or queued recording"),
        ));
    }
    tracing::info!(
        id,
        "recording stopped by you (via the API) until the next live session"
    );
    Ok(Json(Stopped { stopped: true }))
}

/// Start recording the streamer's current session again after a user's
/// stop (the recorder picks it up within a few seconds).
#[utoipa::path(operation_id = "start_recording", post, path = "/api/streamers/{id}/start", tag = "streamers",
    params(("id" = i64, Path, description = "Streamer id")),
    responses(
        (status = 202, description = "The recording starts again", body = Started),
        (status = 404, description = "No such streamer", body = ErrorBody),
        (status = 409, description = "No open session whose recording was stopped by the user", body = ErrorBody),
    ))]
pub async fn start(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    find(&st, id)?;
    let cleared = st
        .db
        .call(move |c| crate::db::sessions::set_user_stop(c, id, false))
        .await?;
    if !cleared {
        return Err(ApiError::conflict(
            "not_stopped",
            format!(
                "streamer {id} has no live session whose recording you stopped \
                 (it records by itself while live)"
            ),
        ));
    }
    tracing::info!(id, "recording started again via the API");
    Ok((StatusCode::ACCEPTED, Json(Started { started: true })))
}
