//! Twitch (`https://www.twitch.tv/LOGIN`). A check is one GQL POST with
//! three persisted operations (ChannelShell, StreamMetadata,
//! PlaybackAccessToken); when the channel is live the token signs usher's
//! v2 master playlist, whose variants become the stream candidates.
//!
//! Batch checks send one raw status query per login, up to 30 per POST
//! (the web client's size; 36 has been refused). They carry no stream
//! URLs: the monitor asks [`Platform::check_live`] for the few members
//! that turn live, so a round of offline channels costs one request per 30.
//!
//! The optional `oauth_token` goes to GQL only, never to usher or the CDN.

pub mod gql;
pub mod master;
pub mod parse;

use std::collections::HashMap;

use crate::platform::{
    BatchGroup, BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef,
};
use master::PLAYER_ORIGIN;
use parse::UsherError;

/// Most logins per batch POST.
pub const MAX_BATCH: usize = 30;

/// Top-level paths of twitch.tv that are not channels.
const RESERVED: &[&str] = &[
    "directory",
    "settings",
    "videos",
    "p",
    "downloads",
    "jobs",
    "turbo",
    "search",
    "subscriptions",
    "inventory",
    "wallet",
    "friends",
    "messages",
    "drops",
    "prime",
    "store",
    "bits",
    "payments",
    "login",
    "signup",
    "logout",
    "following",
    "broadcast",
    "moderator",
    "popout",
    "embed",
    "team",
    "user",
    "clip",
    "clips",
    "collections",
    "event",
    "products",
    "redeem",
    "privacy",
    "security",
    "legal",
];

/// The Twitch platform.
pub struct TwitchPlatform;

/// The login a channel URL names, lower-cased.
pub fn login_of(url: &::url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if !matches!(host.as_str(), "www.twitch.tv" | "twitch.tv" | "m.twitch.tv") {
        return None;
    }
    let mut segs = url.path_segments()?.filter(|s| !s.is_empty());
    let login = segs.next()?.to_ascii_lowercase();
    if segs.next().is_some() || RESERVED.contains(&login.as_str()) {
        return None;
    }
    let valid = (2..=25).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some(login)
}

fn login_or_err(url: &str) -> Result<String, PlatformError> {
    ::url::Url::parse(url)
        .ok()
        .as_ref()
        .and_then(login_of)
        .ok_or_else(|| PlatformError::NotFound(format!("not a Twitch channel URL: {url}")))
}

/// Twitch's IRC-over-websocket chat endpoint.
pub const CHAT_URL: &str = "wss://irc-ws.chat.twitch.tv:443";

impl Platform for TwitchPlatform {
    fn name(&self) -> &'static str {
        "twitch"
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        login_of(url).map(|id| RoomRef {
            url: format!("https://www.twitch.tv/{id}"),
            id,
        })
    }

    /// Anonymous IRC over websocket for the channel's login.
    fn chat_target(
        &self,
        page_url: &str,
        room: &crate::platform::RoomIdentity,
        api_base: Option<&str>,
    ) -> Option<crate::platform::ChatTarget> {
        let login = if room.id.is_empty() {
            login_or_err(page_url).ok()?
        } else {
            room.id.to_ascii_lowercase()
        };
        Some(crate::platform::ChatTarget::Twitch {
            url: crate::platform::chat::chat_url(CHAT_URL, api_base),
            login,
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://www.twitch.tv/alice_01",
            "https://twitch.tv/Bob",
            "https://m.twitch.tv/carol/",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(async move {
            let login = login_or_err(ctx.url)?;
            let ops = [
                gql::channel_shell(&login),
                gql::stream_metadata(&login),
                gql::playback_token(&login),
            ];
            let body = gql::post(ctx, &ops).await?;
            let check = parse::channel_check(&body, &login)?;
            let mut status = check.status;
            if let Some(token) = check.token {
                resolve_streams(ctx, &login, &token, &mut status).await?;
            }
            Ok(status)
        })
    }

    fn batch_group(&self, url: &str) -> Option<BatchGroup> {
        let login = login_or_err(url).ok()?;
        Some(BatchGroup {
            key: "twitch".into(),
            id: login,
        })
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    fn check_batch<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<HashMap<String, LiveStatus>, PlatformError>> {
        Box::pin(async move {
            let mut out = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(MAX_BATCH) {
                let ops: Vec<_> = chunk.iter().map(|l| gql::batch_status(l)).collect();
                let body = gql::post(ctx, &ops).await?;
                out.extend(parse::batch(&body, chunk)?);
            }
            Ok(out)
        })
    }
}

/// Fetches usher's master playlist and fills `status.streams`; a stream
/// usher does not know yet turns the status offline.
async fn resolve_streams(
    ctx: &CheckContext<'_>,
    login: &str,
    token: &parse::Token,
    status: &mut LiveStatus,
) -> Result<(), PlatformError> {
    let url = gql::usher_url(ctx, login, &token.signature, &token.value)?;
    let resp = ctx
        .http
        .get(url.clone())
        .header("Referer", format!("{PLAYER_ORIGIN}/"))
        .header("Origin", PLAYER_ORIGIN)
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let code = resp.status().as_u16();
    let body = resp
        .text()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    if !(200..300).contains(&code) {
        return match parse::usher_error(code, &body) {
            UsherError::Offline(why) => {
                tracing::debug!(login, "GQL says live, usher has no stream: {why}");
                status.live = false;
                status.note = Some(format!("no stream yet ({why})"));
                Ok(())
            }
            UsherError::Failed(e) => Err(e),
        };
    }
    status.streams = master::candidates(&url, &body, token.expires)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(u: &str) -> Option<String> {
        login_of(&::url::Url::parse(u).unwrap())
    }

    #[test]
    fn channel_urls_match() {
        for (u, want) in [
            ("https://www.twitch.tv/alice", "alice"),
            ("https://twitch.tv/Alice_01/", "alice_01"),
            ("http://m.twitch.tv/bob?referrer=raid", "bob"),
            ("https://WWW.TWITCH.TV/carol#x", "carol"),
        ] {
            assert_eq!(login(u).as_deref(), Some(want), "{u}");
        }
    }

    #[test]
    fn other_pages_and_sites_do_not_match() {
        for u in [
            "https://www.twitch.tv/",
            "https://www.twitch.tv/videos/123456",
            "https://www.twitch.tv/alice/videos",
            "https://www.twitch.tv/alice/clip/SomeSlug",
            "https://www.twitch.tv/directory/category/just-chatting",
            "https://www.twitch.tv/settings/profile",
            "https://clips.twitch.tv/SomeSlug",
            "https://www.twitch.tv/popout/alice/chat",
            "https://www.twitch.tv/a-b",
            "https://www.youtube.com/@alice/live",
            "https://live.bilibili.com/123",
            "https://nottwitch.tv/alice",
        ] {
            assert_eq!(login(u), None, "{u}");
        }
    }

    #[test]
    fn canonical_room() {
        let r = TwitchPlatform
            .room(&::url::Url::parse("https://m.twitch.tv/Alice/").unwrap())
            .unwrap();
        assert_eq!(
            (r.id.as_str(), r.url.as_str()),
            ("alice", "https://www.twitch.tv/alice")
        );
    }
}
