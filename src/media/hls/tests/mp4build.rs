//! Synthetic fMP4 for the rebaser tests: init sections and media segments
//! built box by box, and a reader of the `tfdt` values of written bytes.

/// A box with a 32-bit size.
pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = (8 + body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

/// A box with a 64-bit largesize.
pub fn bx64(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = 1u32.to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(&(16 + body.len() as u64).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// A full box: version, 24-bit flags, then `body`.
pub fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version, 0, 0, 0];
    b.extend_from_slice(body);
    bx(kind, &b)
}

/// One track of an init section.
#[derive(Debug, Clone, Copy)]
pub struct Track {
    pub id: u32,
    pub timescale: u32,
    /// Version of its `tkhd` and `mdhd` (64-bit times in version 1).
    pub version: u8,
}

pub const VIDEO: Track = Track {
    id: 1,
    timescale: 90_000,
    version: 0,
};
pub const AUDIO: Track = Track {
    id: 2,
    timescale: 44_100,
    version: 0,
};

/// Creation and modification times, 32 or 64 bits each.
fn times(version: u8) -> Vec<u8> {
    vec![0xAB; if version == 1 { 16 } else { 8 }]
}

fn trak(t: Track) -> Vec<u8> {
    let mut tkhd = times(t.version);
    tkhd.extend_from_slice(&t.id.to_be_bytes());
    tkhd.extend_from_slice(&[0; 4]); // reserved
    tkhd.extend_from_slice(&vec![0; if t.version == 1 { 8 } else { 4 }]); // duration
    tkhd.extend_from_slice(&[0; 60]); // layer .. height
    let mut mdhd = times(t.version);
    mdhd.extend_from_slice(&t.timescale.to_be_bytes());
    mdhd.extend_from_slice(&vec![0; if t.version == 1 { 8 } else { 4 }]);
    mdhd.extend_from_slice(&[0x55, 0xC4, 0, 0]);
    let hdlr = full(b"hdlr", 0, b"\0\0\0\0vide\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let mdia = [full(b"mdhd", t.version, &mdhd), hdlr].concat();
    bx(
        b"trak",
        &[full(b"tkhd", t.version, &tkhd), bx(b"mdia", &mdia)].concat(),
    )
}

/// `ftyp` + `moov` declaring `tracks`.
pub fn init(tracks: &[Track]) -> Vec<u8> {
    let mut moov = full(b"mvhd", 0, &[0; 96]);
    for t in tracks {
        moov.extend(trak(*t));
    }
    moov.extend(bx(b"mvex", &full(b"trex", 0, &[0; 20])));
    [bx(b"ftyp", b"iso6\0\0\0\0iso6dash"), bx(b"moov", &moov)].concat()
}

/// One `traf`: track ID, `tfdt` version (`None`: no `tfdt`) and value.
#[derive(Debug, Clone, Copy)]
pub struct Frag {
    pub track: u32,
    pub version: Option<u8>,
    pub tfdt: u64,
}

pub fn frag(track: u32, version: u8, tfdt: u64) -> Frag {
    Frag {
        track,
        version: Some(version),
        tfdt,
    }
}

/// A `moof` with one `traf` per fragment.
pub fn moof(seq: u32, frags: &[Frag]) -> Vec<u8> {
    let mut body = full(b"mfhd", 0, &seq.to_be_bytes());
    for f in frags {
        let mut traf = full(b"tfhd", 0, &[&f.track.to_be_bytes()[..], &[0; 8]].concat());
        match f.version {
            Some(0) => traf.extend(full(b"tfdt", 0, &(f.tfdt as u32).to_be_bytes())),
            Some(v) => traf.extend(full(b"tfdt", v, &f.tfdt.to_be_bytes())),
            None => {}
        }
        traf.extend(full(b"trun", 0, &[0, 0, 0, 2, 0, 0, 0, 0x99, 1, 2, 3, 4]));
        body.extend(bx(b"traf", &traf));
    }
    bx(b"moof", &body)
}

/// `mdat` of `len` body bytes with a recognizable pattern.
pub fn mdat(len: usize, seed: u8) -> Vec<u8> {
    let body: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect();
    bx(b"mdat", &body)
}

/// A `sidx` (its content does not matter: it is dropped).
pub fn sidx(seed: u8) -> Vec<u8> {
    full(b"sidx", 1, &[seed; 40])
}

/// A segment `styp` + `sidx` (if `with_sidx`) + `moof` + `mdat`.
pub fn segment(seq: u32, frags: &[Frag], with_sidx: bool) -> Vec<u8> {
    let mut v = bx(b"styp", b"msdh\0\0\0\0msdhmsix");
    if with_sidx {
        v.extend(sidx(seq as u8));
    }
    v.extend(moof(seq, frags));
    v.extend(mdat(300, seq as u8));
    v
}

/// `(track, tfdt)` of every `moof/traf` of `data`, in order.
pub fn read_tfdts(data: &[u8]) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    for (kind, body) in walk(data) {
        if kind != *b"moof" {
            continue;
        }
        for (kind, traf) in walk(body) {
            if kind != *b"traf" {
                continue;
            }
            let kids = walk(traf);
            let track = kids
                .iter()
                .find(|k| k.0 == *b"tfhd")
                .map(|(_, b)| u32::from_be_bytes(b[4..8].try_into().unwrap()))
                .expect("tfhd");
            if let Some((_, b)) = kids.iter().find(|k| k.0 == *b"tfdt") {
                let v = if b[0] == 1 {
                    u64::from_be_bytes(b[4..12].try_into().unwrap())
                } else {
                    u64::from(u32::from_be_bytes(b[4..8].try_into().unwrap()))
                };
                out.push((track, v));
            }
        }
    }
    out
}

/// Kinds of the top-level boxes of `data`.
pub fn kinds(data: &[u8]) -> Vec<String> {
    walk(data)
        .into_iter()
        .map(|(k, _)| String::from_utf8_lossy(&k).into_owned())
        .collect()
}

/// The boxes of `data` (test input: well formed; size 0 runs to the end).
fn walk(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= data.len() {
        let size32 = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap());
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap();
        let (len, size) = match size32 {
            0 => (8, data.len() - pos),
            1 => (
                16,
                u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap()) as usize,
            ),
            n => (8, n as usize),
        };
        out.push((kind, &data[pos + len..pos + size]));
        pos += size;
    }
    out
}
