//! Chat of the `fake` platform: the live test server's `GET /ws/{id}`
//! websocket sends one JSON object per text frame — `welcome`, `chat`
//! (`user`, `text`, `ts` ms), `gift` (`user`, `gift`, `count`, `ts`), and
//! `live`/`offline` hints. It needs no handshake or heartbeat.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::message::{ChatEvent, Comment, Gift, Sender};
use super::protocol::{ChatProtocol, DecodeError, Decoded, WsFrame};
use super::provider::{ChatProvider, Connection, ProviderError};

const NAME: &str = "fake";

#[derive(Debug, Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    gift: Option<String>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    ts: Option<i64>,
}

/// The fake server's chat protocol.
#[derive(Debug, Default)]
pub struct FakeProtocol;

impl ChatProtocol for FakeProtocol {
    fn handshake(&mut self) -> Vec<WsFrame> {
        Vec::new()
    }

    fn heartbeat_every(&self) -> Duration {
        Duration::from_secs(30)
    }

    fn heartbeat(&mut self) -> Vec<WsFrame> {
        Vec::new()
    }

    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError> {
        let WsFrame::Text(text) = frame else {
            return Err(malformed("binary frame"));
        };
        let f: Frame = serde_json::from_str(text).map_err(|e| malformed(&e.to_string()))?;
        let sender = Sender {
            name: f.user.unwrap_or_default(),
            uid: None,
        };
        let event = match f.kind.as_str() {
            "chat" => Some(ChatEvent::Comment(Comment {
                sender,
                text: f.text.unwrap_or_default(),
                mode: 1,
                size: 25,
                color: 0xFF_FFFF,
                sent_ms: f.ts,
            })),
            "gift" => Some(ChatEvent::Gift(Gift {
                sender,
                name: f.gift.unwrap_or_default(),
                count: f.count.unwrap_or(1),
                price: None,
                sent_ms: f.ts,
            })),
            "live" => Some(ChatEvent::LiveHint { live: true }),
            "offline" => Some(ChatEvent::LiveHint { live: false }),
            "reconnect" => Some(ChatEvent::Reconnect),
            _ => None,
        };
        Ok(Decoded {
            events: event.into_iter().collect(),
            replies: Vec::new(),
        })
    }
}

fn malformed(detail: &str) -> DecodeError {
    DecodeError::Malformed {
        protocol: NAME,
        detail: detail.to_string(),
    }
}

/// Connects to a fixed `ws://HOST/ws/{id}` URL.
pub struct FakeProvider {
    url: String,
}

impl FakeProvider {
    pub fn new(url: String) -> Self {
        Self { url }
    }
}

impl ChatProvider for FakeProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Connection, ProviderError>> {
        Box::pin(async move {
            Ok(Connection {
                url: self.url.clone(),
                protocol: Box::new(FakeProtocol),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_chat_gift_and_ignores_welcome() {
        let mut p = FakeProtocol;
        let d = p
            .decode(&WsFrame::Text(
                r#"{"type":"chat","room":"r","seq":1,"user":"u1","text":"hello 1","ts":5}"#.into(),
            ))
            .unwrap();
        let ChatEvent::Comment(c) = &d.events[0] else {
            panic!("{d:?}")
        };
        assert_eq!(
            (c.sender.name.as_str(), c.text.as_str(), c.sent_ms),
            ("u1", "hello 1", Some(5))
        );
        let d = p
            .decode(&WsFrame::Text(
                r#"{"type":"gift","user":"u5","gift":"rocket","count":1,"ts":1}"#.into(),
            ))
            .unwrap();
        assert!(matches!(&d.events[0], ChatEvent::Gift(g) if g.name == "rocket"));
        assert!(
            p.decode(&WsFrame::Text(r#"{"type":"welcome"}"#.into()))
                .unwrap()
                .events
                .is_empty()
        );
        assert!(p.decode(&WsFrame::Text("not json".into())).is_err());
        assert!(p.decode(&WsFrame::Binary(vec![1])).is_err());
    }
}
