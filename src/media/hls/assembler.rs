//! [`Assembler`]: turns the in-order stream of segments into output files.
//! It decides, at each segment boundary, whether the current file must end
//! (discontinuity, new init section, timestamp jump, size/duration limit at
//! a keyframe), writes init sections at the start of each fMP4 file, moves
//! each fMP4 file's timeline to start at 0 ([`Rebaser`]; TS keeps the
//! source's timestamps), and reports `SegmentOpened` / `SegmentClosed`.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use super::error::HlsError;
use super::fmp4::Rebaser;
use super::output::SegmentSink;
use super::timing::FileClock;
use super::tracker::SegmentJob;
use crate::events::{DownloadEventKind, SplitReason};
use crate::media::ts::{PTS_HZ, TsInfo, VideoCodec, pts_diff};

/// Receives the recorder's events.
pub type EventFn = Box<dyn FnMut(DownloadEventKind) + Send>;

/// A forward PTS step between segments larger than this is a timestamp
/// jump: glued, it would play as a frozen picture that long.
const MAX_PTS_STEP: i64 = 3 * PTS_HZ as i64;
/// A step back larger than this is a timestamp jump too: the file's
/// timestamps would go backwards (segment jitter is a frame or two).
const MAX_PTS_BACK: i64 = PTS_HZ as i64 / 2;

/// Size/duration limits of one output file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitLimits {
    pub max_size: Option<u64>,
    pub max_duration: Option<Duration>,
}

/// Container written for a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Ts,
    /// Fragmented MP4: init section + fragments.
    Fmp4,
}

impl Container {
    /// fMP4 if the init section (or, lacking one, the segment) starts with
    /// an ISO BMFF box; TS otherwise.
    pub fn detect(init: Option<&[u8]>, first: &[u8]) -> Self {
        let head = init.unwrap_or(first);
        match head.get(4..8) {
            Some(b"ftyp" | b"styp" | b"moov" | b"moof" | b"sidx") => Self::Fmp4,
            _ => Self::Ts,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Self::Ts => "ts",
            Self::Fmp4 => "mp4",
        }
    }
}

/// What is known about a segment when it is committed.
#[derive(Debug, Clone)]
pub struct SegmentHead<'a> {
    pub job: &'a SegmentJob,
    pub init: Option<&'a Bytes>,
    pub container: Container,
    /// TS analysis of the segment's first bytes.
    pub ts: Option<&'a TsInfo>,
}

struct OpenFile {
    index: u32,
    path: PathBuf,
    bytes: u64,
    clock: FileClock,
    init: Option<Bytes>,
    container: Container,
    video: Option<(u16, VideoCodec)>,
    /// fMP4 with a readable init section: the fragments' timeline rebaser.
    rebaser: Option<Rebaser>,
    /// A rebasing error was logged for this file (log it once per file).
    rebase_warned: bool,
}

/// Output-file state of one recording.
pub struct Assembler<S> {
    sink: S,
    events: EventFn,
    limits: SplitLimits,
    next_index: u32,
    file: Option<OpenFile>,
    gap_pending: bool,
    total_bytes: u64,
    closed_duration: Duration,
    /// An unreadable init section was logged (log it once per recording).
    init_warned: bool,
    /// Reused list of the pieces a rebaser lets out.
    pieces: Vec<Bytes>,
}

impl<S: SegmentSink> Assembler<S> {
    pub fn new(sink: S, events: EventFn, limits: SplitLimits, first_index: u32) -> Self {
        Self {
            sink,
            events,
            limits,
            next_index: first_index,
            file: None,
            gap_pending: false,
            total_bytes: 0,
            closed_duration: Duration::ZERO,
            init_warned: false,
            pieces: Vec::new(),
        }
    }

    pub fn emit(&mut self, kind: DownloadEventKind) {
        (self.events)(kind);
    }

    /// Media lost before the next segment: it must start a new file.
    pub fn mark_gap(&mut self) {
        self.gap_pending = true;
    }

    /// Bytes written and media duration recorded so far, all files.
    pub fn totals(&self) -> (u64, Duration) {
        let current = self
            .file
            .as_ref()
            .map_or(Duration::ZERO, |f| f.clock.duration());
        (self.total_bytes, self.closed_duration + current)
    }

    /// Starts writing a segment: closes the current file if the segment
    /// cannot continue it, opens a new one (with the init section) if needed.
    pub async fn begin_segment(&mut self, head: SegmentHead<'_>) -> Result<(), HlsError> {
        if let Some(reason) = self.split_reason(&head) {
            self.close(reason).await?;
        }
        self.gap_pending = false;
        // A continued file: its rebaser walks the new segment from its
        // first box (normally a no-op: `end_segment` already did).
        self.end_rebased_segment().await?;
        if self.file.is_none() {
            let index = self.next_index;
            let path = self.sink.open(index, head.container.ext()).await?;
            self.next_index += 1;
            let rebaser = match head.container {
                Container::Fmp4 => self.rebaser_for(head.init.map(|b| &b[..])),
                Container::Ts => None,
            };
            self.file = Some(OpenFile {
                index,
                path: path.clone(),
                bytes: 0,
                clock: FileClock::default(),
                init: head.init.cloned(),
                container: head.container,
                video: None,
                rebaser,
                rebase_warned: false,
            });
            self.emit(DownloadEventKind::SegmentOpened {
                index,
                path,
                opened_at_ms: crate::db::now_ms(),
            });
            if let Some(init) = head.init {
                // The init section holds no fragment time: written as is.
                self.write_out(init.clone()).await?;
            }
        }
        if let Some(f) = self.file.as_mut()
            && let Some(ts) = head.ts
            && let (Some(pid), Some(codec)) = (ts.video_pid, ts.codec)
        {
            f.video = Some((pid, codec));
        }
        Ok(())
    }

