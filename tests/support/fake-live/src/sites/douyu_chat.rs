//! Douyu chat emulation: STT packets over websocket at
//! `GET /sites/douyu/chat`.
//!
//! Packets are `u32 len | u32 len | u16 type | 0 | 0 | STT | 0` in
//! little-endian (`len` = STT + 9; client type 689, server 690); client
//! packets may arrive several per frame or split. `loginreq` is answered
//! with `loginres`, `joingroup` (gid -9999) starts the chat; scripted
//! messages ([`super::chat_common`]) become `chatmsg` (odd `col@=0`, even
//! `col@=2`) and gifts `dgb` with `gfid@=824`. Server frames pack two
//! packets, and a two-message frame starting at message 3, 7, 11, ... is
//! split in two websocket frames mid-packet. Counters: `douyu.chat_join`,
//! `.chat_sent`, `.chat_msg`, `.chat_gift`, `.chat_mrkl` (keep-alives),
//! `.chat_drop`.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;

use super::chat_common::{ClientStep, Scripted, SiteChat, run, unix_ms};
use crate::shared::Shared;

const SERVER: u16 = 690;

pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    shared.count_site("douyu.chat", 1);
    ws.on_upgrade(move |socket| run(socket, shared, DouyuChat::default()))
}

#[derive(Default)]
struct DouyuChat {
    buf: Vec<u8>,
    rid: String,
}

fn esc(s: &str) -> String {
    s.replace('@', "@A").replace('/', "@S")
}

fn packet(stt: &str) -> Vec<u8> {
    let len = (stt.len() + 9) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&SERVER.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(stt.as_bytes());
    out.push(0);
    out
}

/// `key@=value/` pairs of one packet body (values unescaped).
fn fields(stt: &str) -> Vec<(String, String)> {
    stt.trim_end_matches('\0')
        .split('/')
        .filter_map(|kv| kv.split_once("@="))
        .map(|(k, v)| (k.to_string(), v.replace("@S", "/").replace("@A", "@")))
        .collect()
}

impl DouyuChat {
    /// Whole client packets buffered so far.
    fn packets(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while self.buf.len() >= 12 {
            let len =
                u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
            if !(8..=65_536).contains(&len) {
                self.buf.clear();
                break;
            }
            if self.buf.len() < len + 4 {
                break;
            }
            out.push(String::from_utf8_lossy(&self.buf[12..len + 4]).into_owned());
            self.buf.drain(..len + 4);
        }
        out
    }

    fn stt(&self, s: &Scripted, ts: u64) -> String {
        let rid = &self.rid;
        let (uid, user, n) = (s.uid, esc(&s.user), s.n);
        match s.gift {
            Some(count) => format!(
                "type@=dgb/rid@={rid}/gfid@=824/gs@=0/uid@={uid}/nn@={user}/bcnt@=1/gfcnt@={count}/hits@={count}/eid@=0/"
            ),
            None => {
                let col = if n % 2 == 1 { 0 } else { 2 };
                format!(
                    "type@=chatmsg/rid@={rid}/ct@=0/uid@={uid}/nn@={user}/txt@={}/cid@={n:032x}/ic@=avatar_v3@S202301@Sdefault/level@=12/sahf@=0/nl@=0/cst@={ts}/bnn@=/bl@=0/brid@=0/hc@=/el@=/lk@=/urlev@=1/dms@=3/pdg@=30/pdk@=98/ext@=/col@={col}/",
                    esc(&s.text)
                )
            }
        }
    }
}

impl SiteChat for DouyuChat {
    fn name(&self) -> &'static str {
        "douyu"
    }

    fn on_client(&mut self, shared: &Shared, msg: Message) -> ClientStep {
        let mut step = ClientStep::default();
        let Message::Binary(bytes) = msg else {
            return step;
        };
        self.buf.extend_from_slice(&bytes);
        for body in self.packets() {
            let f = fields(&body);
            let get = |k: &str| f.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
            match get("type").as_deref() {
                Some("loginreq") => {
                    self.rid = get("roomid").unwrap_or_default();
                    step.replies.push(Message::Binary(
                        packet("type@=loginres/userid@=0/roomgroup@=0/pg@=0/sessionid@=0/username@=/nickname@=/live_stat@=0/is_illegal@=0/ill_ct@=/ill_ts@=0/now@=0/ps@=0/es@=0/it@=0/its@=0/npv@=0/best_dlev@=0/cur_lev@=0/nrc@=0/ih@=0/sid@=0/sahf@=0/").into(),
                    ));
                }
                Some("joingroup") if get("gid").as_deref() == Some("-9999") => {
                    step.join = get("rid");
                }
                Some("mrkl") => shared.count_site("douyu.chat_mrkl", 1),
                _ => {}
            }
        }
        step
    }

    fn encode(&mut self, batch: &[Scripted]) -> Vec<Message> {
        let ts = unix_ms();
        let mut bytes = Vec::new();
        for s in batch {
            bytes.extend(packet(&self.stt(s, ts)));
        }
        let split = batch.len() == 2 && batch[0].n % 4 == 3;
        if split {
            let mid = bytes.len() / 2 + 1;
            let tail = bytes.split_off(mid);
            return vec![Message::Binary(bytes.into()), Message::Binary(tail.into())];
        }
        vec![Message::Binary(bytes.into())]
    }
}
