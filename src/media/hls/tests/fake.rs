//! Test doubles: a scripted fetcher, an in-memory sink, playlist builders
//! and a helper that runs a recorder and collects what it did.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::super::*;
use crate::events::{DownloadEventKind, SplitReason};
use crate::net::{BodyStream, ByteRange, NetError};

pub const URL: &str = "http://fake/live/index.m3u8";

/// How one resource misbehaves.
#[derive(Debug, Clone, Default)]
pub struct Res {
    pub body: Bytes,
    /// Answer 503 to this many requests first.
    pub fail_first: u32,
    /// Drop the connection halfway through this many responses first.
    pub drop_mid_first: u32,
    /// Always 503.
    pub always_fail: bool,
    /// Delay before the response.
    pub delay: Duration,
    /// Send this many chunks, then hang forever.
    pub hang_after: Option<usize>,
}

impl Res {
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }
}

/// A playlist's answers (body or HTTP status) and how many were served.
type Script = (Vec<Result<String, u16>>, usize);

/// Scripted server: playlists answer their script step by step (the last
/// entry repeats); resources are looked up by path, ignoring the query.
#[derive(Default)]
pub struct FakeFetch {
    playlists: Mutex<HashMap<String, Script>>,
    resources: Mutex<HashMap<String, Res>>,
    /// Every request: path plus query.
    pub log: Mutex<Vec<String>>,
    /// Body chunk size for streamed responses.
    pub chunk: usize,
}

impl FakeFetch {
    pub fn new() -> Self {
        Self {
            chunk: 7,
            ..Self::default()
        }
    }

    pub fn playlist(self, path: &str, script: Vec<Result<String, u16>>) -> Self {
        self.playlists
            .lock()
            .unwrap()
            .insert(path.into(), (script, 0));
        self
    }

    pub fn live(self, script: Vec<String>) -> Self {
        self.playlist("/live/index.m3u8", script.into_iter().map(Ok).collect())
    }

    pub fn res(self, path: &str, res: Res) -> Self {
        self.resources.lock().unwrap().insert(path.into(), res);
        self
    }

    /// `/live/seg{n}.ts` → `<seg{n}>` for each n.
    pub fn plain_segments(mut self, seqs: impl IntoIterator<Item = u64>) -> Self {
        for n in seqs {
            self = self.res(&format!("/live/seg{n}.ts"), Res::ok(format!("<seg{n}>")));
        }
        self
    }

    pub fn requests(&self, path: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.split('?').next() == Some(path))
            .count()
    }

    fn lookup(&self, url: &Url) -> Result<Res, NetError> {
        let path = url.path().to_string();
        let mut full = path.clone();
        if let Some(q) = url.query() {
            full.push('?');
            full.push_str(q);
        }
        self.log.lock().unwrap().push(full);
        let http = |status| NetError::Http {
            status,
            url: path.clone(),
        };
        if let Some((script, served)) = self.playlists.lock().unwrap().get_mut(&path) {
            let step = script[(*served).min(script.len() - 1)].clone();
            *served += 1;
            return step.map(Res::ok).map_err(http);
        }
        let mut resources = self.resources.lock().unwrap();
        let res = resources.get_mut(&path).ok_or_else(|| http(404))?;
        if res.always_fail {
            return Err(http(503));
        }
        if res.fail_first > 0 {
            res.fail_first -= 1;
            return Err(http(503));
        }
        let out = res.clone();
        res.drop_mid_first = res.drop_mid_first.saturating_sub(1);
        Ok(out)
    }
}

fn slice(body: Bytes, range: Option<ByteRange>) -> Bytes {
    match range {
        Some(r) => body.slice(r.offset as usize..(r.offset + r.length) as usize),
        None => body,
    }
}

impl Fetch for FakeFetch {
    async fn get(
        &self,
        url: &Url,
        range: Option<ByteRange>,
        _limit: usize,
    ) -> Result<Bytes, NetError> {
        let res = self.lookup(url)?;
        tokio::time::sleep(res.delay).await;
        Ok(slice(res.body, range))
    }

