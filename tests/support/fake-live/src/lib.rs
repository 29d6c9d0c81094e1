//! fake-live: a local fake live-streaming platform for srec's tests and demos.
//!
//! One server on 127.0.0.1 serves, per room: a platform status API, an HTML
//! room page, a sliding-window HLS live stream (MPEG-TS or fMP4, optionally
//! AES-128), an HTTP-FLV live stream and a chat websocket. Media comes from
//! small ffmpeg-made fixtures (embedded, or a set loaded from a directory)
//! replayed in a loop with continuous timestamps.
//! Tests flip rooms live/offline and inject faults through [`Room`] or the
//! `/control` HTTP API, and read request counters through [`FakeLive::stats`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_live::{FakeLive, ServerOptions, Fault};
//! let server = FakeLive::start(ServerOptions { speed: 4.0, ..Default::default() }).await?;
//! let room = server.live_room("alice");
//! println!("record {}", room.page_url());
//! room.set_fault(Fault::SegmentStatus { seq: Some(7), status: 404 });
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod fault;
mod http;
pub mod media;
pub mod options;
mod playlist;
mod room;
mod shared;
mod sites;
pub mod stats;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use fault::Fault;
pub use options::{HlsMode, ServerOptions};
pub use room::{Room, RoomInfo};
pub use stats::Stats;

use media::fixture::Media;
use room::Settings;
use shared::Shared;

/// A running fake platform. Dropping it stops the server in the background;
/// [`FakeLive::shutdown`] stops it and waits.
pub struct FakeLive {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl FakeLive {
    /// Loads the fixtures (embedded, or `opts.fixtures`), binds
    /// 127.0.0.1:`opts.port`, creates `opts.rooms` (live) and serves.
    pub async fn start(opts: ServerOptions) -> std::io::Result<FakeLive> {
        opts.validate()?;
        let media = match &opts.fixtures {
            None => Media::load().map_err(std::io::Error::other)?,
            Some(dir) => Media::load_dir(dir)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let settings = Arc::new(Settings {
            base_url: format!("http://{addr}"),
            speed: opts.speed,
            window: opts.window,
            retention: opts.retention.max(opts.window),
            encrypted: opts.encrypted,
            hls_mode: opts.hls_mode,
            chat_interval: opts.chat_interval,
            flv_backlog: opts.flv_backlog,
        });
        let shared = Arc::new(Shared {
            settings,
            media,
            rooms: Mutex::default(),
            counters: Default::default(),
            cancel: CancellationToken::new(),
            site_counts: Mutex::default(),
            media_cookies: Mutex::default(),
        });
        for id in &opts.rooms {
            shared.room_or_create(id, true);
        }
        let app = http::router(shared.clone());
        let stop = shared.cancel.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
        });
        Ok(FakeLive {
            shared,
            addr,
            server: Some(server),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.shared.settings.base_url.clone()
    }

    /// The room with this id, created **offline** if missing (so a test can
    /// watch a recorder notice it going live). An existing room is returned
    /// as it is.
    ///
    /// # Panics
    /// If `id` is not made of ASCII letters, digits, `-` and `_` (ids end up
    /// in URL paths); that is a bug in the calling test.
    pub fn room(&self, id: &str) -> Room {
        match self.shared.room_or_create(id, false) {
            Some(room) => room,
            None => panic!("invalid room id {id:?}: use ASCII letters, digits, '-' and '_'"),
        }
    }

    /// The room with this id, created if missing, and live (a new session
    /// starts only if it was offline).
    ///
    /// # Panics
    /// As [`FakeLive::room`].
    pub fn live_room(&self, id: &str) -> Room {
        let room = self.room(id);
        room.set_live(true);
        room
    }

    /// Every room, in id order.
    pub fn rooms(&self) -> Vec<Room> {
        self.shared.all_rooms()
    }

    /// The two clips being served (rendition 0 and 1): picture size, peak
    /// bandwidth and the raw fixture bytes.
    pub fn clips(&self) -> &[media::fixture::Clip] {
        &self.shared.media.clips
    }

    /// Where a site emulation answers: `http://127.0.0.1:PORT/sites/NAME`,
    /// the value of that platform's `api_base` in srec's config.
    pub fn site_base(&self, site: &str) -> String {
        format!("{}/sites/{site}", self.shared.settings.base_url)
    }

    /// Site emulation request counters (`"twitch.gql" -> 3`); see the
    /// README's site table for the keys.
    pub fn site_stats(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared
            .site_counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Media requests by kind and the `Cookie` header they carried, keyed
    /// `"KIND COOKIE"`: KIND is `flv`, `playlist`, `segment` (init
    /// sections included) or `key`; COOKIE is empty when none was sent.
    pub fn media_cookies(&self) -> std::collections::BTreeMap<String, u64> {
        self.shared
            .media_cookies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Server-wide request counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Stops accepting, ends every stream and waits (at most a few seconds)
    /// for the server task.
    pub async fn shutdown(mut self) {
        self.shared.cancel.cancel();
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for FakeLive {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}
