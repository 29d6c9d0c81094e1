//! 188-byte transport packets: header, adaptation field (random access
//! indicator, PCR) and payload, plus a streaming reader that locks onto the
//! 0x47 sync byte and re-syncs after garbage or a truncated packet.

/// Size of one transport packet.
pub const PACKET_SIZE: usize = 188;
/// First byte of every packet.
pub const SYNC_BYTE: u8 = 0x47;

/// One parsed packet, borrowing its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    pub pid: u16,
    pub payload_unit_start: bool,
    pub continuity_counter: u8,
    /// Adaptation-field random_access_indicator: a muxer's claim that a
    /// keyframe (or other random access point) starts here.
    pub random_access: bool,
    /// Program clock reference in 27 MHz units.
    pub pcr: Option<u64>,
    pub payload: &'a [u8],
}

/// Parses the first [`PACKET_SIZE`] bytes of `buf`. `None` for anything that
/// is not a well-formed packet (bad sync, transport error flag, adaptation
/// field longer than the packet), so callers skip it rather than misread it.
pub fn parse_packet(buf: &[u8]) -> Option<Packet<'_>> {
    let p = buf.get(..PACKET_SIZE)?;
    if p[0] != SYNC_BYTE || p[1] & 0x80 != 0 {
        return None;
    }
    let pid = (u16::from(p[1] & 0x1F) << 8) | u16::from(p[2]);
    let afc = (p[3] >> 4) & 0x3;
    let mut pkt = Packet {
        pid,
        payload_unit_start: p[1] & 0x40 != 0,
        continuity_counter: p[3] & 0x0F,
        random_access: false,
        pcr: None,
        payload: &[],
    };
    let mut start = 4;
    if afc & 0x2 != 0 {
        let af_len = usize::from(p[4]);
        if 5 + af_len > PACKET_SIZE {
            return None;
        }
        if af_len > 0 {
            let flags = p[5];
            pkt.random_access = flags & 0x40 != 0;
            if flags & 0x10 != 0 && af_len >= 7 {
                pkt.pcr = Some(read_pcr(&p[6..12]));
            }
        }
        start = 5 + af_len;
    }
    if afc & 0x1 != 0 {
        pkt.payload = &p[start..];
    }
    Some(pkt)
}

/// 33-bit base × 300 + 9-bit extension.
fn read_pcr(b: &[u8]) -> u64 {
    let base = (u64::from(b[0]) << 25)
        | (u64::from(b[1]) << 17)
        | (u64::from(b[2]) << 9)
        | (u64::from(b[3]) << 1)
        | (u64::from(b[4]) >> 7);
    let ext = (u64::from(b[4] & 0x01) << 8) | u64::from(b[5]);
    base * 300 + ext
}

/// Splits a byte stream arriving in arbitrary chunks into packets.
///
/// A 0x47 counts as a packet start only if another 0x47 follows 188 bytes
/// later (or the input ends there): a lone 0x47 inside garbage is common, and
/// a truncated packet must not swallow the start of the next one. Anything
/// else is skipped byte by byte until sync is found again.
#[derive(Debug, Default)]
pub struct PacketReader {
    carry: Vec<u8>,
    /// Bytes skipped while searching for sync (garbage, truncated packets).
    pub skipped_bytes: u64,
    /// Well-formed packets delivered.
    pub packets: u64,
}

impl PacketReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; calls `f` for every complete packet found.
    ///
    /// Only the carried tail of the previous call (at most one packet) is
    /// joined with the start of `data`; the rest is scanned in place, so a
    /// recording's bytes are not copied once more just to be analysed.
    pub fn feed(&mut self, data: &[u8], f: &mut impl FnMut(&Packet<'_>)) {
        let mut data = data;
        if !self.carry.is_empty() {
            let old = self.carry.len();
            // Enough to finish the carried packet and confirm the next sync.
            let take = data.len().min(2 * PACKET_SIZE);
            let mut carry = std::mem::take(&mut self.carry);
            carry.extend_from_slice(&data[..take]);
            let used = self.scan(&carry, false, f);
            if used >= old && take < data.len() {
                // The carry is consumed: go on in `data` itself.
                data = &data[used - old..];
                carry.clear();
                self.carry = carry;
            } else {
                // Short input (or a resync inside the carry): join it all.
                carry.extend_from_slice(&data[take..]);
                let used = self.scan(&carry[used..], false, f) + used;
                carry.drain(..used);
                self.carry = carry;
                return;
            }
        }
        let used = self.scan(data, false, f);
        self.carry.extend_from_slice(&data[used..]);
    }

    /// End of input: delivers a last packet that had no successor to confirm
    /// it, and drops any truncated tail.
    pub fn finish(&mut self, f: &mut impl FnMut(&Packet<'_>)) {
        let carry = std::mem::take(&mut self.carry);
        let used = self.scan(&carry, true, f);
        self.skipped_bytes += (carry.len() - used) as u64;
    }

    fn scan(&mut self, buf: &[u8], last: bool, f: &mut impl FnMut(&Packet<'_>)) -> usize {
        let mut i = 0;
        while buf.len() - i >= PACKET_SIZE {
            if buf[i] != SYNC_BYTE {
                let next = buf[i + 1..]
                    .iter()
                    .position(|&b| b == SYNC_BYTE)
                    .map_or(buf.len(), |p| i + 1 + p);
                self.skipped_bytes += (next - i) as u64;
                i = next;
                continue;
            }
            match buf.get(i + PACKET_SIZE) {
                Some(&SYNC_BYTE) => {}
                Some(_) => {
                    self.skipped_bytes += 1;
                    i += 1;
                    continue;
                }
                // Cannot confirm yet: wait for more data unless at the end.
                None if !last => break,
                None => {}
            }
            if let Some(pkt) = parse_packet(&buf[i..]) {
                self.packets += 1;
                f(&pkt);
            }
            i += PACKET_SIZE;
        }
        i
    }
}
