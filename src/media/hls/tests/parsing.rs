//! Variant choice, playlist conversion and the sequence tracker, on
//! playlists built in code.

use std::time::Duration;

use url::Url;

use super::super::*;
use super::fake::{pl, window};
use crate::config::Quality;

fn base() -> Url {
    Url::parse("http://fake/live/index.m3u8").unwrap()
}

fn media(text: &str) -> MediaWindow {
    match parse(&base(), text.as_bytes()).unwrap() {
        Parsed::Media(w) => w,
        Parsed::Master(_) => panic!("expected media playlist"),
    }
}

const MASTER: &str = "#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
360.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080
1080.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720
720.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=1920x1080,URI=\"iframes.m3u8\"
#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=854x480
480.m3u8
";

#[test]
fn variant_by_quality() {
    let Parsed::Master(m) = parse(&base(), MASTER.as_bytes()).unwrap() else {
        panic!("expected master");
    };
    let pick = |q| select_variant(&m.variants, q).unwrap().uri.clone();
    assert_eq!(
        pick(Quality::Best),
        "1080.m3u8",
        "i-frame variants never win"
    );
    assert_eq!(pick(Quality::Worst), "360.m3u8");
    assert_eq!(pick(Quality::Height(720)), "720.m3u8");
    assert_eq!(pick(Quality::Height(700)), "480.m3u8");
    assert_eq!(
        pick(Quality::Height(144)),
        "360.m3u8",
        "nothing fits: the lowest"
    );
    assert_eq!(pick(Quality::MaxKbps(3000)), "720.m3u8");
    assert_eq!(
        pick(Quality::MaxKbps(100)),
        "360.m3u8",
        "nothing fits: the lowest"
    );

    let no_res =
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n";
    let Parsed::Master(m) = parse(&base(), no_res.as_bytes()).unwrap() else {
        panic!("expected master");
    };
    assert_eq!(
        select_variant(&m.variants, Quality::Height(720))
            .unwrap()
            .uri,
        "b.m3u8"
    );
}

#[test]
fn keys_and_maps_carry_forward() {
    let w = media(&pl(
        10,
        4,
        "#EXT-X-MAP:URI=\"init.mp4\"
#EXTINF:4,
a.m4s
#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\"
#EXTINF:4,
b.m4s
#EXTINF:4,
c.m4s
#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k2\",IV=0x000102030405060708090a0b0c0d0e0f
#EXT-X-MAP:URI=\"init2.mp4\",BYTERANGE=\"100@20\"
#EXTINF:4,
d.m4s
#EXT-X-KEY:METHOD=NONE
#EXT-X-GAP
#EXTINF:4,
e.m4s
",
        false,
    ));
    let s = &w.segments;
    assert_eq!(
        s.iter().map(|s| s.seq).collect::<Vec<_>>(),
        [10, 11, 12, 13, 14]
    );
    assert!(s[0].key.is_none());
    assert_eq!(
        s[1].key.as_ref().unwrap().url.as_str(),
        "http://fake/live/k1.key"
    );
    assert_eq!(s[2].key, s[1].key, "a key applies until the next EXT-X-KEY");
    let k2 = s[3].key.as_ref().unwrap();
    assert_eq!(k2.iv.unwrap()[15], 0x0f);
    assert!(s[4].key.is_none(), "METHOD=NONE clears the key");
    assert!(
        s.iter()
            .take(3)
            .all(|s| s.map.as_ref().unwrap().url.path() == "/live/init.mp4")
    );
    let m2 = s[4].map.as_ref().unwrap();
    assert_eq!(
        (
            m2.url.path(),
            m2.range.unwrap().offset,
            m2.range.unwrap().length
        ),
        ("/live/init2.mp4", 20, 100)
    );
    assert!(s[4].gap && !s[3].gap);
    assert_eq!(w.target_duration, Duration::from_secs(4));
}

