//! A minimal TARS (JCE) codec: enough to build Huya's websocket commands
//! and read its pushes. Every field starts with a head byte
//! `tag << 4 | type` (tag ≥ 15: `0xF0 | type` then a tag byte). Types:
//! 0/1/2/3 big-endian ints of 1/2/4/8 bytes, 4 f32, 5 f64, 6/7 strings
//! with a u8/u32 length, 8 map, 9 list, 10/11 struct begin/end, 12 zero,
//! 13 simple list (bytes). Reading builds a [`Value`] tree with a depth
//! limit, so hostile input cannot overflow the stack or allocate wildly.

/// A decoded field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    /// Strings stay bytes; [`Value::as_str`] decodes them lossily.
    Str(Vec<u8>),
    Map(Vec<(Value, Value)>),
    List(Vec<Value>),
    Struct(Fields),
    Bytes(Vec<u8>),
}

/// A struct's fields in wire order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(u8, Value)>);

impl Fields {
    pub fn get(&self, tag: u8) -> Option<&Value> {
        self.0.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
    }
    pub fn int(&self, tag: u8) -> Option<i64> {
        self.get(tag).and_then(Value::as_int)
    }
    pub fn string(&self, tag: u8) -> Option<String> {
        self.get(tag).and_then(Value::as_str)
    }
    pub fn bytes(&self, tag: u8) -> Option<&[u8]> {
        match self.get(tag)? {
            Value::Bytes(b) | Value::Str(b) => Some(b),
            _ => None,
        }
    }
    pub fn structure(&self, tag: u8) -> Option<&Fields> {
        match self.get(tag)? {
            Value::Struct(f) => Some(f),
            _ => None,
        }
    }
    pub fn list(&self, tag: u8) -> Option<&[Value]> {
        match self.get(tag)? {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<String> {
        match self {
            Value::Str(b) | Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
}

/// Why bytes are not TARS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TarsError {
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("unknown type {0} at byte {1}")]
    BadType(u8, usize),
    #[error("bad length {0} at byte {1}")]
    BadLength(i64, usize),
    #[error("nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// Deepest nesting a reader accepts.
const MAX_DEPTH: usize = 24;

/// Reads every field of `buf` as one struct body.
pub fn read_struct(buf: &[u8]) -> Result<Fields, TarsError> {
    let mut r = Reader { buf, pos: 0 };
    r.fields(0, false)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], TarsError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(TarsError::Truncated(self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn head(&mut self) -> Result<(u8, u8), TarsError> {
        let b = self.take(1)?[0];
        let (mut tag, kind) = (b >> 4, b & 0x0F);
        if tag == 15 {
            tag = self.take(1)?[0];
        }
        Ok((tag, kind))
    }

    fn int_of(&mut self, kind: u8) -> Result<i64, TarsError> {
        let at = self.pos;
        Ok(match kind {
            0 => i64::from(self.take(1)?[0] as i8),
            1 => {
                let b = self.take(2)?;
                i64::from(i16::from_be_bytes([b[0], b[1]]))
            }
            2 => {
                let b = self.take(4)?;
                i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            3 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(self.take(8)?);
                i64::from_be_bytes(a)
            }
            12 => 0,
            other => return Err(TarsError::BadType(other, at)),
        })
    }

    /// A length: an int field (any tag) that must fit the remaining bytes.
    fn len(&mut self) -> Result<usize, TarsError> {
        let at = self.pos;
        let (_, kind) = self.head()?;
        let n = self.int_of(kind)?;
        let left = (self.buf.len() - self.pos) as i64;
        if n < 0 || n > left {
            return Err(TarsError::BadLength(n, at));
        }
        Ok(n as usize)
    }

    fn value(&mut self, kind: u8, depth: usize) -> Result<Value, TarsError> {
        if depth > MAX_DEPTH {
            return Err(TarsError::TooDeep);
        }
        let at = self.pos;
        Ok(match kind {
            0..=3 | 12 => Value::Int(self.int_of(kind)?),
            4 => {
                let b = self.take(4)?;
                Value::Float(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            5 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(self.take(8)?);
                Value::Float(f64::from_be_bytes(a))
            }
            6 => {
                let n = self.take(1)?[0] as usize;
                Value::Str(self.take(n)?.to_vec())
            }
            7 => {
                let b = self.take(4)?;
                let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                Value::Str(self.take(n)?.to_vec())
            }
            8 => {
                let n = self.len()?;
                let mut map = Vec::new();
                for _ in 0..n {
                    let (_, kk) = self.head()?;
                    let k = self.value(kk, depth + 1)?;
                    let (_, vk) = self.head()?;
                    let v = self.value(vk, depth + 1)?;
                    map.push((k, v));
                }
                Value::Map(map)
            }
            9 => {
                let n = self.len()?;
                let mut list = Vec::new();
                for _ in 0..n {
                    let (_, k) = self.head()?;
                    list.push(self.value(k, depth + 1)?);
                }
                Value::List(list)
            }
            10 => Value::Struct(self.fields(depth + 1, true)?),
            13 => {
                let (_, elem) = self.head()?;
                if elem != 0 {
                    return Err(TarsError::BadType(elem, at));
                }
                let n = self.len()?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            other => return Err(TarsError::BadType(other, at)),
        })
    }

    /// Fields until a struct end (`nested`) or the end of the buffer.
    fn fields(&mut self, depth: usize, nested: bool) -> Result<Fields, TarsError> {
        let mut out = Fields::default();
        loop {
            if !nested && self.pos >= self.buf.len() {
                return Ok(out);
            }
            let (tag, kind) = self.head()?;
            if kind == 11 {
                if nested {
                    return Ok(out);
                }
                continue;
            }
            let v = self.value(kind, depth)?;
            out.0.push((tag, v));
        }
    }
}

/// Builds TARS bytes field by field.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn head(&mut self, tag: u8, kind: u8) {
        if tag < 15 {
            self.buf.push(tag << 4 | kind);
        } else {
            self.buf.push(0xF0 | kind);
            self.buf.push(tag);
        }
    }

    /// An integer in the smallest type that holds it (0 → type 12).
    pub fn int(&mut self, tag: u8, v: i64) -> &mut Self {
        if v == 0 {
            self.head(tag, 12);
        } else if let Ok(b) = i8::try_from(v) {
            self.head(tag, 0);
            self.buf.push(b as u8);
        } else if let Ok(s) = i16::try_from(v) {
            self.head(tag, 1);
            self.buf.extend_from_slice(&s.to_be_bytes());
        } else if let Ok(i) = i32::try_from(v) {
            self.head(tag, 2);
            self.buf.extend_from_slice(&i.to_be_bytes());
        } else {
            self.head(tag, 3);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
        self
    }

    pub fn bool(&mut self, tag: u8, v: bool) -> &mut Self {
        self.int(tag, i64::from(v))
    }

    pub fn string(&mut self, tag: u8, s: &str) -> &mut Self {
        let b = s.as_bytes();
        if let Ok(n) = u8::try_from(b.len()) {
            self.head(tag, 6);
            self.buf.push(n);
        } else {
            self.head(tag, 7);
            self.buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
        }
        self.buf.extend_from_slice(b);
        self
    }

    /// A byte vector (simple list).
    pub fn bytes(&mut self, tag: u8, b: &[u8]) -> &mut Self {
        self.head(tag, 13);
        self.head(0, 0);
        self.int(0, b.len() as i64);
        self.buf.extend_from_slice(b);
        self
    }

    /// A nested struct whose fields `body` writes.
    pub fn structure(&mut self, tag: u8, body: impl FnOnce(&mut Writer)) -> &mut Self {
        self.head(tag, 10);
        body(self);
        self.head(0, 11);
        self
    }

    pub fn strings(&mut self, tag: u8, items: &[String]) -> &mut Self {
        self.head(tag, 9);
        self.int(0, items.len() as i64);
        for s in items {
            self.string(0, s);
        }
        self
    }

    /// `map<string, bytes>` (WUP request bodies).
    pub fn map_str_bytes(&mut self, tag: u8, items: &[(&str, &[u8])]) -> &mut Self {
        self.head(tag, 8);
        self.int(0, items.len() as i64);
        for (k, v) in items {
            self.string(0, k);
            self.bytes(1, v);
        }
        self
    }

    /// A list of structs, each written by `each`.
    pub fn structs<T>(
        &mut self,
        tag: u8,
        items: &[T],
        mut each: impl FnMut(&mut Writer, &T),
    ) -> &mut Self {
        self.head(tag, 9);
        self.int(0, items.len() as i64);
        for item in items {
            self.structure(0, |w| each(w, item));
        }
        self
    }
}

#[cfg(test)]
mod tests;
