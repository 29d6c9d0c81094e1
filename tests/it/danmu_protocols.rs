//! The Twitch, Douyu and Huya chat codecs against the fake server's chat
//! emulations: each platform's check finds the room identity, its
//! `chat_target` names the websocket (under `api_base`), and a plain
//! tokio-tungstenite client drives the site's `ChatProtocol` (handshake,
//! replies, heartbeats). The decoded events must equal the documented
//! script the server says (in its counters) it sent.

use std::time::{Duration, Instant};

use fake_live::ServerOptions;
use futures::{SinkExt, StreamExt};
use srec::config::EffectiveConfig;
use srec::danmu::douyu::DouyuChat;
use srec::danmu::huya::HuyaChat;
use srec::danmu::message::{ChatEvent, Comment, Gift, Guard, Sender};
use srec::danmu::protocol::{ChatProtocol, DecodeError, WsFrame};
use srec::danmu::twitch::TwitchChat;
use srec::platform::douyu::DouyuPlatform;
use srec::platform::huya::HuyaPlatform;
use srec::platform::twitch::TwitchPlatform;
use srec::platform::{ChatTarget, CheckContext, Platform, RoomIdentity};
use tokio_tungstenite::tungstenite::Message;

use crate::fake::Fake;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const BURST: usize = 8;
const FLOOD: usize = 1000;
const DEADLINE: Duration = Duration::from_secs(20);

