//! A response body fed from a task, so the server can pace, throttle, stall
//! and cut it the way a flaky CDN would.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::fault::Fault;
use crate::room::Room;

type Chunk = Result<Bytes, std::io::Error>;

struct ChunkStream(mpsc::Receiver<Chunk>);

impl Stream for ChunkStream {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        self.0.poll_recv(cx)
    }
}

/// The client is gone or the server is shutting down; stop producing.
#[derive(Debug)]
pub(crate) struct Gone;

/// Writing end of a streamed body.
pub(crate) struct Pipe {
    tx: mpsc::Sender<Chunk>,
    room: Room,
    cancel: CancellationToken,
    sent: u64,
    /// Start of the current bandwidth-limited run and bytes sent in it.
    shaped_since: Option<(Instant, u64, u64)>,
}

/// A body and the pipe that feeds it. The small channel keeps the producer
/// close to what the socket actually accepted.
pub(crate) fn pipe(room: Room, cancel: CancellationToken) -> (Pipe, Body) {
    let (tx, rx) = mpsc::channel(2);
    let pipe = Pipe {
        tx,
        room,
        cancel,
        sent: 0,
        shaped_since: None,
    };
    (pipe, Body::from_stream(ChunkStream(rx)))
}

impl Pipe {
    /// Bytes handed to the body so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Sends `data`, honouring the room's bandwidth cap (re-read per chunk so
    /// setting or clearing the fault affects streams already running).
    pub async fn send(&mut self, mut data: Bytes) -> Result<(), Gone> {
        while !data.is_empty() {
            let cap = self.room.lock().faults.peek(|f| match f {
                Fault::Bandwidth { bytes_per_sec } => Some(*bytes_per_sec),
                _ => None,
            });
            let piece = match cap {
                None => {
                    self.shaped_since = None;
                    data.split_to(data.len())
                }
                Some(cap) => {
                    let slice = (cap / 20).clamp(1, 64 * 1024) as usize;
                    let piece = data.split_to(slice.min(data.len()));
                    self.pace(cap, piece.len() as u64).await?;
                    piece
                }
            };
            let len = piece.len() as u64;
            tokio::select! {
                _ = self.cancel.cancelled() => return Err(Gone),
                sent = self.tx.send(Ok(piece)) => sent.map_err(|_| Gone)?,
            }
            self.sent += len;
        }
        Ok(())
    }

    /// Waits until sending `len` more bytes keeps the run at or below `cap`.
    async fn pace(&mut self, cap: u64, len: u64) -> Result<(), Gone> {
        let (since, run_cap, run_bytes) = match self.shaped_since {
            Some(s) if s.1 == cap => s,
            _ => (Instant::now(), cap, 0),
        };
        let due = since + Duration::from_secs_f64(run_bytes as f64 / cap as f64);
        self.shaped_since = Some((since, run_cap, run_bytes + len));
        self.sleep_until(due).await
    }

    /// Sleeps until `when`, or fails early on shutdown.
    pub async fn sleep_until(&self, when: Instant) -> Result<(), Gone> {
        tokio::select! {
            _ = self.cancel.cancelled() => Err(Gone),
            _ = tokio::time::sleep_until(when.into()) => Ok(()),
        }
    }

    /// Sleeps for `secs` seconds, or fails early on shutdown.
    pub async fn sleep(&self, secs: f64) -> Result<(), Gone> {
        self.sleep_until(Instant::now() + Duration::from_secs_f64(secs))
            .await
    }

    /// Cuts the connection: the body fails, so the server closes the socket
    /// without a clean end (no terminating chunk / short Content-Length).
    pub async fn cut(self) {
        // Give the server a moment to flush what was already handed over.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = self
            .tx
            .send(Err(std::io::Error::other(
                "fake-live: injected connection drop",
            )))
            .await;
    }
}
