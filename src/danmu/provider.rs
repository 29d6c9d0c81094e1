//! A [`ChatProvider`] knows how to reach one room's chat: before every
//! connect it resolves the websocket URL (Bilibili fetches a fresh host and
//! token) and builds a fresh [`ChatProtocol`] for that connection. A
//! platform without chat simply has no provider.

use futures::future::BoxFuture;

use super::protocol::ChatProtocol;

/// What one connection attempt needs.
pub struct Connection {
    /// `ws://` or `wss://` URL.
    pub url: String,
    pub protocol: Box<dyn ChatProtocol>,
}

/// Why a connection could not be prepared (the runner backs off and retries).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("chat bootstrap request failed: {0}")]
    Request(String),
    #[error("chat bootstrap answer unusable: {0}")]
    Answer(String),
}

/// One room's chat source.
pub trait ChatProvider: Send + Sync {
    /// Protocol name for logs (`bilibili`, `fake`, ...).
    fn name(&self) -> &'static str;

    /// Resolves the URL and a fresh protocol state for one connection.
    fn prepare(&self) -> BoxFuture<'_, Result<Connection, ProviderError>>;
}