fn fake() -> Fake {
    Fake::start(ServerOptions {
        chat_interval: Duration::ZERO,
        ..Default::default()
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The platform's check of `url` (room identity) and its chat target.
async fn target(fake: &Fake, platform: &dyn Platform, site: &str, url: &str) -> ChatTarget {
    let mut cfg = EffectiveConfig::defaults(std::env::temp_dir());
    cfg.api_base = Some(fake.site_base(site));
    let http = reqwest::Client::new();
    let ctx = CheckContext {
        url,
        http: &http,
        config: &cfg,
    };
    let status = platform.check_live(&ctx).await.expect("check");
    let room: RoomIdentity = status.room.expect("room identity");
    platform
        .chat_target(url, &room, cfg.api_base.as_deref())
        .expect("chat target")
}

fn to_msg(f: WsFrame) -> Message {
    match f {
        WsFrame::Text(t) => Message::text(t),
        WsFrame::Binary(b) => Message::binary(b),
    }
}

async fn send(ws: &mut Ws, frames: Vec<WsFrame>) {
    for f in frames {
        ws.send(to_msg(f)).await.expect("send");
    }
}

/// What pumping a connection produced.
struct Pumped {
    events: Vec<ChatEvent>,
    errors: Vec<DecodeError>,
    closed: bool,
}

/// Reads, decodes and answers frames until `done` holds, the socket
/// closes or the deadline passes.
async fn pump(
    ws: &mut Ws,
    proto: &mut dyn ChatProtocol,
    out: &mut Pumped,
    done: impl Fn(&Pumped) -> bool,
) {
    let end = Instant::now() + DEADLINE;
    while !done(out) && Instant::now() < end {
        let next = tokio::time::timeout(Duration::from_millis(100), ws.next()).await;
        let msg = match next {
            Err(_) => continue,
            Ok(None) | Ok(Some(Err(_))) => {
                out.closed = true;
                return;
            }
            Ok(Some(Ok(m))) => m,
        };
        let frame = match msg {
            Message::Text(t) => WsFrame::Text(t.to_string()),
            Message::Binary(b) => WsFrame::Binary(b.to_vec()),
            Message::Close(_) => {
                out.closed = true;
                return;
            }
            _ => continue,
        };
        match proto.decode(&frame) {
            Ok(d) => {
                out.events.extend(d.events);
                send(ws, d.replies).await;
            }
            Err(e) => out.errors.push(e),
        }
    }
}

fn pumped() -> Pumped {
    Pumped {
        events: Vec::new(),
        errors: Vec::new(),
        closed: false,
    }
}

fn viewer(n: usize) -> Sender {
    let k = (n - 1) % 7 + 1;
    Sender {
        name: format!("viewer{k}"),
        uid: Some((10_000 + k).to_string()),
    }
}

fn chat(n: usize, color: u32) -> ChatEvent {
    ChatEvent::Comment(Comment {
        sender: viewer(n),
        text: format!("chat {n}: a/b@c;d"),
        mode: 1,
        size: 25,
        color,
        sent_ms: None,
    })
}

fn gift(n: usize, name: &str) -> ChatEvent {
    ChatEvent::Gift(Gift {
        sender: viewer(n),
        name: name.into(),
        count: (n % 3 + 1) as u32,
        price: None,
        sent_ms: None,
    })
}

/// The fake's script for Twitch (module docs of `sites/twitch_chat.rs`).
fn twitch_expected(n: usize) -> ChatEvent {
    if n.is_multiple_of(5) {
        ChatEvent::Guard(Guard {
            sender: viewer(n),
            level: 1,
            count: 1,
            sent_ms: None,
        })
    } else if n.is_multiple_of(6) {
        ChatEvent::Clear {
            user: Some(viewer(n).name),
        }
    } else {
        chat(n, if n % 2 == 1 { 0x1E90FF } else { 0xFFFFFF })
    }
}

/// Twitch stamps a send time on everything; the script's times are the
/// server's clock, so they are checked for presence and then dropped.
fn without_time(e: ChatEvent) -> ChatEvent {
    match e {
        ChatEvent::Comment(mut c) => {
            assert!(c.sent_ms.is_some(), "{c:?}");
            c.sent_ms = None;
            ChatEvent::Comment(c)
        }
        ChatEvent::Guard(mut g) => {
            assert!(g.sent_ms.is_some(), "{g:?}");
            g.sent_ms = None;
            ChatEvent::Guard(g)
        }
        other => other,
    }
}

fn twitch_setup(fake: &Fake, login: &str) -> (String, String) {
    fake.live_room(login);
    let url = format!("https://www.twitch.tv/{login}");
    match rt().block_on(target(fake, &TwitchPlatform, "twitch", &url)) {
        ChatTarget::Twitch { url, login } => (url, login),
        other => panic!("{other:?}"),
    }
}

#[test]
fn twitch_chat_decodes_the_script_and_keeps_alive() {
    let fake = fake();
    let (url, login) = twitch_setup(&fake, "tw_chat");
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/sites/twitch/chat"),
        "{url}"
    );
    assert_eq!(login, "tw_chat");
    rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = TwitchChat::new(&login);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        // The server PINGs after its burst; the codec's PONG reply is counted.
        pump(&mut ws, &mut proto, &mut out, |o| {
            o.events.len() >= BURST && fake.site_stat("twitch.chat_pong") >= 1
        })
        .await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let got: Vec<_> = out.events.drain(..).map(without_time).collect();
        let want: Vec<_> = (1..=BURST).map(twitch_expected).collect();
        assert_eq!(got, want);
        assert_eq!(fake.site_stat("twitch.chat_pong"), 1);
        send(&mut ws, proto.heartbeat()).await;
        pump(&mut ws, &mut proto, &mut out, |_| {
            fake.site_stat("twitch.chat_ping") >= 1
        })
        .await;
        assert_eq!(fake.site_stat("twitch.chat_ping"), 1);
    });
    assert_eq!(fake.site_stat("twitch.chat_join"), 1);
    assert_eq!(fake.site_stat("twitch.chat_sent"), BURST as u64);
    let kinds = ["msg", "sub", "clear"].map(|k| fake.site_stat(&format!("twitch.chat_{k}")));
    assert_eq!(kinds, [6, 1, 1]);
}

#[test]
fn twitch_forced_disconnect_says_reconnect() {
    let fake = fake();
    fake.room("tw_drop").set_site_mode(Some("chat_drop"));
    let (url, login) = twitch_setup(&fake, "tw_drop");
    let out = rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = TwitchChat::new(&login);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        pump(&mut ws, &mut proto, &mut out, |_| false).await;
        out
    });
    assert!(out.closed, "the server must drop the connection");
    assert_eq!(out.events.len(), BURST / 2 + 1, "{:?}", out.events);
    assert_eq!(out.events.last(), Some(&ChatEvent::Reconnect));
    assert_eq!(fake.site_stat("twitch.chat_drop"), 1);
}

fn douyu_url(fake: &Fake, rid: &str) -> (String, String) {
    fake.live_room(rid);
    let url = format!("https://www.douyu.com/{rid}");
    match rt().block_on(target(fake, &DouyuPlatform::default(), "douyu", &url)) {
        ChatTarget::Douyu { url, room_id } => (url, room_id),
        other => panic!("{other:?}"),
    }
}

fn douyu_expected(n: usize) -> ChatEvent {
    if n.is_multiple_of(5) {
        gift(n, "gift 824")
    } else {
        chat(n, if n % 2 == 1 { 0xFFFFFF } else { 0x1E87F0 })
    }
}

