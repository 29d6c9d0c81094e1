//! PAT and PMT sections, CRC-checked, to learn which PID carries video and
//! in which codec. Only sections that fit in one packet are read, which is
//! what HLS muxers emit for a single-program stream.

use super::nal::VideoCodec;

/// One elementary stream listed in a PMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EsInfo {
    pub pid: u16,
    pub stream_type: u8,
}

impl EsInfo {
    /// Video codec for a video stream type, `None` for audio/data.
    pub fn video_codec(&self) -> Option<VideoCodec> {
        match self.stream_type {
            0x1B => Some(VideoCodec::H264),
            0x24 => Some(VideoCodec::H265),
            0x01 | 0x02 | 0x10 | 0x33 | 0xEA => Some(VideoCodec::Other),
            _ => None,
        }
    }
}

/// The PMT PID of the first program in a PAT carried by `payload`.
pub fn parse_pat(payload: &[u8]) -> Option<u16> {
    let body = section(payload, 0x00)?;
    // transport_stream_id(2) version(1) section_number(1) last_section(1)
    body.get(5..)?
        .chunks_exact(4)
        .find(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
        .map(|e| u16::from_be_bytes([e[2] & 0x1F, e[3]]))
}

/// The elementary streams of a PMT carried by `payload`.
pub fn parse_pmt(payload: &[u8]) -> Option<Vec<EsInfo>> {
    let body = section(payload, 0x02)?;
    // program_number(2) version(1) section_number(1) last_section(1) PCR_PID(2)
    let info_len = usize::from(u16::from_be_bytes([*body.get(7)? & 0x0F, *body.get(8)?]));
    let mut rest = body.get(9 + info_len..)?;
    let mut streams = Vec::new();
    while rest.len() >= 5 {
        let es_len = usize::from(u16::from_be_bytes([rest[3] & 0x0F, rest[4]]));
        streams.push(EsInfo {
            stream_type: rest[0],
            pid: u16::from_be_bytes([rest[1] & 0x1F, rest[2]]),
        });
        rest = rest.get(5 + es_len..)?;
    }
    Some(streams)
}

/// The section body after `section_length` and before the CRC, if the
/// payload starts a section of `table_id` that is complete and CRC-valid.
fn section(payload: &[u8], table_id: u8) -> Option<&[u8]> {
    let pointer = usize::from(*payload.first()?);
    let sec = payload.get(1 + pointer..)?;
    if *sec.first()? != table_id {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*sec.get(1)? & 0x0F, *sec.get(2)?]));
    let whole = sec.get(..3 + len)?;
    if len < 4 || crc32_mpeg(whole) != 0 {
        return None;
    }
    Some(&whole[3..3 + len - 4])
}

/// CRC-32/MPEG-2 (poly 0x04C11DB7, no reflection); 0 over a section that
/// includes its own CRC.
pub fn crc32_mpeg(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Builds a PSI payload (pointer field + section + CRC); for tests.
#[cfg(test)]
pub(crate) fn build_section(table_id: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() + 4;
    let mut sec = vec![table_id, 0xB0 | ((len >> 8) as u8 & 0x0F), len as u8];
    sec.extend_from_slice(body);
    let crc = crc32_mpeg(&sec);
    sec.extend(crc.to_be_bytes());
    let mut payload = vec![0];
    payload.extend(sec);
    payload
}

/// A PAT pointing program 1 at `pmt_pid`; for tests.
#[cfg(test)]
pub(crate) fn build_pat(pmt_pid: u16) -> Vec<u8> {
    let body = [
        0,
        1,
        0xC1,
        0,
        0,
        0,
        1,
        0xE0 | (pmt_pid >> 8) as u8,
        pmt_pid as u8,
    ];
    build_section(0x00, &body)
}

/// A PMT listing `(stream_type, pid)` streams; for tests.
#[cfg(test)]
pub(crate) fn build_pmt(streams: &[(u8, u16)]) -> Vec<u8> {
    let pcr = streams.first().map_or(0x1FFF, |s| s.1);
    let mut body = vec![
        0,
        1,
        0xC1,
        0,
        0,
        0xE0 | (pcr >> 8) as u8,
        pcr as u8,
        0xF0,
        0,
    ];
    for &(t, pid) in streams {
        body.extend([t, 0xE0 | (pid >> 8) as u8, pid as u8, 0xF0, 0]);
    }
    build_section(0x02, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pat_and_pmt() {
        assert_eq!(parse_pat(&build_pat(0x1000)), Some(0x1000));
        let pmt = build_pmt(&[(0x1B, 0x100), (0x0F, 0x101)]);
        let streams = parse_pmt(&pmt).unwrap();
        assert_eq!(streams.len(), 2);
        assert_eq!(streams[0].video_codec(), Some(VideoCodec::H264));
        assert_eq!((streams[1].pid, streams[1].video_codec()), (0x101, None));
    }

    #[test]
    fn rejects_bad_crc_and_wrong_table() {
        let mut pat = build_pat(0x1000);
        let n = pat.len();
        pat[n - 1] ^= 0xFF;
        assert_eq!(parse_pat(&pat), None);
        assert_eq!(parse_pmt(&build_pat(0x1000)), None);
        assert_eq!(parse_pat(&[]), None);
    }
}