    async fn stream(&self, url: &Url, range: Option<ByteRange>) -> Result<BodyStream, NetError> {
        let res = self.lookup(url)?;
        tokio::time::sleep(res.delay).await;
        let body = slice(res.body, range);
        let mut chunks: Vec<Result<Bytes, NetError>> = body
            .chunks(self.chunk.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        if res.drop_mid_first > 0 {
            chunks.truncate(chunks.len() / 2);
            chunks.push(Err(NetError::Network {
                url: url.path().into(),
                detail: "connection reset".into(),
            }));
        }
        if let Some(n) = res.hang_after {
            chunks.truncate(n);
            let hang = futures::stream::pending();
            return Ok(Box::pin(futures::stream::iter(chunks).chain(hang)));
        }
        Ok(Box::pin(futures::stream::iter(chunks)))
    }
}

/// One in-memory output file.
#[derive(Debug, Clone, Default)]
pub struct MemFile {
    pub index: u32,
    pub ext: String,
    pub data: Vec<u8>,
    pub closed: bool,
}

/// In-memory sink; optionally slow.
#[derive(Clone, Default)]
pub struct MemSink {
    pub files: Arc<Mutex<Vec<MemFile>>>,
    pub write_delay: Duration,
}

impl SegmentSink for MemSink {
    async fn open(&mut self, index: u32, ext: &str) -> Result<std::path::PathBuf, HlsError> {
        let mut files = self.files.lock().unwrap();
        assert!(
            files.last().is_none_or(|f| f.closed),
            "open while a file is open"
        );
        files.push(MemFile {
            index,
            ext: ext.into(),
            ..MemFile::default()
        });
        Ok(format!("/mem/{index}.{ext}").into())
    }

    async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        tokio::time::sleep(self.write_delay).await;
        let mut files = self.files.lock().unwrap();
        let f = files
            .last_mut()
            .filter(|f| !f.closed)
            .expect("write without open file");
        f.data.extend_from_slice(&data);
        Ok(())
    }

    async fn close(&mut self) -> Result<(), HlsError> {
        if let Some(f) = self.files.lock().unwrap().last_mut() {
            f.closed = true;
        }
        Ok(())
    }
}

/// `#EXTM3U` header plus `body`, with ENDLIST if `end`.
pub fn pl(seq0: u64, target: u64, body: &str, end: bool) -> String {
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:{seq0}\n{body}{}",
        if end { "#EXT-X-ENDLIST\n" } else { "" }
    )
}

/// A live window of `count` 2-second segments from `seq0`, every URI
/// carrying `token` (rotating tokens: same segment, new URL each reload).
pub fn window(seq0: u64, count: u64, token: &str, end: bool) -> String {
    let body: String = (seq0..seq0 + count)
        .map(|n| format!("#EXTINF:2.000,\nseg{n}.ts?token={token}\n"))
        .collect();
    pl(seq0, 2, &body, end)
}

/// Options with quick retries.
pub fn opts() -> HlsOptions {
    HlsOptions {
        // Paused-time tests check exact reload schedules.
        watch: WatchOptions {
            reload_grid: Duration::ZERO,
            ..WatchOptions::default()
        },
        retry: RetryPolicy {
            retries: 3,
            base_delay: Duration::from_millis(100),
        },
        ..HlsOptions::default()
    }
}

/// What a recording did.
pub struct Run {
    pub result: Result<Outcome, HlsError>,
    pub events: Vec<DownloadEventKind>,
    pub files: Vec<MemFile>,
    pub high_water: usize,
    pub cap: usize,
}

impl Run {
    /// The outcome, or a panic with the error.
    pub fn ok(&self) -> Outcome {
        match &self.result {
            Ok(o) => *o,
            Err(e) => panic!("recording failed: {e}"),
        }
    }

    pub fn err(&self) -> &HlsError {
        match &self.result {
            Ok(o) => panic!("expected an error, got {o:?}"),
            Err(e) => e,
        }
    }

    /// `(index, reason)` of every closed file.
    pub fn closes(&self) -> Vec<(u32, SplitReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                DownloadEventKind::SegmentClosed {
                    index,
                    split_reason,
                    ..
                } => Some((*index, *split_reason)),
                _ => None,
            })
            .collect()
    }

    /// `(bytes, bitrate)` of every progress event, in order.
    pub fn progress(&self) -> Vec<(u64, u64)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                DownloadEventKind::Progress { bytes, bitrate, .. } => Some((*bytes, *bitrate)),
                _ => None,
            })
            .collect()
    }

    /// File contents as text.
    pub fn texts(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .collect()
    }
}

/// Records [`URL`] with `fetch`, optionally cancelling after `stop_after`.
pub async fn record(
    fetch: Arc<FakeFetch>,
    opts: HlsOptions,
    sink: MemSink,
    stop_after: Option<Duration>,
) -> Run {
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let files = sink.files.clone();
    let rec = HlsRecorder::new(
        fetch,
        sink,
        Box::new(move |k| ev.lock().unwrap().push(k)),
        opts,
    );
    let budget = rec.budget();
    let cancel = CancellationToken::new();
    if let Some(after) = stop_after {
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            c.cancel();
        });
    }
    let result = tokio::time::timeout(
        Duration::from_secs(3600),
        rec.run(&Url::parse(URL).unwrap(), cancel),
    )
    .await
    .expect("recorder hung");
    let files = files.lock().unwrap().clone();
    for f in &files {
        assert!(f.closed, "file {} left open", f.index);
    }
    let events = events.lock().unwrap().clone();
    Run {
        result,
        events,
        files,
        high_water: budget.high_water(),
        cap: budget.cap(),
    }
}
