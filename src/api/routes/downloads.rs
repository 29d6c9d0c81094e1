//! `/api/downloads`: what is being recorded now, with live progress, and
//! the slot usage (facts only a running daemon knows).

use axum::Json;
use axum::extract::State;

use crate::api::dto::{DownloadDto, Downloads, Slots};
use crate::api::state::ApiState;

/// Active downloads (oldest first) and slot usage.
#[utoipa::path(operation_id = "list_downloads", get, path = "/api/downloads", tag = "downloads",
    responses((status = 200, description = "Active downloads", body = Downloads)))]
pub async fn list(State(st): State<ApiState>) -> Json<Downloads> {
    let (active, queued, limit) = st.downloads.counts();
    let items = st
        .downloads
        .snapshot()
        .into_iter()
        .map(|a| {
            let name = st
                .streamers
                .get(a.streamer_id)
                .map(|s| s.name)
                .unwrap_or_default();
            DownloadDto::new(a, name)
        })
        .collect();
    Json(Downloads {
        active: items,
        slots: Slots {
            active,
            queued,
            limit,
        },
    })
}
