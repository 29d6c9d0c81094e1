//! Twitch's GraphQL endpoint and usher: request bodies (persisted
//! operations and the raw batch status query), the POST with `Client-ID`
//! and the optional `Authorization: OAuth`, and the usher playlist URL.

use serde_json::{Value, json};

use crate::config::Codec;
use crate::platform::generic::retry_after;
use crate::platform::{CheckContext, PlatformError};

/// Real GQL origin (`POST /gql`).
pub const GQL_ORIGIN: &str = "https://gql.twitch.tv";
/// Real usher origin (master playlists).
pub const USHER_ORIGIN: &str = "https://usher.ttvnw.net";
/// The web player's public client id.
pub const CLIENT_ID: &str = "kimne78kx3ncx6brgo4mv6wki5h1ko";

const HASH_CHANNEL_SHELL: &str = "fea4573a7bf2644f5b3f2cbbdcbee0d17312e48d2e55f080589d053aad353f11";
const HASH_STREAM_METADATA: &str =
    "b57f9b910f8cd1a4659d894fe7550ccc81ec9052c01e438b290fd66a040b9b93";
const HASH_PLAYBACK_TOKEN: &str =
    "ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9";

/// The raw query of a batch check: one per login, so one unknown login
/// (`user: null`) does not fail the others.
pub const BATCH_QUERY: &str = "query SrecChannelStatus($login: String!) { user(login: $login) { \
     id login displayName profileImageURL(width: 70) lastBroadcast { title } \
     stream { id type title createdAt game { name } } } }";

fn persisted(name: &str, hash: &str, variables: Value) -> Value {
    json!({
        "operationName": name,
        "variables": variables,
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
    })
}

/// Display name, id and avatar; `UserDoesNotExist` for an unknown login.
pub fn channel_shell(login: &str) -> Value {
    persisted(
        "ChannelShell",
        HASH_CHANNEL_SHELL,
        json!({ "login": login }),
    )
}

/// Stream type, start, category and the last broadcast's title.
pub fn stream_metadata(login: &str) -> Value {
    persisted(
        "StreamMetadata",
        HASH_STREAM_METADATA,
        json!({ "channelLogin": login, "includeIsDJ": true }),
    )
}

/// The signed token usher wants.
pub fn playback_token(login: &str) -> Value {
    persisted(
        "PlaybackAccessToken",
        HASH_PLAYBACK_TOKEN,
        json!({
            "isLive": true, "login": login, "isVod": false, "vodID": "",
            "playerType": "site", "platform": "site",
        }),
    )
}

/// One batch member's status query.
pub fn batch_status(login: &str) -> Value {
    json!({
        "operationName": "SrecChannelStatus",
        "query": BATCH_QUERY,
        "variables": { "login": login },
    })
}

/// POSTs `ops` as one array request and returns the body text.
pub async fn post(ctx: &CheckContext<'_>, ops: &[Value]) -> Result<String, PlatformError> {
    let url = format!("{}/gql", ctx.api_base(GQL_ORIGIN));
    let mut req = ctx
        .http
        .post(&url)
        .header("Client-ID", CLIENT_ID)
        .header("Content-Type", "text/plain;charset=UTF-8")
        .body(Value::Array(ops.to_vec()).to_string());
    let oauth = ctx.config.oauth_token.as_deref().filter(|t| !t.is_empty());
    if let Some(token) = oauth {
        req = req.header("Authorization", format!("OAuth {token}"));
    }
    let resp = req
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let status = resp.status().as_u16();
    let retry = retry_after(&resp);
    let body = resp
        .text()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    match status {
        200..=299 => Ok(body),
        401 if oauth.is_some() => Err(PlatformError::AuthRequired(
            "Twitch rejected the configured `oauth_token` (HTTP 401); \
             renew it from a logged-in browser's auth-token cookie or remove it"
                .into(),
        )),
        400 => Err(PlatformError::ApiChanged(format!(
            "twitch gql: HTTP 400 for {} operations: {}",
            ops.len(),
            body.chars().take(200).collect::<String>()
        ))),
        _ => Err(PlatformError::from_status(status, &url, retry)),
    }
}

/// Usher's v2 master playlist URL for a login, signed with the token.
/// v2 (`/api/v2/channel/hls/`) is what Twitch's web player and streamlink
/// use today; v1 lacks `IVS-NAME` and is on its way out.
pub fn usher_url(
    ctx: &CheckContext<'_>,
    login: &str,
    sig: &str,
    token: &str,
) -> Result<url::Url, PlatformError> {
    let base = ctx.api_base(USHER_ORIGIN);
    let mut url = url::Url::parse(&format!("{base}/api/v2/channel/hls/{login}.m3u8"))
        .map_err(|e| PlatformError::Transient(format!("bad api_base `{base}`: {e}")))?;
    url.query_pairs_mut()
        .append_pair("platform", "web")
        .append_pair("p", &rand::random_range(0..10_000_000u32).to_string())
        .append_pair("allow_source", "true")
        .append_pair("allow_audio_only", "true")
        .append_pair("playlist_include_framerate", "true")
        .append_pair("supported_codecs", &supported_codecs(&ctx.config.codec))
        .append_pair("fast_bread", "true")
        .append_pair("sig", sig)
        .append_pair("token", token);
    Ok(url)
}

/// `supported_codecs` from the `codec` preference: H.264 always (every
/// channel has it), HEVC/AV1 only when the user asked for them.
fn supported_codecs(pref: &[Codec]) -> String {
    let mut out: Vec<&str> = pref
        .iter()
        .map(|c| match c {
            Codec::Avc => "h264",
            Codec::Hevc => "h265",
            Codec::Av1 => "av1",
        })
        .collect();
    if !out.contains(&"h264") {
        out.push("h264");
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisted_ops_carry_name_hash_and_variables() {
        let op = stream_metadata("alice");
        assert_eq!(op["operationName"], "StreamMetadata");
        assert_eq!(op["variables"]["channelLogin"], "alice");
        assert_eq!(op["variables"]["includeIsDJ"], true);
        assert_eq!(op["extensions"]["persistedQuery"]["version"], 1);
        let t = playback_token("alice");
        assert_eq!(t["variables"]["playerType"], "site");
        assert_eq!(
            t["extensions"]["persistedQuery"]["sha256Hash"]
                .as_str()
                .map(str::len),
            Some(64)
        );
        assert!(
            batch_status("bob")["query"]
                .as_str()
                .unwrap()
                .contains("user(login: $login)")
        );
    }

    #[test]
    fn codecs_always_include_h264() {
        assert_eq!(supported_codecs(&[]), "h264");
        assert_eq!(supported_codecs(&[Codec::Hevc]), "h265,h264");
        assert_eq!(supported_codecs(&[Codec::Avc, Codec::Av1]), "h264,av1");
    }
}
