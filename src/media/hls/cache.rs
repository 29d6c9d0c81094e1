//! Small bodies fetched once and reused: AES keys (one request per key URI,
//! not per segment) and `EXT-X-MAP` init sections. Concurrent segment
//! fetches asking for the same entry share one request; a failed request
//! leaves the entry empty so the next asker retries. Bounded, because keys
//! rotate over a 24/7 recording.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::OnceCell;
use url::Url;

use super::error::HlsError;
use super::fetch::Fetch;
use crate::net::{ByteRange, redact_url};

/// Largest key or init section accepted.
pub const SMALL_BODY_LIMIT: usize = 4 * 1024 * 1024;

type Key = (Url, Option<ByteRange>);

/// A bounded cache of whole small bodies.
#[derive(Debug)]
pub struct BodyCache {
    capacity: usize,
    entries: Mutex<VecDeque<(Key, Arc<OnceCell<Bytes>>)>>,
}

impl BodyCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// The body of `url` (in `range`), fetched at most once while cached.
    pub async fn get<F: Fetch>(
        &self,
        fetch: &F,
        url: &Url,
        range: Option<ByteRange>,
    ) -> Result<Bytes, HlsError> {
        let cell = self.cell(&(url.clone(), range));
        let body = cell
            .get_or_try_init(|| async { fetch.get(url, range, SMALL_BODY_LIMIT).await })
            .await?;
        Ok(body.clone())
    }

    /// An AES-128 key: exactly 16 bytes.
    pub async fn key<F: Fetch>(&self, fetch: &F, url: &Url) -> Result<[u8; 16], HlsError> {
        let body = self.get(fetch, url, None).await?;
        <[u8; 16]>::try_from(body.as_ref()).map_err(|_| {
            self.forget(url);
            HlsError::BadKey(redact_url(url))
        })
    }

    fn cell(&self, key: &Key) -> Arc<OnceCell<Bytes>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = entries.iter().find(|(k, _)| k == key) {
            return c.clone();
        }
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        let cell = Arc::new(OnceCell::new());
        entries.push_back((key.clone(), cell.clone()));
        cell
    }

    /// Drops a bad entry so it is fetched again.
    fn forget(&self, url: &Url) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|((u, _), _)| u != url);
    }
}
