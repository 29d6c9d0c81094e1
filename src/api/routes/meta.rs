//! `/api/openapi.json`: the OpenAPI 3.1 document of this very router.

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
