//! Huya chat: TARS-encoded commands over `wss://cdnws.api.huya.com:443`.
//! The client registers the presenter's groups (`live:<uid>`,
//! `chat:<uid>`, keyed by the numeric presenter uid, not the room slug),
//! sends a WUP `OnUserHeartBeat` every 60 s and reads pushes: uri 1400
//! chat (`MessageNotice`) and 6501 gifts.

pub mod tars;
pub mod wire;

use std::time::Duration;

use super::message::{ChatEvent, Comment, Gift, Sender};
use super::protocol::{ChatProtocol, DecodeError, Decoded, WsFrame};
use tars::{TarsError, read_struct};
use wire::Push;

const PROTOCOL: &str = "huya";

const HEARTBEAT: Duration = Duration::from_secs(60);

/// One connection to one presenter's chat.
pub struct HuyaChat {
    presenter_uid: u64,
}

impl HuyaChat {
    /// Chat of the presenter with this numeric uid (the room identity's
    /// `owner_id`).
    pub fn new(presenter_uid: u64) -> HuyaChat {
        HuyaChat { presenter_uid }
    }
}

fn malformed(e: TarsError) -> DecodeError {
    DecodeError::Malformed {
        protocol: PROTOCOL,
        detail: e.to_string(),
    }
}

fn uid_string(uid: Option<i64>) -> Option<String> {
    uid.filter(|&u| u != 0).map(|u| u.to_string())
}

/// A `MessageNotice` as a comment.
fn message(body: &[u8]) -> Result<ChatEvent, TarsError> {
    let f = read_struct(body)?;
    let user = f.structure(0).cloned().unwrap_or_default();
    let color = f
        .structure(6)
        .and_then(|b| b.int(0))
        .filter(|&c| c >= 0)
        .map_or(0xFF_FF_FF, |c| (c & 0xFF_FF_FF) as u32);
    Ok(ChatEvent::Comment(Comment {
        sender: Sender {
            name: user.string(2).unwrap_or_default(),
            uid: uid_string(user.int(0)),
        },
        text: f.string(3).unwrap_or_default(),
        mode: 1,
        size: 25,
        color,
        sent_ms: None,
    }))
}

/// A `SendItemSubBroadcastPacket` `{0 iItemType, 2 iItemCount,
/// 4 lSenderUid, 6 sSenderNick}` as a gift (names need Huya's item table).
fn gift(body: &[u8]) -> Result<ChatEvent, TarsError> {
    let f = read_struct(body)?;
    Ok(ChatEvent::Gift(Gift {
        sender: Sender {
            name: f.string(6).unwrap_or_default(),
            uid: uid_string(f.int(4)),
        },
        name: format!("gift {}", f.int(0).unwrap_or(0)),
        count: f.int(2).and_then(|c| u32::try_from(c).ok()).unwrap_or(1),
        price: None,
        sent_ms: None,
    }))
}

fn on_push(push: &Push, out: &mut Decoded) -> Result<(), TarsError> {
    match push.uri {
        wire::URI_MESSAGE => out.events.push(message(&push.body)?),
        wire::URI_GIFT => out.events.push(gift(&push.body)?),
        _ => {}
    }
    Ok(())
}

impl ChatProtocol for HuyaChat {
    fn handshake(&mut self) -> Vec<WsFrame> {
        let groups = wire::groups(self.presenter_uid);
        vec![WsFrame::Binary(wire::register_groups(&groups))]
    }

    fn heartbeat_every(&self) -> Duration {
        HEARTBEAT
    }

    fn heartbeat(&mut self) -> Vec<WsFrame> {
        vec![WsFrame::Binary(wire::heartbeat(self.presenter_uid))]
    }

    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError> {
        let WsFrame::Binary(bytes) = frame else {
            return Err(DecodeError::Malformed {
                protocol: PROTOCOL,
                detail: "text frame on a binary protocol".into(),
            });
        };
        let (cmd, data) = wire::read_command(bytes).map_err(malformed)?;
        let mut out = Decoded::default();
        let pushes = match cmd {
            wire::CMD_PUSH => wire::push_v1(&data).map_err(malformed)?,
            wire::CMD_PUSH_V2 => wire::push_v2(&data).map_err(malformed)?,
            wire::CMD_REGISTER_GROUP_RSP => {
                let code = read_struct(&data).map_err(malformed)?.int(0).unwrap_or(0);
                if code != 0 {
                    return Err(DecodeError::Fatal {
                        protocol: PROTOCOL,
                        detail: format!("group registration refused ({code})"),
                    });
                }
                Vec::new()
            }
            _ => Vec::new(),
        };
        for push in &pushes {
            on_push(push, &mut out).map_err(malformed)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
