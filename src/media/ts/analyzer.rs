//! [`TsAnalyzer`]: a streaming pass over one TS segment that finds the video
//! PID (PAT → PMT), classifies every video frame as key or not, and tracks
//! the timestamp range of the timing stream (video, else the first stream
//! with PTS), without buffering more than one frame's NAL prefix.

use std::time::Duration;

use super::nal::{self, VideoCodec};
use super::packet::{Packet, PacketReader};
use super::pes::parse_pes_header;
use super::psi::{parse_pat, parse_pmt};
use super::{PTS_HZ, PTS_MODULO, pts_diff};

/// A frame whose first VCL NAL unit is not within this many bytes counts as
/// a non-keyframe (bounds memory on broken streams).
const NAL_SCAN_LIMIT: usize = 64 * 1024;

/// What one segment (or any TS byte range) contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TsInfo {
    /// Whether a valid PMT was seen.
    pub pmt_seen: bool,
    pub video_pid: Option<u16>,
    pub codec: Option<VideoCodec>,
    /// Whether the first video frame is a keyframe, once known.
    pub first_frame_keyframe: Option<bool>,
    pub video_frames: u32,
    pub keyframes: u32,
    /// First PCR seen (27 MHz).
    pub first_pcr: Option<u64>,
    /// Lowest PTS of the timing stream (33-bit, 90 kHz).
    pub pts_start: Option<u64>,
    /// Highest minus lowest PTS, in 90 kHz ticks.
    pub pts_span: u64,
    /// Latest positive DTS (or PTS) step of the timing stream: one frame.
    pub frame_duration: Option<u64>,
    pub packets: u64,
    /// Bytes skipped while re-syncing (garbage, truncated packets).
    pub skipped_bytes: u64,
}

impl TsInfo {
    /// Whether a cut before this data keeps every file decodable from its
    /// start: the first video frame is a keyframe, or there is no video at
    /// all. `None` while unknown.
    pub fn starts_with_keyframe(&self) -> Option<bool> {
        match (self.video_pid, self.pmt_seen) {
            (Some(_), _) => self.first_frame_keyframe,
            (None, true) => Some(true),
            (None, false) => None,
        }
    }

    /// PTS just past the last frame (33-bit).
    pub fn pts_end(&self) -> Option<u64> {
        let start = self.pts_start?;
        Some((start + self.pts_span + self.frame_duration.unwrap_or(0)) % PTS_MODULO)
    }

    /// Media duration by timestamps: span plus one frame.
    pub fn duration(&self) -> Option<Duration> {
        self.pts_start?;
        let ticks = self.pts_span + self.frame_duration.unwrap_or(0);
        Some(Duration::from_nanos(ticks * 1_000_000_000 / PTS_HZ))
    }
}

/// The video frame whose keyframe status is still being decided.
#[derive(Debug, Default)]
struct PendingFrame {
    buf: Vec<u8>,
    scanned: usize,
}

/// Streaming analyzer; feed it bytes as they arrive, then `finish`.
#[derive(Debug, Default)]
pub struct TsAnalyzer {
    reader: PacketReader,
    pmt_pid: Option<u16>,
    timing_pid: Option<u16>,
    pending: Option<PendingFrame>,
    /// Raw PTS that relative time 0 refers to.
    anchor: Option<u64>,
    prev_pts: u64,
    prev_rel: i64,
    min_rel: i64,
    max_rel: i64,
    prev_dts: Option<u64>,
    info: TsInfo,
}

