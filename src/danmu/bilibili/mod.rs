//! Bilibili live chat: the provider fetches host and token from
//! `getDanmuInfo` before each connect; the protocol sends the auth packet
//! (`uid`, `roomid`, `protover 3`, `buvid`, `key`) and a heartbeat right
//! after it and every 30 s, and reads op 5 commands from plain, zlib
//! (protover 2) and brotli (protover 3) packets.
//!
//! Without a logged-in cookie (`SESSDATA`, with `DedeUserID` for the uid)
//! the site masks sender names (`折***`) and uids (0); with one configured
//! in `cookies` the auth uses the cookie owner's uid and names are real.

pub mod commands;
pub mod dedupe;
pub mod gift_v2;
pub mod packet;
pub mod protowire;

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::json;

use self::dedupe::RecentGifts;
use self::packet::{OP_AUTH, OP_AUTH_REPLY, OP_COMMAND, OP_HEARTBEAT};
use super::protocol::{ChatProtocol, DecodeError, Decoded, WsFrame};
use super::provider::{ChatProvider, Connection, ProviderError};
use crate::config::EffectiveConfig;
use crate::platform::CheckContext;
use crate::platform::bilibili::KeyCache;
use crate::platform::bilibili::chat::danmu_info;

const NAME: &str = "bilibili";
const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// One connection's protocol state.
#[derive(Debug, Clone)]
pub struct BilibiliProtocol {
    pub room_id: u64,
    /// 0 for anonymous viewers.
    pub uid: u64,
    pub buvid: String,
    pub key: String,
    /// Gifts written lately, so one pushed as both `SEND_GIFT` and
    /// `SEND_GIFT_V2` is written once.
    recent_gifts: RecentGifts,
}

impl BilibiliProtocol {
    pub fn new(room_id: u64, uid: u64, buvid: String, key: String) -> Self {
        Self {
            room_id,
            uid,
            buvid,
            key,
            recent_gifts: RecentGifts::default(),
        }
    }
}

fn malformed(detail: String) -> DecodeError {
    DecodeError::Malformed {
        protocol: NAME,
        detail,
    }
}

impl ChatProtocol for BilibiliProtocol {
    fn handshake(&mut self) -> Vec<WsFrame> {
        let auth = json!({
            "uid": self.uid,
            "roomid": self.room_id,
            "protover": 3,
            "buvid": self.buvid,
            "platform": "web",
            "type": 2,
            "key": self.key,
        });
        let mut frames = vec![WsFrame::Binary(packet::encode(
            OP_AUTH,
            auth.to_string().as_bytes(),
        ))];
        frames.extend(self.heartbeat());
        frames
    }

    fn heartbeat_every(&self) -> Duration {
        HEARTBEAT_EVERY
    }

    fn heartbeat(&mut self) -> Vec<WsFrame> {
        vec![WsFrame::Binary(packet::encode(
            OP_HEARTBEAT,
            b"[object Object]",
        ))]
    }

    fn decode(&mut self, frame: &WsFrame) -> Result<Decoded, DecodeError> {
        let WsFrame::Binary(bytes) = frame else {
            return Err(malformed("text frame".into()));
        };
        let mut out = Decoded::default();
        for p in packet::decode(bytes).map_err(malformed)? {
            match p.op {
                OP_AUTH_REPLY => {
                    let v: serde_json::Value = serde_json::from_slice(&p.body)
                        .map_err(|e| malformed(format!("auth reply: {e}")))?;
                    let code = v.get("code").and_then(serde_json::Value::as_i64);
                    if code != Some(0) {
                        return Err(DecodeError::Fatal {
                            protocol: NAME,
                            detail: format!("auth refused: {v}"),
                        });
                    }
                }
                OP_COMMAND => match commands::parse_keyed(&p.body) {
                    Ok(events) => {
                        for k in events {
                            let fresh = k
                                .gift_key
                                .as_deref()
                                .is_none_or(|key| self.recent_gifts.first_time(key));
                            if fresh {
                                out.events.push(k.event);
                            }
                        }
                    }
                    Err(e) => tracing::debug!("bilibili: {e}"),
                },
                _ => {}
            }
        }
        Ok(out)
    }
}

