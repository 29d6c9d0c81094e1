//! `/api/notify`: send a test notification, list dead letters and ask for
//! them to be sent again (the channel tasks deliver them within a second).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::ApiPath;
use crate::api::state::ApiState;
use crate::db::notify as store;

/// What a channel answered to a test event.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub channel: String,
    pub delivered: bool,
    /// HTTP status or SMTP reply code, when there was an answer.
    pub status: Option<u16>,
    /// The receiver's answer, or why sending failed.
    pub response: String,
}

/// A notification given up on after `max_attempts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterDto {
    pub id: i64,
    pub channel: String,
    /// The event's stable id (its outbox id).
    pub event_id: i64,
    /// Outbox kind (`live`, `offline`, `segment_finalised`, ...).
    pub kind: String,
    pub streamer_id: Option<i64>,
    /// The event payload as JSON text.
    pub payload: String,
    /// When the event happened (ms since the epoch).
    pub event_at: i64,
    pub last_error: String,
    pub attempts: u32,
    /// When it was given up on (ms since the epoch).
    pub created_at: i64,
    /// Set while a retry is queued.
    pub retry_at: Option<i64>,
}

impl From<store::DeadLetter> for DeadLetterDto {
    fn from(d: store::DeadLetter) -> Self {
        Self {
            id: d.id,
            channel: d.channel,
            event_id: d.event_id,
            kind: d.kind,
            streamer_id: d.streamer_id,
            payload: d.payload,
            event_at: d.event_at,
            last_error: d.last_error,
            attempts: d.attempts,
            created_at: d.created_at,
            retry_at: d.retry_at,
        }
    }
}

/// How many dead letters were queued for delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetryResult {
    pub queued: usize,
}

/// Sends a test event to one channel and returns its answer.
#[utoipa::path(operation_id = "notify_test", post, path = "/api/notify/test/{channel}", tag = "notify",
    params(("channel" = String, Path, description = "Channel id from [notify.channels]")),
    responses(
        (status = 200, description = "The channel's answer (see `delivered`)", body = TestResult),
        (status = 404, description = "No such channel", body = ErrorBody),
    ))]
pub async fn test(
    State(st): State<ApiState>,
    ApiPath(channel): ApiPath<String>,
) -> Result<Json<TestResult>, ApiError> {
    let settings = st.config.current().notify.clone();
    if !settings.channels.contains_key(&channel) {
        return Err(ApiError::not_found(format!("no channel `{channel}`")));
    }
    let outcome = crate::notify::test_send(&settings, &channel)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "channel_invalid", e.to_string()))?;
    Ok(Json(match outcome {
        Ok(sent) => TestResult {
            channel,
            delivered: true,
            status: sent.status,
            response: sent.response,
        },
        Err(f) => TestResult {
            channel,
            delivered: false,
            status: None,
            response: f.message,
        },
    }))
}

/// Every dead letter, oldest first.
#[utoipa::path(operation_id = "list_dead_letters", get, path = "/api/notify/dead-letters", tag = "notify",
    responses((status = 200, description = "Dead letters", body = Vec<DeadLetterDto>)))]
pub async fn dead_letters(
    State(st): State<ApiState>,
) -> Result<Json<Vec<DeadLetterDto>>, ApiError> {
    let all = st.db.read(store::list).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// Queues one dead letter for delivery.
#[utoipa::path(operation_id = "retry_dead_letter", post, path = "/api/notify/dead-letters/{id}/retry", tag = "notify",
    params(("id" = i64, Path, description = "Dead letter id")),
    responses(
        (status = 200, description = "Queued", body = RetryResult),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such dead letter", body = ErrorBody),
    ))]
pub async fn retry(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RetryResult>, ApiError> {
    let queued = st
        .db
        .call(move |c| store::request_retry(c, Some(id)))
        .await?;
    if queued == 0 {
        return Err(ApiError::not_found(format!("no dead letter with id {id}")));
    }
    Ok(Json(RetryResult { queued }))
}

/// Queues every dead letter for delivery.
#[utoipa::path(operation_id = "retry_all_dead_letters", post, path = "/api/notify/dead-letters/retry", tag = "notify",
    responses((status = 200, description = "Queued", body = RetryResult)))]
pub async fn retry_all(State(st): State<ApiState>) -> Result<Json<RetryResult>, ApiError> {
    let queued = st.db.call(|c| store::request_retry(c, None)).await?;
    Ok(Json(RetryResult { queued }))
}
