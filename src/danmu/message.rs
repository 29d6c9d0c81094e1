//! What a chat protocol decodes: the site-independent messages the XML
//! writer and the dashboard use.

/// One decoded chat message or room signal.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    Comment(Comment),
    SuperChat(SuperChat),
    Gift(Gift),
    /// A membership bought (Bilibili guard, Twitch sub).
    Guard(Guard),
    /// A room notice worth keeping (raid, announcement): written as a
    /// comment-like line only when a protocol chooses to.
    Notice {
        text: String,
    },
    /// A moderator cleared the chat (`user` = one user's messages).
    Clear {
        user: Option<String>,
    },
    /// The site says the room went live (`true`) or ended (`false`): a
    /// hint for the monitor to check now, never a session change by itself.
    LiveHint {
        live: bool,
    },
    /// The server asked the client to reconnect (Twitch `RECONNECT`).
    Reconnect,
}

/// Who sent a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sender {
    /// Display name (masked by some sites for anonymous viewers).
    pub name: String,
    /// The site's user id, when it gives one.
    pub uid: Option<String>,
}

/// A plain chat message (danmaku).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub sender: Sender,
    pub text: String,
    /// 1 scrolling, 4 bottom, 5 top (Bilibili modes; others use 1).
    pub mode: u8,
    /// Font size (25 = normal).
    pub size: u8,
    /// 0xRRGGBB.
    pub color: u32,
    /// When the site says it was sent (ms since the epoch), if it does.
    pub sent_ms: Option<i64>,
}

/// A paid highlighted message.
#[derive(Debug, Clone, PartialEq)]
pub struct SuperChat {
    pub sender: Sender,
    pub text: String,
    /// Price in the site's currency units (CNY for Bilibili).
    pub price: f64,
    /// How long the site pins it, seconds.
    pub duration_s: u32,
    pub sent_ms: Option<i64>,
}

/// A gift (Twitch bits count as gifts).
#[derive(Debug, Clone, PartialEq)]
pub struct Gift {
    pub sender: Sender,
    pub name: String,
    pub count: u32,
    /// Total price in currency units, when known.
    pub price: Option<f64>,
    pub sent_ms: Option<i64>,
}

/// A membership purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub sender: Sender,
    /// Bilibili: 1 总督, 2 提督, 3 舰长; Twitch: sub tier 1..3.
    pub level: u8,
    pub count: u32,
    pub sent_ms: Option<i64>,
}
