//! The one place a [`ChatTarget`] variant is mapped to its provider. Each
//! site's codec lives in its own module; sites with a fixed websocket URL
//! share one small [`StaticProvider`].

use std::sync::Arc;

use futures::future::BoxFuture;

use super::protocol::ChatProtocol;
use super::provider::{ChatProvider, Connection, ProviderError};
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
        ChatTarget::Twitch { url, login } => Some(Arc::new(StaticProvider {
            name: "twitch",
            url: url.clone(),
            make: Box::new({
                let login = login.clone();
                move || Box::new(super::twitch::TwitchChat::new(&login))
            }),
        })),
        ChatTarget::Douyu { url, room_id } => Some(Arc::new(StaticProvider {
            name: "douyu",
            url: url.clone(),
            make: Box::new({
                let room = room_id.clone();
                move || Box::new(super::douyu::DouyuChat::new(&room))
            }),
        })),
        ChatTarget::Huya { url, presenter_uid } => Some(Arc::new(StaticProvider {
            name: "huya",
            url: url.clone(),
            make: Box::new({
                let uid = *presenter_uid;
                move || Box::new(super::huya::HuyaChat::new(uid))
            }),
        })),
    }
}

/// A chat whose websocket URL is fixed (Twitch, Douyu, Huya): every
/// connection gets the same URL and a fresh protocol state.
struct StaticProvider {
    name: &'static str,
    url: String,
    make: Box<dyn Fn() -> Box<dyn ChatProtocol> + Send + Sync>,
}

impl ChatProvider for StaticProvider {
    fn name(&self) -> &'static str {
        self.name
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Connection, ProviderError>> {
        let connection = Connection {
            url: self.url.clone(),
            protocol: (self.make)(),
        };
        Box::pin(async move { Ok(connection) })
    }
}
