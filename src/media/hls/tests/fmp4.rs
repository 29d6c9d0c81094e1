//! The fMP4 [`Rebaser`] on synthetic init sections and fragments: one
//! offset per file keeps the A/V sync, `tfdt` v0 and v1, `sidx` dropped,
//! output independent of how the input is chunked, bounded `moof`s, and
//! malformed input passed through with an error instead of a panic.

use bytes::Bytes;

use super::mp4build::*;
use crate::media::hls::{Fmp4Error, MAX_MOOF, Rebaser};

/// Feeds a file's segments (each a list of chunks) and returns the bytes
/// written and the errors reported.
fn feed(init: &[u8], segments: &[Vec<&[u8]>]) -> (Vec<u8>, Vec<Fmp4Error>) {
    let mut r = Rebaser::new(init).expect("init parses");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for seg in segments {
        for chunk in seg {
            if let Err(e) = r.push(Bytes::copy_from_slice(chunk), &mut out) {
                errors.push(e);
            }
        }
        r.end_segment(&mut out);
    }
    (out.concat(), errors)
}

/// Each segment in one chunk.
fn whole(segments: &[Vec<u8>]) -> Vec<Vec<&[u8]>> {
    segments.iter().map(|s| vec![&s[..]]).collect()
}

const H: u64 = 3600;

#[test]
fn one_offset_per_file_keeps_the_av_sync() {
    // Audio (48 kHz) starts 0.3 s before video (90 kHz), an hour in.
    let audio = Track {
        timescale: 48_000,
        ..AUDIO
    };
    let init = init(&[VIDEO, audio]);
    let (v0, a0) = (H * 90_000 + 27_000, H * 48_000);
    let segs = [
        segment(1, &[frag(1, 1, v0), frag(2, 1, a0)], false),
        segment(
            2,
            &[frag(1, 1, v0 + 180_000), frag(2, 1, a0 + 96_123)],
            false,
        ),
    ];
    let (out, errors) = feed(&init, &whole(&segs));
    assert_eq!(errors, []);
    // The earliest track (audio) starts at 0, video 0.3 s later, as in
    // the source; later fragments move by the same amount.
    assert_eq!(
        read_tfdts(&out),
        [(1, 27_000), (2, 0), (1, 207_000), (2, 96_123)]
    );
}

#[test]
fn offset_is_converted_to_each_timescale_with_rounding() {
    // Video (90 kHz) starts first at a time that is no whole number of
    // 44.1 kHz ticks: 3600 s + 1/90000 s.
    let init = init(&[VIDEO, AUDIO]);
    let v0 = H * 90_000 + 1;
    let a0 = H * 44_100 + 22_050; // 0.5 s after the hour
    let segs = [segment(1, &[frag(1, 1, v0), frag(2, 1, a0)], false)];
    let (out, errors) = feed(&init, &whole(&segs));
    assert_eq!(errors, []);
    // 1/90000 s is 0.49 ticks at 44.1 kHz: rounds to 0.
    assert_eq!(read_tfdts(&out), [(1, 0), (2, 22_050)]);
    let (v, a) = (0.0 / 90_000.0, 22_050.0 / 44_100.0);
    let (sv, sa) = (v0 as f64 / 90_000.0, a0 as f64 / 44_100.0);
    assert!(
        ((a - v) - (sa - sv)).abs() < 1.0 / 44_100.0,
        "A/V offset kept"
    );
}

#[test]
fn tfdt_v0_and_v1_with_v0_and_v1_init_boxes() {
    let video = Track {
        version: 1,
        ..VIDEO
    };
    let init = init(&[video, AUDIO]);
    let segs = [
        segment(1, &[frag(1, 0, 900_000), frag(2, 1, 441_000)], false),
        segment(2, &[frag(1, 0, 1_080_000), frag(2, 1, 529_200)], false),
    ];
    let (out, errors) = feed(&init, &whole(&segs));
    assert_eq!(errors, []);
    assert_eq!(
        read_tfdts(&out),
        [(1, 0), (2, 0), (1, 180_000), (2, 88_200)]
    );
    // Same sizes: the output is the input with new tfdt values.
    let want = [
        segment(1, &[frag(1, 0, 0), frag(2, 1, 0)], false),
        segment(2, &[frag(1, 0, 180_000), frag(2, 1, 88_200)], false),
    ]
    .concat();
    assert_eq!(out, want);
}

