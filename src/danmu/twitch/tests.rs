//! Twitch codec tests on recorded-shape lines.

use super::*;

fn decode(lines: &str) -> Decoded {
    TwitchChat::with_nick("chan", "justinfan1")
        .decode(&WsFrame::Text(lines.to_string()))
        .unwrap()
}

#[test]
fn handshake_logs_in_anonymously_and_joins_lowercase() {
    let mut c = TwitchChat::with_nick("#Chan_01", "justinfan42");
    let texts: Vec<_> = c
        .handshake()
        .into_iter()
        .map(|f| match f {
            WsFrame::Text(t) => t,
            WsFrame::Binary(_) => panic!("binary handshake"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            "CAP REQ :twitch.tv/tags twitch.tv/commands",
            "PASS SCHMOOPIIE",
            "NICK justinfan42",
            "JOIN #chan_01"
        ]
    );
    assert!(TwitchChat::new("x").nick.starts_with("justinfan"));
}

#[test]
fn privmsg_with_tags_and_ping_in_one_frame() {
    let d = decode(concat!(
        ":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands\r\n",
        "@badge-info=;badges=;color=#FF4500;display-name=Some\\sOne;emotes=;first-msg=0;flags=;id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;room-id=1337;subscriber=0;tmi-sent-ts=1642696567751;turbo=0;user-id=1234;user-type= :someone!someone@someone.tmi.twitch.tv PRIVMSG #chan :Hello \\s world; ok\r\n",
        "PING :tmi.twitch.tv\r\n",
        "@color=;display-name=;tmi-sent-ts=x;user-id=9 :plain!plain@plain.tmi.twitch.tv PRIVMSG #chan :\u{1}ACTION waves\u{1}\r\n",
    ));
    assert_eq!(d.replies, [WsFrame::Text("PONG :tmi.twitch.tv".into())]);
    assert_eq!(d.events.len(), 2);
    let ChatEvent::Comment(c) = &d.events[0] else {
        panic!("{:?}", d.events)
    };
    assert_eq!(c.sender.name, "Some One");
    assert_eq!(c.sender.uid.as_deref(), Some("1234"));
    assert_eq!(c.text, "Hello \\s world; ok");
    assert_eq!(c.color, 0xFF4500);
    assert_eq!(c.sent_ms, Some(1_642_696_567_751));
    let ChatEvent::Comment(c) = &d.events[1] else {
        panic!()
    };
    assert_eq!(
        (c.sender.name.as_str(), c.text.as_str()),
        ("plain", "waves")
    );
    assert_eq!((c.color, c.sent_ms), (0xFFFFFF, None));
}

#[test]
fn bits_become_a_gift_beside_the_comment() {
    let d =
        decode("@bits=100;display-name=Cheerer;user-id=5 :cheerer!c@c PRIVMSG #chan :cheer100 gg");
    assert!(
        matches!(&d.events[1], ChatEvent::Gift(g) if g.name == "bits" && g.count == 100 && g.price == Some(1.0))
    );
}

#[test]
fn usernotices_map_to_guard_gift_and_notice() {
    let d = decode(concat!(
        "@display-name=Subber;msg-id=resub;msg-param-cumulative-months=6;msg-param-sub-plan=2000;system-msg=Subber\\ssubscribed\\sat\\sTier\\s2.;tmi-sent-ts=1000;user-id=7 :tmi.twitch.tv USERNOTICE #chan :Great stream\r\n",
        "@display-name=Giver;msg-id=submysterygift;msg-param-mass-gift-count=5;msg-param-sub-plan=1000;user-id=8 :tmi.twitch.tv USERNOTICE #chan\r\n",
        "@display-name=Raider;msg-id=raid;msg-param-viewerCount=42;system-msg=42\\sraiders\\sfrom\\sRaider\\shave\\sjoined!;user-id=9 :tmi.twitch.tv USERNOTICE #chan\r\n",
    ));
    assert_eq!(d.events.len(), 4, "{:?}", d.events);
    assert!(
        matches!(&d.events[0], ChatEvent::Guard(g) if g.level == 2 && g.count == 1 && g.sender.name == "Subber" && g.sent_ms == Some(1000))
    );
    assert!(matches!(&d.events[1], ChatEvent::Comment(c) if c.text == "Great stream"));
    assert!(matches!(&d.events[2], ChatEvent::Gift(g) if g.count == 5 && g.name == "Tier 1 sub"));
    assert_eq!(
        d.events[3],
        ChatEvent::Notice {
            text: "42 raiders from Raider have joined!".into()
        }
    );
}

#[test]
fn clearchat_reconnect_and_auth_failure() {
    let d = decode(concat!(
        "@room-id=1 :tmi.twitch.tv CLEARCHAT #chan\r\n",
        "@ban-duration=600;room-id=1;target-user-id=2 :tmi.twitch.tv CLEARCHAT #chan :troll\r\n",
        ":tmi.twitch.tv RECONNECT\r\n",
    ));
    assert_eq!(
        d.events,
        [
            ChatEvent::Clear { user: None },
            ChatEvent::Clear {
                user: Some("troll".into())
            },
            ChatEvent::Reconnect
        ]
    );
    let err = TwitchChat::with_nick("chan", "n")
        .decode(&WsFrame::Text(
            ":tmi.twitch.tv NOTICE * :Login authentication failed\r\n".into(),
        ))
        .unwrap_err();
    assert!(matches!(err, DecodeError::Fatal { .. }));
}

#[test]
fn binary_garbage_is_malformed_not_a_panic() {
    let mut c = TwitchChat::new("chan");
    assert!(c.decode(&WsFrame::Binary(vec![0xff, 0xfe, 0])).is_err());
    assert!(
        c.decode(&WsFrame::Text("@;;= :\r\n:\r\n @\r\n".into()))
            .is_ok()
    );
}

#[test]
fn random_text_never_panics() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let alphabet: Vec<char> = "@;=\\ :!#\r\nPRIVMSGUSERNOTICEabc\u{1}é".chars().collect();
    let mut c = TwitchChat::new("chan");
    for _ in 0..20_000 {
        let len = rng.random_range(0..80);
        let s: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        let _ = c.decode(&WsFrame::Text(s));
    }
}
