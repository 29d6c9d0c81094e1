//! MPEG-TS timestamp rewriting so a looped fixture looks like one long stream.
//!
//! Every 188-byte packet is visited once: the PCR in the adaptation field,
//! PTS/DTS in PES headers (33-bit, 90 kHz) are shifted by the same offset,
//! and the 4-bit continuity counter is advanced by a per-PID amount so the
//! counters stay continuous from one loop of the fixture to the next.

use std::collections::BTreeMap;

/// Size of one transport packet.
pub const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const PTS_MODULO: i64 = 1 << 33;

/// Why a TS segment could not be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TsError {
    /// Length is not a multiple of 188 bytes.
    Length(usize),
    /// Packet `n` does not start with 0x47.
    Sync(usize),
}

impl std::fmt::Display for TsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TsError::Length(len) => write!(f, "TS length {len} is not a multiple of 188"),
            TsError::Sync(n) => write!(f, "TS packet {n} has no sync byte"),
        }
    }
}

impl std::error::Error for TsError {}

/// Per-PID continuity-counter adjustment (added modulo 16).
pub type CcShift = BTreeMap<u16, u8>;

/// Counts, per PID, the packets that carry payload (those are the ones that
/// increment the continuity counter). Summed over a whole fixture loop this
/// tells how far each counter advances per loop.
pub fn payload_packets(seg: &[u8]) -> Result<BTreeMap<u16, u64>, TsError> {
    check(seg)?;
    let mut counts = BTreeMap::new();
    for pkt in seg.chunks_exact(PACKET) {
        if pkt[3] & 0x10 != 0 {
            *counts.entry(pid(pkt)).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// The CC shift for loop number `lap` given per-loop payload packet counts.
pub fn cc_shift(per_loop: &BTreeMap<u16, u64>, lap: u64) -> CcShift {
    per_loop
        .iter()
        .map(|(&pid, &n)| (pid, ((n % 16) * (lap % 16) % 16) as u8))
        .collect()
}

/// Returns a copy of `seg` with all timestamps moved by `offset_90k` ticks
/// (wrapping at 2^33 like a real encoder) and continuity counters shifted.
pub fn rewrite(seg: &[u8], offset_90k: i64, cc: &CcShift) -> Result<Vec<u8>, TsError> {
    check(seg)?;
    let mut out = seg.to_vec();
    for pkt in out.chunks_exact_mut(PACKET) {
        rewrite_packet(pkt, offset_90k, cc);
    }
    Ok(out)
}

fn check(seg: &[u8]) -> Result<(), TsError> {
    if !seg.len().is_multiple_of(PACKET) {
        return Err(TsError::Length(seg.len()));
    }
    match seg.chunks_exact(PACKET).position(|p| p[0] != SYNC) {
        Some(n) => Err(TsError::Sync(n)),
        None => Ok(()),
    }
}

fn pid(pkt: &[u8]) -> u16 {
    u16::from_be_bytes([pkt[1] & 0x1f, pkt[2]])
}

fn rewrite_packet(pkt: &mut [u8], offset: i64, cc: &CcShift) {
    let pid = pid(pkt);
    let pusi = pkt[1] & 0x40 != 0;
    let afc = (pkt[3] >> 4) & 0x3;
    if afc & 0x1 != 0
        && let Some(shift) = cc.get(&pid)
    {
        let counter = (pkt[3] & 0x0f).wrapping_add(*shift) & 0x0f;
        pkt[3] = (pkt[3] & 0xf0) | counter;
    }
    let mut payload = 4;
    if afc & 0x2 != 0 {
        let af_len = usize::from(pkt[4]);
        if af_len > 0 && pkt[5] & 0x10 != 0 && af_len >= 7 {
            shift_pcr(&mut pkt[6..12], offset);
        }
        payload = 5 + af_len;
    }
    if afc & 0x1 != 0 && pusi && payload + 14 <= PACKET {
        shift_pes(&mut pkt[payload..], offset);
    }
}

fn shift_pcr(field: &mut [u8], offset: i64) {
    let base = (u64::from(field[0]) << 25)
        | (u64::from(field[1]) << 17)
        | (u64::from(field[2]) << 9)
        | (u64::from(field[3]) << 1)
        | (u64::from(field[4]) >> 7);
    let base = (base as i64 + offset).rem_euclid(PTS_MODULO) as u64;
    field[0] = (base >> 25) as u8;
    field[1] = (base >> 17) as u8;
    field[2] = (base >> 9) as u8;
    field[3] = (base >> 1) as u8;
    field[4] = (field[4] & 0x7f) | (((base & 1) as u8) << 7);
}

fn shift_pes(pes: &mut [u8], offset: i64) {
    if pes[..3] != [0, 0, 1] {
        return; // PSI section (PAT/PMT) or a non-PES payload
    }
    let stream_id = pes[3];
    // Stream ids without the optional PES header (padding, private_stream_2, ...).
    if matches!(
        stream_id,
        0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xff | 0xf2 | 0xf8
    ) {
        return;
    }
    let flags = pes[7] >> 6;
    if flags & 0x2 != 0 {
        shift_timestamp(&mut pes[9..14], offset);
    }
    if flags == 0x3 {
        shift_timestamp(&mut pes[14..19], offset);
    }
}

/// Reads the 33-bit timestamp in a PES PTS/DTS field.
pub fn read_timestamp(f: &[u8]) -> i64 {
    (i64::from((f[0] >> 1) & 0x07) << 30)
        | (i64::from(f[1]) << 22)
        | (i64::from(f[2] >> 1) << 15)
        | (i64::from(f[3]) << 7)
        | i64::from(f[4] >> 1)
}

fn shift_timestamp(f: &mut [u8], offset: i64) {
    let ts = (read_timestamp(f) + offset).rem_euclid(PTS_MODULO);
    f[0] = (f[0] & 0xf1) | ((((ts >> 30) & 0x07) as u8) << 1);
    f[1] = (ts >> 22) as u8;
    f[2] = ((((ts >> 15) & 0x7f) as u8) << 1) | 1;
    f[3] = (ts >> 7) as u8;
    f[4] = (((ts & 0x7f) as u8) << 1) | 1;
}

/// Overwrites a run of packets in the middle of the segment with random
/// bytes (sync bytes included), the way a broken CDN edge corrupts data.
pub fn corrupt(seg: &mut [u8], rng: &mut impl rand::Rng) {
    let packets = seg.len() / PACKET;
    if packets == 0 {
        rng.fill(seg);
        return;
    }
    let first = packets / 3;
    let count = (packets / 4).max(1);
    let start = first * PACKET;
    let end = ((first + count) * PACKET).min(seg.len());
    rng.fill(&mut seg[start..end]);
    // Make sure at least the first corrupted packet has no valid sync byte.
    if seg[start] == SYNC {
        seg[start] = 0;
    }
}

/// One PES start found while scanning: PID, PTS and DTS (DTS = PTS if absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PesStamp {
    pub pid: u16,
    pub pts: i64,
    pub dts: i64,
}

/// Lists the PES timestamps in a segment (used by tests and fixture checks).
pub fn pes_stamps(seg: &[u8]) -> Result<Vec<PesStamp>, TsError> {
    check(seg)?;
    let mut out = Vec::new();
    for pkt in seg.chunks_exact(PACKET) {
        let afc = (pkt[3] >> 4) & 0x3;
        if pkt[1] & 0x40 == 0 || afc & 0x1 == 0 {
            continue;
        }
        let payload = if afc & 0x2 != 0 {
            5 + usize::from(pkt[4])
        } else {
            4
        };
        let Some(pes) = pkt.get(payload..) else {
            continue;
        };
        if pes.len() < 19 || pes[..3] != [0, 0, 1] || pes[3] < 0xc0 {
            continue;
        }
        let flags = pes[7] >> 6;
        if flags & 0x2 == 0 {
            continue;
        }
        let pts = read_timestamp(&pes[9..14]);
        let dts = if flags == 0x3 {
            read_timestamp(&pes[14..19])
        } else {
            pts
        };
        out.push(PesStamp {
            pid: pid(pkt),
            pts,
            dts,
        });
    }
    Ok(out)
}

/// Continuity counters of every payload-carrying packet, in order, per PID.
pub fn continuity(seg: &[u8]) -> Result<Vec<(u16, u8)>, TsError> {
    check(seg)?;
    Ok(seg
        .chunks_exact(PACKET)
        .filter(|p| p[3] & 0x10 != 0)
        .map(|p| (pid(p), p[3] & 0x0f))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pes_packet(pts: i64, dts: i64, cc: u8) -> Vec<u8> {
        let mut p = vec![0xffu8; PACKET];
        p[..4].copy_from_slice(&[SYNC, 0x41, 0x00, 0x30 | cc]);
        // adaptation field with PCR
        p[4] = 7;
        p[5] = 0x10;
        p[6..12].copy_from_slice(&[0, 0, 0, 0, 0x7e, 0]);
        let pes = &mut p[12..];
        pes[..9].copy_from_slice(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10]);
        let mut f = [0x31u8, 0, 1, 0, 1];
        shift_timestamp(&mut f, pts);
        pes[9..14].copy_from_slice(&f);
        let mut f = [0x11u8, 0, 1, 0, 1];
        shift_timestamp(&mut f, dts);
        pes[14..19].copy_from_slice(&f);
        p
    }

    #[test]
    fn shifts_pts_dts_pcr_and_cc() {
        let seg = pes_packet(126_000, 123_000, 15);
        let cc: CcShift = [(0x100, 3)].into_iter().collect();
        let out = rewrite(&seg, 360_000, &cc).expect("valid");
        let stamps = pes_stamps(&out).expect("valid");
        assert_eq!(
            stamps,
            vec![PesStamp {
                pid: 0x100,
                pts: 486_000,
                dts: 483_000
            }]
        );
        assert_eq!(out[3] & 0x0f, 2, "15 + 3 wraps to 2");
        let mut pcr = [0u8; 6];
        pcr.copy_from_slice(&out[6..12]);
        let base = (u64::from(pcr[0]) << 25) | (u64::from(pcr[1]) << 17) | (u64::from(pcr[2]) << 9);
        assert_eq!(
            base | (u64::from(pcr[3]) << 1) | u64::from(pcr[4] >> 7),
            360_000
        );
        // marker bits survive
        assert_eq!(out[12 + 9] & 0xf1, 0x31);
        assert_eq!(out[12 + 14] & 0xf1, 0x11);
    }

    #[test]
    fn timestamps_wrap_at_33_bits() {
        let seg = pes_packet(100, 100, 0);
        let out = rewrite(&seg, -200, &CcShift::new()).expect("valid");
        assert_eq!(pes_stamps(&out).expect("valid")[0].pts, PTS_MODULO - 100);
    }

    #[test]
    fn rejects_non_ts() {
        assert_eq!(
            rewrite(&[0u8; 10], 0, &CcShift::new()),
            Err(TsError::Length(10))
        );
        assert_eq!(
            rewrite(&[0u8; 188], 0, &CcShift::new()),
            Err(TsError::Sync(0))
        );
    }

    #[test]
    fn cc_shift_is_per_loop_packet_count() {
        let per_loop: BTreeMap<u16, u64> = [(0, 4), (0x100, 37)].into_iter().collect();
        let shift = cc_shift(&per_loop, 3);
        assert_eq!(shift[&0], 12);
        assert_eq!(shift[&0x100], (37 * 3 % 16) as u8);
    }
}
