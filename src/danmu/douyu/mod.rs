//! Douyu chat: STT messages ([`stt`]) in little-endian binary packets
//! ([`packet`]) over `wss://danmuproxy.douyu.com:8502/`. The client logs
//! in to a room and joins the public group `-9999`, then keeps the link
//! with `mrkl` every 45 s. Chat (`chatmsg`) and gifts (`dgb`) arrive as
//! server packets, several per frame or split across frames.

pub mod packet;
pub mod stt;

use std::time::Duration;

use super::message::{ChatEvent, Comment, Gift, Sender};
use super::protocol::{ChatProtocol, DecodeError, Decoded, WsFrame};
use packet::Reassembler;
use stt::Stt;

const PROTOCOL: &str = "douyu";

/// Douyu drops a client silent for more than about a minute.
const HEARTBEAT: Duration = Duration::from_secs(45);

/// The public chat group every viewer joins.
const GROUP: &str = "-9999";

/// One connection to one room's chat.
pub struct DouyuChat {
    room_id: String,
    buf: Reassembler,
}

impl DouyuChat {
    /// Chat of the numeric room `room_id` (a vanity path must be resolved
    /// to its number first; the platform's check does).
    pub fn new(room_id: &str) -> DouyuChat {
        DouyuChat {
            room_id: room_id.to_string(),
            buf: Reassembler::default(),
        }
    }

    fn send(pairs: &[(&str, &str)]) -> WsFrame {
        WsFrame::Binary(packet::encode(packet::CLIENT, &stt::serialize(pairs)))
    }
}

/// `col` → 0xRRGGBB (the web client's palette; unknown → white).
fn color(col: Option<&str>) -> u32 {
    match col.unwrap_or("0") {
        "1" => 0xFF_00_00,
        "2" => 0x1E_87_F0,
        "3" => 0x7A_C8_4B,
        "4" => 0xFF_7F_00,
        "5" => 0x9B_39_F4,
        "6" => 0x00_CE_D1,
        _ => 0xFF_FF_FF,
    }
}

fn sender(m: &Stt) -> Sender {
    Sender {
        name: m.get("nn").unwrap_or_default().to_string(),
        uid: m.get("uid").filter(|u| !u.is_empty()).map(str::to_string),
    }
}

/// Turns one server message into events.
fn on_message(m: &Stt, out: &mut Decoded) -> Result<(), DecodeError> {
    match m.get("type").unwrap_or_default() {
        "chatmsg" => out.events.push(ChatEvent::Comment(Comment {
            sender: sender(m),
            text: m.get("txt").unwrap_or_default().to_string(),
            mode: 1,
            size: 25,
            color: color(m.get("col")),
            sent_ms: None,
        })),
        "dgb" => out.events.push(ChatEvent::Gift(Gift {
            sender: sender(m),
            // Names need Douyu's gift table; the id keeps them traceable.
            name: format!("gift {}", m.get("gfid").unwrap_or("?")),
            count: m.get("gfcnt").and_then(|c| c.parse().ok()).unwrap_or(1),
            price: None,
            sent_ms: None,
        })),
        "rss" => out.events.push(ChatEvent::LiveHint {
            live: m.get("ss") == Some("1"),
        }),
        "error" => {
            return Err(DecodeError::Fatal {
                protocol: PROTOCOL,
                detail: format!("error code {}", m.get("code").unwrap_or("?")),
            });
        }
        _ => {}
    }
    Ok(())
}

impl ChatProtocol for DouyuChat {
    fn handshake(&mut self) -> Vec<WsFrame> {
        vec![
            Self::send(&[("type", "loginreq"), ("roomid", &self.room_id)]),
            Self::send(&[
                ("type", "joingroup"),
                ("rid", &self.room_id),
                ("gid", GROUP),
            ]),
        ]
    }

    fn heartbeat_every(&self) -> Duration {
        HEARTBEAT
    }

    fn heartbeat(&mut self) -> Vec<WsFrame> {
        vec![Self::send(&[("type", "mrkl")])]
    }

    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError> {
        let WsFrame::Binary(bytes) = frame else {
            return Err(DecodeError::Malformed {
                protocol: PROTOCOL,
                detail: "text frame on a binary protocol".into(),
            });
        };
        self.buf.push(bytes);
        let mut out = Decoded::default();
        loop {
            match self.buf.next_packet() {
                Ok(Some((_kind, payload))) => {
                    let text = String::from_utf8_lossy(&payload);
                    on_message(&stt::parse(&text), &mut out)?;
                }
                Ok(None) => return Ok(out),
                Err(packet::FrameError::BadLength(a, b)) => {
                    return Err(DecodeError::Malformed {
                        protocol: PROTOCOL,
                        detail: format!("packet lengths {a}/{b}"),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
