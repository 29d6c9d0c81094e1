use super::*;

fn roundtrip(v: &Amf0Value) {
    let mut out = Vec::new();
    v.encode(&mut out).unwrap();
    assert_eq!(out.len(), v.encoded_len(), "encoded_len of {v:?}");
    let (back, used) = decode(&out).unwrap();
    assert_eq!(used, out.len());
    assert_eq!(&back, v);
}

fn sample_metadata() -> Amf0Value {
    Amf0Value::EcmaArray(vec![
        ("duration".into(), Amf0Value::Number(12.5)),
        ("width".into(), Amf0Value::Number(1920.0)),
        ("stereo".into(), Amf0Value::Boolean(true)),
        (
            "encoder".into(),
            Amf0Value::String("obs-output module".into()),
        ),
        ("nothing".into(), Amf0Value::Null),
        ("undef".into(), Amf0Value::Undefined),
        (
            "created".into(),
            Amf0Value::Date {
                millis: 1.7e12,
                timezone: -60,
            },
        ),
        (
            "keyframes".into(),
            Amf0Value::Object(vec![
                (
                    "times".into(),
                    Amf0Value::StrictArray(vec![Amf0Value::Number(0.0), Amf0Value::Number(2.0)]),
                ),
                (
                    "filepositions".into(),
                    Amf0Value::StrictArray(vec![Amf0Value::Number(13.0), Amf0Value::Number(9e5)]),
                ),
            ]),
        ),
        ("".into(), Amf0Value::String(String::new())),
    ])
}

#[test]
fn roundtrips() {
    roundtrip(&Amf0Value::Number(-0.25));
    roundtrip(&Amf0Value::Boolean(false));
    roundtrip(&Amf0Value::String("héllo".into()));
    roundtrip(&Amf0Value::LongString("x".repeat(70_000)));
    roundtrip(&Amf0Value::StrictArray(vec![]));
    roundtrip(&Amf0Value::Object(vec![]));
    roundtrip(&sample_metadata());
}

#[test]
fn long_plain_string_becomes_long_string() {
    let mut out = Vec::new();
    Amf0Value::String("y".repeat(70_000))
        .encode(&mut out)
        .unwrap();
    assert_eq!(out[0], marker::LONG_STRING);
    assert_eq!(decode(&out).unwrap().0.as_str().map(str::len), Some(70_000));
}

#[test]
fn script_body_decodes_all_values() {
    let mut out = Vec::new();
    Amf0Value::String("onMetaData".into())
        .encode(&mut out)
        .unwrap();
    sample_metadata().encode(&mut out).unwrap();
    let vals = decode_all(&out).unwrap();
    assert_eq!(vals.len(), 2);
    assert_eq!(
        vals[1].get("width").and_then(Amf0Value::as_f64),
        Some(1920.0)
    );
    assert_eq!(
        vals[1].get("stereo").and_then(Amf0Value::as_bool),
        Some(true)
    );
}

#[test]
fn ecma_array_without_end_marker_is_accepted() {
    let mut out = Vec::new();
    Amf0Value::EcmaArray(vec![("a".into(), Amf0Value::Number(1.0))])
        .encode(&mut out)
        .unwrap();
    out.truncate(out.len() - 3);
    let (v, _) = decode(&out).unwrap();
    assert_eq!(v.get("a"), Some(&Amf0Value::Number(1.0)));
}

#[test]
fn junk_is_an_error_not_a_panic() {
    assert!(matches!(decode(&[]), Err(Amf0Error::UnexpectedEof { .. })));
    assert!(matches!(
        decode(&[0x00, 1, 2]),
        Err(Amf0Error::UnexpectedEof { .. })
    ));
    assert!(matches!(
        decode(&[0x11]),
        Err(Amf0Error::UnsupportedMarker { marker: 0x11, .. })
    ));
    assert!(matches!(
        decode(&[0x09]),
        Err(Amf0Error::StrayObjectEnd { .. })
    ));
    // A strict array claiming 4 billion elements must not allocate them.
    assert!(decode(&[0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05]).is_err());
    // Deep nesting is cut off instead of overflowing the stack.
    let bomb = [0x0A, 0, 0, 0, 1].repeat(10_000);
    assert!(matches!(decode(&bomb), Err(Amf0Error::TooDeep { .. })));
    // Invalid UTF-8 is replaced, not rejected.
    let (v, _) = decode(&[0x02, 0, 2, 0xFF, 0xFE]).unwrap();
    assert_eq!(v.as_str(), Some("\u{FFFD}\u{FFFD}"));
}

#[test]
fn pseudo_random_junk_never_panics() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buf = [0u8; 64];
    for _ in 0..20_000 {
        for b in &mut buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x % 13) as u8; // mostly valid markers, to go deep
        }
        let _ = decode_all(&buf);
    }
}

#[test]
fn key_too_long_is_rejected() {
    let v = Amf0Value::Object(vec![("k".repeat(70_000), Amf0Value::Null)]);
    assert!(matches!(
        v.encode(&mut Vec::new()),
        Err(Amf0Error::KeyTooLong { .. })
    ));
}
