//! Request counters, so tests can assert how a client behaves on the wire
//! ("one batch request per interval, not fifty room requests").

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Kinds of request the server counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Page,
    RoomApi,
    BatchApi,
    MasterPlaylist,
    MediaPlaylist,
    Init,
    Segment,
    Key,
    Flv,
    Chat,
    Control,
}

/// A snapshot of request counts (server-wide or for one room).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// `GET /room/{id}` HTML pages.
    pub page: u64,
    /// `GET /api/rooms/{id}`.
    pub room_api: u64,
    /// `POST /api/rooms/batch` (per room: batches that named the room).
    pub batch_api: u64,
    /// `GET .../master.m3u8`.
    pub master_playlist: u64,
    /// `GET .../index.m3u8` (media playlists).
    pub media_playlist: u64,
    /// fMP4 init sections.
    pub init: u64,
    /// Media segments (`.ts` / `.m4s`).
    pub segment: u64,
    /// AES-128 key fetches.
    pub key: u64,
    /// HTTP-FLV stream opens.
    pub flv: u64,
    /// Chat websocket upgrades.
    pub chat: u64,
    /// `/control/...` calls.
    pub control: u64,
}

impl Stats {
    /// Master plus media playlist requests.
    pub fn playlist(&self) -> u64 {
        self.master_playlist + self.media_playlist
    }
}

/// Lock-free counters behind a [`Stats`] snapshot.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    counts: [AtomicU64; 11],
}

impl Counters {
    pub fn bump(&self, route: Route) {
        self.counts[route as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Stats {
        let get = |r: Route| self.counts[r as usize].load(Ordering::Relaxed);
        Stats {
            page: get(Route::Page),
            room_api: get(Route::RoomApi),
            batch_api: get(Route::BatchApi),
            master_playlist: get(Route::MasterPlaylist),
            media_playlist: get(Route::MediaPlaylist),
            init: get(Route::Init),
            segment: get(Route::Segment),
            key: get(Route::Key),
            flv: get(Route::Flv),
            chat: get(Route::Chat),
            control: get(Route::Control),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_route_separately() {
        let c = Counters::default();
        c.bump(Route::Segment);
        c.bump(Route::Segment);
        c.bump(Route::MasterPlaylist);
        c.bump(Route::Control);
        let s = c.snapshot();
        assert_eq!(s.segment, 2);
        assert_eq!(s.playlist(), 1);
        assert_eq!(s.control, 1);
        assert_eq!(s.flv, 0);
    }
}