    fn split_reason(&self, head: &SegmentHead<'_>) -> Option<SplitReason> {
        let f = self.file.as_ref()?;
        if self.gap_pending || head.job.boundary.is_some() {
            return Some(SplitReason::Discontinuity);
        }
        if f.container != head.container || f.init.as_ref() != head.init {
            return Some(SplitReason::HeaderChange);
        }
        if let Some(ts) = head.ts {
            let video = ts.video_pid.zip(ts.codec);
            if f.video.is_some() && video.is_some() && f.video != video {
                return Some(SplitReason::HeaderChange);
            }
            if let (Some(end), Some(start)) = (f.clock.end_pts(), ts.pts_start)
                && !(-MAX_PTS_BACK..=MAX_PTS_STEP).contains(&pts_diff(start, end))
            {
                return Some(SplitReason::TimestampJump);
            }
        }
        let (size, dur) = (f.bytes, f.clock.duration());
        let over = |factor: u32| {
            if self
                .limits
                .max_size
                .is_some_and(|m| size >= m.saturating_mul(u64::from(factor)))
            {
                Some(SplitReason::Size)
            } else if self.limits.max_duration.is_some_and(|m| dur >= m * factor) {
                Some(SplitReason::Duration)
            } else {
                None
            }
        };
        let reason = over(1)?;
        let keyframe = match head.container {
            // fMP4 segments start with an independent fragment by spec.
            Container::Fmp4 => true,
            Container::Ts => head.ts.and_then(TsInfo::starts_with_keyframe) == Some(true),
        };
        if keyframe {
            return Some(reason);
        }
        // Segments never starting on a keyframe must not grow a file forever.
        let forced = over(2);
        if forced.is_some() {
            tracing::warn!(
                seq = head.job.seg.seq,
                "no keyframe at any segment start: splitting without one"
            );
        }
        forced
    }

    /// A fresh rebaser for a new fMP4 file, or `None` (copy unchanged) if
    /// the init section yields no timescale.
    fn rebaser_for(&mut self, init: Option<&[u8]>) -> Option<Rebaser> {
        let result = init.map_or(Err(None), |i| Rebaser::new(i).map_err(Some));
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                if !std::mem::replace(&mut self.init_warned, true) {
                    let error = e.map_or("no init section".to_string(), |e| e.to_string());
                    tracing::warn!(
                        %error,
                        "fMP4 timestamps cannot be rebased to 0: fragments are copied unchanged"
                    );
                }
                None
            }
        }
    }

    /// Appends bytes of the current segment (through the file's rebaser,
    /// if any: it may hold a partial `moof` back until it is whole).
    pub async fn write(&mut self, data: Bytes) -> Result<(), HlsError> {
        let Some(f) = self.file.as_mut() else {
            return self.write_out(data).await;
        };
        let Some(rebaser) = f.rebaser.as_mut() else {
            return self.write_out(data).await;
        };
        let mut pieces = std::mem::take(&mut self.pieces);
        if let Err(e) = rebaser.push(data, &mut pieces) {
            if std::mem::replace(&mut f.rebase_warned, true) {
                tracing::debug!(error = %e, "fMP4 segment copied without rebasing");
            } else {
                tracing::warn!(
                    error = %e,
                    path = %f.path.display(),
                    "fMP4 segment copied without rebasing its timestamps"
                );
            }
        }
        self.write_pieces(pieces).await
    }

    /// Lets out what the current file's rebaser holds of the segment.
    async fn end_rebased_segment(&mut self) -> Result<(), HlsError> {
        let Some(rebaser) = self.file.as_mut().and_then(|f| f.rebaser.as_mut()) else {
            return Ok(());
        };
        let mut pieces = std::mem::take(&mut self.pieces);
        rebaser.end_segment(&mut pieces);
        self.write_pieces(pieces).await
    }

    async fn write_pieces(&mut self, mut pieces: Vec<Bytes>) -> Result<(), HlsError> {
        let mut result = Ok(());
        for piece in pieces.drain(..) {
            if result.is_ok() {
                result = self.write_out(piece).await;
            }
        }
        self.pieces = pieces;
        result
    }

    /// Writes bytes to the open file as they are.
    async fn write_out(&mut self, data: Bytes) -> Result<(), HlsError> {
        let n = data.len() as u64;
        self.sink.write(data).await?;
        if let Some(f) = self.file.as_mut() {
            f.bytes += n;
        }
        self.total_bytes += n;
        Ok(())
    }

    /// The committed segment is complete (or ended early): its bytes go to
    /// the OS now.
    pub async fn end_segment(
        &mut self,
        extinf: Duration,
        ts: Option<&TsInfo>,
    ) -> Result<(), HlsError> {
        self.end_rebased_segment().await?;
        if let Some(f) = self.file.as_mut() {
            f.clock.add(extinf, ts);
        }
        self.sink.flush().await
    }

    /// Closes the current file, if any, and reports it.
    pub async fn close(&mut self, reason: SplitReason) -> Result<(), HlsError> {
        self.end_rebased_segment().await?;
        let Some(f) = self.file.take() else {
            return Ok(());
        };
        self.sink.close().await?;
        let duration = f.clock.duration();
        self.closed_duration += duration;
        self.emit(DownloadEventKind::SegmentClosed {
            index: f.index,
            path: f.path,
            duration,
            bytes: f.bytes,
            split_reason: reason,
        });
        Ok(())
    }
}
