//! Douyu's binary framing: `u32 len | u32 len | u16 type | u8 0 | u8 0 |
//! payload | 0x00`, little-endian, `len` counting everything after the
//! first length field (payload + 9). The client sends type 689 and the
//! server 690. Packets may be split across or packed into websocket
//! frames, so received bytes go through a [`Reassembler`].

/// Message type of client packets.
pub const CLIENT: u16 = 689;
/// Message type of server packets.
pub const SERVER: u16 = 690;

/// Bytes after the first length field that are not payload.
const OVERHEAD: usize = 9;
/// A server packet larger than this is garbage, not chat.
pub const MAX_PACKET: usize = 1 << 20;

/// Frames an STT payload (without its trailing NUL) as one packet.
pub fn encode(kind: u16, payload: &str) -> Vec<u8> {
    let len = (payload.len() + OVERHEAD) as u32;
    let mut out = Vec::with_capacity(payload.len() + OVERHEAD + 4);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload.as_bytes());
    out.push(0);
    out
}

/// Why buffered bytes cannot be packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The two length fields differ or are out of range; the stream is lost.
    BadLength(u32, u32),
}

/// Buffers received bytes and yields whole packets' payloads.
#[derive(Debug, Default)]
pub struct Reassembler {
    buf: Vec<u8>,
}

impl Reassembler {
    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes waiting for the rest of their packet.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next whole packet `(type, payload without trailing NULs)`, or
    /// `None` until more bytes arrive. On an error the buffer is dropped.
    pub fn next_packet(&mut self) -> Result<Option<(u16, Vec<u8>)>, FrameError> {
        if self.buf.len() < 12 {
            return Ok(None);
        }
        let le = |i: usize| {
            u32::from_le_bytes([
                self.buf[i],
                self.buf[i + 1],
                self.buf[i + 2],
                self.buf[i + 3],
            ])
        };
        let (a, b) = (le(0), le(4));
        if a != b || (a as usize) < OVERHEAD - 1 || a as usize > MAX_PACKET {
            self.buf.clear();
            return Err(FrameError::BadLength(a, b));
        }
        let total = a as usize + 4;
        if self.buf.len() < total {
            return Ok(None);
        }
        let kind = u16::from_le_bytes([self.buf[8], self.buf[9]]);
        let mut payload: Vec<u8> = self.buf[12..total].to_vec();
        while payload.last() == Some(&0) {
            payload.pop();
        }
        self.buf.drain(..total);
        Ok(Some((kind, payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_documented_header() {
        let p = encode(CLIENT, "type@=mrkl/");
        let len = 11 + 9;
        assert_eq!(&p[..4], &(len as u32).to_le_bytes());
        assert_eq!(&p[4..8], &(len as u32).to_le_bytes());
        assert_eq!(&p[8..12], &[0xb1, 0x02, 0, 0]);
        assert_eq!(&p[12..23], b"type@=mrkl/");
        assert_eq!(p[23], 0);
        assert_eq!(p.len(), len + 4);
    }

    #[test]
    fn reassembles_split_and_packed_packets() {
        let mut bytes = encode(SERVER, "a@=1/");
        bytes.extend(encode(SERVER, "b@=2/"));
        let mut r = Reassembler::default();
        r.push(&bytes[..7]);
        assert_eq!(r.next_packet(), Ok(None));
        r.push(&bytes[7..20]);
        assert_eq!(r.next_packet(), Ok(Some((SERVER, b"a@=1/".to_vec()))));
        assert_eq!(r.next_packet(), Ok(None));
        r.push(&bytes[20..]);
        assert_eq!(r.next_packet(), Ok(Some((SERVER, b"b@=2/".to_vec()))));
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn mismatched_lengths_drop_the_buffer() {
        let mut r = Reassembler::default();
        r.push(&[9, 0, 0, 0, 8, 0, 0, 0, 0xb2, 2, 0, 0]);
        assert!(r.next_packet().is_err());
        assert_eq!(r.pending(), 0);
    }
}
