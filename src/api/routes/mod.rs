//! Handlers, one module per resource. Each handler carries its
//! `#[utoipa::path]` so the document and the router cannot drift apart.

pub mod config;
pub mod downloads;
pub mod jobs;
pub mod meta;
pub mod notify;
pub mod sessions;
pub mod streamers;

use super::error::ApiError;

/// Default and largest page sizes.
pub const MAX_LIMIT: usize = 1000;

/// Checks a requested page size.
pub fn page_limit(limit: Option<usize>, default: usize) -> Result<usize, ApiError> {
    match limit {
        None => Ok(default),
        Some(0) => Err(ApiError::validation("limit", "must be at least 1")),
        Some(n) if n > MAX_LIMIT => Err(ApiError::validation(
            "limit",
            format!("must be at most {MAX_LIMIT}"),
        )),
        Some(n) => Ok(n),
    }
}
