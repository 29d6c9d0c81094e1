//! Bilibili chat emulation: `GET /sites/bilibili/xlive/web-room/v1/index/getDanmuInfo?id=`
//! (`bilibili.danmu_info`) answers a token and this server as the only
//! host; `GET /sub` is the chat websocket (`bilibili.chat`). It expects the
//! auth packet (op 7, `key` = the token) first and answers op 8 `code 0`
//! (`-101` for a wrong key, then closes); answers heartbeats (op 2,
//! counted as `bilibili.heartbeat`) with op 3; and sends the room's
//! scripted chat as `DANMU_MSG` (every fifth a gift step of
//! [`super::bilibili_gift`]: `SEND_GIFT`, `SEND_GIFT_V2`, both for one
//! gift, or a three-gift blind box; the third of every ten a
//! `SUPER_CHAT_MESSAGE`, the seventh a `GUARD_BUY`), cycling through plain
//! (ver 0), zlib (ver 2) and brotli (ver 3) frames. Honours
//! the room's chat pause, forced disconnect (`POST /control/{id}/chat_disconnect`)
//! and flood (`POST /control/{id}/chat_flood {"count":N}`: N messages at
//! once, batched 100 per zlib frame). Sent messages count in `chat_sent`
//! (a gift sent as both `SEND_GIFT` and `SEND_GIFT_V2` once, each gift of
//! a blind box once); gifts also count in the site stat `bilibili.gift_sent`.
//! A message pushed with `Room::send_chat` (`POST /control/{id}/chat`) that
//! has a `cmd` field is sent as is, as one plain command packet (`LIVE`,
//! `PREPARING`, anything recorded); it is not counted.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::bilibili_gift::{Scripted, gift_step};
use crate::room::Room;
use crate::shared::Shared;

/// `getDanmuInfo`.
pub(crate) async fn danmu_info(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    shared.count_site("bilibili.danmu_info", 1);
    let id = q.get("id").cloned().unwrap_or_default();
    let url = shared.settings.base_url.clone();
    let hostport = url.trim_start_matches("http://");
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
    let port: u16 = port.trim_end_matches('/').parse().unwrap_or(80);
    let body = json!({
        "code": 0, "message": "0", "ttl": 1,
        "data": {
            "group": "live", "business_id": 0, "refresh_row_factor": 0.125, "refresh_rate": 100,
            "max_delay": 5000, "token": token(&id),
            "host_list": [{"host": host, "port": port, "wss_port": port, "ws_port": port}]
        }
    });
    super::json(StatusCode::OK, body.to_string())
}

fn token(room: &str) -> String {
    format!("fake-token-{room}")
}

fn packet(ver: u16, op: u32, body: &[u8]) -> Vec<u8> {
    let len = (16 + body.len()) as u32;
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&16u16.to_be_bytes());
    out.extend_from_slice(&ver.to_be_bytes());
    out.extend_from_slice(&op.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn zlib(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(b);
    e.finish().unwrap_or_default()
}

fn brotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 3, 22);
        let _ = w.write_all(b);
    }
    out
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The `n`-th scripted step's command bodies (recorded shapes, trimmed).
pub(crate) fn script(n: u64) -> Scripted {
    if n.is_multiple_of(5) {
        return gift_step(n / 5, 1000 + n % 7, unix_ms());
    }
    Scripted {
        bodies: vec![command(n)],
        messages: 1,
        gifts: 0,
    }
}

/// The `n`-th scripted command body when it is not a gift.
fn command(n: u64) -> String {
    let uid = 1000 + n % 7;
    if n % 10 == 3 {
        let now = unix_ms() / 1000;
        json!({"cmd": "SUPER_CHAT_MESSAGE", "data": {"id": n, "uid": uid, "price": 30,
            "message": format!("sc {n}"), "message_trans": "", "start_time": now, "end_time": now + 60,
            "time": 60, "user_info": {"uname": format!("u{uid}"), "face": "", "guard_level": 3}}})
        .to_string()
    } else if n % 10 == 7 {
        json!({"cmd": "GUARD_BUY", "data": {"uid": uid, "username": format!("u{uid}"), "guard_level": 3,
            "num": 1, "price": 198000, "gift_name": "舰长", "start_time": unix_ms() / 1000}})
        .to_string()
    } else {
        let ts = unix_ms();
        json!({"cmd": "DANMU_MSG:4:0:2:2:2:0", "info": [
            [0, 1, 25, 16777215, ts, 12, 0, "abc", 0, 0, 0, "", 0, "{}", "{}", {"extra": "{}"}],
            format!("hello {n} <&>"), [uid, format!("u{uid}"), 0, 0, 0, 10000, 1, ""], [], [5, 0, 9868950, ">50000"],
            ["", ""], 0, 0, null, {"ts": ts / 1000, "ct": "X"}, 0, 0, null, null, 0, 7]})
        .to_string()
    }
}

/// The `n`-th step's command packets, one after another.
fn packets(s: &Scripted) -> Vec<u8> {
    s.bodies
        .iter()
        .flat_map(|b| packet(0, 5, b.as_bytes()))
        .collect()
}

