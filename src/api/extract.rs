//! Request extractors whose failures are [`ApiError`]s: malformed JSON names
//! the field at fault, an oversized body is a 413, a missing JSON content
//! type a 415, and bad path or query values a 400 — never a plain-text
//! rejection and never a 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// `Path` with JSON errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` with JSON errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// A JSON body decoded with the path of the offending field on error.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json")
                    || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        decode(&bytes).map(ApiJson)
    }
}

fn body_error(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "request body is larger than the {} byte limit",
                super::BODY_LIMIT
            ),
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", r.body_text())
    }
}

/// Decodes JSON; syntax errors are `invalid_json`, type errors
/// `validation_failed` with the dotted path of the field.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return invalid_json(&inner);
        }
        let message = crate::config::messages::humanize(
            &crate::config::load::with_suggestion(&inner.to_string()),
            &path,
        );
        let field = if path == "." { String::new() } else { path };
        ApiError::validation(field, message)
    })?;
    de.end().map_err(|e| invalid_json(&e))?;
    Ok(value)
}

fn invalid_json(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("malformed JSON: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        a: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        check_interval: u32,
    }

    #[test]
    fn errors_name_the_field() {
        let e = decode::<Body>(br#"{"a": "x"}"#).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("validation_failed", Some("a"))
        );
        assert_eq!(
            e.message,
            "expected a whole number from 0 to 4294967295, got the text \"x\""
        );
        let e = decode::<Body>(br#"{"a": 1, "inner": {"chek_interval": 1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("inner.chek_interval"));
        assert!(e.message.contains("did you mean `check_interval`"), "{e}");
        let e = decode::<Body>(br#"{"a": 1"#).unwrap_err();
        assert_eq!(e.code, "invalid_json");
        let e = decode::<Body>(br#"{"a": 1} trailing"#).unwrap_err();
        assert_eq!(e.code, "invalid_json");
    }
}
