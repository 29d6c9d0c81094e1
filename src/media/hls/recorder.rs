//! [`HlsRecorder`]: one HLS recording from playlist URL to closed files.
//! The watcher task feeds segments into the [`Pipeline`]; the head segment's
//! bytes are peeked at until its first frame is known (so a size/duration
//! split lands on a keyframe), then committed to the [`Assembler`] and
//! streamed to disk. Lost segments become discontinuity splits; the end is
//! ENDLIST, a stop, or an error, each closing the file with its reason.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::assembler::{Assembler, Container, EventFn, SegmentHead, SplitLimits};
use super::budget::{ByteBudget, Permit};
use super::error::HlsError;
use super::fetch::Fetch;
use super::fetcher::{FetchCtx, FetchMsg, RetryPolicy};
use super::numbering::Numbering;
use super::output::SegmentSink;
use super::pipeline::Pipeline;
use super::resolve::resolve_media;
use super::tracker::SegmentJob;
use super::watcher::{WatchItem, WatchOptions, watch};
use crate::config::{EffectiveConfig, Quality};
use crate::events::{DownloadEventKind, SplitReason};
use crate::media::ts::TsAnalyzer;

/// Settings of one HLS recording.
#[derive(Debug, Clone)]
pub struct HlsOptions {
    pub quality: Quality,
    pub watch: WatchOptions,
    /// Segments downloading at once (the one being written included).
    pub parallel: usize,
    pub retry: RetryPolicy,
    /// Cap on bytes fetched but not yet written.
    pub memory_cap: usize,
    pub limits: SplitLimits,
    /// Index of the first output file.
    pub first_index: u32,
    /// Least time between two progress events (emitted as data is written).
    pub progress_interval: Duration,
    /// Segments lost in a row before the recording is declared failed
    /// (e.g. every key or segment request is refused).
    pub max_consecutive_losses: u32,
}

impl Default for HlsOptions {
    fn default() -> Self {
        Self {
            quality: Quality::Best,
            watch: WatchOptions::default(),
            parallel: 3,
            retry: RetryPolicy::default(),
            memory_cap: 8 * 1024 * 1024,
            limits: SplitLimits::default(),
            first_index: 0,
            progress_interval: Duration::from_secs(1),
            max_consecutive_losses: 10,
        }
    }
}

impl HlsOptions {
    pub fn from_config(cfg: &EffectiveConfig, first_index: u32) -> Self {
        Self {
            quality: cfg.quality,
            limits: SplitLimits {
                max_size: cfg.max_segment_size,
                max_duration: cfg.max_segment_duration,
            },
            first_index,
            ..Self::default()
        }
    }
}

/// How a recording ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `#EXT-X-ENDLIST` and everything before it was written.
    EndOfStream,
    /// Cancelled; the current file was closed cleanly.
    Stopped,
}

/// The head segment as far as it has arrived.
#[derive(Default)]
struct Head {
    job: Option<SegmentJob>,
    init: Option<Bytes>,
    container: Option<Container>,
    analyzer: Option<TsAnalyzer>,
    peek: Vec<(Bytes, Permit)>,
    peek_bytes: usize,
    committed: bool,
}

/// Records one HLS stream.
pub struct HlsRecorder<F, S> {
    fetch: Arc<F>,
    opts: HlsOptions,
    budget: Arc<ByteBudget>,
    /// Which downloads a playlist reset made stale.
    numbering: Arc<Numbering>,
    out: Assembler<S>,
    losses: u32,
    /// Why the latest segment was lost, while in a loss streak.
    last_loss: Option<HlsError>,
    progress: (Instant, u64),
}

impl<F: Fetch, S: SegmentSink> HlsRecorder<F, S> {
    pub fn new(fetch: Arc<F>, sink: S, events: EventFn, opts: HlsOptions) -> Self {
        let out = Assembler::new(sink, events, opts.limits, opts.first_index);
        Self {
            fetch,
            budget: ByteBudget::new(opts.memory_cap),
            numbering: Arc::default(),
            opts,
            out,
            losses: 0,
            last_loss: None,
            progress: (Instant::now(), 0),
        }
    }

