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
