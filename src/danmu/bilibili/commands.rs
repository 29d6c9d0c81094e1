//! Bilibili `op 5` command bodies (`{"cmd": ...}` JSON) turned into
//! [`ChatEvent`]s: `DANMU_MSG`, `SUPER_CHAT_MESSAGE`, `SEND_GIFT`,
//! `SEND_GIFT_V2` (protobuf, see [`super::gift_v2`]), `GUARD_BUY`, and
//! `LIVE`/`PREPARING` as live hints. `cmd` may carry suffixes
//! (`DANMU_MSG:4:0:2:2:2:0`), so the part before `:` is matched. Other
//! commands (entries, rank updates, ...) are ignored. Gifts carry their
//! dedupe key (`tid` + gift id) so the connection writes a gift pushed as
//! both `SEND_GIFT` and `SEND_GIFT_V2` once.

use serde_json::Value;

use super::dedupe::RecentGifts;
use super::gift_v2;
use crate::danmu::message::{ChatEvent, Comment, Gift, Guard, Sender, SuperChat};

/// One event of a command, with the key that dedupes it (gifts with a tid).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed {
    pub event: ChatEvent,
    pub gift_key: Option<String>,
}

impl From<ChatEvent> for Keyed {
    fn from(event: ChatEvent) -> Self {
        Self {
            event,
            gift_key: None,
        }
    }
}

/// A number or numeric string as text (uids come as either).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn u32_of(v: &Value, default: u32) -> u32 {
    num(v)
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.min(u32::MAX as f64) as u32)
        .unwrap_or(default)
}

/// Seconds (as the site sends them) to ms.
fn secs_ms(v: &Value) -> Option<i64> {
    num(v)
        .filter(|n| n.is_finite() && *n > 0.0 && *n < 1e11)
        .map(|n| (n * 1000.0) as i64)
}

/// The events of one command body (none for commands not kept), without
/// their dedupe keys.
pub fn parse(body: &[u8]) -> Result<Vec<ChatEvent>, String> {
    Ok(parse_keyed(body)?.into_iter().map(|k| k.event).collect())
}

/// The events of one command body with their gift dedupe keys.
pub fn parse_keyed(body: &[u8]) -> Result<Vec<Keyed>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("command JSON: {e}"))?;
    let cmd = v.get("cmd").and_then(Value::as_str).unwrap_or_default();
    let cmd = cmd.split(':').next().unwrap_or_default();
    let one = |e: ChatEvent| vec![Keyed::from(e)];
    Ok(match cmd {
        "DANMU_MSG" => danmu(&v["info"]).into_iter().map(Keyed::from).collect(),
        "SUPER_CHAT_MESSAGE" => one(super_chat(&v["data"])),
        "SEND_GIFT" => vec![gift(&v["data"])],
        "SEND_GIFT_V2" => gifts_v2(&v["data"])?,
        "GUARD_BUY" => one(guard(&v["data"])),
        "LIVE" => one(ChatEvent::LiveHint { live: true }),
        "PREPARING" => one(ChatEvent::LiveHint { live: false }),
        _ => Vec::new(),
    })
}

/// `info[0]` = [_, mode, size, color, ts_ms, ...], `info[1]` = text,
/// `info[2]` = [uid, uname, ...].
fn danmu(info: &Value) -> Option<ChatEvent> {
    let meta = &info[0];
    let mode = u32_of(&meta[1], 1);
    Some(ChatEvent::Comment(Comment {
        sender: Sender {
            name: text(&info[2][1]),
            uid: id_text(&info[2][0]),
        },
        text: info[1].as_str()?.to_string(),
        mode: if (1..=8).contains(&mode) {
            mode as u8
        } else {
            1
        },
        size: u8::try_from(u32_of(&meta[2], 25)).unwrap_or(25),
        color: u32_of(&meta[3], 0xFF_FFFF) & 0xFF_FFFF,
        sent_ms: num(&meta[4])
            .filter(|n| n.is_finite() && *n > 0.0)
            .map(|n| n as i64),
    }))
}

fn super_chat(d: &Value) -> ChatEvent {
    ChatEvent::SuperChat(SuperChat {
        sender: Sender {
            name: text(&d["user_info"]["uname"]),
            uid: id_text(&d["uid"]),
        },
        text: text(&d["message"]),
        price: num(&d["price"]).filter(|p| p.is_finite()).unwrap_or(0.0),
        duration_s: u32_of(&d["time"], 0),
        sent_ms: secs_ms(&d["start_time"]),
    })
}

