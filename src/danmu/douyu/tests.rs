//! Douyu codec tests on recorded-shape packets.

use super::packet::{SERVER, encode};
use super::*;

const CHAT: &str = "type@=chatmsg/rid@=9100/ct@=2/uid@=12345/nn@=小明@Sa@Ab/txt@=你好 world@S!/cid@=abc123/ic@=avatar@Asnew@S1/level@=12/sahf@=0/col@=2/cst@=1700000000000/bnn@=粉丝/bl@=5/brid@=9100/hc@=x/el@=/lk@=/urlev@=1/dms@=3/pdg@=30/pdk@=98/ext@=/";
const GIFT: &str =
    "type@=dgb/rid@=9100/gfid@=824/gs@=0/uid@=777/nn@=Giver/bcnt@=1/gfcnt@=3/hits@=3/";

fn binary(f: &WsFrame) -> &[u8] {
    match f {
        WsFrame::Binary(b) => b,
        WsFrame::Text(_) => panic!("text frame"),
    }
}

#[test]
fn handshake_and_heartbeat_packets() {
    let mut c = DouyuChat::new("9100");
    let hs = c.handshake();
    assert_eq!(hs.len(), 2);
    let login = binary(&hs[0]);
    assert_eq!(&login[8..10], &689u16.to_le_bytes());
    assert_eq!(&login[12..login.len() - 1], b"type@=loginreq/roomid@=9100/");
    assert_eq!(
        &binary(&hs[1])[12..],
        b"type@=joingroup/rid@=9100/gid@=-9999/\0"
    );
    let hb = c.heartbeat();
    assert_eq!(
        binary(&hb[0]),
        [
            20, 0, 0, 0, 20, 0, 0, 0, 0xb1, 2, 0, 0, b't', b'y', b'p', b'e', b'@', b'=', b'm',
            b'r', b'k', b'l', b'/', 0
        ]
    );
    assert_eq!(c.heartbeat_every(), Duration::from_secs(45));
}

#[test]
fn decodes_chat_and_gift_packed_in_one_frame() {
    let mut bytes = encode(SERVER, "type@=loginres/userid@=0/");
    bytes.extend(encode(SERVER, CHAT));
    bytes.extend(encode(SERVER, GIFT));
    let d = DouyuChat::new("9100")
        .decode(&WsFrame::Binary(bytes))
        .unwrap();
    assert_eq!(d.events.len(), 2);
    let ChatEvent::Comment(c) = &d.events[0] else {
        panic!("{:?}", d.events)
    };
    assert_eq!(c.sender.name, "小明/a@b");
    assert_eq!(c.sender.uid.as_deref(), Some("12345"));
    assert_eq!(c.text, "你好 world/!");
    assert_eq!(c.color, 0x1E87F0);
    let ChatEvent::Gift(g) = &d.events[1] else {
        panic!()
    };
    assert_eq!(
        (g.name.as_str(), g.count, g.sender.name.as_str()),
        ("gift 824", 3, "Giver")
    );
}

#[test]
fn keeps_a_packet_split_across_frames() {
    let bytes = encode(SERVER, CHAT);
    let mut c = DouyuChat::new("9100");
    let mut events = Vec::new();
    for chunk in bytes.chunks(5) {
        events.extend(c.decode(&WsFrame::Binary(chunk.to_vec())).unwrap().events);
    }
    assert_eq!(events.len(), 1);
}

#[test]
fn errors_and_garbage() {
    let mut c = DouyuChat::new("1");
    let err = c
        .decode(&WsFrame::Binary(encode(SERVER, "type@=error/code@=51/")))
        .unwrap_err();
    assert!(matches!(err, DecodeError::Fatal { .. }));
    assert!(c.decode(&WsFrame::Text("x".into())).is_err());
    let garbage = vec![0xffu8; 16];
    assert!(matches!(
        c.decode(&WsFrame::Binary(garbage)),
        Err(DecodeError::Malformed { .. })
    ));
    // After garbage the buffer is clean again.
    let ok = c.decode(&WsFrame::Binary(encode(SERVER, GIFT))).unwrap();
    assert_eq!(ok.events.len(), 1);
}

#[test]
fn mutated_and_random_frames_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut c = DouyuChat::new("1");
    let valid = encode(SERVER, CHAT);
    for _ in 0..20_000 {
        let mut f = valid.clone();
        let i = rng.random_range(0..f.len());
        f[i] = rng.random();
        let cut = rng.random_range(0..=f.len());
        let _ = c.decode(&WsFrame::Binary(f[..cut].to_vec()));
        let _ = c.decode(&WsFrame::Binary(f[cut..].to_vec()));
    }
}
