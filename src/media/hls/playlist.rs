//! Parsed playlists in the shape the recorder needs: a media playlist
//! becomes a [`MediaWindow`] of [`SegmentRef`]s with absolute URLs, media
//! sequence numbers, and the key and init section in effect for each
//! segment (m3u8-rs attaches `EXT-X-KEY`/`EXT-X-MAP` only to the segment
//! right after the tag; HLS says they apply until the next one).

use std::sync::Arc;
use std::time::Duration;

use m3u8_rs::{KeyMethod, MasterPlaylist, MediaPlaylist, MediaSegment, Playlist};
use url::Url;

use super::ads::{AdRange, ad_ranges, ad_title, in_ranges};
use super::error::HlsError;
use crate::net::{ByteRange, redact_url};

/// An AES-128 key in effect for a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub url: Url,
    /// Explicit IV; otherwise the media sequence number is the IV.
    pub iv: Option<[u8; 16]>,
}

/// An `EXT-X-MAP` init section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MapRef {
    pub url: Url,
    pub range: Option<ByteRange>,
}

/// One media segment of a playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRef {
    /// Media sequence number: the segment's identity (URLs carry rotating
    /// tokens, so they are not).
    pub seq: u64,
    pub url: Url,
    pub range: Option<ByteRange>,
    /// `EXTINF`.
    pub duration: Duration,
    /// An `EXT-X-DISCONTINUITY` precedes this segment.
    pub discontinuity: bool,
    /// `EXT-X-GAP`: listed but not available.
    pub gap: bool,
    /// A server-side ad (see [`super::ads`]): not recorded.
    pub ad: bool,
    /// Wall-clock time of the segment's first sample (Unix ms): its own
    /// `EXT-X-PROGRAM-DATE-TIME`, or the previous segment's plus that
    /// one's duration. It identifies media across a sequence reset.
    pub program_date_ms: Option<i64>,
    pub key: Option<Arc<KeyRef>>,
    pub map: Option<Arc<MapRef>>,
}

/// A media playlist as loaded once.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaWindow {
    pub target_duration: Duration,
    pub segments: Vec<SegmentRef>,
    pub end_list: bool,
    /// Stitched-ad date ranges announced in this window (unix ms).
    pub ad_ranges: Vec<AdRange>,
}

/// Either kind of playlist.
#[derive(Debug)]
pub enum Parsed {
    Master(MasterPlaylist),
    Media(MediaWindow),
}

/// Parses a playlist fetched from `base`.
pub fn parse(base: &Url, body: &[u8]) -> Result<Parsed, HlsError> {
    let bad = |reason: String| HlsError::Playlist {
        url: redact_url(base),
        reason,
    };
    if !body.trim_ascii_start().starts_with(b"#EXTM3U") {
        return Err(bad("missing #EXTM3U header".into()));
    }
    match m3u8_rs::parse_playlist_res(body) {
        Ok(Playlist::MasterPlaylist(m)) => Ok(Parsed::Master(m)),
        Ok(Playlist::MediaPlaylist(m)) => {
            media_window(base, &m, ad_ranges(body)).map(Parsed::Media)
        }
        Err(e) => Err(bad(format!("{e:?}").chars().take(200).collect())),
    }
}