/// `price` is per unit in gold seeds (1000 = ¥1).
fn gift(d: &Value) -> Keyed {
    let count = u32_of(&d["num"], 1);
    let event = ChatEvent::Gift(Gift {
        sender: Sender {
            name: text(&d["uname"]),
            uid: id_text(&d["uid"]),
        },
        name: text(&d["giftName"]),
        count,
        price: num(&d["price"])
            .filter(|p| p.is_finite())
            .map(|p| p * f64::from(count) / 1000.0),
        sent_ms: secs_ms(&d["timestamp"]),
    });
    let tid = id_text(&d["tid"]).unwrap_or_default();
    let gift_id = id_text(&d["giftId"]).unwrap_or_default();
    Keyed {
        event,
        gift_key: RecentGifts::key(&tid, &gift_id),
    }
}

/// Every gift of a `SEND_GIFT_V2` broadcast, priced like `SEND_GIFT`.
fn gifts_v2(d: &Value) -> Result<Vec<Keyed>, String> {
    let pb = gift_v2::payload(d).map_err(|e| e.to_string())?;
    let b = gift_v2::decode(&pb).map_err(|e| e.to_string())?;
    let sender = Sender {
        name: b.uname,
        uid: Some(b.uid.to_string()),
    };
    Ok(b.gifts
        .into_iter()
        .map(|g| {
            let count = u32::try_from(g.num).ok().filter(|n| *n > 0).unwrap_or(1);
            Keyed {
                gift_key: RecentGifts::key(&g.tid, &g.gift_id.to_string()),
                event: ChatEvent::Gift(Gift {
                    sender: sender.clone(),
                    name: g.gift_name,
                    count,
                    price: Some(g.price as f64 * f64::from(count) / 1000.0),
                    sent_ms: secs_ms(&Value::from(g.timestamp)),
                }),
            }
        })
        .collect())
}

fn guard(d: &Value) -> ChatEvent {
    ChatEvent::Guard(Guard {
        sender: Sender {
            name: text(&d["username"]),
            uid: id_text(&d["uid"]),
        },
        level: u8::try_from(u32_of(&d["guard_level"], 3)).unwrap_or(3),
        count: u32_of(&d["num"], 1),
        sent_ms: secs_ms(&d["start_time"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_shapes_decode() {
        let dm = br#"{"cmd":"DANMU_MSG:4:0:2:2:2:0","info":[[0,1,25,16777215,1767268812345,12,0,"abc",0,0,0,"",0,"{}","{}",{"extra":"{}"}],"hello <b>",[123,"v",0,0,0,10000,1,""],[],[5,0,9868950,">50000"],["",""],0,0,null,{"ts":1767268812,"ct":"X"},0,0,null,null,0,7]}"#;
        let ev = parse(dm).unwrap();
        let ChatEvent::Comment(c) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!(c.text, "hello <b>");
        assert_eq!(c.sender.name, "v");
        assert_eq!(c.sender.uid.as_deref(), Some("123"));
        assert_eq!(c.sent_ms, Some(1_767_268_812_345));
        let sc = br#"{"cmd":"SUPER_CHAT_MESSAGE","data":{"id":1,"uid":7,"price":30,"message":"sc!","start_time":1767268812,"end_time":1767268872,"time":60,"user_info":{"uname":"rich","guard_level":3}}}"#;
        assert!(
            matches!(&parse(sc).unwrap()[0], ChatEvent::SuperChat(s) if s.price == 30.0 && s.duration_s == 60 && s.sender.name == "rich")
        );
        let gift = r#"{"cmd":"SEND_GIFT","data":{"giftName":"辣条","num":5,"uname":"g","uid":"9","timestamp":1767268812,"giftId":1,"price":100,"coin_type":"gold"}}"#.as_bytes();
        assert!(
            matches!(&parse(gift).unwrap()[0], ChatEvent::Gift(g) if g.count == 5 && g.price == Some(0.5))
        );
        let guard = r#"{"cmd":"GUARD_BUY","data":{"uid":3,"username":"cap","guard_level":3,"num":1,"price":198000,"gift_name":"舰长","start_time":1767268812}}"#.as_bytes();
        assert!(matches!(&parse(guard).unwrap()[0], ChatEvent::Guard(g) if g.level == 3));
        assert_eq!(
            parse(br#"{"cmd":"LIVE","roomid":1}"#).unwrap(),
            vec![ChatEvent::LiveHint { live: true }]
        );
        assert!(
            parse(br#"{"cmd":"INTERACT_WORD","data":{}}"#)
                .unwrap()
                .is_empty()
        );
        assert!(
            parse(br#"{"cmd":"DANMU_MSG","info":7}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse(b"nope").is_err());
    }
}
