//! The recorder under faults: segment retries and losses, dropped
//! connections, encryption, slow disks, stalls.

use std::sync::Arc;
use std::time::Duration;

use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};

use super::super::*;
use super::fake::*;
use crate::events::SplitReason;

#[tokio::test(start_paused = true)]
async fn retries_recover_and_a_lost_segment_splits() {
    let body: String = (1..=6)
        .map(|n| {
            let gap = if n == 5 { "#EXT-X-GAP\n" } else { "" };
            format!("{gap}#EXTINF:2,\nseg{n}.ts\n")
        })
        .collect();
    let mut fetch = FakeFetch::new()
        .live(vec![pl(1, 2, &body, true)])
        .plain_segments([1, 6])
        .res(
            "/live/seg2.ts",
            Res {
                fail_first: 2,
                ..Res::ok("<seg2>")
            },
        )
        .res(
            "/live/seg3.ts",
            Res {
                always_fail: true,
                ..Res::default()
            },
        )
        .res(
            "/live/seg4.ts",
            Res {
                drop_mid_first: 1,
                ..Res::ok("<seg4>")
            },
        );
    fetch.chunk = 2;
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    assert_eq!(run.ok(), Outcome::EndOfStream);
    // 3 is lost after its retries, 5 is a gap: neither is glued over.
    assert_eq!(run.texts(), ["<seg1><seg2>", "<seg4>", "<seg6>"]);
    assert_eq!(
        run.closes(),
        [
            (0, SplitReason::Discontinuity),
            (1, SplitReason::Discontinuity),
            (2, SplitReason::EndOfStream)
        ]
    );
    assert_eq!(fetch.requests("/live/seg2.ts"), 3);
    assert_eq!(fetch.requests("/live/seg3.ts"), 4, "first try + 3 retries");
    assert_eq!(
        fetch.requests("/live/seg4.ts"),
        2,
        "resumed after the drop, no duplicate bytes"
    );
    assert_eq!(fetch.requests("/live/seg5.ts"), 0, "gaps are not fetched");
}

#[tokio::test(start_paused = true)]
async fn too_many_losses_in_a_row_fail_the_recording() {
    let mut fetch = FakeFetch::new().live(vec![window(1, 5, "a", false)]);
    for n in 1..=5 {
        let res = Res {
            always_fail: true,
            ..Res::default()
        };
        fetch = fetch.res(&format!("/live/seg{n}.ts"), res);
    }
    let mut o = opts();
    o.max_consecutive_losses = 3;
    let run = record(Arc::new(fetch), o, MemSink::default(), None).await;
    let err = run.err();
    assert!(
        matches!(
            err,
            HlsError::Net(crate::net::NetError::Http { status: 503, .. })
        ),
        "{err}"
    );
    assert!(run.files.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stream_whose_every_segment_is_lost_is_a_failure() {
    let fetch = FakeFetch::new().live(vec![window(1, 2, "a", true)]);
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    let err = run.err();
    assert!(
        matches!(
            err,
            HlsError::Net(crate::net::NetError::Http { status: 404, .. })
        ),
        "{err}"
    );
    assert!(run.files.is_empty());
}

fn encrypt(key: &[u8; 16], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain)
}

#[tokio::test(start_paused = true)]
async fn aes128_segments_are_decrypted_and_keys_fetched_once() {
    let (k1, k2) = ([1u8; 16], [2u8; 16]);
    let iv3 = [9u8; 16];
    let plain = |n: u64| format!("<segment {n} with more than one AES block of text>");
    let body = "#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\"\n#EXTINF:2,\nseg7.ts\n#EXTINF:2,\nseg8.ts\n\
                #EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\",IV=0x09090909090909090909090909090909\n\
                #EXTINF:2,\nseg9.ts\n";
    let fetch = FakeFetch::new()
        .live(vec![pl(7, 2, body, true)])
        .res("/live/k1.key", Res::ok(k1.to_vec()))
        .res("/live/k2.key", Res::ok(k2.to_vec()))
        .res(
            "/live/seg7.ts",
            Res::ok(encrypt(&k1, &sequence_iv(7), plain(7).as_bytes())),
        )
        .res(
            "/live/seg8.ts",
            Res::ok(encrypt(&k1, &sequence_iv(8), plain(8).as_bytes())),
        )
        .res(
            "/live/seg9.ts",
            Res::ok(encrypt(&k2, &iv3, plain(9).as_bytes())),
        );
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(
        run.texts(),
        [format!("{}{}{}", plain(7), plain(8), plain(9))]
    );
    assert_eq!(fetch.requests("/live/k1.key"), 1);
    assert_eq!(fetch.requests("/live/k2.key"), 1);
}

#[tokio::test(start_paused = true)]
async fn memory_stays_under_the_cap_with_a_slow_writer() {
    const SEG: usize = 100 * 1024;
    let seg = |n: u64| -> Vec<u8> { (0..SEG).map(|i| (i as u64 * 31 + n) as u8).collect() };
    let mut fetch = FakeFetch::new().live(vec![window(1, 6, "a", true)]);
    fetch.chunk = 4096;
    for n in 1..=6 {
        fetch = fetch.res(&format!("/live/seg{n}.ts"), Res::ok(seg(n)));
    }
    let mut o = opts();
    o.memory_cap = 64 * 1024;
    let sink = MemSink {
        write_delay: Duration::from_millis(5),
        ..MemSink::default()
    };
    let run = record(Arc::new(fetch), o, sink, None).await;
    run.ok();
    let expected: Vec<u8> = (1..=6).flat_map(seg).collect();
    assert!(run.files[0].data == expected, "content intact and in order");
    assert!(
        run.high_water <= run.cap,
        "buffered {} > cap {}",
        run.high_water,
        run.cap
    );
    assert!(
        run.high_water >= run.cap / 2,
        "the test should actually fill the budget"
    );
}

#[tokio::test(start_paused = true)]
async fn a_playlist_that_stops_growing_is_a_stall() {
    let fetch = FakeFetch::new()
        .live(vec![window(1, 2, "a", false)])
        .plain_segments(1..=2);
    let fetch = Arc::new(fetch);
    let started = tokio::time::Instant::now();
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    let elapsed = started.elapsed();
    match &run.result {
        Err(HlsError::Stalled(d)) => assert!(*d >= Duration::from_secs(16), "{d:?}"),
        other => panic!("expected a stall, got {other:?}"),
    }
    // 3 × 2 s target + 10 s grace, checked on the reload schedule.
    assert!(
        elapsed >= Duration::from_secs(16) && elapsed <= Duration::from_secs(18),
        "{elapsed:?}"
    );
    // Unchanged playlist: reloaded every half target duration.
    assert!(fetch.requests("/live/index.m3u8") >= 15);
    assert_eq!(run.texts(), ["<seg1><seg2>"]);
    assert_eq!(run.closes(), [(0, SplitReason::Error)]);
}