#[test]
fn byte_ranges_continue_and_drm_is_refused() {
    let w = media(&pl(
        0,
        2,
        "#EXTINF:2,\n#EXT-X-BYTERANGE:1000@0\nall.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:500\nall.ts\n",
        true,
    ));
    let r: Vec<_> = w.segments.iter().map(|s| s.range.unwrap()).collect();
    assert_eq!((r[1].offset, r[1].length), (1000, 500));
    assert!(w.end_list);

    let drm = pl(
        0,
        2,
        "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:2,\na.ts\n",
        false,
    );
    assert!(matches!(
        parse(&base(), drm.as_bytes()),
        Err(HlsError::Unsupported(_))
    ));
    assert!(matches!(
        parse(&base(), b"<html>"),
        Err(HlsError::Playlist { .. })
    ));
}

fn seqs(jobs: &[SegmentJob]) -> Vec<u64> {
    jobs.iter().map(|j| j.seg.seq).collect()
}

#[test]
fn tracker_dedups_by_sequence_despite_rotating_tokens() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    assert_eq!(
        seqs(&t.update(&media(&window(5, 3, "a", false)))),
        [5, 6, 7]
    );
    // Same segments, new tokens: nothing new.
    assert!(t.update(&media(&window(5, 3, "b", false))).is_empty());
    let jobs = t.update(&media(&window(6, 3, "c", false)));
    assert_eq!(seqs(&jobs), [8]);
    assert_eq!(jobs[0].boundary, None);
    assert_eq!(jobs[0].seg.url.query(), Some("token=c"));
}

#[test]
fn tracker_marks_window_skips_resets_and_tags() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    t.update(&media(&window(5, 3, "a", false)));
    // Fell behind: 8 and 9 left the window unseen.
    let jobs = t.update(&media(&window(10, 3, "a", false)));
    assert_eq!(seqs(&jobs), [10, 11, 12]);
    assert_eq!(jobs[0].boundary, Some(Boundary::Skipped { missing: 2 }));
    assert_eq!(jobs[1].boundary, None);

    // A stale (older, cached) copy of the same timeline is ignored, even
    // one further back than the window is long.
    assert!(t.update(&media(&window(9, 3, "z", false))).is_empty());
    assert!(t.update(&media(&window(5, 3, "z", false))).is_empty());

    // Reset far back: new timeline from the oldest listed segment.
    let jobs = t.update(&media(&window(0, 3, "a", false)));
    assert_eq!(seqs(&jobs), [0, 1, 2]);
    assert_eq!(jobs[0].boundary, Some(Boundary::Reset));

    // A small step back whose segments are different files is also a reset.
    let other = pl(0, 2, "#EXTINF:2,\nnew0.ts\n#EXTINF:2,\nnew1.ts\n", false);
    let jobs = t.update(&media(&other));
    assert_eq!(
        (seqs(&jobs), jobs[0].boundary),
        (vec![0, 1], Some(Boundary::Reset))
    );

    let tagged = pl(
        2,
        2,
        "#EXTINF:2,\nnew2.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nnew3.ts\n",
        false,
    );
    let jobs = t.update(&media(&tagged));
    assert_eq!(jobs[0].boundary, None);
    assert_eq!(jobs[1].boundary, Some(Boundary::Tag));
}

#[test]
fn tracker_start_positions() {
    let w = media(&window(20, 5, "a", false));
    let first = |start| seqs(&PlaylistTracker::new(start).update(&w));
    assert_eq!(first(StartAt::Oldest), [20, 21, 22, 23, 24]);
    assert_eq!(first(StartAt::Newest), [24]);
    assert_eq!(first(StartAt::FromEnd(2)), [23, 24]);
    assert_eq!(first(StartAt::FromEnd(99)), [20, 21, 22, 23, 24]);
    // A finished playlist is recorded whole whatever the start setting.
    let vod = media(&window(20, 5, "a", true));
    assert_eq!(
        seqs(&PlaylistTracker::new(StartAt::Newest).update(&vod)).len(),
        5
    );
}

#[test]
fn cbc_stream_round_trip_in_odd_chunks() {
    use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
    let key = [7u8; 16];
    let iv = sequence_iv(42);
    assert_eq!(iv[15], 42);
    let plain: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    let enc = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(&plain);
    let mut dec = CbcStream::new(&key, &iv);
    let mut out = Vec::new();
    for c in enc.chunks(33) {
        out.extend(dec.update(c));
    }
    let (tail, ok) = dec.finish();
    out.extend(tail);
    assert!(ok);
    assert_eq!(out, plain);
}
