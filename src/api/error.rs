//! One error shape for every failure: `{"error": {"code", "message",
//! "field"?}}`. Bad input is always a 4xx with the field at fault; only a
//! broken daemon (database gone) answers 500.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbError;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, machine- and human-readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code such as `not_found` or `validation_failed`.
    pub code: String,
    /// A sentence for humans.
    pub message: String,
    /// Dotted path of the offending input field, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error a handler returns; rendered as [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// 400 for a value that parsed but is not acceptable.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "validation_failed", message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// A server-side failure; the detail goes to the log, not the client.
    pub fn internal(context: &str, err: &dyn std::error::Error) -> Self {
        let mut msg = err.to_string();
        let mut src = err.source();
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        tracing::error!("api: {context}: {msg}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{context}; see the daemon log"),
        )
    }

    /// The JSON body this error renders to.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::DuplicateUrl { .. } => Self::conflict("duplicate", e.to_string()),
            DbError::NotFound(m) => Self::not_found(m),
            DbError::Ambiguous(m) => Self::new(StatusCode::CONFLICT, "ambiguous", m),
            DbError::DiskFull { .. } => {
                tracing::error!("{e}");
                Self::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", e.to_string())
            }
            other => Self::internal("database error", &other),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        let text = r.body_text();
        // axum says "Cannot parse `abc` to a `i64`": name the value, not the Rust type.
        let message = match text.split('`').nth(1) {
            Some(value) if text.contains("Cannot parse") => {
                format!("`{value}` is not an id: expected a whole number")
            }
            _ => text,
        };
        Self {
            field: Some("id".into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_path", message)
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let (field, message) = query_field(&text);
        Self {
            field,
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_query", message)
        }
    }
}

/// The parameter at fault and a readable message from axum's rejection
/// text: `Failed to deserialize query string: enabled: provided string was
/// not `true` or `false`` names `enabled` before the colon, while an unknown
/// parameter is named between backticks (`unknown field `colour``).
fn query_field(text: &str) -> (Option<String>, String) {
    let body = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(text);
    let is_name = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
    };
    if let Some((path, msg)) = body.split_once(": ")
        && is_name(path)
    {
        let msg = msg.replace(
            "provided string was not `true` or `false`",
            "expected true or false",
        );
        let msg = crate::config::messages::humanize(&msg, path);
        return (
            Some(path.to_string()),
            format!("invalid query parameter `{path}`: {msg}"),
        );
    }
    let field = body
        .split('`')
        .nth(1)
        .map(str::to_string)
        .filter(|f| !f.is_empty());
    (field, crate::config::load::with_suggestion(body))
}

/// Answer for a path no route matches.
pub async fn not_found_fallback(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no API endpoint at {}", uri.path()))
}

/// Answer for a known path with an unsupported method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not support that HTTP method",
    )
}

#[cfg(test)]
mod tests {
    use axum::extract::Query;
    use axum::http::Uri;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        enabled: Option<bool>,
        limit: Option<usize>,
    }

    fn reject(q: &str) -> super::ApiError {
        let uri: Uri = format!("/x?{q}").parse().unwrap();
        Query::<Q>::try_from_uri(&uri).unwrap_err().into()
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = reject("enabled=maybe");
        assert_eq!(e.field.as_deref(), Some("enabled"), "{e:?}");
        assert!(e.message.contains("expected true or false"), "{e:?}");
        let e = reject("limit=x");
        assert_eq!(e.field.as_deref(), Some("limit"), "{e:?}");
        assert!(!e.message.contains("usize"), "{e:?}");
        let e = reject("colour=red");
        assert_eq!(e.field.as_deref(), Some("colour"), "{e:?}");
    }
}
