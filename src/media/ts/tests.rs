//! Tests of the TS parser on synthetic packets.

use super::testutil::*;
use super::*;

#[test]
fn parses_header_rai_and_pcr() {
    let pcr = 1_234_567_890_123u64 % (PTS_MODULO * 300);
    let p = packet(0x123, true, true, Some(pcr), b"hello");
    let pkt = parse_packet(&p).unwrap();
    assert_eq!(pkt.pid, 0x123);
    assert!(pkt.payload_unit_start && pkt.random_access);
    assert_eq!(pkt.pcr, Some(pcr));
    assert_eq!(pkt.payload, b"hello");

    let plain = packet(0x40, false, false, None, &[7u8; 184]);
    let pkt = parse_packet(&plain).unwrap();
    assert!(!pkt.random_access && pkt.pcr.is_none() && pkt.payload.len() == 184);

    let mut bad = plain.clone();
    bad[0] = 0x46;
    assert!(parse_packet(&bad).is_none());
    let mut bad_af = packet(0x40, false, true, None, b"x");
    bad_af[4] = 200; // adaptation field longer than the packet
    assert!(parse_packet(&bad_af).is_none());
}

#[test]
fn analyzer_finds_video_keyframes_and_pts_range() {
    let seg = segment(900_000, 50, 25, true, false);
    let mut a = TsAnalyzer::new();
    // Odd chunk sizes: packets and NAL units straddle feeds.
    for chunk in seg.chunks(77) {
        a.feed(chunk);
    }
    let info = a.finish();
    assert_eq!(info.video_pid, Some(VIDEO_PID));
    assert_eq!(info.codec, Some(VideoCodec::H264));
    assert_eq!((info.video_frames, info.keyframes), (50, 2));
    assert_eq!(info.first_frame_keyframe, Some(true));
    assert_eq!(info.starts_with_keyframe(), Some(true));
    assert_eq!(info.first_pcr, Some(900_000 * 300));
    // PTS run from 900_000 + 3600 (first frame's PTS) over 49 frames.
    assert_eq!(info.pts_start, Some(903_600));
    assert_eq!(info.pts_span, 49 * 3600);
    assert_eq!(info.frame_duration, Some(3600));
    assert_eq!(info.duration(), Some(std::time::Duration::from_secs(2)));
    assert_eq!(info.skipped_bytes, 0);
}

#[test]
fn keyframe_from_rai_alone_and_non_key_start() {
    // RAI set but the payload carries no NAL units we recognise: trust RAI.
    let mut seg = packet(0, true, false, None, &psi::build_pat(PMT_PID));
    seg.extend(packet(
        PMT_PID,
        true,
        false,
        None,
        &psi::build_pmt(&[(0x02, VIDEO_PID)]),
    ));
    seg.extend(pes(VIDEO_PID, 0xE0, 0, None, &[0xAA; 50], true));
    let info = TsAnalyzer::new().tap_feed(&seg).finish();
    assert_eq!(info.starts_with_keyframe(), Some(true));

    let seg = segment(0, 10, 5, false, false);
    let mut a = TsAnalyzer::new();
    a.feed(&seg);
    assert_eq!(a.info().starts_with_keyframe(), Some(false));
    assert_eq!(a.finish().keyframes, 1);
}

#[test]
fn keyframe_status_known_early_for_peeking() {
    let seg = segment(0, 25, 25, true, false);
    let mut a = TsAnalyzer::new();
    a.feed(&seg[..188 * 4]);
    // The 4th packet (first video PES) is only trusted once the next
    // packet's sync byte confirms its length.
    assert_eq!(a.info().starts_with_keyframe(), None);
    a.feed(&seg[188 * 4..188 * 4 + 1]);
    assert_eq!(a.info().starts_with_keyframe(), Some(true));
}

