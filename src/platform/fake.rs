//! The local fake live platform (`tests/support/fake-live`, `cargo run
//! --example fake_live`): room pages `http://HOST/room/ID` on a loopback
//! host only (it never claims a real site's URL), status from
//! `GET /api/rooms/ID`, many rooms at once from `POST /api/rooms/batch`.

use std::collections::HashMap;

use serde::Deserialize;

use super::{
    BatchGroup, BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomIdentity, RoomRef,
    StreamCandidate, StreamFormat,
};

/// The fake platform.
pub struct FakePlatform;

#[derive(Debug, Deserialize)]
struct Room {
    id: String,
    live: bool,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    hls_url: Option<String>,
    #[serde(default)]
    flv_url: Option<String>,
    #[serde(default)]
    avatar: Option<String>,
    /// When the current broadcast started (unix ms).
    #[serde(default)]
    live_since_ms: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Batch {
    rooms: Vec<Room>,
}

impl Room {
    fn into_status(self) -> LiveStatus {
        let mut streams = Vec::new();
        if self.live {
            let mut push = |url: Option<String>, format| {
                if let Some(url) = url {
                    streams.push(StreamCandidate::new(url, format, "source"));
                }
            };
            push(self.hls_url, StreamFormat::Hls);
            push(self.flv_url, StreamFormat::Flv);
        }
        LiveStatus {
            live: self.live,
            title: self.title,
            category: self.category,
            avatar: self.avatar,
            started_at: self.live_since_ms.filter(|_| self.live),
            streams,
            room: Some(RoomIdentity {
                id: self.id,
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// Sends an API request and decodes its JSON answer, classifying failures.
async fn fetch_json<T: serde::de::DeserializeOwned>(
    req: reqwest::RequestBuilder,
    api: &str,
) -> Result<T, PlatformError> {
    super::http::checked(super::http::send(req).await?, api)?
        .json()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))
}

/// `(origin, room id)` of a room page URL on a loopback host.
fn split(url: &str) -> Option<(String, String)> {
    let u = ::url::Url::parse(url).ok()?;
    if !is_loopback(&u) {
        return None;
    }
    let id = u.path().strip_prefix("/room/")?.trim_end_matches('/');
    if id.is_empty() || id.contains('/') {
        return None;
    }
    Some((u.origin().ascii_serialization(), id.to_string()))
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(u: &::url::Url) -> bool {
    match u.host() {
        Some(::url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Platform for FakePlatform {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn streamlink_url(&self, _page: &str, stream: &StreamCandidate) -> String {
        super::prefixed_stream_url(stream)
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        split(url.as_str()).map(|(origin, id)| RoomRef {
            url: format!("{origin}/room/{id}"),
            id,
        })
    }

    /// The live test server's own chat: `ws://HOST/ws/ID` beside the page.
    fn chat_target(
        &self,
        page_url: &str,
        room: &RoomIdentity,
        _api_base: Option<&str>,
    ) -> Option<super::ChatTarget> {
        let (origin, _) = split(page_url)?;
        let ws = origin.replacen("http", "ws", 1);
        Some(super::ChatTarget::Fake {
            url: format!("{ws}/ws/{}", room.id),
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "http://127.0.0.1:8080/room/alice",
            "http://localhost:9/room/bob/",
            "http://[::1]:8080/room/c",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(async move {
            let (origin, id) = split(ctx.url)
                .ok_or_else(|| PlatformError::NotFound(format!("not a room URL: {}", ctx.url)))?;
            let api = format!("{origin}/api/rooms/{id}");
            let room: Room = fetch_json(ctx.http.get(&api), &api).await?;
            Ok(room.into_status())
        })
    }

    fn max_batch(&self) -> usize {
        500
    }

    fn batch_group(&self, url: &str) -> Option<BatchGroup> {
        split(url).map(|(key, id)| BatchGroup { key, id })
    }

    /// A room missing from the batch answer is asked about alone, so its
    /// reason (404: gone; 5xx: the API is failing) reaches the streamer
    /// instead of a guess of "not found".
    fn check_batch_each<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<super::BatchResult, PlatformError>> {
        Box::pin(async move {
            let (origin, _) = split(ctx.url)
                .ok_or_else(|| PlatformError::NotFound(format!("not a room URL: {}", ctx.url)))?;
            let mut out: super::BatchResult = self
                .check_batch(ctx, ids)
                .await?
                .into_iter()
                .map(|(id, s)| (id, Ok(s)))
                .collect();
            let missing: Vec<&String> = ids.iter().filter(|id| !out.contains_key(*id)).collect();
            for id in missing {
                let api = format!("{origin}/api/rooms/{id}");
                let one = fetch_json::<Room>(ctx.http.get(&api), &api)
                    .await
                    .map(Room::into_status);
                out.insert(id.clone(), one);
            }
            Ok(out)
        })
    }

    fn check_batch<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<HashMap<String, LiveStatus>, PlatformError>> {
        Box::pin(async move {
            let (origin, _) = split(ctx.url)
                .ok_or_else(|| PlatformError::NotFound(format!("not a room URL: {}", ctx.url)))?;
            let api = format!("{origin}/api/rooms/batch");
            let req = ctx.http.post(&api).json(&serde_json::json!({ "ids": ids }));
            let batch: Batch = fetch_json(req, &api).await?;
            Ok(batch
                .rooms
                .into_iter()
                .map(|r| (r.id.clone(), r.into_status()))
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_urls() {
        assert_eq!(
            split("http://127.0.0.1:8080/room/alice"),
            Some(("http://127.0.0.1:8080".into(), "alice".into()))
        );
        assert_eq!(split("http://127.0.0.1:8080/room/"), None);
        assert_eq!(split("http://127.0.0.1:8080/live/a.m3u8"), None);
        assert_eq!(
            split("https://www.twitch.tv/room/alice"),
            None,
            "loopback only"
        );
        assert_eq!(split("http://10.0.0.1/room/alice"), None);
    }
}
