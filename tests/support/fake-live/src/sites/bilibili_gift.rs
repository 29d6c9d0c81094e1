//! The Bilibili chat emulation's gifts, in the shapes of the `SEND_GIFT_V2`
//! gray release (2026-07): the legacy JSON `SEND_GIFT`, the protobuf
//! `SEND_GIFT_V2` (`SendGiftBroadcastProtobuf`, base64 in `data.pb` or
//! `data.data.pb`), both for the same gift (same `tid`), and a blind box
//! whose one V2 broadcast carries three gifts. Each gift has its own
//! transaction id; a client writes each tid once.

use base64::Engine;
use serde_json::json;

/// A scripted chat step: the command bodies sent together, how many
/// messages a client should write for them, how many of those are gifts.
pub(crate) struct Scripted {
    pub(crate) bodies: Vec<String>,
    pub(crate) messages: u64,
    pub(crate) gifts: u64,
}

/// A protobuf message writer (varint and length-delimited fields only).
#[derive(Default)]
struct Pb(Vec<u8>);

impl Pb {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn int(mut self, field: u64, v: u64) -> Self {
        self.varint(field << 3);
        self.varint(v);
        self
    }

    fn bytes(mut self, field: u64, b: &[u8]) -> Self {
        self.varint((field << 3) | 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    fn str(self, field: u64, s: &str) -> Self {
        self.bytes(field, s.as_bytes())
    }
}

/// One gift: id, name, count, transaction id.
struct Item<'a> {
    id: u64,
    name: &'a str,
    num: u64,
    tid: String,
}

const PRICE: u64 = 100;

/// `GiftItemProtobuf`, with the recorded fields a client skips too.
fn item_pb(g: &Item<'_>, now_s: u64) -> Vec<u8> {
    Pb::default()
        .int(1, g.id)
        .str(2, g.name)
        .int(3, g.num)
        .int(4, 0)
        .int(5, PRICE)
        .int(6, PRICE)
        .int(7, PRICE * g.num)
        .str(8, "gold")
        .str(9, &g.tid)
        .int(10, now_s)
        .int(11, g.num)
        .0
}

/// A `SEND_GIFT_V2` command body for `gifts` sent by `uid` at once.
fn v2(uid: u64, gifts: &[Item<'_>], blind: bool, nested: bool, now_s: u64) -> String {
    let medal = Pb::default().int(1, 21).str(2, "粉丝团").int(3, 5).0;
    let mut pb = Pb::default()
        .int(1, uid)
        .str(2, &format!("u{uid}"))
        .str(3, "https://i0.hdslb.com/bfs/face/member/noface.jpg")
        .str(4, "")
        .int(5, 0)
        .int(6, 0)
        .bytes(8, &medal);
    if blind {
        let b = Pb::default()
            .int(1, 3)
            .int(2, 32251)
            .str(3, "心动盲盒")
            .int(4, 0)
            .str(5, "爆出")
            .int(6, 15000)
            .0;
        pb = pb.bytes(9, &b);
    }
    for g in gifts {
        pb = pb.bytes(10, &item_pb(g, now_s));
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(pb.int(11, 1).0);
    let data = if nested {
        json!({"data": {"pb": b64}, "dmscore": 0})
    } else {
        json!({"pb": b64, "dmscore": 0})
    };
    json!({"cmd": "SEND_GIFT_V2", "data": data}).to_string()
}

/// The legacy `SEND_GIFT` body of one gift.
fn legacy(uid: u64, g: &Item<'_>, now_s: u64) -> String {
    json!({"cmd": "SEND_GIFT", "data": {"giftName": g.name, "num": g.num, "uname": format!("u{uid}"),
        "uid": uid, "timestamp": now_s, "giftId": g.id, "price": PRICE, "coin_type": "gold",
        "total_coin": PRICE * g.num, "tid": g.tid, "action": "投喂"}})
    .to_string()
}

/// The gift of the `slot`-th gift step, in turn: legacy alone, V2 alone
/// (`data.pb`, then `data.data.pb` next time), legacy and V2 of the same
/// gift, and a three-gift blind box in one V2 with the legacy copy of its
/// second gift after it.
pub(crate) fn gift_step(slot: u64, uid: u64, now_ms: u64) -> Scripted {
    let now_s = now_ms / 1000;
    let tid = |i: u64| format!("{now_ms}{slot:06}{i}");
    let one = |bodies: Vec<String>| Scripted {
        messages: 1,
        gifts: 1,
        bodies,
    };
    match slot % 4 {
        0 => one(vec![legacy(
            uid,
            &Item {
                id: 1,
                name: "辣条",
                num: 1,
                tid: tid(0),
            },
            now_s,
        )]),
        1 => {
            let g = Item {
                id: 31036,
                name: "小花花",
                num: 2,
                tid: tid(0),
            };
            one(vec![v2(uid, &[g], false, slot % 8 == 5, now_s)])
        }
        2 => {
            let g = Item {
                id: 31039,
                name: "牛哇牛哇",
                num: 1,
                tid: tid(0),
            };
            one(vec![
                legacy(uid, &g, now_s),
                v2(uid, &[g], false, false, now_s),
            ])
        }
        _ => {
            let gifts = [("情书", 32124), ("星河入梦", 32126), ("告白花束", 32128)]
                .iter()
                .zip(1..)
                .map(|(&(name, id), i)| Item {
                    id,
                    name,
                    num: i,
                    tid: tid(i),
                })
                .collect::<Vec<_>>();
            let bodies = vec![
                v2(uid, &gifts, true, false, now_s),
                legacy(uid, &gifts[1], now_s),
            ];
            Scripted {
                bodies,
                messages: 3,
                gifts: 3,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_cycle_shapes_and_count_each_tid_once() {
        let steps: Vec<_> = (0..8).map(|s| gift_step(s, 7, 1_767_268_812_345)).collect();
        let counts: Vec<_> = steps.iter().map(|s| (s.bodies.len(), s.gifts)).collect();
        assert_eq!(
            counts,
            [
                (1, 1),
                (1, 1),
                (2, 1),
                (2, 3),
                (1, 1),
                (1, 1),
                (2, 1),
                (2, 3)
            ]
        );
        let json = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert!(json(&steps[1].bodies[0])["data"]["pb"].is_string());
        assert!(json(&steps[5].bodies[0])["data"]["data"]["pb"].is_string());
        let v = json(&steps[2].bodies[0]);
        let pb = base64::engine::general_purpose::STANDARD
            .decode(json(&steps[2].bodies[1])["data"]["pb"].as_str().unwrap())
            .unwrap();
        let tid = v["data"]["tid"].as_str().unwrap();
        let needle = [&[0x4A, tid.len() as u8][..], tid.as_bytes()].concat();
        assert!(
            pb.windows(needle.len()).any(|w| w == needle),
            "the V2 copy carries the legacy tid as field 9"
        );
    }
}