#[test]
fn sidx_is_dropped_and_every_other_box_kept_byte_for_byte() {
    let init = init(&[VIDEO, AUDIO]);
    let (v, a) = (H * 90_000, H * 44_100);
    let mut seg = bx(b"styp", b"msdh\0\0\0\0msdh");
    seg.extend(sidx(1));
    seg.extend(sidx(2));
    seg.extend(bx(b"prft", &[7; 20]));
    seg.extend(full(b"emsg", 0, b"urn:x\0v\0\0\0\0\x01"));
    seg.extend(moof(1, &[frag(1, 1, v), frag(2, 0, a)]));
    seg.extend(bx(b"free", b""));
    seg.extend(bx64(b"mdat", &[9; 100]));
    seg.extend(sidx(3));
    seg.extend(moof(2, &[frag(1, 1, v + 3_600), frag(2, 0, a + 1_764)]));
    seg.extend(mdat(50, 2));
    let (out, errors) = feed(&init, &whole(std::slice::from_ref(&seg)));
    assert_eq!(errors, []);
    assert_eq!(out.len(), seg.len() - 3 * sidx(0).len());
    assert_eq!(
        kinds(&out),
        [
            "styp", "prft", "emsg", "moof", "free", "mdat", "moof", "mdat"
        ]
    );
    let mut want = bx(b"styp", b"msdh\0\0\0\0msdh");
    want.extend(bx(b"prft", &[7; 20]));
    want.extend(full(b"emsg", 0, b"urn:x\0v\0\0\0\0\x01"));
    want.extend(moof(1, &[frag(1, 1, 0), frag(2, 0, 0)]));
    want.extend(bx(b"free", b""));
    want.extend(bx64(b"mdat", &[9; 100]));
    want.extend(moof(2, &[frag(1, 1, 3_600), frag(2, 0, 1_764)]));
    want.extend(mdat(50, 2));
    assert_eq!(out, want);
}

/// Two segments of a file: sidx, largesize and size-0 mdat, a track
/// joining late, a traf without tfdt.
fn file() -> (Vec<u8>, Vec<Vec<u8>>) {
    let init = init(&[VIDEO, AUDIO]);
    let mut s1 = segment(1, &[frag(1, 1, 5 * 90_000)], true);
    s1.extend(bx64(b"mdat", &[1; 40]));
    let mut s2 = bx(b"styp", b"msdh");
    s2.extend(sidx(2));
    s2.extend(moof(
        2,
        &[
            frag(1, 0, 6 * 90_000),
            frag(2, 1, 6 * 44_100),
            Frag {
                track: 3,
                version: None,
                tfdt: 0,
            },
        ],
    ));
    s2.extend([0, 0, 0, 0]);
    s2.extend(b"mdat");
    s2.extend([5; 77]);
    (init, vec![s1, s2])
}

#[test]
fn output_does_not_depend_on_how_the_input_is_chunked() {
    let (init, segs) = file();
    let (want, errors) = feed(&init, &whole(&segs));
    assert_eq!(errors, []);
    assert_eq!(
        read_tfdts(&want),
        [(1, 0), (1, 90_000), (2, 44_100)],
        "late track uses the file's offset"
    );
    for (i, seg) in segs.iter().enumerate() {
        for k in 0..=seg.len() {
            let mut parts: Vec<Vec<&[u8]>> = whole(&segs);
            parts[i] = vec![&seg[..k], &seg[k..]];
            assert_eq!(feed(&init, &parts), (want.clone(), vec![]), "split {i}@{k}");
        }
    }
    let bytes: Vec<Vec<&[u8]>> = segs.iter().map(|s| s.chunks(1).collect()).collect();
    assert_eq!(feed(&init, &bytes), (want.clone(), vec![]), "1-byte chunks");
    let threes: Vec<Vec<&[u8]>> = segs.iter().map(|s| s.chunks(3).collect()).collect();
    assert_eq!(feed(&init, &threes), (want, vec![]), "3-byte chunks");
}

#[test]
fn a_track_starting_before_the_offset_saturates_at_zero() {
    let init = init(&[VIDEO, AUDIO]);
    let segs = [
        segment(1, &[frag(1, 1, 10 * 90_000)], false),
        segment(2, &[frag(1, 1, 11 * 90_000), frag(2, 0, 9 * 44_100)], false),
    ];
    let (out, errors) = feed(&init, &whole(&segs));
    assert_eq!(errors, []);
    assert_eq!(read_tfdts(&out), [(1, 0), (1, 90_000), (2, 0)]);
}

