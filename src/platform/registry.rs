//! The platform table: every site srec knows, most specific first. Names,
//! URL matching and lookups all derive from it.

use std::sync::Arc;

use super::{
    Platform, RoomRef, bilibili::BilibiliPlatform, douyu::DouyuPlatform, fake::FakePlatform,
    generic::GenericPlatform, huya::HuyaPlatform, twitch::TwitchPlatform,
};

pub use crate::model::platforms::KNOWN_PLATFORMS;

/// Every platform, most specific first; `generic` (any http(s) URL) last.
fn all() -> Vec<Arc<dyn Platform>> {
    vec![
        Arc::new(FakePlatform),
        Arc::new(TwitchPlatform),
        Arc::new(BilibiliPlatform::default()),
        Arc::new(DouyuPlatform::default()),
        Arc::new(HuyaPlatform),
        Arc::new(super::youtube::YoutubePlatform),
        Arc::new(super::douyin::DouyinPlatform::default()),
        // Claims no URL; `streamlink::admit` assigns it when a streamer is added.
        Arc::new(super::streamlink::StreamlinkPlatform),
        Arc::new(GenericPlatform),
    ]
}

/// All platforms, in matching order.
pub struct PlatformRegistry {
    platforms: Vec<Arc<dyn Platform>>,
}

impl Default for PlatformRegistry {
    fn default() -> Self {
        Self { platforms: all() }
    }
}

impl PlatformRegistry {
    /// The platform stored for a streamer, by name (falls back to generic).
    pub fn by_name(&self, name: &str) -> Arc<dyn Platform> {
        self.platforms
            .iter()
            .find(|p| p.name() == name)
            .or_else(|| self.platforms.last())
            .cloned()
            .unwrap_or_else(|| Arc::new(GenericPlatform))
    }

    /// The first platform that claims the URL, with the room it names.
    pub fn claim(&self, url: &::url::Url) -> Option<(&'static str, RoomRef)> {
        self.platforms
            .iter()
            .find_map(|p| p.room(url).map(|r| (p.name(), r)))
    }

    /// Every platform, in matching order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Platform>> {
        self.platforms.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_table() {
        let reg = PlatformRegistry::default();
        let names: Vec<&str> = reg.iter().map(|p| p.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        let mut known = KNOWN_PLATFORMS.to_vec();
        known.sort_unstable();
        assert_eq!(sorted, known);
        assert_eq!(names.last(), Some(&"generic"), "generic must match last");
    }

    #[test]
    fn every_example_url_is_claimed_by_its_own_platform_only() {
        let reg = PlatformRegistry::default();
        // `streamlink` is assigned at admission, never by URL.
        for p in reg.iter().filter(|p| p.name() != "streamlink") {
            assert!(
                !p.example_urls().is_empty(),
                "{} lists no example URLs",
                p.name()
            );
            for u in p.example_urls() {
                let url = ::url::Url::parse(u).unwrap();
                let (name, room) = reg.claim(&url).unwrap_or_else(|| panic!("{u} unclaimed"));
                assert_eq!(name, p.name(), "{u} claimed by {name}");
                assert!(!room.id.is_empty(), "{u}: empty id");
                let specific: Vec<&str> = reg
                    .iter()
                    .filter(|q| q.name() != "generic" && q.room(&url).is_some())
                    .map(|q| q.name())
                    .collect();
                assert!(specific.len() <= 1, "{u} claimed by {specific:?}");
            }
        }
    }
}
