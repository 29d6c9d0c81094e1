//! mesio's HTTP-FLV path. An async task reads the HTTP body and hands
//! batches through a bounded channel (the per-recording memory cap) to a
//! blocking writer thread (`flv_writer`) that runs parser → repair →
//! segmenter → files, so disk writes and fsyncs never stall the runtime.
//! Every batch is flushed to the OS as soon as it is processed.
//!
//! Batching is what keeps the CPU cost per recording low: a live FLV source
//! sends one small write per tag (~80 a second), and waking the reader, the
//! writer thread and the disk for each of them costs far more than the bytes.
//! So the reader takes everything already received at once, hands it over,
//! and — when the source is slow — waits [`FlvOptions::batch_interval`]
//! before reading again, letting the kernel's socket buffer collect the next
//! tags. What a `kill -9` can lose is therefore at most that interval of
//! stream still in the socket buffer; everything read is written at once. A
//! fast source (a full [`CHUNK`] per read) is never paced.
//!
//! The body is read through [`HttpClient`], which bounds each read, never
//! the whole response: a live body lasts for hours, and a total request
//! timeout would cut every recording after a few seconds.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::EngineKind;
use crate::download::engine::{DownloadHandle, DownloadRequest, EngineError, EventSink};
use crate::download::shards::Spawner;
use crate::events::{DownloadEventKind, SplitReason};
use crate::net::HttpClient;

use super::flv_writer::{Msg, write_loop};

/// Default cap on bytes received but not yet written.
pub const MEMORY_CAP: usize = 8 << 20;
/// Largest chunk passed to the writer (so the cap is exact).
const CHUNK: usize = 64 << 10;
/// No byte from the source for this long = stalled (retryable failure).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(20);
/// Pause between reads of a slow source (see the module docs).
pub const BATCH_INTERVAL: Duration = Duration::from_millis(500);
/// Runtime turns without a new chunk after which a batch is complete.
const DRAIN_TURNS: u32 = 2;

/// Tunables (tests shorten the stall timeout).
#[derive(Debug, Clone, Copy)]
pub struct FlvOptions {
    pub memory_cap: usize,
    pub stall_timeout: Duration,
    /// Pause between reads of a slow source: the longest a byte waits in the
    /// socket buffer before it is read and written.
    pub batch_interval: Duration,
}

impl Default for FlvOptions {
    fn default() -> Self {
        Self {
            memory_cap: MEMORY_CAP,
            stall_timeout: STALL_TIMEOUT,
            batch_interval: BATCH_INTERVAL,
        }
    }
}

/// Starts recording an HTTP-FLV stream.
pub fn start(
    req: DownloadRequest,
    sink: EventSink,
    http: HttpClient,
    opts: FlvOptions,
    spawner: &Spawner,
) -> Result<DownloadHandle, EngineError> {
    let cancel = CancellationToken::new();
    let task = spawner.spawn(run(req, sink, http, opts, cancel.clone()));
    Ok(DownloadHandle::new(cancel, task))
}

async fn run(
    req: DownloadRequest,
    sink: EventSink,
    http: HttpClient,
    opts: FlvOptions,
    cancel: CancellationToken,
) {
    sink.emit(DownloadEventKind::Started {
        engine: EngineKind::Mesio,
    });
    let (tx, rx) = mpsc::channel::<Msg>((opts.memory_cap / CHUNK).max(2));
    let writer_sink = sink.clone();
    let writer_req = req.clone();
    let writer = tokio::task::spawn_blocking(move || write_loop(writer_req, writer_sink, rx));
    let read = read_loop(&req, &http, &tx, opts, &cancel).await;
    let end = match &read {
        Ok(()) if cancel.is_cancelled() => SplitReason::Stopped,
        Ok(()) => SplitReason::EndOfStream,
        Err(_) => SplitReason::Error,
    };
    let _ = tx.send(Msg::End(end)).await;
    drop(tx);
    let written = writer
        .await
        .unwrap_or_else(|_| Err(EngineError::Other("FLV writer thread panicked".into())));
    match (read, written) {
        (_, Err(e)) | (Err(e), Ok(())) => sink.emit(e.failed_event()),
        (Ok(()), Ok(())) => sink.emit(DownloadEventKind::Finished),
    }
}

async fn read_loop(
    req: &DownloadRequest,
    http: &HttpClient,
    tx: &mpsc::Sender<Msg>,
    opts: FlvOptions,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let url = Url::parse(&req.stream.url)
        .map_err(|e| EngineError::Unsupported(format!("invalid stream URL: {e}")))?;
    let mut body = tokio::select! {
        _ = cancel.cancelled() => return Ok(()),
        r = tokio::time::timeout(opts.stall_timeout, http.get_stream(&url, None)) => match r {
            Err(_) => return Err(EngineError::Stalled(opts.stall_timeout)),
            Ok(r) => r?,
        },
    };
    let mut last_data = Instant::now();
    loop {
        // Wait for data, bounded by the stall deadline.
        let next = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep_until((last_data + opts.stall_timeout).into()) => {
                return Err(EngineError::Stalled(opts.stall_timeout));
            }
            n = body.next() => n,
        };
        let Some(first) = next else { return Ok(()) };
        last_data = Instant::now();
        // Take what has already arrived without waiting for more: hyper's
        // connection task hands the body over chunk by chunk, so give it a
        // turn (`yield_now`) before concluding that nothing is left.
        let mut batch = BytesMut::from(first?);
        let mut outcome = None;
        let mut idle_turns = 0;
        while batch.len() < CHUNK && idle_turns < DRAIN_TURNS {
            match body.next().now_or_never() {
                Some(Some(Ok(chunk))) => {
                    batch.extend_from_slice(&chunk);
                    idle_turns = 0;
                }
                Some(Some(Err(e))) => {
                    outcome = Some(Err(e.into()));
                    break;
                }
                Some(None) => {
                    outcome = Some(Ok(()));
                    break;
                }
                None => {
                    yield_turn().await;
                    idle_turns += 1;
                }
            }
        }
        let full = batch.len() >= CHUNK;
        send(tx, batch.freeze()).await?;
        if let Some(end) = outcome {
            return end;
        }
        if !full {
            // A slow source: let the socket collect the next tags.
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                _ = tokio::time::sleep(opts.batch_interval) => {}
            }
        }
    }
}

/// Gives the other tasks of this thread (hyper's connection task) one turn.
/// Unlike `tokio::task::yield_now`, which defers the wake-up until the
/// runtime has polled its I/O driver (an `epoll_wait` per call, ten per
/// batch here), this re-queues the task at once: hyper's connection task is
/// already queued by the body's demand signal, so it runs first.
async fn yield_turn() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// Hands one received chunk to the writer in pieces of at most [`CHUNK`]
/// (so the memory cap is exact); waits while the writer is `memory_cap`
/// behind.
async fn send(tx: &mpsc::Sender<Msg>, mut rest: Bytes) -> Result<(), EngineError> {
    while !rest.is_empty() {
        let part = rest.split_to(rest.len().min(CHUNK));
        if tx.send(Msg::Data(part)).await.is_err() {
            return Err(EngineError::Other("FLV writer stopped".into()));
        }
    }
    Ok(())
}
