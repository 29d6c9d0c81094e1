//! Pure parsing of Twitch answers: the GQL replies of one channel check
//! (ChannelShell, StreamMetadata, PlaybackAccessToken), the batch status
//! query, GQL and usher error bodies. Every missing field is reported by
//! its path (`[1].data.user.stream.type`) so an API change names itself.

use std::collections::HashMap;

use serde_json::Value;

use crate::platform::{LiveStatus, PlatformError, RoomIdentity};

/// API name used in error messages.
pub const GQL: &str = "twitch gql";

/// `v` at a dotted path; numeric segments index arrays.
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(v, |v, p| match p.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(p),
        })
}

/// A string at `path`, `None` when absent or null.
fn text(v: &Value, path: &str) -> Option<String> {
    at(v, path).and_then(Value::as_str).map(str::to_owned)
}

/// Classifies the `errors` of one GQL reply, if it has any.
pub fn reply_error(reply: &Value) -> Option<PlatformError> {
    let errors = reply.get("errors")?.as_array()?;
    let message = errors
        .iter()
        .filter_map(|e| e.get("message").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("; ");
    let lower = message.to_ascii_lowercase();
    Some(if lower.contains("persistedquerynotfound") {
        PlatformError::ApiChanged(format!(
            "{GQL}: a persisted query hash is no longer known (PersistedQueryNotFound)"
        ))
    } else if lower.contains("integrity") {
        PlatformError::AuthRequired(format!(
            "{GQL}: the playback token request failed Twitch's integrity check; \
             set `oauth_token` (the auth-token cookie of a logged-in browser) or cookies"
        ))
    } else if lower.contains("timeout") || lower.contains("service error") {
        PlatformError::Transient(format!("{GQL}: {message}"))
    } else {
        PlatformError::ApiChanged(format!("{GQL}: error `{message}`"))
    })
}

/// The replies of an array request, in order, with the expected count.
pub fn replies(body: &str, want: usize) -> Result<Vec<Value>, PlatformError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PlatformError::ApiChanged(format!("{GQL}: answer is not JSON: {e}")))?;
    match v {
        Value::Array(items) if items.len() == want => Ok(items),
        Value::Array(items) => Err(PlatformError::ApiChanged(format!(
            "{GQL}: {} replies for {want} operations",
            items.len()
        ))),
        // One error object for the whole request (stale hash, bad request).
        other => Err(reply_error(&other).unwrap_or_else(|| PlatformError::missing(GQL, "[0]"))),
    }
}

/// What one channel check learned before the playlist is fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelCheck {
    /// Live status with everything but streams filled in.
    pub status: LiveStatus,
    /// The playback token, when the channel is live.
    pub token: Option<Token>,
}

/// A playback access token for usher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub value: String,
    pub signature: String,
    /// Unix seconds the token (and the playlist URLs it signs) expire.
    pub expires: Option<i64>,
}

/// Parses the three replies of a channel check (`[ChannelShell,
/// StreamMetadata, PlaybackAccessToken]`).
pub fn channel_check(body: &str, login: &str) -> Result<ChannelCheck, PlatformError> {
    let r = replies(body, 3)?;
    for reply in &r[..2] {
        if let Some(e) = reply_error(reply) {
            return Err(e);
        }
    }
    let shell = at(&r[0], "data.userOrError")
        .filter(|v| v.is_object())
        .ok_or_else(|| PlatformError::missing(GQL, "[0].data.userOrError"))?;
    let user_missing = shell.get("userDoesNotExist").is_some()
        || shell.get("__typename").and_then(Value::as_str) == Some("UserDoesNotExist");
    let user = at(&r[1], "data.user").filter(|v| !v.is_null());
    let Some(user) = user.filter(|_| !user_missing) else {
        return Err(PlatformError::NotFound(format!("Twitch channel `{login}`")));
    };
    let live = match user.get("stream") {
        None => return Err(PlatformError::missing(GQL, "[1].data.user.stream")),
        Some(Value::Null) => false,
        Some(s) => {
            let kind = text(s, "type")
                .ok_or_else(|| PlatformError::missing(GQL, "[1].data.user.stream.type"))?;
            kind == "live"
        }
    };
    let stream = user.get("stream").filter(|s| s.is_object());
    let status = LiveStatus {
        live,
        title: text(user, "lastBroadcast.title"),
        category: stream.and_then(|s| text(s, "game.name")),
        avatar: text(shell, "profileImageURL"),
        started_at: stream
            .and_then(|s| text(s, "createdAt"))
            .and_then(|t| unix_ms(&t)),
        room: Some(RoomIdentity {
            id: text(shell, "login").unwrap_or_else(|| login.to_owned()),
            owner_id: text(shell, "id").or_else(|| text(user, "id")),
            owner_name: text(shell, "displayName"),
        }),
        note: stream.and_then(|s| text(s, "type")).filter(|t| t != "live"),
        ..LiveStatus::default()
    };
    // The token matters only when there is something to play: an
    // integrity failure on an offline channel is no reason to fail a check.
    let token = if live {
        Some(token(&r[2], "[2].")?)
    } else {
        None
    };
    Ok(ChannelCheck { status, token })
}