/// The `n`-th step in its frame's encoding (plain, zlib, brotli in turn),
/// with its message and gift counts.
fn frame(n: u64) -> (Vec<u8>, u64, u64) {
    let s = script(n);
    let p = packets(&s);
    let f = match n % 3 {
        0 => p,
        1 => packet(2, 5, &zlib(&p)),
        _ => packet(3, 5, &brotli(&p)),
    };
    (f, s.messages, s.gifts)
}

/// Sends `count` scripted steps batched 100 per zlib frame: the messages
/// and gifts sent, and false if the socket failed.
async fn send_flood(socket: &mut WebSocket, n: &mut u64, count: u64) -> (u64, u64, bool) {
    let (mut messages, mut gifts, mut left) = (0, 0, count);
    while left > 0 {
        let batch = left.min(100);
        let (mut plain, mut m, mut g) = (Vec::new(), 0, 0);
        for _ in 0..batch {
            *n += 1;
            let s = script(*n);
            plain.extend(packets(&s));
            m += s.messages;
            g += s.gifts;
        }
        let frame = packet(2, 5, &zlib(&plain));
        if socket.send(Message::Binary(frame.into())).await.is_err() {
            return (messages, gifts, false);
        }
        messages += m;
        gifts += g;
        left -= batch;
    }
    (messages, gifts, true)
}

pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    shared.count_site("bilibili.chat", 1);
    let interval = shared.settings.chat_interval;
    ws.on_upgrade(move |socket| run(socket, shared, interval))
}

/// Reads the auth packet: the room it names, if the key is right.
fn auth(bytes: &[u8], shared: &Shared) -> Result<Room, ()> {
    if bytes.len() < 16 || u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) != 7 {
        return Err(());
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes[16..]).map_err(|_| ())?;
    let room = v["roomid"].as_u64().ok_or(())?.to_string();
    if v["key"].as_str() != Some(token(&room).as_str()) {
        return Err(());
    }
    shared.room(&room).ok_or(())
}

async fn run(mut socket: WebSocket, shared: Arc<Shared>, interval: Duration) {
    let first = tokio::time::timeout(Duration::from_secs(5), socket.recv()).await;
    let Ok(Some(Ok(Message::Binary(b)))) = first else {
        return;
    };
    let Ok(room) = auth(&b, &shared) else {
        let _ = socket
            .send(Message::Binary(packet(0, 8, br#"{"code":-101}"#).into()))
            .await;
        return;
    };
    if socket
        .send(Message::Binary(packet(0, 8, br#"{"code":0}"#).into()))
        .await
        .is_err()
    {
        return;
    }
    let mut kick = room.inner.chat_kick.subscribe();
    let mut pushed = room.inner.chat.subscribe();
    let mut ticker = tokio::time::interval(interval.max(Duration::from_millis(10)));
    let mut n = 0u64;
    loop {
        let out: Vec<u8> = tokio::select! {
            _ = shared.cancel.cancelled() => return,
            _ = kick.changed() => return,
            msg = pushed.recv() => match msg {
                Ok(text) if text.contains("\"cmd\"") => packet(0, 5, text.as_bytes()),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            },
            _ = ticker.tick() => {
                let flood = room.inner.chat_flood.swap(0, Ordering::SeqCst);
                if flood > 0 {
                    // Counted once the whole flood is out, so a test that
                    // waits for the flood never reads a count from its middle.
                    let (messages, gifts, ok) = send_flood(&mut socket, &mut n, flood).await;
                    room.inner.chat_sent.fetch_add(messages, Ordering::SeqCst);
                    shared.count_site("bilibili.gift_sent", gifts);
                    if !ok {
                        return;
                    }
                    continue;
                }
                if interval.is_zero() || room.inner.chat_paused.load(Ordering::SeqCst) {
                    continue;
                }
                n += 1;
                let (f, messages, gifts) = frame(n);
                if socket.send(Message::Binary(f.into())).await.is_err() {
                    return;
                }
                room.inner.chat_sent.fetch_add(messages, Ordering::SeqCst);
                if gifts > 0 {
                    shared.count_site("bilibili.gift_sent", gifts);
                }
                continue;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Binary(b))) if b.len() >= 16 && b[11] == 2 => {
                    shared.count_site("bilibili.heartbeat", 1);
                    packet(1, 3, &1234u32.to_be_bytes())
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        if socket.send(Message::Binary(out.into())).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_cycle_encodings() {
        let ver = |n| {
            let f = super::frame(n).0;
            u16::from_be_bytes([f[6], f[7]])
        };
        assert_eq!((ver(3), ver(1), ver(2)), (0, 2, 3));
        // Every fifth step is a gift step; the fourth of them a blind box.
        assert_eq!(super::frame(15).1, 3);
        assert_eq!((super::frame(10).1, super::frame(10).2), (1, 1));
        assert_eq!(super::frame(11).2, 0);
    }
}
