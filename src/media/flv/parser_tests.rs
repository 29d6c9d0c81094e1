use super::*;
use crate::media::flv::synth::{self, StreamShape};

fn sample_tags() -> Vec<FlvTag> {
    let mut seq = 0;
    synth::av_stream(StreamShape::default(), 1000, 3000, &mut seq)
}

/// Feeds `bytes` in the given chunk sizes (cycled), draining after each feed.
fn parse_chunked(
    cfg: ParserConfig,
    bytes: &[u8],
    sizes: &mut dyn FnMut() -> usize,
) -> (Vec<FlvItem>, usize) {
    let mut p = FlvParser::new(cfg);
    let mut items = Vec::new();
    let mut errors = 0;
    let mut pos = 0;
    let mut drain = |p: &mut FlvParser, items: &mut Vec<FlvItem>| loop {
        match p.next_item() {
            Ok(Some(i)) => items.push(i),
            Ok(None) => break,
            Err(_) => errors += 1,
        }
    };
    while pos < bytes.len() {
        let n = sizes().max(1).min(bytes.len() - pos);
        p.feed(&bytes[pos..pos + n]);
        pos += n;
        drain(&mut p, &mut items);
    }
    p.finish();
    drain(&mut p, &mut items);
    (items, errors)
}

fn tags_of(items: &[FlvItem]) -> Vec<FlvTag> {
    items
        .iter()
        .filter_map(|i| match i {
            FlvItem::Tag(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn skipped_of(items: &[FlvItem]) -> u64 {
    items
        .iter()
        .map(|i| match i {
            FlvItem::Skipped { bytes } => *bytes,
            _ => 0,
        })
        .sum()
}

fn rng(seed: u64) -> impl FnMut() -> usize {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 5000) as usize
    }
}

#[test]
fn whole_stream_parses() {
    let tags = sample_tags();
    let bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    let (items, errors) = parse_chunked(ParserConfig::default(), &bytes, &mut || usize::MAX);
    assert_eq!(errors, 0);
    assert_eq!(items[0], FlvItem::Header(FlvHeader::new(true, true)));
    assert_eq!(tags_of(&items), tags);
    assert_eq!(skipped_of(&items), 0);
}

#[test]
fn chunk_boundaries_do_not_matter() {
    let tags = sample_tags();
    let bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    let (one, _) = parse_chunked(ParserConfig::default(), &bytes, &mut || 1);
    assert_eq!(tags_of(&one), tags);
    for seed in [1u64, 7, 42, 1234] {
        let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(seed));
        assert_eq!(items, one, "seed {seed}");
    }
}

#[test]
fn extended_timestamp_is_read() {
    let tags = vec![synth::aac_frame(0xFF00_0010, 1, 10)];
    let bytes = synth::encode(Some(FlvHeader::new(true, false)), &tags);
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut || 3);
    assert_eq!(tags_of(&items)[0].timestamp, 0xFF00_0010);
}

#[test]
fn garbage_between_tags_is_skipped_and_counted() {
    let tags = sample_tags();
    let mut bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags[..10]);
    let garbage: Vec<u8> = (0..777u32).map(|i| (i * 31 % 251) as u8).collect();
    bytes.extend_from_slice(&garbage);
    bytes.extend_from_slice(&synth::encode(None, &tags[10..]));
    for seed in [3u64, 9] {
        let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(seed));
        assert_eq!(tags_of(&items), tags);
        assert_eq!(skipped_of(&items), 777);
    }
}

#[test]
fn garbage_inside_a_tag_loses_only_that_tag() {
    let tags = sample_tags();
    let head = synth::encode(Some(FlvHeader::new(true, true)), &tags[..20]);
    let victim = synth::encode(None, &tags[20..21]);
    let tail = synth::encode(None, &tags[21..]);
    let mut bytes = head.clone();
    bytes.extend_from_slice(&victim[..victim.len() / 2]); // truncated tag
    bytes.extend_from_slice(&tail);
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(5));
    let got = tags_of(&items);
    let mut want = tags[..20].to_vec();
    want.extend_from_slice(&tags[21..]);
    assert_eq!(got, want);
    assert_eq!(skipped_of(&items), (victim.len() / 2) as u64);
}