/// `name=value` of a cookie header.
fn cookie<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Fetches the token before each connect.
pub struct BilibiliProvider {
    api_base: String,
    room_id: u64,
    config: EffectiveConfig,
    keys: KeyCache,
}

impl BilibiliProvider {
    pub fn new(api_base: String, room_id: u64, config: &EffectiveConfig) -> Self {
        let mut config = config.clone();
        config.api_base = Some(api_base.clone());
        Self {
            api_base,
            room_id,
            config,
            keys: KeyCache::default(),
        }
    }

    fn protocol(&self, key: String) -> BilibiliProtocol {
        let cookies = self.config.cookies.as_deref().unwrap_or_default();
        BilibiliProtocol::new(
            self.room_id,
            cookie(cookies, "DedeUserID")
                .and_then(|u| u.parse().ok())
                .unwrap_or(0),
            cookie(cookies, "buvid3")
                .map(str::to_string)
                .unwrap_or_else(|| crate::platform::bilibili::buvid3().to_string()),
            key,
        )
    }
}

impl ChatProvider for BilibiliProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Connection, ProviderError>> {
        Box::pin(async move {
            let http =
                crate::platform::http::build(&self.config).map_err(ProviderError::Request)?;
            let ctx = CheckContext {
                url: "",
                http: &http,
                config: &self.config,
            };
            let info = danmu_info(&ctx, &self.keys, self.room_id)
                .await
                .map_err(|e| ProviderError::Request(e.to_string()))?;
            let host = info
                .hosts
                .first()
                .ok_or_else(|| ProviderError::Answer("no chat host".into()))?;
            // A plain-HTTP API origin (a mirror or the test server) means
            // a plain websocket; the real site is always TLS.
            let url = if self.api_base.starts_with("http://") {
                format!("ws://{}:{}/sub", host.host, host.ws_port)
            } else {
                format!("wss://{}:{}/sub", host.host, host.wss_port)
            };
            Ok(Connection {
                url,
                protocol: Box::new(self.protocol(info.token)),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::danmu::message::{ChatEvent, Gift};

    fn proto() -> BilibiliProtocol {
        BilibiliProtocol::new(456, 0, "B-infoc".into(), "tok".into())
    }

    #[test]
    fn handshake_is_auth_then_heartbeat() {
        let frames = proto().handshake();
        let WsFrame::Binary(auth) = &frames[0] else {
            panic!()
        };
        let p = packet::decode(auth).unwrap();
        assert_eq!(p[0].op, OP_AUTH);
        let v: serde_json::Value = serde_json::from_slice(&p[0].body).unwrap();
        assert_eq!(
            (
                v["roomid"].as_u64(),
                v["key"].as_str(),
                v["protover"].as_u64()
            ),
            (Some(456), Some("tok"), Some(3))
        );
        let WsFrame::Binary(hb) = &frames[1] else {
            panic!()
        };
        assert_eq!(packet::decode(hb).unwrap()[0].op, OP_HEARTBEAT);
    }

    #[test]
    fn auth_refusal_is_fatal_and_commands_decode() {
        let mut p = proto();
        let bad = packet::encode_with(0, OP_AUTH_REPLY, br#"{"code":-101}"#);
        assert!(matches!(
            p.decode(&WsFrame::Binary(bad)),
            Err(DecodeError::Fatal { .. })
        ));
        let ok = [
            packet::encode_with(0, OP_AUTH_REPLY, br#"{"code":0}"#),
            packet::encode_with(0, OP_COMMAND, br#"{"cmd":"PREPARING","roomid":"456"}"#),
        ]
        .concat();
        let d = p.decode(&WsFrame::Binary(ok)).unwrap();
        assert_eq!(d.events, vec![ChatEvent::LiveHint { live: false }]);
        assert!(p.decode(&WsFrame::Text("x".into())).is_err());
    }

    fn v2(gifts: &[Vec<u8>], nested: bool) -> Vec<u8> {
        use base64::Engine;
        let pb = gifts.iter().fold(
            gift_v2::tests::Pb::default().int(1, 9).str(2, "g"),
            |p, g| p.bytes(10, g),
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(pb.0);
        let data = if nested {
            json!({"data": {"pb": b64}})
        } else {
            json!({"pb": b64, "dmscore": 0})
        };
        json!({"cmd": "SEND_GIFT_V2", "data": data})
            .to_string()
            .into_bytes()
    }

    fn v1(tid: &str, gift_id: u64) -> Vec<u8> {
        json!({"cmd": "SEND_GIFT", "data": {"giftName": "a", "num": 1, "uname": "g", "uid": 9,
            "timestamp": 1767268812, "giftId": gift_id, "price": 100, "tid": tid}})
        .to_string()
        .into_bytes()
    }

    fn gifts(p: &mut BilibiliProtocol, bodies: &[Vec<u8>]) -> Vec<Gift> {
        let frame: Vec<u8> = bodies
            .iter()
            .flat_map(|b| packet::encode_with(0, OP_COMMAND, b))
            .collect();
        p.decode(&WsFrame::Binary(frame))
            .unwrap()
            .events
            .into_iter()
            .map(|e| match e {
                ChatEvent::Gift(g) => g,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn gift_v2_is_written_once_beside_send_gift_and_every_blind_box_gift_counts() {
        use gift_v2::tests::gift_item;
        let mut p = proto();
        // Legacy then V2 of the same gift (same tid and gift id): once.
        let g = gifts(
            &mut p,
            &[v1("T1", 1), v2(&[gift_item(1, "a", 1, "T1")], false)],
        );
        assert_eq!(g.len(), 1);
        // V2 first, legacy later in another frame: still once.
        assert_eq!(
            gifts(&mut p, &[v2(&[gift_item(1, "a", 1, "T2")], true)]).len(),
            1
        );
        assert!(gifts(&mut p, &[v1("T2", 1)]).is_empty());
        // A blind box: three gifts in one broadcast, all written.
        let boxed = [
            gift_item(31, "x", 1, "B1"),
            gift_item(32, "y", 2, "B2"),
            gift_item(33, "z", 3, "B3"),
        ];
        let g = gifts(&mut p, &[v2(&boxed, false)]);
        assert_eq!(
            g.iter()
                .map(|g| (g.name.as_str(), g.count))
                .collect::<Vec<_>>(),
            [("x", 1), ("y", 2), ("z", 3)]
        );
        assert_eq!(g[1].price, Some(0.2));
        assert_eq!(g[1].sent_ms, Some(1_767_268_812_000));
        assert_eq!(
            (g[0].sender.name.as_str(), g[0].sender.uid.as_deref()),
            ("g", Some("9"))
        );
        // Without a tid nothing is deduped; a new connection starts afresh.
        assert_eq!(gifts(&mut p, &[v1("", 1), v1("", 1)]).len(), 2);
        assert_eq!(gifts(&mut proto(), &[v1("T1", 1)]).len(), 1);
        // A broken V2 body loses only itself, not the frame's other commands.
        let broken = br#"{"cmd":"SEND_GIFT_V2","data":{"pb":"CAES"}}"#.to_vec();
        assert_eq!(gifts(&mut p, &[broken, v1("T9", 1)]).len(), 1);
    }

    #[test]
    fn cookie_owner_and_buvid_come_from_cookies() {
        let mut c = EffectiveConfig::defaults("/tmp".into());
        c.cookies = Some("SESSDATA=s; DedeUserID=77; buvid3=MINE".into());
        let p = BilibiliProvider::new("http://x".into(), 1, &c).protocol("k".into());
        assert_eq!((p.uid, p.buvid.as_str()), (77, "MINE"));
    }
}
