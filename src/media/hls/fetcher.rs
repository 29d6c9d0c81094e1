//! One segment's download as a task: init section and key first, then the
//! body streamed through decryption into budgeted chunks on a channel the
//! writer reads in order. Failed attempts are retried with backoff; a retry
//! skips the bytes already delivered, so a connection dropped mid-segment
//! neither duplicates nor loses data. Before a retry the playlist is
//! reloaded, and a download the playlist renumbered meanwhile is abandoned
//! (see [`Numbering`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::budget::{ByteBudget, Permit};
use super::cache::BodyCache;
use super::crypto::{CbcStream, sequence_iv};
use super::error::HlsError;
use super::fetch::Fetch;
use super::numbering::Numbering;
use super::tracker::SegmentJob;

/// Retry policy for one segment (and its key / init section).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// First backoff; doubles per retry.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            base_delay: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, attempt: u32) -> Duration {
        self.base_delay * 2u32.saturating_pow(attempt).min(16)
    }
}

/// What a segment task sends to the writer, in this order: at most one
/// `Init`, any number of `Data`, then `Done` or `Failed`.
#[derive(Debug)]
pub enum FetchMsg {
    Init(Bytes),
    Data(Bytes, Permit),
    Done,
    Failed(HlsError),
}

/// Shared by all segment tasks of one recording.
#[derive(Debug)]
pub struct FetchCtx<F> {
    pub fetch: Arc<F>,
    pub keys: BodyCache,
    pub inits: BodyCache,
    pub budget: Arc<ByteBudget>,
    pub retry: RetryPolicy,
    pub numbering: Arc<Numbering>,
}

impl<F: Fetch> FetchCtx<F> {
    pub fn new(
        fetch: Arc<F>,
        budget: Arc<ByteBudget>,
        retry: RetryPolicy,
        numbering: Arc<Numbering>,
    ) -> Self {
        Self {
            fetch,
            keys: BodyCache::new(32),
            inits: BodyCache::new(8),
            budget,
            retry,
            numbering,
        }
    }
}

/// Downloads `job` (order number `order`) and reports on `tx`.
pub async fn fetch_segment<F: Fetch>(
    ctx: Arc<FetchCtx<F>>,
    order: u64,
    job: SegmentJob,
    tx: mpsc::UnboundedSender<FetchMsg>,
) {
    let msg = match run(&ctx, order, &job, &tx).await {
        Ok(()) => FetchMsg::Done,
        Err(e @ HlsError::Superseded(_)) => {
            tracing::debug!(seq = job.seg.seq, "HLS segment renumbered; listed again");
            FetchMsg::Failed(e)
        }
        Err(e) => {
            tracing::warn!(seq = job.seg.seq, error = %e, "HLS segment lost");
            FetchMsg::Failed(e)
        }
    };
    let _ = tx.send(msg);
}

async fn run<F: Fetch>(
    ctx: &FetchCtx<F>,
    order: u64,
    job: &SegmentJob,
    tx: &mpsc::UnboundedSender<FetchMsg>,
) -> Result<(), HlsError> {
    let seg = &job.seg;
    if seg.gap {
        return Err(HlsError::Gap(seg.seq));
    }
    if let Some(map) = &seg.map {
        let init = retry(ctx.retry, || {
            ctx.inits.get(ctx.fetch.as_ref(), &map.url, map.range)
        })
        .await?;
        if tx.send(FetchMsg::Init(init)).is_err() {
            return Ok(());
        }
    }
    let mut dec = match &seg.key {
        Some(k) => {
            let key = retry(ctx.retry, || ctx.keys.key(ctx.fetch.as_ref(), &k.url)).await?;
            Some(CbcStream::new(
                &key,
                &k.iv.unwrap_or_else(|| sequence_iv(seg.seq)),
            ))
        }
        None => None,
    };
    // Raw bytes already passed on (skipped when a retry starts over).
    let mut delivered = 0u64;
    let mut attempt = 0;
    loop {
        match body_attempt(ctx, order, job, tx, &mut dec, &mut delivered).await {
            Ok(()) => break,
            Err(e @ HlsError::Superseded(_)) => return Err(e),
            Err(e) if attempt >= ctx.retry.retries => return Err(e),
            Err(e) => {
                tracing::debug!(seq = seg.seq, attempt, error = %e, "retrying HLS segment");
                // The playlist may have been renumbered under us (a reset
                // answers old URLs with 404, then with other media): retry
                // only once a fresh load has shown the current numbering.
                let seen = ctx.numbering.loads();
                ctx.numbering.request_reload();
                let delay = ctx.retry.delay(attempt);
                tokio::time::sleep(delay).await;
                ctx.numbering.wait_load_after(seen, delay).await;
                attempt += 1;
            }
        }
    }
    if let Some(d) = dec {
        let (tail, padded) = d.finish();
        if !padded {
            tracing::warn!(
                seq = seg.seq,
                "AES-128 segment without valid padding; kept as is"
            );
        }
        send(ctx, order, tx, Bytes::from(tail)).await;
    }
    Ok(())
}

/// One try at the body; `Ok` when it ended cleanly.
async fn body_attempt<F: Fetch>(
    ctx: &FetchCtx<F>,
    order: u64,
    job: &SegmentJob,
    tx: &mpsc::UnboundedSender<FetchMsg>,
    dec: &mut Option<CbcStream>,
    delivered: &mut u64,
) -> Result<(), HlsError> {
    let seg = &job.seg;
    if ctx.numbering.generation() != job.generation {
        return Err(HlsError::Superseded(seg.seq));
    }
    let mut body = ctx.fetch.stream(&seg.url, seg.range).await?;
    // Under the lock that renumbering takes: either this response counts
    // as recorded media, or the segment is listed again.
    if !ctx.numbering.answered(job.generation, seg.seq) {
        return Err(HlsError::Superseded(seg.seq));
    }
    let mut pos = 0u64;
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk?;
        let len = chunk.len() as u64;
        if pos + len <= *delivered {
            pos += len;
            continue;
        }
        if pos < *delivered {
            let _ = chunk.split_to((*delivered - pos) as usize);
        }
        pos += len;
        *delivered = pos;
        let plain = match dec.as_mut() {
            Some(d) => Bytes::from(d.update(&chunk)),
            None => chunk,
        };
        if !send(ctx, order, tx, plain).await {
            // The recorder is gone (stopped); nothing left to do.
            return Ok(());
        }
    }
    Ok(())
}

/// Sends `data` in budget-sized pieces; false if the receiver is gone.
async fn send<F>(
    ctx: &FetchCtx<F>,
    order: u64,
    tx: &mpsc::UnboundedSender<FetchMsg>,
    mut data: Bytes,
) -> bool {
    while !data.is_empty() {
        let piece = data.split_to(data.len().min(ctx.budget.max_piece()));
        let permit = ctx.budget.acquire(order, piece.len()).await;
        if tx.send(FetchMsg::Data(piece, permit)).is_err() {
            return false;
        }
    }
    !tx.is_closed()
}

async fn retry<T, Fut>(policy: RetryPolicy, mut f: impl FnMut() -> Fut) -> Result<T, HlsError>
where
    Fut: std::future::Future<Output = Result<T, HlsError>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= policy.retries => return Err(e),
            Err(_) => {
                tokio::time::sleep(policy.delay(attempt)).await;
                attempt += 1;
            }
        }
    }
}
