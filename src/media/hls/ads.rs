//! Server-side ads (Twitch's stitched ads) are left out of recordings. A
//! segment is an ad when its `EXTINF` title names `Amazon` (content says
//! `live`), or when its program date time falls inside an
//! `EXT-X-DATERANGE` of class `twitch-stitched-ad` (ids `stitched-ad-*`).
//! Ranges are remembered across reloads, because the tag scrolls out of the
//! window before the break's last segments do. The first content segment
//! after a break starts a new file ([`Boundary::Ad`]): the ad replaced
//! content, so timestamps jump there.
//!
//! `#EXT-X-TWITCH-PREFETCH` (low-latency) segments are never fetched at all:
//! they are not media segments of the playlist, so no prefetched ad can
//! slip in after an ad discontinuity either.

use super::numbering::Numbering;
use super::tracker::{Boundary, SegmentJob};

/// An ad break: `[start, end)` in unix ms.
pub type AdRange = (i64, i64);

/// Ranges closer than this to a segment's start count as containing it
/// (program date times are rounded to the millisecond and partly derived).
const SLOP_MS: i64 = 250;

/// Ad ranges remembered across reloads.
const KEEP: usize = 16;

/// Whether an `EXTINF` title marks an ad.
pub fn ad_title(title: Option<&str>) -> bool {
    title.is_some_and(|t| t.contains("Amazon"))
}

/// The stitched-ad date ranges a media playlist's text announces. Read
/// from the text rather than m3u8-rs's segments, which keep only the last
/// of several `EXT-X-DATERANGE` tags before one segment (Twitch stacks
/// session, source and ad ranges).
pub fn ad_ranges(body: &[u8]) -> Vec<AdRange> {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("#EXT-X-DATERANGE:"))
        .filter_map(|attrs| {
            let a = attributes(attrs);
            let get = |k: &str| a.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
            let ad = get("CLASS") == Some("twitch-stitched-ad")
                || get("ID").is_some_and(|id| id.starts_with("stitched-ad"));
            if !ad {
                return None;
            }
            let ms = |k: &str| {
                chrono::DateTime::parse_from_rfc3339(get(k)?)
                    .ok()
                    .map(|d| d.timestamp_millis())
            };
            let start = ms("START-DATE")?;
            let secs = || {
                let v: f64 = get("DURATION").or(get("PLANNED-DURATION"))?.parse().ok()?;
                (v.is_finite() && v > 0.0).then(|| start + (v * 1000.0) as i64)
            };
            Some((start, ms("END-DATE").or_else(secs)?))
        })
        .collect()
}

/// `KEY=VALUE` pairs of an attribute list, quotes removed (quoted values
/// may hold commas).
fn attributes(list: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = list;
    while let Some((key, after)) = rest.split_once('=') {
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => q.split_once('"').unwrap_or((q, "")),
            None => after.split_once(',').map_or((after, ""), |(v, n)| (v, n)),
        };
        out.push((key.trim(), value));
        rest = next.trim_start_matches(',');
    }
    out
}

/// Whether a segment starting at `pdt_ms` lies inside one of `ranges`.
pub fn in_ranges(pdt_ms: Option<i64>, ranges: &[AdRange]) -> bool {
    pdt_ms.is_some_and(|t| {
        ranges
            .iter()
            .any(|(start, end)| t + SLOP_MS >= *start && t + SLOP_MS < *end)
    })
}

/// Drops ad segments from the watcher's output and marks where content
/// resumes.
#[derive(Debug, Default)]
pub struct AdGate {
    ranges: Vec<AdRange>,
    skipped: u64,
}

impl AdGate {
    /// Remembers the ad ranges of a freshly loaded window.
    pub fn absorb(&mut self, ranges: &[AdRange]) {
        for r in ranges {
            if !self.ranges.contains(r) {
                if self.ranges.len() == KEEP {
                    self.ranges.remove(0);
                }
                self.ranges.push(*r);
            }
        }
    }

    /// `None` for an ad; content right after a break gets a boundary. A
    /// left-out ad counts as answered in `numbering`, so a later sequence
    /// reset does not take it for media still to be recorded.
    pub fn pass(&mut self, mut job: SegmentJob, numbering: &Numbering) -> Option<SegmentJob> {
        if job.seg.ad || in_ranges(job.seg.program_date_ms, &self.ranges) {
            numbering.answered(job.generation, job.seg.seq);
            if self.skipped == 0 {
                tracing::info!(seq = job.seg.seq, "ad break: leaving stitched ads out");
            }
            self.skipped += 1;
            return None;
        }
        if self.skipped > 0 {
            tracing::info!(skipped = self.skipped, "ad break over");
            job.boundary = job.boundary.or(Some(Boundary::Ad {
                skipped: self.skipped,
            }));
            self.skipped = 0;
        }
        Some(job)
    }
}
