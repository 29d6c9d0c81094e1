//! The fake live platform (tests/support/fake-live) running on its own
//! runtime for the duration of a test.

use fake_live::{FakeLive, Room, ServerOptions, Stats};

pub struct Fake {
    pub server: Option<FakeLive>,
    rt: tokio::runtime::Runtime,
}

impl Fake {
    pub fn start(opts: ServerOptions) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(FakeLive::start(opts))
            .expect("fake live server");
        Self {
            server: Some(server),
            rt,
        }
    }

    pub fn new() -> Self {
        Self::start(ServerOptions::default())
    }

    fn s(&self) -> &FakeLive {
        self.server.as_ref().expect("running")
    }

    /// A room (created offline if new).
    pub fn room(&self, id: &str) -> Room {
        self.s().room(id)
    }

    /// A room that is live now.
    pub fn live_room(&self, id: &str) -> Room {
        let r = self.room(id);
        r.set_live(true);
        r
    }

    pub fn stats(&self) -> Stats {
        self.s().stats()
    }

    /// `http://127.0.0.1:PORT/sites/NAME`: a platform's `api_base`.
    pub fn site_base(&self, site: &str) -> String {
        self.s().site_base(site)
    }

    /// Site emulation request counters (`"twitch.gql" -> 3`).
    pub fn site_stats(&self) -> std::collections::BTreeMap<String, u64> {
        self.s().site_stats()
    }

    /// One counter of [`Fake::site_stats`]; 0 until first counted.
    pub fn site_stat(&self, key: &str) -> u64 {
        self.site_stats().get(key).copied().unwrap_or(0)
    }

    /// Media requests by kind and Cookie header (`"segment a=1" -> 3`).
    pub fn media_cookies(&self) -> std::collections::BTreeMap<String, u64> {
        self.s().media_cookies()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.s().base_url()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}
