//! Tests of the MP4 reader on boxes built here and on the live test
//! server's fMP4 fixtures, whole and cut by a crash.

use std::io::Cursor;

use super::*;

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = (8 + body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = ((u32::from(version) << 24) | flags).to_be_bytes().to_vec();
    b.extend_from_slice(body);
    bx(kind, &b)
}

/// `ftyp` + `moov`: tracks `(id, timescale)`, trex default 1024 for 2.
fn init(tracks: &[(u32, u32)]) -> Vec<u8> {
    let mut moov = full(b"mvhd", 0, 0, &[0; 96]);
    for (id, scale) in tracks {
        let mut tkhd = vec![0; 8];
        tkhd.extend(id.to_be_bytes());
        tkhd.extend([0; 68]);
        let mut mdhd = vec![0; 8];
        mdhd.extend(scale.to_be_bytes());
        mdhd.extend([0; 8]);
        let mdia = bx(b"mdia", &full(b"mdhd", 0, 0, &mdhd));
        moov.extend(bx(b"trak", &[full(b"tkhd", 0, 0, &tkhd), mdia].concat()));
    }
    let trex = [2u32, 1, 1024, 0, 0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<_>>();
    moov.extend(bx(b"mvex", &full(b"trex", 0, 0, &trex)));
    [bx(b"ftyp", b"iso6\0\0\0\0"), bx(b"moov", &moov)].concat()
}

/// A fragment: video track 1 (90 kHz) with `n` samples of 3600 ticks
/// listed in its trun, audio track 2 with `n` samples at the trex
/// default, both from `t` seconds.
fn fragment(t: u64, n: u32) -> Vec<u8> {
    let mut video = full(b"tfhd", 0, 0, &1u32.to_be_bytes());
    video.extend(full(b"tfdt", 1, 0, &(t * 90_000).to_be_bytes()));
    let mut trun = n.to_be_bytes().to_vec();
    for _ in 0..n {
        trun.extend([3600u32, 100].iter().flat_map(|v| v.to_be_bytes()));
    }
    video.extend(full(b"trun", 0, 0x300, &trun));
    let mut audio = full(b"tfhd", 0, 0, &2u32.to_be_bytes());
    audio.extend(full(b"tfdt", 0, 0, &((t * 48_000) as u32).to_be_bytes()));
    audio.extend(full(b"trun", 0, 0, &n.to_be_bytes()));
    let moof = bx(
        b"moof",
        &[
            full(b"mfhd", 0, 0, &[0, 0, 0, 1]),
            bx(b"traf", &video),
            bx(b"traf", &audio),
        ]
        .concat(),
    );
    [moof, bx(b"mdat", &vec![0xAB; 2_000])].concat()
}

fn measure(b: &[u8]) -> Option<f64> {
    let mut r = BufReader::with_capacity(128, Cursor::new(b.to_vec()));
    duration(&mut r, b.len() as u64)
        .unwrap()
        .map(|d| d.as_secs_f64())
}

#[test]
fn latest_fragment_end_less_earliest_start() {
    // Two 1 s video fragments from 3600 s (a stream's own clock);
    // audio 25 * 1024 / 48000 = 0.53 s each.
    let mut file = init(&[(1, 90_000), (2, 48_000)]);
    file.extend(fragment(3_600, 25));
    file.extend(fragment(3_601, 25));
    let secs = measure(&file).unwrap();
    assert!((secs - 2.0).abs() < 1e-6, "{secs}");
}

#[test]
fn a_fragment_cut_by_a_crash_is_not_counted() {
    let mut file = init(&[(1, 90_000), (2, 48_000)]);
    file.extend(fragment(0, 25));
    let one = file.len();
    file.extend(fragment(1, 25));
    // Cut in the second mdat, in its moof, in a box header.
    for cut in [file.len() - 10, one + 30, one + 3] {
        let secs = measure(&file[..cut]).unwrap();
        assert!((secs - 1.0).abs() < 1e-6, "cut at {cut}: {secs}");
    }
    assert_eq!(measure(&file[..one - 5]), None, "no complete fragment");
    assert_eq!(measure(b"\0\0\0\x08ftyp"), None);
}

#[test]
fn real_hls_fmp4_matches_ffprobe() {
    // ffprobe: init.mp4 + seg0.m4s + seg1.m4s is 2.033 s.
    let mut file = Vec::new();
    for f in ["init.mp4", "seg0.m4s", "seg1.m4s"] {
        file.extend(std::fs::read(crate::media::probe::fixture(f)).unwrap());
    }
    let secs = measure(&file).unwrap();
    assert!((secs - 2.033).abs() < 0.05, "{secs}");
    let secs = measure(&file[..file.len() - 1_000]).unwrap();
    assert!((secs - 1.0).abs() < 0.1, "cut: {secs}");
}

#[test]
fn plain_mp4_uses_mvhd() {
    let mut mvhd = vec![0; 8];
    mvhd.extend(1000u32.to_be_bytes());
    mvhd.extend(12_500u32.to_be_bytes());
    mvhd.extend([0; 80]);
    let file = [
        bx(b"ftyp", b"isom\0\0\0\0"),
        bx(b"moov", &full(b"mvhd", 0, 0, &mvhd)),
        bx(b"mdat", &[1; 100]),
    ]
    .concat();
    assert_eq!(measure(&file), Some(12.5));
}
