//! DanmuService: live chat captured beside every recorded segment. Each
//! site speaks a synchronous [`protocol::ChatProtocol`] (handshake,
//! heartbeat, `decode` of one websocket frame) driven by one shared
//! websocket runner; messages become [`message::ChatEvent`]s written to a
//! BililiveRecorder-compatible XML file per video segment.

pub mod douyu;
pub mod huya;
pub mod message;
pub mod protocol;
pub mod twitch;
