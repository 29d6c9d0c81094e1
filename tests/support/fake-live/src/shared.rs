//! State shared by all request handlers: settings, media, rooms, counters.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use crate::media::fixture::Media;
use crate::options::valid_room_id;
use crate::room::{Room, Settings};
use crate::stats::{Counters, Route};

/// One per server; handlers get it as `State<Arc<Shared>>`.
pub(crate) struct Shared {
    pub settings: Arc<Settings>,
    pub media: Media,
    pub rooms: Mutex<BTreeMap<String, Room>>,
    pub counters: Counters,
    /// Cancelled on shutdown; every long-lived stream listens to it.
    pub cancel: CancellationToken,
    /// Site emulation request counters, keyed `site.route`.
    pub site_counts: Mutex<BTreeMap<String, u64>>,
    /// Media requests by kind and `Cookie` header, keyed `KIND COOKIE`.
    pub media_cookies: Mutex<BTreeMap<String, u64>>,
}

impl Shared {
    fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Room>> {
        // The map is only ever inserted into; a poisoned lock still holds a valid map.
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The room, if it exists.
    pub fn room(&self, id: &str) -> Option<Room> {
        self.rooms().get(id).cloned()
    }

    /// The room, created (offline, or `live`) if missing; `None` if the id
    /// is not URL-safe. An existing room is returned as it is.
    pub fn room_or_create(&self, id: &str, live: bool) -> Option<Room> {
        if !valid_room_id(id) {
            return None;
        }
        let mut rooms = self.rooms();
        let room = rooms
            .entry(id.to_owned())
            .or_insert_with(|| Room::new(id, self.settings.clone(), live));
        Some(room.clone())
    }

    pub fn all_rooms(&self) -> Vec<Room> {
        self.rooms().values().cloned().collect()
    }

    /// Adds `n` to a site counter (`twitch.gql`, `bilibili.batch`, ...).
    pub fn count_site(&self, key: &str, n: u64) {
        let mut map = self.site_counts.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(key.to_owned()).or_default() += n;
    }

    /// Counts a media request of `kind` that carried `cookie` ("" if none).
    pub fn count_cookie(&self, kind: &str, cookie: &str) {
        let mut map = self.media_cookies.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(format!("{kind} {cookie}")).or_default() += 1;
    }

    /// Counts a request server-wide and, if known, for its room.
    pub fn count(&self, route: Route, room: Option<&Room>) {
        self.counters.bump(route);
        if let Some(room) = room {
            room.count(route);
        }
    }
}
