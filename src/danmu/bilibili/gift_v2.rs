//! `SEND_GIFT_V2` (gray-released by Bilibili since 2026-07): the gift
//! broadcast as base64 protobuf in `data.pb` (some rooms nest it as
//! `data.data.pb`). Message `SendGiftBroadcastProtobuf`: `uid` 1, `uname`
//! 2, `guard_level` 5, `blind_gift` 9, `gift_list` 10 (repeated
//! `GiftItemProtobuf`: a blind-box broadcast carries several gifts). Item:
//! `gift_id` 1, `gift_name` 2, `num` 3, `price` 5 (gold seeds per unit),
//! `total_coin` 7, `coin_type` 8, `tid` 9 (transaction id), `timestamp` 10
//! (s). Unknown fields are skipped; anything malformed is an error, never
//! a panic.

use base64::Engine;
use serde_json::Value;

use super::protowire::{Fields, WireError};

/// More gifts in one broadcast than this is not a real message (it would
/// let a small frame expand into a flood of events).
const MAX_GIFTS: usize = 256;

/// Why a `SEND_GIFT_V2` body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GiftV2Error {
    #[error("SEND_GIFT_V2 without data.pb")]
    NoPayload,
    #[error("SEND_GIFT_V2 data.pb is not base64: {0}")]
    Base64(String),
    #[error("SEND_GIFT_V2: {0}")]
    Wire(#[from] WireError),
    #[error("SEND_GIFT_V2 with more than {MAX_GIFTS} gifts")]
    TooManyGifts,
}

/// One gift of a broadcast.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiftItem {
    pub gift_id: i64,
    pub gift_name: String,
    pub num: i64,
    /// Per unit, gold seeds (1000 = ¥1) for `coin_type` "gold".
    pub price: i64,
    pub total_coin: i64,
    pub coin_type: String,
    /// Transaction id, shared with the legacy `SEND_GIFT` of the same gift.
    pub tid: String,
    /// Seconds since the epoch.
    pub timestamp: i64,
}

/// The fields of `SendGiftBroadcastProtobuf` srec keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiftBroadcast {
    pub uid: i64,
    pub uname: String,
    pub guard_level: i64,
    pub gifts: Vec<GiftItem>,
}

/// The base64 payload of a `SEND_GIFT_V2` command's `data`.
pub fn payload(data: &Value) -> Result<Vec<u8>, GiftV2Error> {
    let pb = data["pb"]
        .as_str()
        .or_else(|| data["data"]["pb"].as_str())
        .ok_or(GiftV2Error::NoPayload)?;
    base64::engine::general_purpose::STANDARD
        .decode(pb.trim())
        .map_err(|e| GiftV2Error::Base64(e.to_string()))
}

