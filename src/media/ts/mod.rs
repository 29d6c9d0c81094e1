//! Just enough MPEG-TS to record HLS well: packets (with resync on garbage),
//! PAT/PMT to find the video PID and codec, PES headers for PTS/DTS, and
//! H.264/H.265 NAL scanning for keyframes. [`TsAnalyzer`] ties them into a
//! streaming per-segment summary ([`TsInfo`]) the HLS recorder uses to split
//! only at keyframes and to measure durations from timestamps.

mod analyzer;
pub mod nal;
pub mod packet;
pub mod pes;
pub mod psi;

#[cfg(test)]
mod ffmpeg_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

pub use analyzer::{TsAnalyzer, TsInfo};
pub use nal::VideoCodec;
pub use packet::{PACKET_SIZE, Packet, PacketReader, SYNC_BYTE, parse_packet};

/// PTS/DTS/PCR-base clock rate.
pub const PTS_HZ: u64 = 90_000;

/// PTS values are 33-bit and wrap about every 26.5 hours.
pub const PTS_MODULO: u64 = 1 << 33;

/// `a - b` on the 33-bit PTS circle, as the shortest signed distance, so a
/// wrap between two nearby timestamps is not mistaken for a 26-hour jump.
pub fn pts_diff(a: u64, b: u64) -> i64 {
    let d = a.wrapping_sub(b) & (PTS_MODULO - 1);
    if d >= PTS_MODULO / 2 {
        d as i64 - PTS_MODULO as i64
    } else {
        d as i64
    }
}

#[cfg(test)]
mod diff_tests {
    use super::*;

    #[test]
    fn pts_diff_handles_wrap() {
        assert_eq!(pts_diff(100, 40), 60);
        assert_eq!(pts_diff(40, 100), -60);
        assert_eq!(pts_diff(10, PTS_MODULO - 10), 20);
        assert_eq!(pts_diff(PTS_MODULO - 10, 10), -20);
    }
}