    /// The memory budget (tests check its high-water mark).
    pub fn budget(&self) -> Arc<ByteBudget> {
        self.budget.clone()
    }

    /// Records until ENDLIST, cancellation or failure. On failure the current
    /// file is closed with [`SplitReason::Error`] and keeps what was received.
    pub async fn run(mut self, url: &Url, cancel: CancellationToken) -> Result<Outcome, HlsError> {
        let result = self.drive(url, &cancel).await;
        if result.is_err()
            && let Err(e) = self.out.close(SplitReason::Error).await
        {
            tracing::error!(error = %e, "could not close the HLS output file");
        }
        self.emit_progress();
        result
    }

    async fn drive(&mut self, url: &Url, cancel: &CancellationToken) -> Result<Outcome, HlsError> {
        let fetch = self.fetch.clone();
        let (media_url, first) = tokio::select! {
            _ = cancel.cancelled() => return Ok(Outcome::Stopped),
            r = resolve_media(fetch.as_ref(), url, self.opts.quality, self.opts.retry) => r?,
        };
        let (tx, mut rx) = mpsc::channel(16);
        let watch_cancel = cancel.child_token();
        let _stop_watcher = watch_cancel.clone().drop_guard();
        tokio::spawn(watch(
            fetch.clone(),
            media_url,
            Some(first),
            self.opts.watch.clone(),
            self.numbering.clone(),
            tx,
            watch_cancel,
        ));
        let ctx = Arc::new(FetchCtx::new(
            fetch,
            self.budget.clone(),
            self.opts.retry,
            self.numbering.clone(),
        ));
        let mut pipeline = Pipeline::new(ctx, self.opts.parallel);
        let mut head = Head::default();
        let mut end: Option<Result<Outcome, HlsError>> = None;
        loop {
            if end.is_some() && pipeline.is_empty() {
                break;
            }
            let room = end.is_none() && pipeline.has_room();
            let busy = !pipeline.is_empty();
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    self.flush_head(&mut pipeline, &mut head).await?;
                    self.out.close(SplitReason::Stopped).await?;
                    return Ok(Outcome::Stopped);
                }
                msg = pipeline.recv_head(), if busy => {
                    if self.superseded(&head) {
                        // Listed again under its new number: none of it
                        // is written here.
                        head = Head::default();
                        pipeline.pop_head();
                    } else if self.on_head_msg(&mut head, msg).await? {
                        head = Head::default();
                        pipeline.pop_head();
                    }
                    // Progress rides on the data instead of a 1 s timer:
                    // one wake-up less per recording and second.
                    if self.progress.0.elapsed() >= self.opts.progress_interval {
                        self.emit_progress();
                    }
                }
                // Without data for two intervals (a slow playlist, a stall),
                // report anyway so the dashboard's bitrate drops to zero.
                _ = tokio::time::sleep_until(self.progress.0 + self.opts.progress_interval * 2) => {
                    self.emit_progress();
                }
                item = rx.recv(), if room => match item {
                    Some(Ok(WatchItem::Segment(job))) => pipeline.push(job),
                    Some(Ok(WatchItem::End)) => end = Some(Ok(Outcome::EndOfStream)),
                    Some(Err(e)) => end = Some(Err(e)),
                    None => end = Some(Err(HlsError::Internal("the playlist watcher stopped".into()))),
                },
            }
            if head.job.is_none()
                && let Some(job) = pipeline.head()
            {
                head.job = Some(job.clone());
            }
        }
        match end {
            Some(Ok(outcome)) => {
                // A stream whose every segment was lost recorded nothing:
                // that is a failure, not a finished recording.
                if let Some(e) = self.last_loss.take()
                    && self.out.totals().0 == 0
                {
                    return Err(e);
                }
                self.out.close(SplitReason::EndOfStream).await?;
                Ok(outcome)
            }
            Some(Err(e)) => Err(e),
            None => Err(HlsError::Internal(
                "recording loop ended without a reason".into(),
            )),
        }
    }

    /// Handles one message of the head segment; true when the segment is over.
    async fn on_head_msg(&mut self, head: &mut Head, msg: FetchMsg) -> Result<bool, HlsError> {
        match msg {
            FetchMsg::Init(init) => head.init = Some(init),
            FetchMsg::Data(data, permit) => {
                let container = *head
                    .container
                    .get_or_insert_with(|| Container::detect(head.init.as_deref(), &data));
                if container == Container::Ts {
                    head.analyzer
                        .get_or_insert_with(TsAnalyzer::new)
                        .feed(&data);
                }
                if head.committed {
                    self.out.write(data).await?;
                    drop(permit);
                } else {
                    head.peek_bytes += data.len();
                    head.peek.push((data, permit));
                    let known = head
                        .analyzer
                        .as_ref()
                        .is_none_or(|a| a.info().starts_with_keyframe().is_some());
                    if known || head.peek_bytes >= self.budget.peek_limit() {
                        self.commit(head).await?;
                    }
                }
            }
            FetchMsg::Done => {
                self.finish_segment(head, false).await?;
                self.losses = 0;
                self.last_loss = None;
                return Ok(true);
            }
            FetchMsg::Failed(e) => {
                self.finish_segment(head, true).await?;
                self.out.mark_gap();
                self.losses += 1;
                if self.losses >= self.opts.max_consecutive_losses {
                    return Err(e);
                }
                self.last_loss = Some(e);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// On stop: writes whatever of the head segment has already arrived
    /// (including bytes still held for peeking) instead of dropping it.
    async fn flush_head(
        &mut self,
        pipeline: &mut Pipeline<F>,
        head: &mut Head,
    ) -> Result<(), HlsError> {
        if head.job.is_none() {
            head.job = pipeline.head().cloned();
        }
        if self.superseded(head) {
            return Ok(());
        }
        while let Some(msg) = pipeline.try_recv_head() {
            if self.on_head_msg(head, msg).await? {
                return Ok(());
            }
        }
        self.finish_segment(head, true).await
    }

    /// The head segment was abandoned by a playlist reset (see
    /// [`Numbering`]); a segment partly written is never abandoned.
    fn superseded(&self, head: &Head) -> bool {
        !head.committed
            && head
                .job
                .as_ref()
                .is_some_and(|j| self.numbering.is_superseded(j.generation, j.seg.seq))
    }

    /// Decides where the head segment goes and writes what was peeked.
    async fn commit(&mut self, head: &mut Head) -> Result<(), HlsError> {
        let Some(job) = head.job.as_ref() else {
            return Err(HlsError::Internal("segment data before its job".into()));
        };
        let info = head.analyzer.as_ref().map(|a| a.info().clone());
        self.out
            .begin_segment(SegmentHead {
                job,
                init: head.init.as_ref(),
                container: head.container.unwrap_or(Container::Ts),
                ts: info.as_ref(),
            })
            .await?;
        head.committed = true;
        for (data, permit) in head.peek.drain(..) {
            self.out.write(data).await?;
            drop(permit);
        }
        Ok(())
    }

    /// The head segment ended (fully or not): write what was received and
    /// account its duration.
    async fn finish_segment(&mut self, head: &mut Head, lost: bool) -> Result<(), HlsError> {
        if !head.committed && !head.peek.is_empty() {
            self.commit(head).await?;
        }
        if head.committed {
            let info = head.analyzer.take().map(TsAnalyzer::finish);
            let extinf = match (&head.job, lost) {
                (Some(job), false) => job.seg.duration,
                _ => Duration::ZERO,
            };
            self.out.end_segment(extinf, info.as_ref()).await?;
        }
        Ok(())
    }

    fn emit_progress(&mut self) {
        let (bytes, duration) = self.out.totals();
        let (since, last_bytes) = self.progress;
        let secs = since.elapsed().as_secs_f64();
        let bitrate = if secs > 0.0 {
            ((bytes - last_bytes) as f64 * 8.0 / secs) as u64
        } else {
            0
        };
        self.progress = (Instant::now(), bytes);
        self.out.emit(DownloadEventKind::Progress {
            bytes,
            bitrate,
            duration,
        });
    }
}