#[test]
fn a_moof_over_the_cap_is_a_clear_error_and_copied_unchanged() {
    let init = init(&[VIDEO]);
    let mut body = full(b"mfhd", 0, &[0, 0, 0, 1]);
    body.extend(bx(b"free", &vec![0; MAX_MOOF]));
    let mut big = bx(b"styp", b"msdh");
    big.extend(bx(b"moof", &body));
    big.extend(mdat(10, 1));
    let next = segment(2, &[frag(1, 1, 7 * 90_000)], false);
    let chunks: Vec<&[u8]> = big.chunks(1000).collect();
    let (out, errors) = feed(&init, &[chunks, vec![&next[..]]]);
    match &errors[..] {
        [Fmp4Error::MoofTooLarge { size, offset, max }] => {
            assert_eq!((*size, *offset, *max), (MAX_MOOF as u64 + 32, 12, MAX_MOOF));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        errors[0]
            .to_string()
            .contains("over the 4194304-byte limit")
    );
    // Nothing lost; the next segment is rebased again (first tfdt seen).
    assert_eq!(out[..big.len()], big[..]);
    assert_eq!(read_tfdts(&out[big.len()..]), [(1, 0)]);
}

#[test]
fn malformed_fragments_are_errors_and_copied_unchanged() {
    let init = init(&[VIDEO]);
    let traf = |kids: &[u8]| bx(b"moof", &bx(b"traf", kids));
    let tfhd = full(b"tfhd", 0, &[0, 0, 0, 1]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("size below header", b"\0\0\0\x04moof\0\0\0\0".to_vec()),
        ("size 0 not mdat", b"\0\0\0\0moofxxxx".to_vec()),
        (
            "largesize below header",
            b"\0\0\0\x01free\0\0\0\0\0\0\0\x08".to_vec(),
        ),
        ("child overruns moof", bx(b"moof", b"\0\0\0\x40traf")),
        ("traf without tfhd", traf(&full(b"tfdt", 1, &[0; 8]))),
        (
            "tfdt version 2",
            traf(&[&tfhd[..], &full(b"tfdt", 2, &[0; 8])].concat()),
        ),
        (
            "tfdt too short",
            traf(&[&tfhd[..], &full(b"tfdt", 1, &[0; 4])].concat()),
        ),
        ("tfhd too short", traf(&full(b"tfhd", 0, &[0, 0]))),
        (
            "unknown track",
            traf(
                &[
                    &full(b"tfhd", 0, &[0, 0, 0, 9])[..],
                    &full(b"tfdt", 0, &[0; 4]),
                ]
                .concat(),
            ),
        ),
    ];
    for (name, mut bad) in cases {
        bad.extend(mdat(20, 3));
        let (out, errors) = feed(&init, &whole(std::slice::from_ref(&bad)));
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert_eq!(out, bad, "{name}: copied unchanged");
        eprintln!("{name}: {}", errors[0]);
    }
    // A segment cut inside a moof: what arrived is written as is.
    let seg = segment(1, &[frag(1, 1, 90_000)], false);
    let cut = &seg[..seg.len() - 320];
    assert_eq!(feed(&init, &[vec![cut]]), (cut.to_vec(), vec![]));
}

#[test]
fn corrupt_bytes_never_panic_and_never_lose_data() {
    let init = init(&[VIDEO, AUDIO]);
    let seg = segment(1, &[frag(1, 1, 90_000), frag(2, 0, 44_100)], false);
    // Every byte of a sidx-free segment replaced in turn: whatever the walk
    // makes of it, only a sidx it believes it sees may be left out.
    for i in 0..seg.len() {
        for v in [0x00, 0x01, 0xFF, b's'] {
            let mut bad = seg.clone();
            bad[i] = v;
            let (out, _) = feed(&init, &[bad.chunks(7).collect()]);
            let kept = bad.windows(4).any(|w| w == b"sidx") || out.len() == bad.len();
            assert!(kept, "byte {i} = {v}: {} of {} bytes", out.len(), bad.len());
        }
    }
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..5000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let _ = feed(&init, &[noise.chunks(13).collect()]);
}

#[test]
fn init_sections_without_timescales_are_refused() {
    assert_eq!(
        Rebaser::new(b"\0\0\0\x0cftypAAAA").unwrap_err(),
        Fmp4Error::NoTimescales
    );
    let zero = init(&[Track {
        timescale: 0,
        ..VIDEO
    }]);
    assert_eq!(Rebaser::new(&zero).unwrap_err(), Fmp4Error::NoTimescales);
    let good = init(&[VIDEO]);
    for n in 0..good.len() {
        // Truncated: an error, not a panic.
        let _ = Rebaser::new(&good[..n]);
    }
    assert!(matches!(
        Rebaser::new(&good[..good.len() - 1]),
        Err(Fmp4Error::Malformed { .. })
    ));
    assert!(Rebaser::new(&init(&[VIDEO, AUDIO])).is_ok());
}
