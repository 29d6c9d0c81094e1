//! Huya codec tests: frames built with the TARS writer and frames written
//! byte by byte from the spec.

use super::wire::build;
use super::*;

/// A `WebSocketCommand` (cmd 22) holding one `WSPushMessage_V2` with one
/// `MessageNotice` from uid 1234567 "Ann": "hi", default colour, written
/// by hand from the field tables.
const RECORDED_PUSH: &[u8] = &[
    0x00, 0x16, // 0 iCmdType = 22 (int1)
    0x1D, 0x00, 0x00, 0x31, // 1 vData: simple list, byte elements, length 49
    // WSPushMessage_V2
    0x06, 0x0F, b'c', b'h', b'a', b't', b':', b'1', b'1', b'9', b'9', b'0', b'0', b'0', b'1', b'1',
    b'1', // 0 sGroupId
    0x19, 0x00, 0x01, // 1 vMsgItem: list of 1
    0x0A, // WSMsgItem begin
    0x01, 0x05, 0x78, // 0 lUri = 1400 (int2)
    0x1D, 0x00, 0x00, 0x14, // 1 sMsg: 20 bytes
    // MessageNotice
    0x0A, // 0 tUserInfo begin
    0x02, 0x00, 0x12, 0xD6, 0x87, // 0 lUid = 1234567 (int4)
    0x26, 0x03, b'A', b'n', b'n', // 2 sNickName
    0x0B, // end
    0x36, 0x02, b'h', b'i', // 3 sContent
    0x6A, 0x00, 0xFF, 0x0B, // 6 tBulletFormat {0 iFontColor = -1}
    0x0B, // WSMsgItem end
];

fn binary(f: &WsFrame) -> &[u8] {
    match f {
        WsFrame::Binary(b) => b,
        WsFrame::Text(_) => panic!("text frame"),
    }
}

#[test]
fn decodes_the_hand_built_recorded_frame() {
    let d = HuyaChat::new(1199000111)
        .decode(&WsFrame::Binary(RECORDED_PUSH.to_vec()))
        .unwrap();
    assert_eq!(
        d.events,
        [ChatEvent::Comment(Comment {
            sender: Sender {
                name: "Ann".into(),
                uid: Some("1234567".into())
            },
            text: "hi".into(),
            mode: 1,
            size: 25,
            color: 0xFFFFFF,
            sent_ms: None,
        })]
    );
}

#[test]
fn register_frame_is_byte_exact() {
    let hs = HuyaChat::new(1).handshake();
    let mut want = vec![
        0x00, 0x10, 0x1D, 0x00, 0x00, 0x15, 0x09, 0x00, 0x02, 0x06, 0x06,
    ];
    want.extend_from_slice(b"live:1");
    want.extend_from_slice(&[0x06, 0x06]);
    want.extend_from_slice(b"chat:1");
    want.extend_from_slice(&[0x16, 0x00]);
    assert_eq!(binary(&hs[0]), want);
}

#[test]
fn heartbeat_is_a_wup_on_user_heartbeat() {
    let hb = HuyaChat::new(77).heartbeat();
    let (cmd, data) = wire::read_command(binary(&hb[0])).unwrap();
    assert_eq!(cmd, wire::CMD_WUP_REQ);
    let len = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    assert_eq!(len, data.len());
    let wup = tars::read_struct(&data[4..]).unwrap();
    assert_eq!(wup.int(1), Some(3));
    assert_eq!(wup.string(5).as_deref(), Some("onlineui"));
    assert_eq!(wup.string(6).as_deref(), Some("OnUserHeartBeat"));
    let map = tars::read_struct(wup.bytes(7).unwrap()).unwrap();
    let Some(tars::Value::Map(m)) = map.get(0) else {
        panic!("{map:?}")
    };
    assert_eq!(m[0].0.as_str().as_deref(), Some("tReq"));
    assert_eq!(HuyaChat::new(1).heartbeat_every(), Duration::from_secs(60));
}

#[test]
fn decodes_writer_built_chat_and_gifts_in_v1_and_v2() {
    let mut c = HuyaChat::new(5);
    let frame = build::push_v2(
        "chat:5",
        &[
            (1400, build::message_notice(42, "甲", "弹幕 text", 0x00FF00)),
            (6501, build::gift(4, 10, 43, "乙")),
            (9999, vec![1, 2, 3]),
        ],
    );
    let d = c.decode(&WsFrame::Binary(frame)).unwrap();
    assert_eq!(d.events.len(), 2);
    assert!(
        matches!(&d.events[0], ChatEvent::Comment(m) if m.text == "弹幕 text" && m.sender.name == "甲" && m.color == 0x00FF00)
    );
    assert!(
        matches!(&d.events[1], ChatEvent::Gift(g) if g.count == 10 && g.name == "gift 4" && g.sender.uid.as_deref() == Some("43"))
    );
    let mut v1 = tars::Writer::new();
    v1.int(0, 0)
        .int(1, 1400)
        .bytes(2, &build::message_notice(1, "n", "v1", -1));
    let frame = wire::command(wire::CMD_PUSH, &v1.into_bytes());
    let d = c.decode(&WsFrame::Binary(frame)).unwrap();
    assert!(matches!(&d.events[0], ChatEvent::Comment(m) if m.text == "v1"));
}

#[test]
fn refused_registration_is_fatal_and_garbage_malformed() {
    let mut c = HuyaChat::new(5);
    let mut rsp = tars::Writer::new();
    rsp.int(0, -1);
    let frame = wire::command(wire::CMD_REGISTER_GROUP_RSP, &rsp.into_bytes());
    assert!(matches!(
        c.decode(&WsFrame::Binary(frame)),
        Err(DecodeError::Fatal { .. })
    ));
    let mut ok = tars::Writer::new();
    ok.int(0, 0);
    let frame = wire::command(wire::CMD_REGISTER_GROUP_RSP, &ok.into_bytes());
    assert!(c.decode(&WsFrame::Binary(frame)).unwrap().events.is_empty());
    assert!(c.decode(&WsFrame::Binary(vec![0x0E, 1])).is_err());
    assert!(c.decode(&WsFrame::Text("x".into())).is_err());
    let truncated = &RECORDED_PUSH[..RECORDED_PUSH.len() - 3];
    assert!(c.decode(&WsFrame::Binary(truncated.to_vec())).is_err());
}

#[test]
fn mutated_and_random_frames_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut c = HuyaChat::new(1);
    for _ in 0..20_000 {
        let mut f = RECORDED_PUSH.to_vec();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..f.len());
            f[i] = rng.random();
        }
        f.truncate(rng.random_range(0..=f.len()));
        let _ = c.decode(&WsFrame::Binary(f));
        let len = rng.random_range(0..64);
        let noise: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let _ = c.decode(&WsFrame::Binary(noise));
    }
}
