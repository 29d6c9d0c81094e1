//! Readers for what the server sends: playlist lines and FLV byte streams
//! (tolerant of truncation and injected garbage).

/// Value of a `#TAG:value` line in a playlist.
pub fn tag_value<'a>(playlist: &'a str, tag: &str) -> Option<&'a str> {
    playlist
        .lines()
        .find_map(|l| l.strip_prefix(tag).and_then(|r| r.strip_prefix(':')))
}

pub fn media_sequence(playlist: &str) -> u64 {
    tag_value(playlist, "#EXT-X-MEDIA-SEQUENCE")
        .expect("has media sequence")
        .parse()
        .expect("number")
}

/// Segment URIs (non-tag lines) in order.
pub fn segment_uris(playlist: &str) -> Vec<String> {
    playlist
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Resolves a relative segment URI against the playlist URL.
pub fn resolve(playlist_url: &str, uri: &str) -> String {
    if uri.starts_with("http://") {
        return uri.to_owned();
    }
    let base = playlist_url
        .split('?')
        .next()
        .expect("split yields one")
        .rsplit_once('/')
        .expect("has a path")
        .0;
    format!("{base}/{uri}")
}

/// One FLV element found by [`scan_flv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlvItem {
    Tag {
        kind: u8,
        ts: u32,
        body: Vec<u8>,
    },
    /// Bytes that are not a tag, up to the next valid tag.
    Garbage(usize),
}

fn valid_tag_at(data: &[u8], pos: usize) -> Option<usize> {
    let head = data.get(pos..pos + 11)?;
    if !matches!(head[0], 8 | 9 | 18) || head[8..11] != [0, 0, 0] {
        return None;
    }
    let size = u32::from_be_bytes([0, head[1], head[2], head[3]]) as usize;
    let back = data.get(pos + 11 + size..pos + 15 + size)?;
    (u32::from_be_bytes([back[0], back[1], back[2], back[3]]) as usize == size + 11).then_some(size)
}

/// Splits an FLV byte stream (possibly truncated, possibly with injected
/// garbage) into tags and garbage runs. Stops at a truncated final tag.
pub fn scan_flv(data: &[u8]) -> Vec<FlvItem> {
    assert!(data.len() >= 13 && &data[..3] == b"FLV", "FLV header");
    let mut items = Vec::new();
    let mut pos = 13;
    while pos + 11 <= data.len() {
        match valid_tag_at(data, pos) {
            Some(size) => {
                let h = &data[pos..pos + 11];
                items.push(FlvItem::Tag {
                    kind: h[0],
                    ts: u32::from_be_bytes([h[7], h[4], h[5], h[6]]),
                    body: data[pos + 11..pos + 11 + size].to_vec(),
                });
                pos += 15 + size;
            }
            None => match (pos + 1..data.len()).find(|&q| valid_tag_at(data, q).is_some()) {
                Some(next) => {
                    items.push(FlvItem::Garbage(next - pos));
                    pos = next;
                }
                None => break, // truncated tail
            },
        }
    }
    items
}

/// Tags only: (kind, timestamp, body).
pub fn flv_tags(data: &[u8]) -> Vec<(u8, u32, Vec<u8>)> {
    scan_flv(data)
        .into_iter()
        .filter_map(|i| match i {
            FlvItem::Tag { kind, ts, body } => Some((kind, ts, body)),
            FlvItem::Garbage(_) => None,
        })
        .collect()
}

pub fn is_avc_header(kind: u8, body: &[u8]) -> bool {
    kind == 9 && body.len() > 1 && body[0] == 0x17 && body[1] == 0
}
