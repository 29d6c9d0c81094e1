//! Huya chat emulation: TARS commands over websocket at
//! `GET /sites/huya/chat`.
//!
//! A `WebSocketCommand {0 iCmdType, 1 vData}` with type 16
//! (`WSRegisterGroupReq {0 vGroupId}`) naming `chat:<presenter uid>` joins
//! the room whose presenter uid is `1199000` + its id (as the room page
//! says) and is answered with type 17 `{0 iResCode = 0}`; an unknown
//! presenter gets `iResCode = -1`. Type 3 (WUP) frames holding
//! `OnUserHeartBeat` count as heartbeats. Scripted messages
//! ([`super::chat_common`]) are pushed as type 22 `WSPushMessage_V2
//! {0 sGroupId, 1 vMsgItem [{0 lUri, 1 sMsg, 2 lMsgId}]}`: uri 1400
//! `MessageNotice` (sender `{0 lUid, 2 sNickName}`, 3 sContent, bullet
//! format 6 `{0 iFontColor}`: -1 for odd messages, 0xFF8800 for even) and
//! gifts as uri 6501 `SendItemSubBroadcastPacket` (item type 4).
//! Counters: `huya.chat_join`, `.chat_sent`, `.chat_msg`, `.chat_gift`,
//! `.chat_heartbeat`, `.chat_drop`.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;

use super::chat_common::{ClientStep, Scripted, SiteChat, run};
use super::tars_lite::{F, W, fields};
use crate::shared::Shared;

/// The presenter uid of a fake room is this prefix + the room id.
const UID_PREFIX: &str = "1199000";

pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    shared.count_site("huya.chat", 1);
    ws.on_upgrade(move |socket| run(socket, shared, HuyaChat::default()))
}

#[derive(Default)]
struct HuyaChat {
    group: String,
    presenter: i64,
}

fn command(cmd: i64, data: &[u8]) -> Message {
    let mut w = W::default();
    w.int(0, cmd).bytes(1, data);
    Message::Binary(w.0.into())
}

fn get(f: &[(u8, F)], tag: u8) -> Option<&F> {
    f.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
}

impl HuyaChat {
    fn notice(&self, s: &Scripted) -> Vec<u8> {
        let color = if s.n % 2 == 1 { -1 } else { 0xFF8800 };
        let mut w = W::default();
        w.begin(0)
            .int(0, s.uid as i64)
            .int(1, s.uid as i64)
            .str(2, &s.user)
            .int(3, 1)
            .str(4, "")
            .int(5, 0)
            .end()
            .int(1, 0)
            .int(2, 0)
            .str(3, &s.text)
            .int(4, 0)
            .begin(5)
            .int(0, -1)
            .end()
            .begin(6)
            .int(0, color)
            .int(1, 4)
            .int(2, 0)
            .end()
            .int(7, 0);
        w.0
    }

    fn gift(&self, s: &Scripted, count: u32) -> Vec<u8> {
        let mut w = W::default();
        w.int(0, 4)
            .str(1, "")
            .int(2, i64::from(count))
            .int(3, self.presenter)
            .int(4, s.uid as i64)
            .str(5, "")
            .str(6, &s.user)
            .str(7, "")
            .int(8, i64::from(count))
            .int(9, 1);
        w.0
    }
}

impl SiteChat for HuyaChat {
    fn name(&self) -> &'static str {
        "huya"
    }

    fn on_client(&mut self, shared: &Shared, msg: Message) -> ClientStep {
        let mut step = ClientStep::default();
        let Message::Binary(bytes) = msg else {
            return step;
        };
        let cmd = fields(&bytes);
        let data = match get(&cmd, 1) {
            Some(F::Bytes(b)) => b.clone(),
            _ => Vec::new(),
        };
        match get(&cmd, 0) {
            Some(F::Int(16)) => {
                let groups = match get(&fields(&data), 0) {
                    Some(F::Strings(g)) => g.clone(),
                    _ => Vec::new(),
                };
                let room = groups
                    .iter()
                    .filter_map(|g| g.strip_prefix("chat:"))
                    .find_map(|uid| uid.strip_prefix(UID_PREFIX).map(|id| (uid, id)))
                    .filter(|(_, id)| shared.room(id).is_some());
                let mut rsp = W::default();
                match room {
                    Some((uid, id)) => {
                        rsp.int(0, 0);
                        self.group = format!("chat:{uid}");
                        self.presenter = uid.parse().unwrap_or(0);
                        step.join = Some(id.to_string());
                    }
                    None => {
                        rsp.int(0, -1);
                    }
                }
                step.replies.push(command(17, &rsp.0));
            }
            Some(F::Int(3)) => {
                let hb = b"OnUserHeartBeat";
                if data.windows(hb.len()).any(|w| w == hb) {
                    shared.count_site("huya.chat_heartbeat", 1);
                }
            }
            _ => {}
        }
        step
    }

    fn encode(&mut self, batch: &[Scripted]) -> Vec<Message> {
        let mut w = W::default();
        w.str(0, &self.group).list(1, batch.len());
        for s in batch {
            let (uri, body) = match s.gift {
                Some(count) => (6501, self.gift(s, count)),
                None => (1400, self.notice(s)),
            };
            w.begin(0)
                .int(0, uri)
                .bytes(1, &body)
                .int(2, s.n as i64)
                .end();
        }
        vec![command(22, &w.0)]
    }
}
