//! The [`Fetch`] seam: everything the HLS logic downloads goes through it,
//! so tests drive the recorder with scripted playlists and segments instead
//! of a network, and production uses the shared [`HttpClient`].

use std::future::Future;

use bytes::Bytes;
use url::Url;

use crate::net::{BodyStream, ByteRange, HttpClient, NetError};

/// Downloads for the HLS recorder.
pub trait Fetch: Send + Sync + 'static {
    /// A whole small body (playlist, key, init section), at most `limit` bytes.
    fn get(
        &self,
        url: &Url,
        range: Option<ByteRange>,
        limit: usize,
    ) -> impl Future<Output = Result<Bytes, NetError>> + Send;

    /// A media segment body, streamed.
    fn stream(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> impl Future<Output = Result<BodyStream, NetError>> + Send;
}

impl Fetch for HttpClient {
    fn get(
        &self,
        url: &Url,
        range: Option<ByteRange>,
        limit: usize,
    ) -> impl Future<Output = Result<Bytes, NetError>> + Send {
        self.get_bytes(url, range, limit)
    }

    fn stream(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> impl Future<Output = Result<BodyStream, NetError>> + Send {
        self.get_stream(url, range)
    }
}
