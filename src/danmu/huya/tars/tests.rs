//! TARS codec tests: hand-built bytes from the spec and round trips.

use super::*;

#[test]
fn writes_heads_ints_and_strings_byte_exact() {
    let mut w = Writer::new();
    w.int(0, 0)
        .int(1, 3)
        .int(2, -2)
        .int(3, 300)
        .int(4, 70_000)
        .int(5, 1 << 40)
        .string(6, "ab")
        .int(20, 1);
    assert_eq!(
        w.into_bytes(),
        [
            0x0C, // tag 0 zero
            0x10, 3, // tag 1 int1
            0x20, 0xFE, // tag 2 int1 -2
            0x31, 0x01, 0x2C, // tag 3 int2 300
            0x42, 0x00, 0x01, 0x11, 0x70, // tag 4 int4
            0x53, 0, 0, 1, 0, 0, 0, 0, 0, // tag 5 int8
            0x66, 2, b'a', b'b', // tag 6 string1
            0xF0, 20, 1, // tag 20: extended head
        ]
    );
}

#[test]
fn reads_what_it_writes() {
    let mut w = Writer::new();
    w.int(0, 1400)
        .string(1, "héllo")
        .bytes(2, &[1, 2, 3])
        .structure(3, |w| {
            w.int(0, 42).string(2, "nick");
        })
        .strings(4, &["live:1".into(), "chat:1".into()])
        .map_str_bytes(5, &[("tReq", &[9u8][..])])
        .string(6, &"x".repeat(300));
    let f = read_struct(&w.into_bytes()).unwrap();
    assert_eq!(f.int(0), Some(1400));
    assert_eq!(f.string(1).as_deref(), Some("héllo"));
    assert_eq!(f.bytes(2), Some(&[1u8, 2, 3][..]));
    let s = f.structure(3).unwrap();
    assert_eq!((s.int(0), s.string(2).as_deref()), (Some(42), Some("nick")));
    let l: Vec<_> = f
        .list(4)
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(l, ["live:1", "chat:1"]);
    assert!(matches!(f.get(5), Some(Value::Map(m)) if m.len() == 1));
    assert_eq!(f.string(6).map(|s| s.len()), Some(300));
}

#[test]
fn rejects_truncated_deep_and_oversized_input() {
    assert!(read_struct(&[0x06, 5, b'a']).is_err());
    assert!(read_struct(&[0x0E]).is_err());
    assert!(read_struct(&[0x09, 0x02, 0x7F]).is_err()); // list claims 127 items
    assert!(read_struct(&[0x1D, 0x00, 0x02, 0x7F]).is_err()); // bytes claim 127
    assert!(read_struct(&[0x0A; 200]).is_err()); // 200 nested structs
    assert_eq!(read_struct(&[]).unwrap(), Fields::default());
}