fn media_window(
    base: &Url,
    pl: &MediaPlaylist,
    ads: Vec<AdRange>,
) -> Result<MediaWindow, HlsError> {
    let mut key: Option<Arc<KeyRef>> = None;
    let mut map: Option<Arc<MapRef>> = None;
    // Where the previous byte range of each resource ended (an
    // EXT-X-BYTERANGE without offset continues from there).
    let mut prev_end: Option<(Url, u64)> = None;
    let mut segments: Vec<SegmentRef> = Vec::with_capacity(pl.segments.len());
    for (i, s) in pl.segments.iter().enumerate() {
        key = next_key(base, s, key)?;
        if let Some(m) = &s.map {
            map = Some(Arc::new(MapRef {
                url: join(base, &m.uri)?,
                range: m.byte_range.as_ref().map(|r| ByteRange {
                    offset: r.offset.unwrap_or(0),
                    length: r.length,
                }),
            }));
        }
        let url = join(base, &s.uri)?;
        let range = s.byte_range.as_ref().map(|r| {
            let offset = r.offset.unwrap_or(match &prev_end {
                Some((u, end)) if *u == url => *end,
                _ => 0,
            });
            ByteRange {
                offset,
                length: r.length,
            }
        });
        prev_end = range.map(|r| (url.clone(), r.offset + r.length));
        let secs = if s.duration.is_finite() && s.duration > 0.0 {
            f64::from(s.duration)
        } else {
            0.0
        };
        let duration = Duration::from_secs_f64(secs.min(3600.0));
        let program_date_ms = s
            .program_date_time
            .map(|t| t.timestamp_millis())
            .or_else(|| {
                let prev = segments.last()?;
                let ms = i64::try_from(prev.duration.as_millis()).ok()?;
                prev.program_date_ms?.checked_add(ms)
            });
        segments.push(SegmentRef {
            seq: pl.media_sequence.saturating_add(i as u64),
            url,
            range,
            duration,
            discontinuity: s.discontinuity,
            gap: s.unknown_tags.iter().any(|t| t.tag == "X-GAP"),
            ad: ad_title(s.title.as_deref()) || in_ranges(program_date_ms, &ads),
            program_date_ms,
            key: key.clone(),
            map: map.clone(),
        });
    }
    Ok(MediaWindow {
        // Clamped: 0 or absurd values must not make the watcher spin or sleep for hours.
        target_duration: Duration::from_secs(pl.target_duration.clamp(1, 60)),
        segments,
        end_list: pl.end_list,
        ad_ranges: ads,
    })
}

/// The key in effect after the tags preceding `s`.
fn next_key(
    base: &Url,
    s: &MediaSegment,
    current: Option<Arc<KeyRef>>,
) -> Result<Option<Arc<KeyRef>>, HlsError> {
    // m3u8-rs rejects `METHOD=NONE` without IV and keeps it as an unknown tag.
    if let Some(t) = s.unknown_tags.iter().find(|t| t.tag == "X-KEY") {
        let rest = t.rest.as_deref().unwrap_or_default();
        if rest.contains("METHOD=NONE") {
            return Ok(None);
        }
        return Err(HlsError::Unsupported(format!(
            "unreadable EXT-X-KEY `{rest}`"
        )));
    }
    let Some(k) = &s.key else {
        return Ok(current);
    };
    if let Some(fmt) = k.keyformat.as_deref().filter(|f| *f != "identity") {
        return Err(HlsError::Unsupported(format!("DRM key format `{fmt}`")));
    }
    match &k.method {
        KeyMethod::None => Ok(None),
        KeyMethod::AES128 => {
            let uri = k.uri.as_deref().ok_or_else(|| HlsError::Playlist {
                url: redact_url(base),
                reason: "AES-128 key without URI".into(),
            })?;
            let iv = k.iv.as_deref().map(|v| parse_iv(base, v)).transpose()?;
            Ok(Some(Arc::new(KeyRef {
                url: join(base, uri)?,
                iv,
            })))
        }
        other => Err(HlsError::Unsupported(format!("encryption METHOD={other}"))),
    }
}

/// `0x` + up to 32 hex digits, right-aligned into 16 bytes.
fn parse_iv(base: &Url, v: &str) -> Result<[u8; 16], HlsError> {
    let bad = || HlsError::Playlist {
        url: redact_url(base),
        reason: format!("invalid IV `{v}`"),
    };
    let hex = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .ok_or_else(bad)?;
    if hex.is_empty() || hex.len() > 32 {
        return Err(bad());
    }
    let n = u128::from_str_radix(hex, 16).map_err(|_| bad())?;
    Ok(n.to_be_bytes())
}

fn join(base: &Url, uri: &str) -> Result<Url, HlsError> {
    base.join(uri.trim()).map_err(|e| HlsError::Playlist {
        url: redact_url(base),
        reason: format!("bad URI `{uri}`: {e}"),
    })
}
