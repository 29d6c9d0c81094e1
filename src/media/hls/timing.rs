//! [`FileClock`]: how much media an output file holds. TS files are measured
//! by PTS (first frame to just past the last), because EXTINF values are
//! rounded or simply wrong on many servers; EXTINF is the fallback for fMP4,
//! for segments without timestamps, and when PTS disagrees wildly (a jump
//! the recorder did not split on).

use std::time::Duration;

use crate::media::ts::{PTS_HZ, TsInfo, pts_diff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pts {
    /// No segment yet.
    Empty,
    /// Every segment so far had timestamps.
    Valid { start: u64, end: u64 },
    /// Some segment had none: PTS cannot describe the whole file.
    Invalid,
}

/// Duration accounting of one output file.
#[derive(Debug, Clone)]
pub struct FileClock {
    extinf: Duration,
    pts: Pts,
}

impl Default for FileClock {
    fn default() -> Self {
        Self {
            extinf: Duration::ZERO,
            pts: Pts::Empty,
        }
    }
}

impl FileClock {
    /// Accounts one segment: its EXTINF and, for TS, what its PTS showed.
    pub fn add(&mut self, extinf: Duration, info: Option<&TsInfo>) {
        self.extinf += extinf;
        let range = info.and_then(|i| Some((i.pts_start?, i.pts_end()?)));
        self.pts = match (self.pts, range) {
            (Pts::Empty, Some((start, end))) => Pts::Valid { start, end },
            (Pts::Valid { start, .. }, Some((_, end))) => Pts::Valid { start, end },
            _ => Pts::Invalid,
        };
    }

    /// PTS just past the last frame so far (TS only).
    pub fn end_pts(&self) -> Option<u64> {
        match self.pts {
            Pts::Valid { end, .. } => Some(end),
            _ => None,
        }
    }

    /// Sum of EXTINF.
    #[cfg(test)]
    pub fn extinf(&self) -> Duration {
        self.extinf
    }

    /// Best estimate of the media duration.
    pub fn duration(&self) -> Duration {
        if let Pts::Valid { start, end } = self.pts {
            let ticks = pts_diff(end, start);
            if ticks > 0 {
                let by_pts = Duration::from_nanos(ticks as u64 * 1_000_000_000 / PTS_HZ);
                let tolerance = self.extinf / 2 + Duration::from_secs(1);
                if by_pts.abs_diff(self.extinf) <= tolerance {
                    return by_pts;
                }
            }
        }
        self.extinf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(start: u64, span: u64) -> TsInfo {
        TsInfo {
            pts_start: Some(start),
            pts_span: span,
            frame_duration: Some(3600),
            ..TsInfo::default()
        }
    }

    #[test]
    fn pts_beats_rounded_extinf() {
        let mut c = FileClock::default();
        // EXTINF says 2 s each, PTS says 1.92 s + 2 s.
        c.add(Duration::from_secs(2), Some(&info(1000, 169_200)));
        c.add(
            Duration::from_secs(2),
            Some(&info(1000 + 172_800, 180_000 - 3600)),
        );
        assert_eq!(c.duration(), Duration::from_millis(3920));
        assert_eq!(c.extinf(), Duration::from_secs(4));
    }

    #[test]
    fn falls_back_to_extinf() {
        let mut c = FileClock::default();
        c.add(Duration::from_secs(2), Some(&info(0, 176_400)));
        c.add(Duration::from_secs(2), None);
        assert_eq!(c.duration(), Duration::from_secs(4));

        // A timestamp jump inside the file: PTS says 1000 s.
        let mut c = FileClock::default();
        c.add(Duration::from_secs(2), Some(&info(0, 176_400)));
        c.add(Duration::from_secs(2), Some(&info(90_000_000, 176_400)));
        assert_eq!(c.duration(), Duration::from_secs(4));
    }
}
