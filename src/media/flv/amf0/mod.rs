//! AMF0, the serialisation used by FLV script tags (onMetaData).
//!
//! Only the value types that appear in FLV metadata are supported; anything
//! else (references, AMF3 switch, typed objects) is a decode error, never a
//! panic. Decoding is bounded by input length and nesting depth, so junk can
//! neither exhaust memory nor the stack.

mod decode;
mod encode;

pub use decode::{decode, decode_all};
pub use encode::encode_key;

/// Nesting limit for objects and arrays while decoding.
pub const MAX_DEPTH: usize = 64;

/// AMF0 type markers.
pub(crate) mod marker {
    pub const NUMBER: u8 = 0x00;
    pub const BOOLEAN: u8 = 0x01;
    pub const STRING: u8 = 0x02;
    pub const OBJECT: u8 = 0x03;
    pub const NULL: u8 = 0x05;
    pub const UNDEFINED: u8 = 0x06;
    pub const ECMA_ARRAY: u8 = 0x08;
    pub const OBJECT_END: u8 = 0x09;
    pub const STRICT_ARRAY: u8 = 0x0A;
    pub const DATE: u8 = 0x0B;
    pub const LONG_STRING: u8 = 0x0C;
}

/// A decoded AMF0 value. Objects keep property order, which matters for
/// byte-exact re-encoding of metadata.
#[derive(Debug, Clone, PartialEq)]
pub enum Amf0Value {
    Number(f64),
    Boolean(bool),
    String(String),
    Object(Vec<(String, Amf0Value)>),
    Null,
    Undefined,
    EcmaArray(Vec<(String, Amf0Value)>),
    StrictArray(Vec<Amf0Value>),
    /// Milliseconds since the epoch plus a (deprecated) timezone offset.
    Date {
        millis: f64,
        timezone: i16,
    },
    LongString(String),
}

impl Amf0Value {
    /// Property lookup on objects and ECMA arrays.
    pub fn get(&self, key: &str) -> Option<&Amf0Value> {
        match self {
            Self::Object(props) | Self::EcmaArray(props) => {
                props.iter().find(|(k, _)| k == key).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// Numeric value, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Boolean value, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// String value, if this is a (long) string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::LongString(s) => Some(s),
            _ => None,
        }
    }
}

/// AMF0 decode/encode failure, with the byte offset where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Amf0Error {
    #[error("unexpected end of data at byte {at}")]
    UnexpectedEof { at: usize },
    #[error("unsupported AMF0 marker 0x{marker:02x} at byte {at}")]
    UnsupportedMarker { marker: u8, at: usize },
    #[error("nesting deeper than {MAX_DEPTH} at byte {at}")]
    TooDeep { at: usize },
    #[error("object-end marker outside an object at byte {at}")]
    StrayObjectEnd { at: usize },
    #[error("property name of {len} bytes exceeds 65535")]
    KeyTooLong { len: usize },
    #[error("strict array of {len} elements exceeds u32")]
    ArrayTooLong { len: usize },
}

#[cfg(test)]
mod tests;
