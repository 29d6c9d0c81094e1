//! Which [`Platform`] handles a URL or a stored streamer.

use std::sync::Arc;

use super::{Platform, fake::FakePlatform, generic::GenericPlatform};

/// Platform names accepted as `[platforms.<name>]` keys.
pub const KNOWN_PLATFORMS: &[&str] = &["generic", "fake"];

/// All platforms, most specific first; `generic` matches any http(s) URL.
pub struct PlatformRegistry {
    platforms: Vec<Arc<dyn Platform>>,
}

impl Default for PlatformRegistry {
    fn default() -> Self {
        Self {
            platforms: vec![Arc::new(FakePlatform), Arc::new(GenericPlatform)],
        }
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
}

/// The platform name for a parsed URL.
pub fn platform_for(url: &::url::Url) -> &'static str {
    PlatformRegistry::default()
        .platforms
        .iter()
        .find(|p| p.matches(url))
        .map_or("generic", |p| p.name())
}
