//! What chat capture connects to. Each platform names its room's chat in a
//! typed form (with the endpoint it resolved, honouring `api_base`), so the
//! danmu service picks a protocol by variant and never matches on names.

/// The chat endpoint of one live room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatTarget {
    /// Bilibili: the websocket host and token come from `getDanmuInfo` on
    /// `api_base` (the provider fetches them before each connect).
    Bilibili { api_base: String, room_id: u64 },
    /// Twitch IRC over websocket; `login` is the channel, lower case.
    Twitch { url: String, login: String },
    /// Douyu's STT websocket.
    Douyu { url: String, room_id: String },
    /// Huya's TARS/WUP websocket; chat groups are keyed by the presenter's
    /// numeric uid, not the room slug.
    Huya { url: String, presenter_uid: u64 },
    /// The live test server's own chat websocket (`fake` platform).
    Fake { url: String },
}

/// A chat websocket URL: the site's `real` one, or under an `api_base`
/// override (mirrors, the live test server) that base with its scheme
/// turned into `ws`/`wss` and `/chat` appended, the way the platforms
/// swap every API origin for `api_base`.
pub fn chat_url(real: &str, api_base: Option<&str>) -> String {
    let Some(base) = api_base else {
        return real.to_string();
    };
    let base = base.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{ws}/chat")
}

#[cfg(test)]
mod tests {
    use super::chat_url;

    #[test]
    fn api_base_becomes_a_websocket_url() {
        assert_eq!(chat_url("wss://real:443", None), "wss://real:443");
        assert_eq!(
            chat_url("wss://real", Some("http://127.0.0.1:9/sites/douyu/")),
            "ws://127.0.0.1:9/sites/douyu/chat"
        );
        assert_eq!(
            chat_url("x", Some("https://m.example")),
            "wss://m.example/chat"
        );
    }

    #[test]
    fn platforms_name_their_chat() {
        use super::ChatTarget;
        use crate::platform::{Platform, RoomIdentity};
        let room = |id: &str, owner: Option<&str>| RoomIdentity {
            id: id.into(),
            owner_id: owner.map(str::to_owned),
            owner_name: None,
        };
        let twitch = crate::platform::twitch::TwitchPlatform;
        assert_eq!(
            twitch.chat_target("https://www.twitch.tv/Bob", &room("bob", None), None),
            Some(ChatTarget::Twitch {
                url: "wss://irc-ws.chat.twitch.tv:443".into(),
                login: "bob".into()
            })
        );
        let douyu = crate::platform::douyu::DouyuPlatform::default();
        assert!(
            douyu
                .chat_target("", &room("lunashow", None), None)
                .is_none()
        );
        assert_eq!(
            douyu.chat_target("", &room("9100", None), Some("http://h:1/sites/douyu")),
            Some(ChatTarget::Douyu {
                url: "ws://h:1/sites/douyu/chat".into(),
                room_id: "9100".into()
            })
        );
        let huya = crate::platform::huya::HuyaPlatform;
        assert!(huya.chat_target("", &room("660001", None), None).is_none());
        assert_eq!(
            huya.chat_target("", &room("660001", Some("1199000660001")), None),
            Some(ChatTarget::Huya {
                url: "wss://cdnws.api.huya.com:443".into(),
                presenter_uid: 1_199_000_660_001
            })
        );
    }
}