/// Reads a `SendGiftBroadcastProtobuf`.
pub fn decode(buf: &[u8]) -> Result<GiftBroadcast, GiftV2Error> {
    let mut out = GiftBroadcast::default();
    for f in Fields::new(buf) {
        let (field, v) = f?;
        match field {
            1 => out.uid = v.int(),
            2 => out.uname = v.string(field)?,
            5 => out.guard_level = v.int(),
            10 => {
                if out.gifts.len() >= MAX_GIFTS {
                    return Err(GiftV2Error::TooManyGifts);
                }
                out.gifts.push(item(v.message())?);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn item(buf: &[u8]) -> Result<GiftItem, GiftV2Error> {
    let mut out = GiftItem::default();
    for f in Fields::new(buf) {
        let (field, v) = f?;
        match field {
            1 => out.gift_id = v.int(),
            2 => out.gift_name = v.string(field)?,
            3 => out.num = v.int(),
            5 => out.price = v.int(),
            7 => out.total_coin = v.int(),
            8 => out.coin_type = v.string(field)?,
            9 => out.tid = v.string(field)?,
            10 => out.timestamp = v.int(),
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny protobuf writer for tests.
    #[derive(Default)]
    pub(crate) struct Pb(pub(crate) Vec<u8>);

    impl Pb {
        fn varint(&mut self, mut v: u64) {
            while v >= 0x80 {
                self.0.push((v as u8) | 0x80);
                v >>= 7;
            }
            self.0.push(v as u8);
        }
        pub(crate) fn int(mut self, field: u32, v: i64) -> Self {
            self.varint(u64::from(field) << 3);
            self.varint(v as u64);
            self
        }
        pub(crate) fn bytes(mut self, field: u32, b: &[u8]) -> Self {
            self.varint(u64::from(field) << 3 | 2);
            self.varint(b.len() as u64);
            self.0.extend_from_slice(b);
            self
        }
        pub(crate) fn str(self, field: u32, s: &str) -> Self {
            self.bytes(field, s.as_bytes())
        }
    }

    pub(crate) fn gift_item(id: i64, name: &str, num: i64, tid: &str) -> Vec<u8> {
        Pb::default()
            .int(1, id)
            .str(2, name)
            .int(3, num)
            .int(5, 100)
            .int(7, 100 * num)
            .str(8, "gold")
            .str(9, tid)
            .int(10, 1_767_268_812)
            .0
    }

    #[test]
    fn decodes_a_multi_gift_blind_box_and_skips_unknown_fields() {
        let blind = Pb::default().int(1, 3).int(2, 32251).str(3, "心动盲盒").0;
        let medal = Pb::default().int(1, 21).str(2, "medal").0;
        let pb = Pb::default()
            .int(1, 42)
            .str(2, "viewer")
            .str(3, "https://face")
            .int(5, 3)
            .bytes(8, &medal)
            .bytes(9, &blind)
            .bytes(10, &gift_item(1, "a", 1, "t1"))
            .bytes(10, &gift_item(2, "b", 2, "t2"))
            .bytes(10, &gift_item(3, "c", 3, "t3"))
            .int(11, 1)
            .int(99, 5)
            .0;
        let b = decode(&pb).unwrap();
        assert_eq!((b.uid, b.uname.as_str(), b.guard_level), (42, "viewer", 3));
        assert_eq!(b.gifts.len(), 3);
        assert_eq!(
            b.gifts[1],
            GiftItem {
                gift_id: 2,
                gift_name: "b".into(),
                num: 2,
                price: 100,
                total_coin: 200,
                coin_type: "gold".into(),
                tid: "t2".into(),
                timestamp: 1_767_268_812,
            }
        );
    }

    #[test]
    fn truncated_garbage_and_floods_are_errors() {
        let pb = Pb::default()
            .str(2, "viewer")
            .bytes(10, &gift_item(1, "a", 1, "t1"))
            .0;
        // Cut anywhere but after the complete `uname` field (8 bytes).
        for cut in (1..pb.len()).filter(|c| *c != 8) {
            assert!(decode(&pb[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(&pb[..8]).unwrap().gifts.is_empty());
        assert!(matches!(
            decode(&Pb::default().bytes(10, &[0x12, 9, b'x']).0),
            Err(GiftV2Error::Wire(WireError::Truncated(_)))
        ));
        assert!(decode(&[0xFF; 64]).is_err());
        let many = (0..=MAX_GIFTS).fold(Pb::default(), |p, _| p.bytes(10, &[]));
        assert_eq!(decode(&many.0), Err(GiftV2Error::TooManyGifts));
    }

    #[test]
    fn payload_is_read_from_data_pb_or_data_data_pb() {
        let b64 = base64::engine::general_purpose::STANDARD.encode([8, 1]);
        let flat = serde_json::json!({"pb": b64});
        let nested = serde_json::json!({"data": {"pb": b64}});
        assert_eq!(payload(&flat).unwrap(), vec![8, 1]);
        assert_eq!(payload(&nested).unwrap(), vec![8, 1]);
        assert_eq!(payload(&serde_json::json!({})), Err(GiftV2Error::NoPayload));
        assert!(matches!(
            payload(&serde_json::json!({"pb": "!!"})),
            Err(GiftV2Error::Base64(_))
        ));
    }
}
