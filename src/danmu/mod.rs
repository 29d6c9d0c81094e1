//! DanmuService: live chat captured beside every recorded segment. Each
//! site speaks a synchronous [`protocol::ChatProtocol`] (handshake,
//! heartbeat, `decode` of one websocket frame) driven by one shared
//! websocket [`runner`]; a [`provider::ChatProvider`] per room (picked in
//! [`providers`]) resolves where to connect; messages become
//! [`message::ChatEvent`]s written to a BililiveRecorder-compatible
//! [`xml`] file per video segment by the [`service`].

pub mod bilibili;
pub mod douyu;
pub mod fake;
pub mod huya;
pub mod message;
pub mod protocol;
pub mod provider;
pub mod providers;
pub mod recovery;
pub mod runner;
pub mod service;
pub mod session;
pub mod twitch;
pub mod waiting;
pub mod xml;
