//! AMF0 encoding. Numbers and booleans have fixed sizes, which the writer
//! relies on to patch metadata in place.

use super::{Amf0Error, Amf0Value, marker};

impl Amf0Value {
    /// Appends the encoding of this value to `out`. Strings longer than 65535
    /// bytes are written as long strings.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Amf0Error> {
        match self {
            Self::Number(n) => {
                out.push(marker::NUMBER);
                out.extend_from_slice(&n.to_be_bytes());
            }
            Self::Boolean(b) => out.extend_from_slice(&[marker::BOOLEAN, u8::from(*b)]),
            Self::String(s) | Self::LongString(s) => encode_string_value(s, out),
            Self::Object(props) => {
                out.push(marker::OBJECT);
                encode_properties(props, out)?;
            }
            Self::Null => out.push(marker::NULL),
            Self::Undefined => out.push(marker::UNDEFINED),
            Self::EcmaArray(props) => {
                out.push(marker::ECMA_ARRAY);
                let n = u32::try_from(props.len())
                    .map_err(|_| Amf0Error::ArrayTooLong { len: props.len() })?;
                out.extend_from_slice(&n.to_be_bytes());
                encode_properties(props, out)?;
            }
            Self::StrictArray(items) => {
                out.push(marker::STRICT_ARRAY);
                let n = u32::try_from(items.len())
                    .map_err(|_| Amf0Error::ArrayTooLong { len: items.len() })?;
                out.extend_from_slice(&n.to_be_bytes());
                for item in items {
                    item.encode(out)?;
                }
            }
            Self::Date { millis, timezone } => {
                out.push(marker::DATE);
                out.extend_from_slice(&millis.to_be_bytes());
                out.extend_from_slice(&timezone.to_be_bytes());
            }
        }
        Ok(())
    }

    /// Encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::Number(_) => 9,
            Self::Boolean(_) => 2,
            Self::String(s) | Self::LongString(s) if s.len() <= usize::from(u16::MAX) => {
                3 + s.len()
            }
            Self::String(s) | Self::LongString(s) => 5 + s.len(),
            Self::Object(props) => 1 + properties_len(props),
            Self::Null | Self::Undefined => 1,
            Self::EcmaArray(props) => 5 + properties_len(props),
            Self::StrictArray(items) => 5 + items.iter().map(Self::encoded_len).sum::<usize>(),
            Self::Date { .. } => 11,
        }
    }
}

/// Writes a property name (u16 length + UTF-8, no marker).
pub fn encode_key(key: &str, out: &mut Vec<u8>) -> Result<(), Amf0Error> {
    let len = u16::try_from(key.len()).map_err(|_| Amf0Error::KeyTooLong { len: key.len() })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(key.as_bytes());
    Ok(())
}

fn encode_string_value(s: &str, out: &mut Vec<u8>) {
    match u16::try_from(s.len()) {
        Ok(len) => {
            out.push(marker::STRING);
            out.extend_from_slice(&len.to_be_bytes());
        }
        Err(_) => {
            out.push(marker::LONG_STRING);
            // A Rust string cannot exceed isize::MAX; FLV tags cap at 16 MiB
            // anyway, so saturating keeps this total without a panic path.
            out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
        }
    }
    out.extend_from_slice(s.as_bytes());
}

fn encode_properties(props: &[(String, Amf0Value)], out: &mut Vec<u8>) -> Result<(), Amf0Error> {
    for (k, v) in props {
        encode_key(k, out)?;
        v.encode(out)?;
    }
    out.extend_from_slice(&[0, 0, marker::OBJECT_END]);
    Ok(())
}

fn properties_len(props: &[(String, Amf0Value)]) -> usize {
    props
        .iter()
        .map(|(k, v)| 2 + k.len() + v.encoded_len())
        .sum::<usize>()
        + 3
}