impl TsAnalyzer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, data: &[u8]) {
        let mut reader = std::mem::take(&mut self.reader);
        reader.feed(data, &mut |p| self.on_packet(p));
        self.reader = reader;
        self.sync_counters();
    }

    /// End of the segment: settles the last frame and returns the summary.
    pub fn finish(mut self) -> TsInfo {
        let mut reader = std::mem::take(&mut self.reader);
        reader.finish(&mut |p| self.on_packet(p));
        self.reader = reader;
        self.settle_frame(false);
        self.sync_counters();
        self.info
    }

    /// The summary so far.
    pub fn info(&self) -> &TsInfo {
        &self.info
    }

    fn sync_counters(&mut self) {
        self.info.packets = self.reader.packets;
        self.info.skipped_bytes = self.reader.skipped_bytes;
    }

    fn on_packet(&mut self, p: &Packet<'_>) {
        if self.info.first_pcr.is_none() {
            self.info.first_pcr = p.pcr;
        }
        if p.pid == 0 {
            if p.payload_unit_start
                && let Some(pmt) = parse_pat(p.payload)
            {
                self.pmt_pid = Some(pmt);
            }
            return;
        }
        if Some(p.pid) == self.pmt_pid {
            if p.payload_unit_start
                && let Some(streams) = parse_pmt(p.payload)
                && !self.info.pmt_seen
            {
                self.info.pmt_seen = true;
                let video = streams
                    .iter()
                    .find_map(|s| s.video_codec().map(|c| (s.pid, c)));
                if let Some((pid, codec)) = video {
                    self.info.video_pid = Some(pid);
                    self.info.codec = Some(codec);
                }
                self.timing_pid = video.map(|v| v.0).or(streams.first().map(|s| s.pid));
            }
            return;
        }
        let is_video = Some(p.pid) == self.info.video_pid;
        if p.payload_unit_start {
            let Some(h) = parse_pes_header(p.payload) else {
                return;
            };
            if self.timing_pid.is_none() && h.pts.is_some() && !self.info.pmt_seen {
                self.timing_pid = Some(p.pid);
            }
            if Some(p.pid) == self.timing_pid
                && let Some(pts) = h.pts
            {
                self.on_timestamps(pts, h.dts.unwrap_or(pts));
            }
            if is_video {
                self.settle_frame(false);
                self.info.video_frames += 1;
                self.pending = Some(PendingFrame::default());
                if p.random_access {
                    self.settle_frame(true);
                } else {
                    self.scan(p.payload.get(h.payload_offset..).unwrap_or_default());
                }
            }
        } else if is_video {
            self.scan(p.payload);
        }
    }

    /// Adds bytes of the pending frame and decides it once a VCL NAL shows.
    fn scan(&mut self, data: &[u8]) {
        let codec = self.info.codec.unwrap_or(VideoCodec::Other);
        let Some(f) = self.pending.as_mut() else {
            return;
        };
        f.buf.extend_from_slice(data);
        let from = f.scanned.saturating_sub(3);
        let verdict = nal::first_vcl_is_keyframe(codec, &f.buf[from..]);
        f.scanned = f.buf.len();
        match verdict {
            Some(key) => self.settle_frame(key),
            None if f.buf.len() > NAL_SCAN_LIMIT => self.settle_frame(false),
            None => {}
        }
    }

    /// Records the pending frame's verdict (undecided counts as not key).
    fn settle_frame(&mut self, key: bool) {
        if self.pending.take().is_none() {
            return;
        }
        if key {
            self.info.keyframes += 1;
        }
        if self.info.video_frames == 1 {
            self.info.first_frame_keyframe = Some(key);
        }
    }

    fn on_timestamps(&mut self, pts: u64, dts: u64) {
        let rel = match self.anchor {
            None => {
                self.anchor = Some(pts);
                0
            }
            Some(_) => self.prev_rel + pts_diff(pts, self.prev_pts),
        };
        self.prev_pts = pts;
        self.prev_rel = rel;
        self.min_rel = self.min_rel.min(rel);
        self.max_rel = self.max_rel.max(rel);
        if let Some(prev) = self.prev_dts {
            let step = pts_diff(dts, prev);
            if step > 0 {
                self.info.frame_duration = Some(step as u64);
            }
        }
        self.prev_dts = Some(dts);
        if let Some(anchor) = self.anchor {
            let start = (anchor as i64 + self.min_rel).rem_euclid(PTS_MODULO as i64);
            self.info.pts_start = Some(start as u64);
            self.info.pts_span = (self.max_rel - self.min_rel) as u64;
        }
    }
}
