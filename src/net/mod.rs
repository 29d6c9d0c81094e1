//! The shared HTTP client every connection srec makes goes through: one
//! builder for platform API checks, media and notifications (proxy, cookies,
//! headers, user agent, per-use timeouts), one proxy rule that the chat
//! websockets share, and transport failures turned into typed errors the
//! engines can classify. External tools that make HTTP requests themselves
//! (streamlink, ffmpeg) get their credentials through a [`SecretFile`]
//! instead of their command line, or, for an ffmpeg too old to read one,
//! their secret headers through the loopback [`HeaderProxy`].

mod client;
mod error;
pub mod header_proxy;
mod options;
mod post;
mod proxy;
mod secret_file;
pub mod tunnel;

pub use client::{BodyStream, ByteRange, HttpClient};
pub use error::{NetError, redact_url};
pub use header_proxy::{HeaderProxy, HeaderProxyError};
pub use options::{API_TOTAL_TIMEOUT, HttpOptions, USER_AGENT, api_client, build as build_client};
pub use post::PostReply;
pub use proxy::ProxyRules;
pub use secret_file::SecretFile;
