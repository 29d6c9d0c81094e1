//! [`Pipeline`]: the bounded window of segments being fetched, in playlist
//! order. Up to `parallel` segments download at once; the writer only ever
//! reads the oldest (the head), so output order never depends on which
//! download finishes first.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::error::HlsError;
use super::fetch::Fetch;
use super::fetcher::{FetchCtx, FetchMsg, fetch_segment};
use super::tracker::SegmentJob;

struct InFlight {
    job: SegmentJob,
    rx: mpsc::UnboundedReceiver<FetchMsg>,
    task: JoinHandle<()>,
}

impl Drop for InFlight {
    /// A segment dropped from the pipeline (stop, shutdown) stops downloading.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// In-order window of segment downloads.
pub struct Pipeline<F> {
    ctx: Arc<FetchCtx<F>>,
    queue: VecDeque<(u64, InFlight)>,
    next_order: u64,
    parallel: usize,
}

impl<F: Fetch> Pipeline<F> {
    pub fn new(ctx: Arc<FetchCtx<F>>, parallel: usize) -> Self {
        Self {
            ctx,
            queue: VecDeque::new(),
            next_order: 0,
            parallel: parallel.max(1),
        }
    }

    pub fn has_room(&self) -> bool {
        self.queue.len() < self.parallel
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Starts downloading `job` behind the ones already in flight.
    pub fn push(&mut self, job: SegmentJob) {
        let order = self.next_order;
        self.next_order += 1;
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(fetch_segment(self.ctx.clone(), order, job.clone(), tx));
        if self.queue.is_empty() {
            self.ctx.budget.set_head(order);
        }
        self.queue.push_back((order, InFlight { job, rx, task }));
    }

    /// The segment being written.
    pub fn head(&self) -> Option<&SegmentJob> {
        self.queue.front().map(|(_, f)| &f.job)
    }

    /// Next message of the head segment; pending forever if there is none
    /// (callers guard on [`is_empty`](Self::is_empty)).
    pub async fn recv_head(&mut self) -> FetchMsg {
        let Some((_, head)) = self.queue.front_mut() else {
            return std::future::pending().await;
        };
        match head.rx.recv().await {
            Some(msg) => msg,
            // The task ended without a verdict (panicked or aborted).
            None => FetchMsg::Failed(HlsError::Internal(format!(
                "download of segment {} ended unexpectedly",
                head.job.seg.seq
            ))),
        }
    }

    /// A message of the head segment that has already arrived, if any.
    pub fn try_recv_head(&mut self) -> Option<FetchMsg> {
        self.queue.front_mut()?.1.rx.try_recv().ok()
    }

    /// Done with the head; the next segment becomes the head.
    pub fn pop_head(&mut self) {
        self.queue.pop_front();
        if let Some((order, _)) = self.queue.front() {
            self.ctx.budget.set_head(*order);
        }
    }
}
