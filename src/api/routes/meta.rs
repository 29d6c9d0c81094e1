//! `/api/openapi.json`: the OpenAPI 3.1 document of this very router;
//! `/api/metrics`: Prometheus metrics.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::api::state::ApiState;

/// The OpenAPI document.
#[utoipa::path(operation_id = "openapi", get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn openapi(State(st): State<ApiState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        st.openapi
            .get()
            .cloned()
            .unwrap_or_else(|| "{}".to_string()),
    )
}

/// Metrics in the Prometheus text format (version 0.0.4 / OpenMetrics
/// text): streamers by state, recordings, bytes written, failures by
/// reason, circuit breakers, check latency, outbox backlog, free disk
/// space. README "Metrics" lists the names.
#[utoipa::path(operation_id = "metrics", get, path = "/api/metrics", tag = "meta",
    responses((status = 200, description = "Prometheus text exposition", content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(
    State(st): State<ApiState>,
) -> Result<impl IntoResponse, crate::api::ApiError> {
    let text = crate::api::metrics::render(&st).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}
