//! `/api/jobs`: post-processing DAG runs, their steps and logs; retry and cancel.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::page_limit;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiPath, ApiQuery};
use crate::api::state::ApiState;
use crate::db::jobs_query::{self, JobDetail, JobFilter, JobSummary, LogLine};

/// Filters of `GET /api/jobs`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only runs in this state (`waiting`, `running`, `succeeded`, `failed`, `cancelled`).
    pub state: Option<String>,
    /// Only runs of this streamer.
    pub streamer_id: Option<i64>,
    /// Default 100, at most 1000.
    pub limit: Option<usize>,
}

/// Log paging of `GET /api/jobs/{id}/logs`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only lines with an id above this one (follow with the last id seen).
    pub after: Option<i64>,
    /// Default 1000, at most 1000.
    pub limit: Option<usize>,
}

const STATES: [&str; 5] = ["waiting", "running", "succeeded", "failed", "cancelled"];

/// Pipeline runs newest first.
#[utoipa::path(operation_id = "list_jobs", get, path = "/api/jobs", tag = "jobs", params(JobQuery),
    responses(
        (status = 200, description = "Runs newest first", body = Vec<JobSummary>),
        (status = 400, description = "Bad filter", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<ApiState>,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<Json<Vec<JobSummary>>, ApiError> {
    if let Some(s) = &q.state
        && !STATES.contains(&s.as_str())
    {
        return Err(ApiError::validation(
            "state",
            format!("must be one of {}", STATES.join(", ")),
        ));
    }
    let filter = JobFilter {
        state: q.state,
        streamer_id: q.streamer_id,
        limit: page_limit(q.limit, 100)?,
    };
    Ok(Json(
        st.db.read(move |c| jobs_query::list(c, &filter)).await?,
    ))
}

async fn load(st: &ApiState, id: i64) -> Result<JobDetail, ApiError> {
    st.db
        .read(move |c| jobs_query::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job with id {id}")))
}

/// One run with its steps (inputs, outputs, attempts, errors).
#[utoipa::path(operation_id = "get_job", get, path = "/api/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "Job (DAG run) id")),
    responses(
        (status = 200, description = "The run", body = JobDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody),
    ))]
pub async fn get(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDetail>, ApiError> {
    Ok(Json(load(&st, id).await?))
}

/// Output lines of a run's steps, oldest first.
#[utoipa::path(operation_id = "job_logs", get, path = "/api/jobs/{id}/logs", tag = "jobs",
    params(("id" = i64, Path, description = "Job (DAG run) id"), LogQuery),
    responses(
        (status = 200, description = "Log lines", body = Vec<LogLine>),
        (status = 400, description = "Bad id or paging value", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody),
    ))]
pub async fn logs(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Vec<LogLine>>, ApiError> {
    load(&st, id).await?;
    let limit = page_limit(q.limit, 1000)?;
    let after = q.after.unwrap_or(0);
    Ok(Json(
        st.db
            .read(move |c| jobs_query::logs(c, id, after, limit))
            .await?,
    ))
}

/// Runs a failed or cancelled run again from its failed and cancelled steps.
#[utoipa::path(operation_id = "retry_job", post, path = "/api/jobs/{id}/retry", tag = "jobs",
    params(("id" = i64, Path, description = "Job (DAG run) id")),
    responses(
        (status = 200, description = "Queued again", body = JobDetail),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run has not finished", body = ErrorBody),
    ))]
pub async fn retry(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDetail>, ApiError> {
    match st.pipeline.retry(id).await? {
        None => Err(ApiError::not_found(format!("no job with id {id}"))),
        Some(false) => Err(ApiError::conflict(
            "not_finished",
            format!(
                "job {id} is still running or waiting; only failed or cancelled jobs can be retried"
            ),
        )),
        Some(true) => Ok(Json(load(&st, id).await?)),
    }
}

/// Cancels a run: pending steps at once, running processes get SIGTERM.
#[utoipa::path(operation_id = "cancel_job", post, path = "/api/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, description = "Job (DAG run) id")),
    responses(
        (status = 200, description = "Cancelled", body = JobDetail),
        (status = 404, description = "No such run", body = ErrorBody),
    ))]
pub async fn cancel(
    State(st): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDetail>, ApiError> {
    if !st.pipeline.cancel(id).await? {
        return Err(ApiError::not_found(format!("no job with id {id}")));
    }
    Ok(Json(load(&st, id).await?))
}
