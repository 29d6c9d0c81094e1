//! Reading ffmpeg's output: segment boundaries from stderr (`Opening '…'
//! for writing`), progress blocks from `-progress pipe:1`, and the error
//! that best explains an exit.

use std::path::PathBuf;
use std::time::Duration;

/// The file the segment muxer just opened, if this stderr line says so.
pub fn opened_segment(line: &str) -> Option<PathBuf> {
    let rest = line.split_once("Opening '")?.1;
    let path = rest.strip_suffix("' for writing")?;
    Some(PathBuf::from(path))
}

/// One `-progress` block, reported at `progress=continue|end`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub total_size: u64,
    pub out_time: Duration,
    /// bits per second
    pub bitrate: u64,
    pub end: bool,
}

/// Accumulates `key=value` lines into [`Progress`] blocks.
#[derive(Debug, Default)]
pub struct ProgressParser {
    cur: Progress,
}

impl ProgressParser {
    /// Feeds one stdout line; returns a block when it is complete.
    pub fn line(&mut self, line: &str) -> Option<Progress> {
        let (k, v) = line.trim().split_once('=')?;
        let v = v.trim();
        match k {
            "total_size" => self.cur.total_size = v.parse().unwrap_or(self.cur.total_size),
            "out_time_us" | "out_time_ms" => {
                // Both are microseconds in ffmpeg (out_time_ms is misnamed).
                if let Ok(us) = v.parse::<u64>() {
                    self.cur.out_time = Duration::from_micros(us);
                }
            }
            "bitrate" => {
                if let Some(kbits) = v
                    .strip_suffix("kbits/s")
                    .and_then(|n| n.trim().parse::<f64>().ok())
                {
                    self.cur.bitrate = (kbits * 1000.0).round() as u64;
                }
            }
            "progress" => {
                self.cur.end = v == "end";
                return Some(self.cur.clone());
            }
            _ => {}
        }
        None
    }
}

/// Classifies ffmpeg's last error lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    DiskFull,
    Http(u16),
    Other,
}

/// What went wrong, judging by stderr.
pub fn classify(stderr_tail: &[String]) -> Failure {
    for l in stderr_tail.iter().rev() {
        if l.contains("No space left on device") {
            return Failure::DiskFull;
        }
        for (code, pat) in [
            (403, "403 Forbidden"),
            (404, "404 Not Found"),
            (401, "401 Unauthorized"),
        ] {
            if l.contains(pat) {
                return Failure::Http(code);
            }
        }
        if let Some(code) = l
            .split("Server returned ")
            .nth(1)
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok())
        {
            return Failure::Http(code);
        }
    }
    Failure::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_lines() {
        let l = "[segment @ 0x55d] Opening '/rec/a b/x_000.ts' for writing";
        assert_eq!(opened_segment(l), Some(PathBuf::from("/rec/a b/x_000.ts")));
        assert_eq!(
            opened_segment("[hls @ 0x1] Opening 'http://h/a.ts' for reading"),
            None
        );
    }

    #[test]
    fn progress_blocks() {
        let mut p = ProgressParser::default();
        for l in [
            "bitrate= 512.3kbits/s",
            "total_size=1000",
            "out_time_us=2500000",
        ] {
            assert_eq!(p.line(l), None);
        }
        let b = p.line("progress=continue").unwrap();
        assert_eq!(
            (b.total_size, b.out_time, b.bitrate, b.end),
            (1000, Duration::from_millis(2500), 512_300, false)
        );
        assert!(p.line("progress=end").unwrap().end);
    }

    #[test]
    fn failures() {
        let t = |s: &str| classify(&[s.to_string()]);
        assert_eq!(
            t("av_interleaved_write_frame(): No space left on device"),
            Failure::DiskFull
        );
        assert_eq!(
            t("http://x: Server returned 403 Forbidden (access denied)"),
            Failure::Http(403)
        );
        assert_eq!(t("Server returned 5XX Server Error reply"), Failure::Other);
        assert_eq!(t("Connection refused"), Failure::Other);
    }
}
