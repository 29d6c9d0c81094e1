//! The shared HTTP client every in-process download uses: one place that
//! applies the streamer's proxy, cookies, headers and timeouts, and that turns
//! transport failures into typed errors the engines can classify. External
//! tools that make HTTP requests themselves (streamlink, ffmpeg) get their
//! credentials through a [`SecretFile`] instead of their command line.

mod client;
mod error;
mod post;
mod secret_file;

pub use client::{BodyStream, ByteRange, HttpClient, HttpOptions, USER_AGENT};
pub use error::{NetError, redact_url};
pub use post::PostReply;
pub use secret_file::SecretFile;