#[test]
fn douyu_chat_decodes_split_and_packed_packets_and_keeps_alive() {
    let fake = fake();
    let (url, rid) = douyu_url(&fake, "770001");
    assert!(url.ends_with("/sites/douyu/chat"), "{url}");
    assert_eq!(rid, "770001");
    rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = DouyuChat::new(&rid);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        pump(&mut ws, &mut proto, &mut out, |o| o.events.len() >= BURST).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let want: Vec<_> = (1..=BURST).map(douyu_expected).collect();
        assert_eq!(out.events, want);
        assert_eq!(proto.heartbeat_every(), Duration::from_secs(45));
        send(&mut ws, proto.heartbeat()).await;
        pump(&mut ws, &mut proto, &mut out, |_| {
            fake.site_stat("douyu.chat_mrkl") >= 1
        })
        .await;
    });
    assert_eq!(fake.site_stat("douyu.chat_mrkl"), 1);
    assert_eq!(fake.site_stat("douyu.chat_sent"), BURST as u64);
    assert_eq!(fake.site_stat("douyu.chat_msg"), 7);
    assert_eq!(fake.site_stat("douyu.chat_gift"), 1);
}

#[test]
fn douyu_flood_is_decoded_completely() {
    let fake = fake();
    fake.room("770002").set_site_mode(Some("chat_flood"));
    let (url, rid) = douyu_url(&fake, "770002");
    let events = rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = DouyuChat::new(&rid);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        pump(&mut ws, &mut proto, &mut out, |o| o.events.len() >= FLOOD).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out.events
    });
    assert_eq!(events.len(), FLOOD);
    let want: Vec<_> = (1..=FLOOD).map(douyu_expected).collect();
    assert_eq!(events, want);
    assert_eq!(fake.site_stat("douyu.chat_sent"), FLOOD as u64);
    let gifts = events
        .iter()
        .filter(|e| matches!(e, ChatEvent::Gift(_)))
        .count();
    assert_eq!(gifts as u64, fake.site_stat("douyu.chat_gift"));
}

fn huya_target(fake: &Fake, rid: &str) -> (String, u64) {
    fake.live_room(rid);
    let url = format!("https://www.huya.com/{rid}");
    match rt().block_on(target(fake, &HuyaPlatform, "huya", &url)) {
        ChatTarget::Huya { url, presenter_uid } => (url, presenter_uid),
        other => panic!("{other:?}"),
    }
}

fn huya_expected(n: usize) -> ChatEvent {
    if n.is_multiple_of(5) {
        gift(n, "gift 4")
    } else {
        chat(n, if n % 2 == 1 { 0xFFFFFF } else { 0xFF8800 })
    }
}

#[test]
fn huya_chat_registers_by_presenter_uid_and_decodes_pushes() {
    let fake = fake();
    let (url, uid) = huya_target(&fake, "660101");
    assert!(url.ends_with("/sites/huya/chat"), "{url}");
    assert_eq!(uid, 1_199_000_660_101);
    rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = HuyaChat::new(uid);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        pump(&mut ws, &mut proto, &mut out, |o| o.events.len() >= BURST).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let want: Vec<_> = (1..=BURST).map(huya_expected).collect();
        assert_eq!(out.events, want);
        send(&mut ws, proto.heartbeat()).await;
        pump(&mut ws, &mut proto, &mut out, |_| {
            fake.site_stat("huya.chat_heartbeat") >= 1
        })
        .await;
    });
    assert_eq!(fake.site_stat("huya.chat_heartbeat"), 1);
    assert_eq!(fake.site_stat("huya.chat_join"), 1);
    assert_eq!(fake.site_stat("huya.chat_sent"), BURST as u64);
    assert_eq!(fake.site_stat("huya.chat_msg"), 7);
}

#[test]
fn huya_unknown_presenter_is_refused_fatally() {
    let fake = fake();
    let (url, _) = huya_target(&fake, "660102");
    let out = rt().block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let mut proto = HuyaChat::new(42);
        send(&mut ws, proto.handshake()).await;
        let mut out = pumped();
        pump(&mut ws, &mut proto, &mut out, |o| !o.errors.is_empty()).await;
        out
    });
    assert!(
        matches!(out.errors.first(), Some(DecodeError::Fatal { .. })),
        "{:?}",
        out.errors
    );
    assert!(out.events.is_empty());
    assert_eq!(fake.site_stat("huya.chat_join"), 0);
}
