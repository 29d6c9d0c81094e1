//! Platforms: the [`Platform`] trait every site implements (live checks,
//! optional batch checks, error classification), the registry that maps a
//! streamer to its platform, and URL resolution for `srec add`.

pub mod bilibili;
pub mod chat;
pub mod douyin;
pub mod douyu;
pub mod fake;
pub mod generic;
pub mod http;
pub mod huya;
pub use crate::model::stream as model;
pub mod registry;
pub mod select;
pub mod streamlink;
pub mod twitch;
pub mod url;
pub mod youtube;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

pub use chat::ChatTarget;
pub use model::{
    LiveStatus, PlatformError, RoomIdentity, StreamCandidate, StreamFormat, normalise_codec,
};
pub use registry::{KNOWN_PLATFORMS, PlatformRegistry};
pub use url::{ResolvedUrl, UrlError, resolve};

use crate::config::EffectiveConfig;

/// A boxed future, so platforms can be used as trait objects.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A batch answer where each member may fail on its own: room id → result.
pub type BatchResult = HashMap<String, Result<LiveStatus, PlatformError>>;

/// Inputs of one check.
pub struct CheckContext<'a> {
    /// The streamer's URL (for batch checks: any member's URL).
    pub url: &'a str,
    pub http: &'a reqwest::Client,
    pub config: &'a EffectiveConfig,
}

impl CheckContext<'_> {
    /// The API origin to use: the config's `api_base` (mirrors, tests) or
    /// the platform's real one, without a trailing slash.
    pub fn api_base(&self, default: &str) -> String {
        self.config
            .api_base
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }
}

/// A room as named by its URL: the platform's id and the canonical URL
/// `srec add` stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRef {
    pub id: String,
    pub url: String,
}

/// A group of streamers that one batch request can check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchGroup {
    /// Same key = same batch request (e.g. the API origin).
    pub key: String,
    /// The room id inside the batch.
    pub id: String,
}

/// The stream URL with streamlink's protocol prefix (`hls://` for HLS,
/// `httpstream://` for HTTP-FLV), for sites streamlink has no plugin for.
pub fn prefixed_stream_url(stream: &StreamCandidate) -> String {
    match stream.format {
        StreamFormat::Hls => format!("hls://{}", stream.url),
        StreamFormat::Flv => format!("httpstream://{}", stream.url),
    }
}

/// A live platform.
pub trait Platform: Send + Sync {
    /// Stable name: config key `[platforms.NAME]` and `streamers.platform`.
    fn name(&self) -> &'static str;

    /// The room a URL names, or `None` when this platform does not handle
    /// it. Pure (no network): `srec add` and the registry use it.
    fn room(&self, url: &::url::Url) -> Option<RoomRef>;

    /// The canonical URL of a room whose identity a check learnt, when it
    /// can differ from the URL the user gave (a Bilibili short id names the
    /// same room as its long id): the monitor stores it, so duplicates and
    /// chat capture see one id.
    fn canonical_url(&self, _room: &RoomIdentity) -> Option<String> {
        None
    }

    /// The chat of a live room, for platforms chat capture supports; the
    /// room identity comes from the check that found it live. `api_base`
    /// is the platform's effective `api_base` override (mirrors, tests).
    fn chat_target(
        &self,
        _page_url: &str,
        _room: &RoomIdentity,
        _api_base: Option<&str>,
    ) -> Option<ChatTarget> {
        None
    }

    /// URLs this platform must claim (and no other platform may): the
    /// registry's table test runs over them.
    fn example_urls(&self) -> &'static [&'static str] {
        &[]
    }

    /// Is the room live, and with which streams.
    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>>;

    /// What the streamlink engine is given: by default the channel page, so
    /// streamlink's own plugin for the site resolves (and refreshes) the
    /// stream. Platforms streamlink has no plugin for return
    /// [`prefixed_stream_url`].
    fn streamlink_url(&self, page: &str, _stream: &StreamCandidate) -> String {
        page.to_string()
    }

    /// For batch-capable platforms: the group and id of a streamer URL.
    fn batch_group(&self, _url: &str) -> Option<BatchGroup> {
        None
    }

    /// Most rooms one batch request may name (platforms cap it).
    fn max_batch(&self) -> usize {
        100
    }

    /// Checks many rooms of one group in one request. Rooms missing from
    /// the answer do not exist.
    fn check_batch<'a>(
        &'a self,
        _ctx: &'a CheckContext<'a>,
        _ids: &'a [String],
    ) -> BoxFut<'a, Result<HashMap<String, LiveStatus>, PlatformError>> {
        Box::pin(async {
            Err(PlatformError::Transient(
                "batch checks are not supported".into(),
            ))
        })
    }

    /// Like [`Platform::check_batch`], but one member may fail alone (a
    /// paid room in a batch of free ones) while the others succeed. The
    /// monitor calls this; the default wraps `check_batch`. Members missing
    /// from the answer do not exist.
    fn check_batch_each<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
        ids: &'a [String],
    ) -> BoxFut<'a, Result<BatchResult, PlatformError>> {
        Box::pin(async move {
            let found = self.check_batch(ctx, ids).await?;
            Ok(found.into_iter().map(|(id, s)| (id, Ok(s))).collect())
        })
    }
}
