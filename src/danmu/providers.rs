//! The one place a [`ChatTarget`] variant is mapped to its provider. Each
//! site's codec lives in its own module; a variant whose codec is not
//! written yet returns `None` (the session is then recorded without chat).

use std::sync::Arc;

use super::provider::ChatProvider;
use crate::config::EffectiveConfig;
use crate::platform::chat::ChatTarget;

/// The provider of `target`'s chat, configured with the streamer's
/// effective config (cookies and proxy for bootstrap requests).
pub fn provider_for(
    target: &ChatTarget,
    config: &EffectiveConfig,
) -> Option<Arc<dyn ChatProvider>> {
    match target {
        ChatTarget::Fake { url } => Some(Arc::new(super::fake::FakeProvider::new(url.clone()))),
        ChatTarget::Bilibili { api_base, room_id } => Some(Arc::new(
            super::bilibili::BilibiliProvider::new(api_base.clone(), *room_id, config),
        )),
        // Twitch (IRC over websocket), Douyu (STT) and Huya (TARS/WUP) plug
        // in here: their `ChatProtocol` codecs live in `src/danmu/{twitch,
        // douyu,huya}/`; wrap each in a provider returning
        // `Connection { url, protocol }` (their URLs are static, so a
        // `StaticProvider`-like wrapper is enough).
        ChatTarget::Twitch { .. } | ChatTarget::Douyu { .. } | ChatTarget::Huya { .. } => None,
    }
}
