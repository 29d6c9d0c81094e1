//! Bilibili's chat framing: a 16-byte big-endian header
//! (`u32 packet_len | u16 header_len | u16 ver | u32 op | u32 seq`) before
//! each body; one websocket frame holds one or more packets. Version 2
//! bodies are zlib and version 3 brotli, each holding more packets.
//! Decompression is bounded (a hostile frame cannot exhaust memory).

use std::io::Read;

/// Header length the client writes.
pub const HEADER_LEN: usize = 16;
/// Largest decompressed body accepted.
const MAX_INFLATED: u64 = 8 * 1024 * 1024;
/// Compressed packets inside compressed packets are not expected deeper than this.
const MAX_DEPTH: u8 = 2;

pub const OP_HEARTBEAT: u32 = 2;
pub const OP_HEARTBEAT_REPLY: u32 = 3;
pub const OP_COMMAND: u32 = 5;
pub const OP_AUTH: u32 = 7;
pub const OP_AUTH_REPLY: u32 = 8;

pub const VER_JSON: u16 = 0;
pub const VER_INT: u16 = 1;
pub const VER_ZLIB: u16 = 2;
pub const VER_BROTLI: u16 = 3;

/// One decoded packet (never compressed: those are expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub ver: u16,
    pub op: u32,
    pub body: Vec<u8>,
}

/// A client packet (version 1, sequence 1).
pub fn encode(op: u32, body: &[u8]) -> Vec<u8> {
    encode_with(VER_INT, op, body)
}

/// A packet of any version (the test server compresses with it).
pub fn encode_with(ver: u16, op: u32, body: &[u8]) -> Vec<u8> {
    let len = (HEADER_LEN + body.len()) as u32;
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&(HEADER_LEN as u16).to_be_bytes());
    out.extend_from_slice(&ver.to_be_bytes());
    out.extend_from_slice(&op.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn inflate(reader: impl Read) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(format!("decompressed body over {MAX_INFLATED} bytes"));
    }
    Ok(out)
}

/// Splits a frame into packets, expanding compressed ones.
pub fn decode(frame: &[u8]) -> Result<Vec<Packet>, String> {
    let mut out = Vec::new();
    decode_into(frame, 0, &mut out)?;
    Ok(out)
}

fn decode_into(mut rest: &[u8], depth: u8, out: &mut Vec<Packet>) -> Result<(), String> {
    while !rest.is_empty() {
        if rest.len() < HEADER_LEN {
            return Err(format!(
                "{} trailing bytes, shorter than a header",
                rest.len()
            ));
        }
        let len = be32(&rest[0..4]) as usize;
        let header = be16(&rest[4..6]) as usize;
        let ver = be16(&rest[6..8]);
        let op = be32(&rest[8..12]);
        if header < HEADER_LEN || len < header {
            return Err(format!("bad lengths: packet {len}, header {header}"));
        }
        if len > rest.len() {
            return Err(format!("packet of {len} bytes in {} remaining", rest.len()));
        }
        let body = &rest[header..len];
        match ver {
            VER_ZLIB | VER_BROTLI if depth < MAX_DEPTH => {
                let inner = if ver == VER_ZLIB {
                    inflate(flate2::read::ZlibDecoder::new(body))?
                } else {
                    inflate(brotli::Decompressor::new(body, 4096))?
                };
                decode_into(&inner, depth + 1, out)?;
            }
            VER_ZLIB | VER_BROTLI => return Err("compressed packets nested too deep".into()),
            _ => out.push(Packet {
                ver,
                op,
                body: body.to_vec(),
            }),
        }
        // A heartbeat reply's length excludes bytes some servers echo after it.
        if op == OP_HEARTBEAT_REPLY {
            return Ok(());
        }
        rest = &rest[len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn brotli(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            w.write_all(b).unwrap();
        }
        out
    }

    #[test]
    fn round_trips_plain_zlib_and_brotli_batches() {
        let a = encode_with(VER_JSON, OP_COMMAND, br#"{"cmd":"A"}"#);
        let b = encode_with(VER_JSON, OP_COMMAND, br#"{"cmd":"B"}"#);
        let batch = [a.clone(), b.clone()].concat();
        for frame in [
            batch.clone(),
            encode_with(VER_ZLIB, OP_COMMAND, &zlib(&batch)),
            encode_with(VER_BROTLI, OP_COMMAND, &brotli(&batch)),
        ] {
            let p = decode(&frame).unwrap();
            assert_eq!(p.len(), 2);
            assert_eq!(p[1].body, br#"{"cmd":"B"}"#);
        }
        let hb = [
            encode_with(VER_INT, OP_HEARTBEAT_REPLY, &7u32.to_be_bytes()),
            b"[object Object]".to_vec(),
        ]
        .concat();
        assert_eq!(decode(&hb).unwrap().len(), 1);
    }

    #[test]
    fn rejects_truncated_and_lying_headers() {
        let a = encode(OP_HEARTBEAT, b"x");
        assert!(decode(&a[..a.len() - 1]).is_err());
        assert!(decode(&a[..10]).is_err());
        let mut bad = a.clone();
        bad[5] = 4; // header length 4
        assert!(decode(&bad).is_err());
        assert!(decode(&encode_with(VER_ZLIB, OP_COMMAND, b"not zlib")).is_err());
    }
}
