//! PES packet headers: stream id, PTS and DTS, and where the elementary
//! stream payload starts.

/// The fields of a PES header the recorder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PesHeader {
    pub stream_id: u8,
    /// 90 kHz, 33-bit.
    pub pts: Option<u64>,
    /// 90 kHz, 33-bit; absent when equal to the PTS.
    pub dts: Option<u64>,
    /// Offset of the elementary stream data from the start of the PES packet.
    pub payload_offset: usize,
}

/// Parses the header at the start of a PES packet (the payload of a packet
/// with payload_unit_start). `None` if the start code is missing or the
/// header is truncated or malformed.
pub fn parse_pes_header(data: &[u8]) -> Option<PesHeader> {
    if data.len() < 6 || data[..3] != [0, 0, 1] {
        return None;
    }
    let stream_id = data[3];
    // Stream ids without the optional header (padding, private_stream_2, ECM, ...).
    if matches!(
        stream_id,
        0xBC | 0xBE | 0xBF | 0xF0 | 0xF1 | 0xF2 | 0xF8 | 0xFF
    ) {
        return Some(PesHeader {
            stream_id,
            pts: None,
            dts: None,
            payload_offset: 6,
        });
    }
    if data.len() < 9 || data[6] & 0xC0 != 0x80 {
        return None;
    }
    let flags = data[7] >> 6;
    let header_len = usize::from(data[8]);
    let payload_offset = 9 + header_len;
    let opt = data.get(9..payload_offset)?;
    let (pts, dts) = match flags {
        0b10 => (Some(read_timestamp(opt.get(..5)?)), None),
        0b11 => (
            Some(read_timestamp(opt.get(..5)?)),
            Some(read_timestamp(opt.get(5..10)?)),
        ),
        _ => (None, None),
    };
    Some(PesHeader {
        stream_id,
        pts,
        dts,
        payload_offset,
    })
}

/// The 33-bit timestamp packed into 5 bytes with marker bits.
fn read_timestamp(b: &[u8]) -> u64 {
    (u64::from((b[0] >> 1) & 0x07) << 30)
        | (u64::from(b[1]) << 22)
        | (u64::from(b[2] >> 1) << 15)
        | (u64::from(b[3]) << 7)
        | (u64::from(b[4]) >> 1)
}

/// Encodes a timestamp with the given 4-bit prefix (`0b0010` PTS only,
/// `0b0011`/`0b0001` PTS/DTS pair); used by tests to build PES headers.
#[cfg(test)]
pub(crate) fn write_timestamp(prefix: u8, ts: u64) -> [u8; 5] {
    [
        (prefix << 4) | (((ts >> 30) as u8 & 0x07) << 1) | 1,
        (ts >> 22) as u8,
        (((ts >> 15) as u8) << 1) | 1,
        (ts >> 7) as u8,
        ((ts as u8) << 1) | 1,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pts_and_dts() {
        let pts = (1u64 << 32) + 123_456;
        let dts = 987_654;
        let mut pes = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0xC0, 10];
        pes.extend(write_timestamp(0b0011, pts));
        pes.extend(write_timestamp(0b0001, dts));
        pes.extend([0, 0, 0, 1, 0x09]);
        let h = parse_pes_header(&pes).unwrap();
        assert_eq!((h.stream_id, h.pts, h.dts), (0xE0, Some(pts), Some(dts)));
        assert_eq!(h.payload_offset, 19);

        let mut only_pts = vec![0, 0, 1, 0xC0, 0, 0, 0x80, 0x80, 5];
        only_pts.extend(write_timestamp(0b0010, 90_000));
        let h = parse_pes_header(&only_pts).unwrap();
        assert_eq!((h.pts, h.dts), (Some(90_000), None));
    }

    #[test]
    fn rejects_malformed_headers() {
        assert_eq!(parse_pes_header(&[0, 0, 2, 0xE0, 0, 0, 0x80, 0, 0]), None);
        // Header length runs past the data.
        assert_eq!(
            parse_pes_header(&[0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, 1]),
            None
        );
        // Missing the '10' marker bits.
        assert_eq!(
            parse_pes_header(&[0, 0, 1, 0xE0, 0, 0, 0x00, 0x80, 0]),
            None
        );
    }
}
