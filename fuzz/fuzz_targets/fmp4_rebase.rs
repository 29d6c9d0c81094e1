//! Fuzz target: the fMP4 timeline rebaser (`srec::media::hls::Rebaser`) on
//! an arbitrary init section and arbitrary fragment bytes.
//!
//! Layout: two bytes of init length (big endian), one byte choosing the
//! chunk size, the init section, then the fragment bytes. Invariants beyond
//! "no panic": the output never grows (boxes are rewritten in place, only
//! `sidx` is dropped), and it does not depend on how the input is chunked
//! (whole at once vs. in small pieces).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use srec::media::hls::Rebaser;

fn run(init: &[u8], body: &[u8], chunk: usize) -> Option<Vec<u8>> {
    let mut r = Rebaser::new(init).ok()?;
    let mut out = Vec::new();
    for piece in body.chunks(chunk.max(1)) {
        let _ = r.push(Bytes::copy_from_slice(piece), &mut out);
    }
    r.end_segment(&mut out);
    Some(out.concat())
}

fuzz_target!(|data: &[u8]| {
    let [hi, lo, chunk, rest @ ..] = data else {
        return;
    };
    let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
    let (init, body) = rest.split_at(len);
    let Some(whole) = run(init, body, body.len()) else {
        return;
    };
    assert!(whole.len() <= body.len(), "rebasing grew the stream");
    let pieces = run(init, body, 1 + usize::from(*chunk % 64)).expect("init parsed once");
    assert_eq!(whole, pieces, "output depends on chunking");
});
