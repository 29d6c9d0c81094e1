//! A minimal protobuf wire-format reader: enough to walk the fields of the
//! few protobuf messages Bilibili pushes inside JSON commands
//! (`SEND_GIFT_V2`). It never panics and never allocates more than the
//! input: every length is checked against the bytes left.

/// Why a protobuf message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("protobuf truncated at byte {0}")]
    Truncated(usize),
    #[error("protobuf varint longer than 10 bytes at byte {0}")]
    LongVarint(usize),
    #[error("protobuf field number 0 at byte {0}")]
    ZeroField(usize),
    #[error("protobuf wire type {wire} (field {field}) is not supported")]
    WireType { field: u32, wire: u8 },
    #[error("protobuf string field {0} is not UTF-8")]
    NotUtf8(u32),
}

/// One field's value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

impl<'a> Value<'a> {
    /// The value of an `int64`/`uint64`/`bool`/`enum` field; other wire
    /// types read as 0, as a lenient proto3 reader would skip them.
    pub fn int(self) -> i64 {
        match self {
            Value::Varint(v) | Value::Fixed64(v) => v as i64,
            Value::Fixed32(v) => i64::from(v),
            Value::Bytes(_) => 0,
        }
    }

    /// The value of a `string` field (empty for another wire type).
    pub fn string(self, field: u32) -> Result<String, WireError> {
        match self {
            Value::Bytes(b) => std::str::from_utf8(b)
                .map(str::to_string)
                .map_err(|_| WireError::NotUtf8(field)),
            _ => Ok(String::new()),
        }
    }

    /// The bytes of an embedded message (empty for another wire type).
    pub fn message(self) -> &'a [u8] {
        match self {
            Value::Bytes(b) => b,
            _ => &[],
        }
    }
}

/// Iterates `(field number, value)` over one message's bytes.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            failed: false,
        }
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        let mut out = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(WireError::Truncated(self.pos));
            };
            self.pos += 1;
            out |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(WireError::LongVarint(start))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(WireError::Truncated(self.pos))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn field(&mut self) -> Result<(u32, Value<'a>), WireError> {
        let at = self.pos;
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).unwrap_or(u32::MAX);
        if field == 0 {
            return Err(WireError::ZeroField(at));
        }
        let value = match (key & 7) as u8 {
            0 => Value::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Fixed64(u64::from_le_bytes(a))
            }
            2 => {
                let len = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
                Value::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            // 3/4 are the long-deprecated groups; 6/7 do not exist.
            wire => return Err(WireError::WireType { field, wire }),
        };
        Ok((field, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>), WireError>;

    /// Ends after the first error.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.field();
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_wire_type_and_stops_at_errors() {
        // 1: varint 300, 2: "hi", 3: fixed64 7, 4: fixed32 9
        let mut buf = vec![0x08, 0xAC, 0x02, 0x12, 2, b'h', b'i', 0x19];
        buf.extend_from_slice(&7u64.to_le_bytes());
        buf.push(0x25);
        buf.extend_from_slice(&9u32.to_le_bytes());
        let got: Vec<_> = Fields::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(got[0], (1, Value::Varint(300)));
        assert_eq!(got[1].1.string(2).unwrap(), "hi");
        assert_eq!((got[2].1.int(), got[3].1.int()), (7, 9));

        let errs = [
            (&[0x12, 5, b'a'][..], WireError::Truncated(2)),
            (&[0x08][..], WireError::Truncated(1)),
            (&[0x00, 1][..], WireError::ZeroField(0)),
            (&[0x0B][..], WireError::WireType { field: 1, wire: 3 }),
            (
                &[
                    0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1,
                ][..],
                WireError::LongVarint(1),
            ),
            (
                &[
                    0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                ][..],
                WireError::Truncated(11),
            ),
        ];
        for (bytes, want) in errs {
            let all: Vec<_> = Fields::new(bytes).collect();
            assert_eq!(all.last(), Some(&Err(want)), "{bytes:?}");
        }
        assert_eq!(Value::Bytes(&[0xFF]).string(4), Err(WireError::NotUtf8(4)));
    }
}
