//! Bearer-token authentication. When a token is configured (`api.token` or
//! `SREC_API_TOKEN`) every endpoint but `/api/health/live` requires
//! `Authorization: Bearer <token>`, compared in constant time.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::state::ApiState;

/// The one endpoint reachable without a token.
pub const OPEN_PATH: &str = "/api/health/live";

/// Middleware: lets the request through or answers 401.
pub async fn require_token(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    if req.uri().path() == OPEN_PATH {
        return next.run(req).await;
    }
    let Some(expected) = st.token() else {
        if st.remote {
            // Bound beyond loopback but the token was removed from the config.
            return ApiError::unauthorized(
                "the API listens beyond loopback and no token is configured; requests are refused",
            )
            .into_response();
        }
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    match given {
        None => ApiError::unauthorized(
            "this API requires `Authorization: Bearer <token>` (api.token or SREC_API_TOKEN)",
        )
        .into_response(),
        Some(t) if token_matches(t, &expected) => next.run(req).await,
        Some(_) => ApiError::unauthorized("wrong API token").into_response(),
    }
}

/// Constant-time comparison (only the length can leak).
pub fn token_matches(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_exactly() {
        assert!(token_matches("s3cret-token", "s3cret-token"));
        assert!(!token_matches("s3cret-tokem", "s3cret-token"));
        assert!(!token_matches("s3cret", "s3cret-token"));
        assert!(!token_matches("", "s3cret-token"));
    }
}