/// Parses one PlaybackAccessToken reply; `prefix` names its place in the
/// request for error paths.
pub fn token(reply: &Value, prefix: &str) -> Result<Token, PlatformError> {
    if let Some(e) = reply_error(reply) {
        return Err(e);
    }
    let t = at(reply, "data.streamPlaybackAccessToken")
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            PlatformError::missing(GQL, &format!("{prefix}data.streamPlaybackAccessToken"))
        })?;
    let field = |name: &str| {
        text(t, name).ok_or_else(|| {
            PlatformError::missing(
                GQL,
                &format!("{prefix}data.streamPlaybackAccessToken.{name}"),
            )
        })
    };
    let value = field("value")?;
    let signature = field("signature")?;
    let inner: Value = serde_json::from_str(&value).unwrap_or(Value::Null);
    Ok(Token {
        expires: inner.get("expires").and_then(Value::as_i64),
        value,
        signature,
    })
}

/// Parses the batch answer: one `SrecChannelStatus` reply per login, in
/// the order asked. Unknown logins are left out of the map.
pub fn batch(body: &str, logins: &[String]) -> Result<HashMap<String, LiveStatus>, PlatformError> {
    let r = replies(body, logins.len())?;
    let mut out = HashMap::with_capacity(logins.len());
    for (i, (reply, login)) in r.iter().zip(logins).enumerate() {
        if let Some(e) = reply_error(reply) {
            return Err(e);
        }
        let Some(user) = at(reply, "data.user") else {
            return Err(PlatformError::missing(GQL, &format!("[{i}].data.user")));
        };
        if user.is_null() {
            continue;
        }
        let stream = user.get("stream").filter(|s| s.is_object());
        let live = stream.and_then(|s| text(s, "type")).as_deref() == Some("live");
        let status = LiveStatus {
            live,
            title: stream
                .and_then(|s| text(s, "title"))
                .or_else(|| text(user, "lastBroadcast.title")),
            category: stream.and_then(|s| text(s, "game.name")),
            avatar: text(user, "profileImageURL"),
            started_at: stream
                .and_then(|s| text(s, "createdAt"))
                .and_then(|t| unix_ms(&t)),
            room: Some(RoomIdentity {
                id: text(user, "login").unwrap_or_else(|| login.clone()),
                owner_id: text(user, "id"),
                owner_name: text(user, "displayName"),
            }),
            ..LiveStatus::default()
        };
        out.insert(login.clone(), status);
    }
    Ok(out)
}

/// What an usher error answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum UsherError {
    /// No stream to play (yet): GQL's live status lags usher's by up to a
    /// minute, so this is an offline result, not an error.
    Offline(String),
    Failed(PlatformError),
}

/// Classifies an usher error answer (JSON array of `{error, error_code}`,
/// or plain text).
pub fn usher_error(status: u16, body: &str) -> UsherError {
    let first = serde_json::from_str::<Value>(body).ok();
    let first = first.as_ref().and_then(|v| v.get(0).or(Some(v)));
    let code = first
        .and_then(|f| text(f, "error_code"))
        .unwrap_or_default();
    let message = first
        .and_then(|f| text(f, "error"))
        .unwrap_or_else(|| body.trim().chars().take(200).collect());
    match (status, code.as_str()) {
        (_, "content_geoblocked") => UsherError::Failed(PlatformError::GeoBlocked(format!(
            "Twitch refuses this channel in your region (usher: {message}); a proxy may help"
        ))),
        (404, _) | (_, "transcode_does_not_exist") => UsherError::Offline(message),
        (401 | 403, _) => UsherError::Failed(PlatformError::AuthRequired(format!(
            "usher HTTP {status}: {message}; cookies or `oauth_token` may help"
        ))),
        (429, _) => UsherError::Failed(PlatformError::RateLimited { retry_after: None }),
        _ => UsherError::Failed(PlatformError::Transient(format!(
            "usher HTTP {status}: {message}"
        ))),
    }
}

/// RFC 3339 time → unix milliseconds.
fn unix_ms(t: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
