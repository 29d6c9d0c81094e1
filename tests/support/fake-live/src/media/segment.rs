//! Renders the bytes of one live HLS segment from a fixture segment.

use super::fixture::{LAP_MS, Media, SEGMENTS_PER_LAP};
use super::{fmp4, ts};
use crate::options::HlsMode;

/// Which fixture segment to use and how far to move it in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentSpec {
    /// Index of the clip (0 = "a", 1 = "b").
    pub clip: usize,
    /// Position on the room's timeline (not the displayed media sequence).
    pub index: u64,
    /// Extra shift from timestamp-jump faults, in milliseconds.
    pub jump_ms: i64,
}

/// Produces the segment: the fixture piece `index % 4` with timestamps moved
/// by `lap * LAP_MS + jump_ms`, so consecutive indices play back seamlessly.
pub fn render(media: &Media, mode: HlsMode, spec: SegmentSpec) -> Result<Vec<u8>, String> {
    let clip = media.clip(spec.clip);
    let lap = spec.index / SEGMENTS_PER_LAP;
    let piece = (spec.index % SEGMENTS_PER_LAP) as usize;
    let offset_ms = i64::try_from(lap * LAP_MS).map_err(|e| e.to_string())? + spec.jump_ms;
    match mode {
        HlsMode::Ts => {
            let cc = ts::cc_shift(&clip.ts_cc_per_lap, lap);
            ts::rewrite(clip.ts[piece], offset_ms * 90, &cc).map_err(|e| e.to_string())
        }
        HlsMode::Fmp4 => {
            let shift = fmp4::Shift {
                offset_ms,
                sequence_add: (lap * SEGMENTS_PER_LAP) as u32,
            };
            fmp4::rewrite(clip.m4s[piece], &clip.timescales, shift).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media() -> Media {
        Media::load().expect("fixtures")
    }

    fn spec(index: u64) -> SegmentSpec {
        SegmentSpec {
            clip: 0,
            index,
            jump_ms: 0,
        }
    }

    /// Across the lap boundary (index 3 -> 4) video DTS must keep stepping by
    /// one frame, exactly as inside a lap.
    #[test]
    fn ts_video_dts_is_continuous_across_laps() {
        let m = media();
        let video = |index| {
            let seg = render(&m, HlsMode::Ts, spec(index)).expect("render");
            let mut dts: Vec<i64> = ts::pes_stamps(&seg)
                .expect("ts")
                .into_iter()
                .filter(|s| s.pid == 0x100)
                .map(|s| s.dts)
                .collect();
            dts.sort_unstable();
            dts
        };
        for lap_end in [3u64, 7, 11, 19] {
            let (before, after) = (video(lap_end), video(lap_end + 1));
            assert_eq!(
                after[0] - before[0],
                90_000,
                "video DTS advances one second"
            );
            assert_eq!(
                after[0] - before[before.len() - 1],
                3600,
                "one frame (40 ms) between segments"
            );
        }
    }

    #[test]
    fn ts_continuity_counters_chain_for_every_pid() {
        let m = media();
        let mut last: std::collections::BTreeMap<u16, u8> = Default::default();
        for index in 0..12 {
            let seg = render(&m, HlsMode::Ts, spec(index)).expect("render");
            for (pid, cc) in ts::continuity(&seg).expect("ts") {
                if let Some(prev) = last.insert(pid, cc) {
                    assert_eq!(cc, (prev + 1) & 0x0f, "pid {pid:#x} in segment {index}");
                }
            }
        }
    }

    #[test]
    fn fmp4_decode_time_continues_across_laps() {
        let m = media();
        let clip = m.clip(0);
        let vscale = u64::from(clip.timescales[&1]);
        let ascale = u64::from(clip.timescales[&2]);
        let starts = |index| {
            fmp4::decode_times(&render(&m, HlsMode::Fmp4, spec(index)).expect("render"))
                .expect("mp4")
        };
        assert_eq!(starts(4), vec![(1, 4 * vscale), (2, 4 * ascale)]);
        assert_eq!(starts(9)[0], (1, 9 * vscale));
    }

    #[test]
    fn jump_shifts_timestamps() {
        let m = media();
        let plain = render(&m, HlsMode::Ts, spec(2)).expect("render");
        let jumped = render(
            &m,
            HlsMode::Ts,
            SegmentSpec {
                jump_ms: 5000,
                ..spec(2)
            },
        )
        .expect("render");
        let first = |s: &[u8]| ts::pes_stamps(s).expect("ts")[0].pts;
        assert_eq!(first(&jumped) - first(&plain), 450_000);
    }
}
