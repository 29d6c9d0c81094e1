//! Twitch chat emulation: IRC over websocket at `GET /sites/twitch/chat`.
//!
//! Answers `CAP REQ` with `CAP * ACK`, `NICK` with the 001/376 welcome,
//! `JOIN #login` with JOIN/353/366/ROOMSTATE, and a client `PING` with
//! `PONG`. Scripted messages ([`super::chat_common`]) become PRIVMSG with
//! tags (odd messages `color=#1E90FF`, even ones an empty colour), gifts
//! become `USERNOTICE msg-id=sub` (tier 1), and every sixth non-gift
//! message a `CLEARCHAT #login :user`. After the opening burst the server
//! sends `PING :tmi.twitch.tv` and counts the client's `PONG`.
//! Counters: `twitch.chat_join`, `.chat_sent`, `.chat_msg`, `.chat_sub`,
//! `.chat_clear`, `.chat_ping` (client PINGs), `.chat_pong` (answers to
//! the server's PING), `.chat_drop`; `chat_drop` says `RECONNECT` first.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;

use super::chat_common::{ClientStep, Scripted, SiteChat, run, unix_ms};
use crate::shared::Shared;

pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    shared.count_site("twitch.chat", 1);
    ws.on_upgrade(move |socket| run(socket, shared, TwitchChat::default()))
}

#[derive(Default)]
struct TwitchChat {
    nick: Option<String>,
    channel: String,
}

fn text(lines: &[String]) -> Message {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    Message::Text(s.into())
}

impl TwitchChat {
    fn line(&self, s: &Scripted, ts: u64) -> String {
        let ch = &self.channel;
        let (user, uid, n) = (&s.user, s.uid, s.n);
        if s.gift.is_some() {
            return format!(
                "@badge-info=subscriber/1;badges=subscriber/0;color=;display-name={user};emotes=;flags=;id=00000000-0000-0000-0000-{n:012};login={user};mod=0;msg-id=sub;msg-param-cumulative-months=1;msg-param-months=0;msg-param-multimonth-duration=1;msg-param-multimonth-tenure=0;msg-param-should-share-streak=0;msg-param-sub-plan-name=Channel\\sSubscription;msg-param-sub-plan=1000;msg-param-was-gifted=false;room-id=1337;subscriber=1;system-msg={user}\\ssubscribed\\sat\\sTier\\s1.;tmi-sent-ts={ts};user-id={uid};user-type= :tmi.twitch.tv USERNOTICE #{ch}"
            );
        }
        if n.is_multiple_of(6) {
            return format!(
                "@ban-duration=600;room-id=1337;target-user-id={uid};tmi-sent-ts={ts} :tmi.twitch.tv CLEARCHAT #{ch} :{user}"
            );
        }
        let color = if n % 2 == 1 { "#1E90FF" } else { "" };
        format!(
            "@badge-info=;badges=;client-nonce=n{n};color={color};display-name={user};emotes=;first-msg=0;flags=;id=00000000-0000-0000-0000-{n:012};mod=0;returning-chatter=0;room-id=1337;subscriber=0;tmi-sent-ts={ts};turbo=0;user-id={uid};user-type= :{user}!{user}@{user}.tmi.twitch.tv PRIVMSG #{ch} :{}",
            s.text
        )
    }
}

impl SiteChat for TwitchChat {
    fn name(&self) -> &'static str {
        "twitch"
    }

    fn kind(&self, s: &Scripted) -> &'static str {
        if s.gift.is_some() {
            "sub"
        } else if s.n.is_multiple_of(6) {
            "clear"
        } else {
            "msg"
        }
    }

    fn on_client(&mut self, shared: &Shared, msg: Message) -> ClientStep {
        let mut step = ClientStep::default();
        let Message::Text(body) = msg else {
            return step;
        };
        let mut out = Vec::new();
        for raw in body.as_str().split('\n') {
            let line = raw.trim_end_matches('\r');
            let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
            match cmd.to_ascii_uppercase().as_str() {
                "CAP" => {
                    let caps = rest.split_once(':').map_or("", |(_, c)| c);
                    out.push(format!(":tmi.twitch.tv CAP * ACK :{caps}"));
                }
                "NICK" => {
                    let nick = rest.trim().to_ascii_lowercase();
                    out.push(format!(":tmi.twitch.tv 001 {nick} :Welcome, GLHF!"));
                    out.push(format!(":tmi.twitch.tv 376 {nick} :>"));
                    self.nick = Some(nick);
                }
                "JOIN" => {
                    let Some(nick) = self.nick.clone() else {
                        continue;
                    };
                    self.channel = rest.trim().trim_start_matches('#').to_ascii_lowercase();
                    let ch = &self.channel;
                    out.push(format!(":{nick}!{nick}@{nick}.tmi.twitch.tv JOIN #{ch}"));
                    out.push(format!(":{nick}.tmi.twitch.tv 353 {nick} = #{ch} :{nick}"));
                    out.push(format!(
                        ":{nick}.tmi.twitch.tv 366 {nick} #{ch} :End of /NAMES list"
                    ));
                    out.push(format!("@emote-only=0;followers-only=-1;r9k=0;room-id=1337;slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE #{ch}"));
                    step.join = Some(ch.clone());
                }
                "PING" => {
                    shared.count_site("twitch.chat_ping", 1);
                    let arg = rest.trim_start_matches(':');
                    out.push(format!(":tmi.twitch.tv PONG tmi.twitch.tv :{arg}"));
                }
                "PONG" => shared.count_site("twitch.chat_pong", 1),
                _ => {}
            }
        }
        if !out.is_empty() {
            step.replies.push(text(&out));
        }
        step
    }

    fn encode(&mut self, batch: &[Scripted]) -> Vec<Message> {
        let ts = unix_ms();
        let lines: Vec<String> = batch.iter().map(|s| self.line(s, ts)).collect();
        vec![text(&lines)]
    }

    fn after_burst(&mut self) -> Vec<Message> {
        vec![text(&["PING :tmi.twitch.tv".to_string()])]
    }

    fn goodbye(&mut self) -> Vec<Message> {
        vec![text(&[":tmi.twitch.tv RECONNECT".to_string()])]
    }
}
