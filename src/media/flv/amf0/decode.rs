//! AMF0 decoding from a byte slice, bounded and panic-free.

use super::{Amf0Error, Amf0Value, MAX_DEPTH, marker};

/// Decodes one value from the start of `buf`, returning it and the number of
/// bytes consumed.
pub fn decode(buf: &[u8]) -> Result<(Amf0Value, usize), Amf0Error> {
    let mut r = Reader { buf, pos: 0 };
    let v = r.value(0)?;
    Ok((v, r.pos))
}

/// Decodes consecutive values until the input is exhausted (a script tag body
/// is a name string followed by one or more values).
pub fn decode_all(buf: &[u8]) -> Result<Vec<Amf0Value>, Amf0Error> {
    let mut r = Reader { buf, pos: 0 };
    let mut out = Vec::new();
    while r.pos < buf.len() {
        out.push(r.value(0)?);
    }
    Ok(out)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Amf0Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Amf0Error::UnexpectedEof { at: self.pos })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, Amf0Error> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Amf0Error> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, Amf0Error> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f64(&mut self) -> Result<f64, Amf0Error> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_be_bytes(a))
    }

    fn string(&mut self, len: usize) -> Result<String, Amf0Error> {
        Ok(String::from_utf8_lossy(self.take(len)?).into_owned())
    }

    fn value(&mut self, depth: usize) -> Result<Amf0Value, Amf0Error> {
        if depth > MAX_DEPTH {
            return Err(Amf0Error::TooDeep { at: self.pos });
        }
        let at = self.pos;
        Ok(match self.u8()? {
            marker::NUMBER => Amf0Value::Number(self.f64()?),
            marker::BOOLEAN => Amf0Value::Boolean(self.u8()? != 0),
            marker::STRING => {
                let len = usize::from(self.u16()?);
                Amf0Value::String(self.string(len)?)
            }
            marker::LONG_STRING => {
                let len = self.u32()? as usize;
                Amf0Value::LongString(self.string(len)?)
            }
            marker::OBJECT => Amf0Value::Object(self.properties(depth, false)?),
            marker::ECMA_ARRAY => {
                let _approx_count = self.u32()?;
                Amf0Value::EcmaArray(self.properties(depth, true)?)
            }
            marker::STRICT_ARRAY => {
                let count = self.u32()? as usize;
                // Every element takes at least one byte: never trust `count`
                // for preallocation beyond what the input can hold.
                let mut items = Vec::with_capacity(count.min(self.buf.len() - self.pos));
                for _ in 0..count {
                    items.push(self.value(depth + 1)?);
                }
                Amf0Value::StrictArray(items)
            }
            marker::NULL => Amf0Value::Null,
            marker::UNDEFINED => Amf0Value::Undefined,
            marker::DATE => {
                let millis = self.f64()?;
                let timezone = self.u16()? as i16;
                Amf0Value::Date { millis, timezone }
            }
            marker::OBJECT_END => return Err(Amf0Error::StrayObjectEnd { at }),
            other => return Err(Amf0Error::UnsupportedMarker { marker: other, at }),
        })
    }

    /// Reads `key, value` pairs up to the `00 00 09` end marker. ECMA arrays
    /// written by some encoders omit the end marker at the end of the tag, so
    /// for them end of input also terminates the list.
    fn properties(
        &mut self,
        depth: usize,
        eof_ends: bool,
    ) -> Result<Vec<(String, Amf0Value)>, Amf0Error> {
        let mut props = Vec::new();
        loop {
            let rest = &self.buf[self.pos..];
            if rest.starts_with(&[0, 0, marker::OBJECT_END]) {
                self.pos += 3;
                return Ok(props);
            }
            if rest.is_empty() && eof_ends {
                return Ok(props);
            }
            let len = usize::from(self.u16()?);
            let key = self.string(len)?;
            let value = self.value(depth + 1)?;
            props.push((key, value));
        }
    }
}
