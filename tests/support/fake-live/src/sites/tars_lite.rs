//! A small TARS (JCE) writer and field reader for the Huya chat
//! emulation, written from the format description independently of srec's
//! codec: head byte `tag << 4 | type` (tag ≥ 15: extra byte), big-endian
//! ints (0..3, 12 = zero), strings (6, 7), lists (9), structs (10/11),
//! byte vectors (13).

#[derive(Default)]
pub struct W(pub Vec<u8>);

impl W {
    fn head(&mut self, tag: u8, ty: u8) {
        if tag < 15 {
            self.0.push((tag << 4) | ty);
        } else {
            self.0.extend_from_slice(&[0xF0 | ty, tag]);
        }
    }

    pub fn int(&mut self, tag: u8, v: i64) -> &mut Self {
        match v {
            0 => self.head(tag, 12),
            -128..=127 => {
                self.head(tag, 0);
                self.0.push(v as i8 as u8);
            }
            -32768..=32767 => {
                self.head(tag, 1);
                self.0.extend_from_slice(&(v as i16).to_be_bytes());
            }
            -2147483648..=2147483647 => {
                self.head(tag, 2);
                self.0.extend_from_slice(&(v as i32).to_be_bytes());
            }
            _ => {
                self.head(tag, 3);
                self.0.extend_from_slice(&v.to_be_bytes());
            }
        }
        self
    }

    pub fn str(&mut self, tag: u8, s: &str) -> &mut Self {
        if s.len() < 256 {
            self.head(tag, 6);
            self.0.push(s.len() as u8);
        } else {
            self.head(tag, 7);
            self.0.extend_from_slice(&(s.len() as u32).to_be_bytes());
        }
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    pub fn bytes(&mut self, tag: u8, b: &[u8]) -> &mut Self {
        self.head(tag, 13);
        self.head(0, 0);
        self.int(0, b.len() as i64);
        self.0.extend_from_slice(b);
        self
    }

    pub fn begin(&mut self, tag: u8) -> &mut Self {
        self.head(tag, 10);
        self
    }

    pub fn end(&mut self) -> &mut Self {
        self.head(0, 11);
        self
    }

    /// A list head; the caller writes `len` elements with tag 0.
    pub fn list(&mut self, tag: u8, len: usize) -> &mut Self {
        self.head(tag, 9);
        self.int(0, len as i64)
    }
}

/// A field the reader keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum F {
    Int(i64),
    Bytes(Vec<u8>),
    Strings(Vec<String>),
}

/// Top-level fields of `buf` (ints, strings as bytes, byte vectors,
/// lists of strings); stops at anything else.
pub fn fields(buf: &[u8]) -> Vec<(u8, F)> {
    let mut r = R { b: buf, p: 0 };
    let mut out = Vec::new();
    while let Some((tag, ty)) = r.head() {
        match r.value(ty) {
            Some(v) => out.push((tag, v)),
            None => break,
        }
    }
    out
}

struct R<'a> {
    b: &'a [u8],
    p: usize,
}

impl R<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }

    fn head(&mut self) -> Option<(u8, u8)> {
        let b = *self.take(1)?.first()?;
        let tag = if b >> 4 == 15 {
            *self.take(1)?.first()?
        } else {
            b >> 4
        };
        Some((tag, b & 15))
    }

    fn int(&mut self, ty: u8) -> Option<i64> {
        let n = match ty {
            12 => return Some(0),
            0 => 1,
            1 => 2,
            2 => 4,
            3 => 8,
            _ => return None,
        };
        let s = self.take(n)?;
        let mut v: i64 = if s[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in s {
            v = (v << 8) | i64::from(b);
        }
        Some(v)
    }

    fn value(&mut self, ty: u8) -> Option<F> {
        match ty {
            0..=3 | 12 => self.int(ty).map(F::Int),
            6 => {
                let n = *self.take(1)?.first()? as usize;
                Some(F::Bytes(self.take(n)?.to_vec()))
            }
            7 => {
                let l = self.take(4)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                Some(F::Bytes(self.take(n)?.to_vec()))
            }
            9 => {
                let (_, lt) = self.head()?;
                let n = self.int(lt)?;
                let mut items = Vec::new();
                for _ in 0..n.clamp(0, 1024) {
                    let (_, et) = self.head()?;
                    match self.value(et)? {
                        F::Bytes(b) => items.push(String::from_utf8_lossy(&b).into_owned()),
                        _ => return None,
                    }
                }
                Some(F::Strings(items))
            }
            13 => {
                self.head()?;
                let (_, lt) = self.head()?;
                let n = usize::try_from(self.int(lt)?).ok()?;
                Some(F::Bytes(self.take(n)?.to_vec()))
            }
            _ => None,
        }
    }
}
