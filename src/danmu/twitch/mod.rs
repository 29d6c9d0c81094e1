//! Twitch chat: IRC over websocket (`wss://irc-ws.chat.twitch.tv:443`),
//! logged in anonymously as `justinfan<digits>` with the tags and commands
//! capabilities, so PRIVMSG carries display names, colours and send times
//! and USERNOTICE/CLEARCHAT/RECONNECT arrive. One frame may hold several
//! CRLF-separated lines.

pub mod irc;

use std::time::Duration;

use super::message::{ChatEvent, Comment, Gift, Guard, Sender};
use super::protocol::{ChatProtocol, DecodeError, Decoded, WsFrame};
use irc::Line;

const PROTOCOL: &str = "twitch";

/// Twitch's server pings about every five minutes and answers a client
/// PING too; a client ping every minute notices a dead link sooner.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// One anonymous connection to one channel's chat.
pub struct TwitchChat {
    login: String,
    nick: String,
}

impl TwitchChat {
    /// Chat of the channel `login` (any case; `#` optional).
    pub fn new(login: &str) -> TwitchChat {
        let n: u32 = rand::random_range(10_000..100_000_000);
        TwitchChat::with_nick(login, &format!("justinfan{n}"))
    }

    /// As [`TwitchChat::new`] with a fixed nick (tests).
    pub fn with_nick(login: &str, nick: &str) -> TwitchChat {
        TwitchChat {
            login: login.trim_start_matches('#').to_ascii_lowercase(),
            nick: nick.to_string(),
        }
    }

    fn text(line: &str) -> WsFrame {
        WsFrame::Text(line.to_string())
    }
}

impl ChatProtocol for TwitchChat {
    fn handshake(&mut self) -> Vec<WsFrame> {
        vec![
            Self::text("CAP REQ :twitch.tv/tags twitch.tv/commands"),
            Self::text("PASS SCHMOOPIIE"),
            Self::text(&format!("NICK {}", self.nick)),
            Self::text(&format!("JOIN #{}", self.login)),
        ]
    }

    fn heartbeat_every(&self) -> Duration {
        HEARTBEAT
    }

    fn heartbeat(&mut self) -> Vec<WsFrame> {
        vec![Self::text("PING :tmi.twitch.tv")]
    }

    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError> {
        let text = match frame {
            WsFrame::Text(t) => t.as_str(),
            WsFrame::Binary(b) => std::str::from_utf8(b).map_err(|e| DecodeError::Malformed {
                protocol: PROTOCOL,
                detail: format!("binary frame is not UTF-8: {e}"),
            })?,
        };
        let mut out = Decoded::default();
        for raw in text.split('\n') {
            if let Some(line) = irc::parse(raw) {
                on_line(&line, &mut out)?;
            }
        }
        Ok(out)
    }
}

fn sender(line: &Line) -> Sender {
    let name = line
        .tag("display-name")
        .or(line.tag("login"))
        .or(line.nick.as_deref())
        .unwrap_or_default();
    Sender {
        name: name.to_string(),
        uid: line.tag("user-id").map(str::to_string),
    }
}

fn sent_ms(line: &Line) -> Option<i64> {
    line.tag("tmi-sent-ts").and_then(|t| t.parse().ok())
}

/// `#RRGGBB` → 0xRRGGBB; white when absent or malformed.
fn color(line: &Line) -> u32 {
    line.tag("color")
        .and_then(|c| c.strip_prefix('#'))
        .filter(|c| c.len() == 6)
        .and_then(|c| u32::from_str_radix(c, 16).ok())
        .unwrap_or(0xFF_FF_FF)
}

fn comment(line: &Line, text: &str) -> ChatEvent {
    // `/me` messages arrive as CTCP ACTION.
    let text = text
        .strip_prefix("\u{1}ACTION ")
        .map(|t| t.trim_end_matches('\u{1}'))
        .unwrap_or(text);
    ChatEvent::Comment(Comment {
        sender: sender(line),
        text: text.to_string(),
        mode: 1,
        size: 25,
        color: color(line),
        sent_ms: sent_ms(line),
    })
}

fn count_tag(line: &Line, key: &str) -> Option<u32> {
    line.tag(key).and_then(|v| v.parse().ok())
}

/// Sub plan → tier (Prime counts as tier 1).
fn tier(line: &Line) -> u8 {
    match line.tag("msg-param-sub-plan") {
        Some("2000") => 2,
        Some("3000") => 3,
        _ => 1,
    }
}

fn on_usernotice(line: &Line, out: &mut Decoded) {
    match line.tag("msg-id").unwrap_or_default() {
        "sub" | "resub" => out.events.push(ChatEvent::Guard(Guard {
            sender: sender(line),
            level: tier(line),
            count: count_tag(line, "msg-param-multimonth-duration")
                .filter(|&n| n > 0)
                .unwrap_or(1),
            sent_ms: sent_ms(line),
        })),
        id @ ("subgift" | "submysterygift" | "anonsubgift") => {
            let count = if id == "submysterygift" {
                count_tag(line, "msg-param-mass-gift-count").unwrap_or(1)
            } else {
                1
            };
            out.events.push(ChatEvent::Gift(Gift {
                sender: sender(line),
                name: format!("Tier {} sub", tier(line)),
                count,
                price: None,
                sent_ms: sent_ms(line),
            }));
        }
        _ => {
            if let Some(text) = line.tag("system-msg") {
                out.events.push(ChatEvent::Notice {
                    text: text.to_string(),
                });
            }
        }
    }
    // A resub may carry the subscriber's own message.
    if let Some(text) = line.param(1).filter(|t| !t.is_empty()) {
        out.events.push(comment(line, text));
    }
}

fn on_line(line: &Line, out: &mut Decoded) -> Result<(), DecodeError> {
    match line.command.as_str() {
        "PING" => {
            let arg = line.param(0).unwrap_or("tmi.twitch.tv");
            out.replies.push(WsFrame::Text(format!("PONG :{arg}")));
        }
        "PRIVMSG" => {
            let text = line.param(1).unwrap_or_default();
            out.events.push(comment(line, text));
            if let Some(bits) = count_tag(line, "bits").filter(|&b| b > 0) {
                out.events.push(ChatEvent::Gift(Gift {
                    sender: sender(line),
                    name: "bits".into(),
                    count: bits,
                    price: Some(f64::from(bits) / 100.0),
                    sent_ms: sent_ms(line),
                }));
            }
        }
        "USERNOTICE" => on_usernotice(line, out),
        "CLEARCHAT" => out.events.push(ChatEvent::Clear {
            user: line.param(1).filter(|u| !u.is_empty()).map(str::to_string),
        }),
        "RECONNECT" => out.events.push(ChatEvent::Reconnect),
        "NOTICE" => {
            let text = line.param(1).unwrap_or_default();
            if text.contains("Login authentication failed")
                || text.contains("Improperly formatted auth")
            {
                return Err(DecodeError::Fatal {
                    protocol: PROTOCOL,
                    detail: text.to_string(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
