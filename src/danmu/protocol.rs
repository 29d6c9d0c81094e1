//! The per-site chat protocol, kept synchronous and free of I/O so it can be
//! unit-tested on recorded frames and fuzzed: the shared websocket runner
//! sends what `handshake`/`heartbeat` return, feeds every received frame to
//! `decode`, and sends the replies `decode` asks for (PONG, ...).

use std::time::Duration;

use super::message::ChatEvent;

/// One websocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    Text(String),
    Binary(Vec<u8>),
}

/// What one received frame produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Decoded {
    pub events: Vec<ChatEvent>,
    /// Frames to send back at once (PONG, join after auth reply, ...).
    pub replies: Vec<WsFrame>,
}

/// A frame the protocol cannot read. The runner logs it and carries on;
/// only `Fatal` ends the connection (then it reconnects).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("malformed {protocol} frame: {detail}")]
    Malformed {
        protocol: &'static str,
        detail: String,
    },
    #[error("{protocol} server refused the connection: {detail}")]
    Fatal {
        protocol: &'static str,
        detail: String,
    },
}

/// One site's chat protocol for one connection (a reconnect builds a new one).
pub trait ChatProtocol: Send {
    /// Frames sent right after the websocket opens (auth, join).
    fn handshake(&mut self) -> Vec<WsFrame>;

    /// How often [`ChatProtocol::heartbeat`] is sent.
    fn heartbeat_every(&self) -> Duration;

    /// The keep-alive frames.
    fn heartbeat(&mut self) -> Vec<WsFrame>;

    /// Reads one received frame. Must never panic on any input.
    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError>;
}