#[test]
fn audio_only_segments_can_be_cut_anywhere() {
    let mut seg = packet(0, true, false, None, &psi::build_pat(PMT_PID));
    seg.extend(packet(
        PMT_PID,
        true,
        false,
        None,
        &psi::build_pmt(&[(0x0F, AUDIO_PID)]),
    ));
    for i in 0..10u64 {
        seg.extend(pes(AUDIO_PID, 0xC0, i * 1920, None, &[0xFF; 100], false));
    }
    let info = TsAnalyzer::new().tap_feed(&seg).finish();
    assert_eq!(info.starts_with_keyframe(), Some(true));
    assert_eq!(info.video_pid, None);
    assert_eq!((info.pts_start, info.pts_span), (Some(0), 9 * 1920));
}

#[test]
fn resyncs_after_garbage_and_truncation() {
    let clean = segment(0, 25, 25, true, false);
    let mut dirty = b"GARBAGE\x47\x00junk".to_vec();
    dirty.extend(&clean[..188 * 10]);
    dirty.extend(&clean[188 * 10..188 * 10 + 100]); // truncated packet
    dirty.extend([0x47, 1, 2, 3]); // a false sync byte in garbage
    dirty.extend(&clean[188 * 11..]);
    dirty.extend(&clean[..50]); // truncated tail
    let info = TsAnalyzer::new().tap_feed(&dirty).finish();
    let reference = TsAnalyzer::new().tap_feed(&clean).finish();
    assert_eq!(info.packets, reference.packets - 1);
    assert!(info.skipped_bytes >= 100 + 4 + 50);
    assert_eq!(info.first_frame_keyframe, Some(true));
    assert_eq!(info.pts_start, reference.pts_start);
    assert_eq!(info.pts_span, reference.pts_span);
}

#[test]
fn pts_wrap_inside_a_segment() {
    let start = PTS_MODULO - 3600 * 10;
    let info = TsAnalyzer::new()
        .tap_feed(&segment(start, 25, 25, true, false))
        .finish();
    assert_eq!(info.pts_span, 24 * 3600);
    assert_eq!(info.pts_start, Some(start + 3600));
    assert_eq!(info.pts_end(), Some((start + 26 * 3600) % PTS_MODULO));
}

trait TapFeed {
    fn tap_feed(self, data: &[u8]) -> Self;
}

impl TapFeed for TsAnalyzer {
    fn tap_feed(mut self, data: &[u8]) -> Self {
        self.feed(data);
        self
    }
}

/// Packets (pid, continuity counter, payload length) and skipped bytes seen
/// when `data` is fed in pieces of `size` bytes.
fn read_in_chunks(data: &[u8], size: usize) -> (Vec<(u16, u8, usize)>, u64) {
    let mut r = PacketReader::new();
    let mut seen = Vec::new();
    let mut f = |p: &Packet<'_>| seen.push((p.pid, p.continuity_counter, p.payload.len()));
    for chunk in data.chunks(size) {
        r.feed(chunk, &mut f);
    }
    r.finish(&mut f);
    (seen, r.skipped_bytes)
}

#[test]
fn packet_reader_output_does_not_depend_on_chunking() {
    // A clean segment with garbage, a lone sync byte and a truncated packet
    // in the middle: resyncing must not depend on where the feeds split.
    let mut data = segment(900_000, 12, 6, true, false);
    let middle = data.len() / 2 / PACKET_SIZE * PACKET_SIZE;
    let mut noise = vec![0x00, 0x47, 0x13, 0x47];
    noise.extend_from_slice(&data[..100]);
    data.splice(middle..middle, noise);
    let whole = read_in_chunks(&data, data.len());
    assert!(whole.0.len() > 20, "{} packets", whole.0.len());
    assert!(whole.1 > 0, "the noise is skipped");
    for size in (1..=4 * PACKET_SIZE).chain([1000, 4096, 65_536]) {
        assert_eq!(read_in_chunks(&data, size), whole, "chunks of {size}");
    }
}
