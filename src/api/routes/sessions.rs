//! `/api/sessions`: live sessions and the files recorded in them.

use axum::Json;
use axum::extract::State;

use super::page_limit;
use crate::api::dto::{SegmentDto, SessionDetail, SessionPage, SessionQuery};
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiPath, ApiQuery};
use crate::api::queries;
use crate::api::state::ApiState;
use crate::db::sessions;

/// Sessions newest first, optionally of one streamer or only open ones.
#[utoipa::path(operation_id = "list_sessions", get, path = "/api/sessions", tag = "sessions", params(SessionQuery),
    responses(
        (status = 200, description = "One page of sessions", body = SessionPage),
        (status = 400, description = "Bad filter or paging value", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<ApiState>,
    ApiQuery(q): ApiQuery<SessionQuery>,
) -> Result<Json<SessionPage>, ApiError> {
    let limit = page_limit(q.limit, 50)?;
    let offset = q.offset.unwrap_or(0);
    let (rows, total) = st
        .db
        .read(move |c| queries::list_sessions(c, q.streamer_id, q.active, offset, limit))
        .await?;
    Ok(Json(SessionPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        offset,
        limit,
    }))
}

async fn load(st: &ApiState, id: i64) -> Result<SessionDetail, ApiError> {
    let found = st
        .db
        .read(move |c| {
            let Some(s) = queries::get_session(c, id)? else {
                return Ok(None);
            };
            let chat = crate::db::danmu::for_session(c, id)?;
            Ok(Some((s, sessions::segments(c, id)?, chat)))
        })
        .await?;
    let (session, segments, mut chat) =
        found.ok_or_else(|| ApiError::not_found(format!("no session with id {id}")))?;
    Ok(SessionDetail {
        session: session.into(),
        segments: segments
            .into_iter()
            .map(|s| {
                let index = s.index;
                let mut dto = crate::api::dto::SegmentDto::from(s);
                dto.danmu = chat
                    .iter()
                    .position(|f| f.seg_index == index)
                    .map(|i| chat.swap_remove(i).into());
                dto
            })
            .collect(),
    })
}

/// One session with its segments.
#[utoipa::path(operation_id = "get_session", get, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = i64, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = SessionDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    ))]
pub async fn get(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SessionDetail>, ApiError> {
    Ok(Json(load(&st, id).await?))
}

/// The segments (files) of one session, in order.
#[utoipa::path(operation_id = "list_segments", get, path = "/api/sessions/{id}/segments", tag = "sessions",
    params(("id" = i64, Path, description = "Session id")),
    responses(
        (status = 200, description = "Segments in order", body = Vec<SegmentDto>),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    ))]
pub async fn segments(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SegmentDto>>, ApiError> {
    Ok(Json(load(&st, id).await?.segments))
}