#[test]
fn leading_garbage_before_header() {
    let tags = sample_tags();
    let mut bytes = b"HTTP/1.1 junk\r\n\r\n".to_vec();
    bytes.extend_from_slice(&synth::encode(Some(FlvHeader::new(true, true)), &tags));
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(11));
    assert_eq!(items[0], FlvItem::Skipped { bytes: 17 });
    assert!(matches!(items[1], FlvItem::Header(_)));
    assert_eq!(tags_of(&items), tags);
}

#[test]
fn headerless_stream_resyncs_onto_tags() {
    let tags = sample_tags();
    let bytes = synth::encode(None, &tags);
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(2));
    // The first tag has no PreviousTagSize before it but is found by its own
    // trailing size.
    assert_eq!(tags_of(&items), tags);
}

#[test]
fn concatenated_files_yield_a_second_header() {
    let tags = sample_tags();
    let mut bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags[..5]);
    bytes.extend_from_slice(&synth::encode(
        Some(FlvHeader::new(false, true)),
        &tags[5..],
    ));
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(8));
    let headers = items
        .iter()
        .filter(|i| matches!(i, FlvItem::Header(_)))
        .count();
    assert_eq!(headers, 2);
    assert_eq!(tags_of(&items), tags);
    assert_eq!(skipped_of(&items), 0);
}

#[test]
fn oversized_tag_is_an_error_then_parsing_continues() {
    let cfg = ParserConfig { max_tag_size: 1000 };
    let big = synth::avc_frame(10, true, 1, 5000);
    let small = vec![synth::aac_frame(20, 2, 50), synth::aac_frame(43, 3, 50)];
    let mut bytes = synth::encode(Some(FlvHeader::new(true, true)), std::slice::from_ref(&big));
    bytes.extend_from_slice(&synth::encode(None, &small));
    let (items, errors) = parse_chunked(cfg, &bytes, &mut rng(4));
    assert_eq!(errors, 1);
    assert_eq!(tags_of(&items), small);
    assert_eq!(skipped_of(&items), big.encoded_len());
}

#[test]
fn wrong_prev_tag_size_is_tolerated_when_next_tag_is_plausible() {
    let tags = sample_tags();
    let mut bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    // Corrupt the PreviousTagSize after the 4th tag.
    let end = 13 + tags[..4].iter().map(FlvTag::encoded_len).sum::<u64>() as usize;
    bytes[end - 1] ^= 0x55;
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes, &mut rng(6));
    assert_eq!(tags_of(&items), tags);
}

#[test]
fn truncated_tail_is_reported_at_finish() {
    let tags = sample_tags();
    let bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    let cut = bytes.len() - 7;
    let (items, _) = parse_chunked(ParserConfig::default(), &bytes[..cut], &mut rng(1));
    assert_eq!(tags_of(&items), tags[..tags.len() - 1]);
    assert_eq!(skipped_of(&items), tags.last().unwrap().encoded_len() - 7);
}

#[test]
fn buffer_stays_bounded_on_endless_garbage() {
    let mut p = FlvParser::default();
    let junk: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for _ in 0..64 {
        p.feed(&junk);
        while let Ok(Some(_)) = p.next_item() {}
        assert!(
            p.buffered() <= 8 * 1024 * 1024 + 65_536 + 16,
            "{}",
            p.buffered()
        );
    }
    assert!(p.bytes_skipped() > 0);
}

#[test]
fn tags_are_zero_copy_slices() {
    let tags = sample_tags();
    let bytes = synth::encode(Some(FlvHeader::new(true, true)), &tags);
    let mut p = FlvParser::default();
    p.feed(&bytes);
    let mut ptrs = Vec::new();
    while let Ok(Some(item)) = p.next_item() {
        if let FlvItem::Tag(t) = item {
            ptrs.push(t.data.as_ptr() as usize);
        }
    }
    // All bodies point into one contiguous allocation, in order.
    assert!(ptrs.windows(2).all(|w| w[0] < w[1]));
    assert!(ptrs.last().unwrap() - ptrs[0] < bytes.len());
}
