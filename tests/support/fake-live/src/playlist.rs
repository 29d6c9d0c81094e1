//! HLS playlist text: pure formatting of what the handlers decided to list.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::media::aes::iv_attribute;
use crate::media::fixture::SEGMENT_MS;
use crate::options::HlsMode;

/// One rendition line in the master playlist.
pub(crate) struct Variant {
    pub bandwidth: u64,
    pub width: u32,
    pub height: u32,
    pub codecs: String,
    pub uri: String,
}

pub(crate) fn master(variants: &[Variant]) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for v in variants {
        let _ = writeln!(
            out,
            "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={}x{},FRAME-RATE=25.000,CODECS=\"{}\"\n{}",
            v.bandwidth, v.width, v.height, v.codecs, v.uri
        );
    }
    out
}

/// One listed segment.
pub(crate) struct Segment {
    /// Displayed media sequence number.
    pub seq: u64,
    /// Clip name ("a"/"b"), used for the fMP4 init URI.
    pub clip: &'static str,
    /// A clip switch starts at this segment.
    pub discontinuity: bool,
    pub program_date_time: SystemTime,
}

/// Encryption announced in the playlist.
pub(crate) struct Key {
    pub uri: String,
    pub iv: Option<[u8; 16]>,
}

/// Everything a media playlist says.
pub(crate) struct Media {
    pub mode: HlsMode,
    pub media_sequence: u64,
    pub discontinuity_sequence: u64,
    pub key: Option<Key>,
    pub segments: Vec<Segment>,
    pub ended: bool,
    /// Query token appended to every segment URI (rotates per response).
    pub token: String,
}

pub(crate) fn media(p: &Media) -> String {
    let version = match p.mode {
        HlsMode::Ts => 3,
        HlsMode::Fmp4 => 7,
    };
    let mut out = format!(
        "#EXTM3U\n#EXT-X-VERSION:{version}\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:{}\n",
        SEGMENT_MS.div_ceil(1000),
        p.media_sequence
    );
    if p.discontinuity_sequence > 0 {
        let _ = writeln!(
            out,
            "#EXT-X-DISCONTINUITY-SEQUENCE:{}",
            p.discontinuity_sequence
        );
    }
    let key_line = p.key.as_ref().map(|k| match k.iv {
        Some(iv) => format!(
            "#EXT-X-KEY:METHOD=AES-128,URI=\"{}\",IV={}\n",
            k.uri,
            iv_attribute(&iv)
        ),
        None => format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{}\"\n", k.uri),
    });
    let ext = match p.mode {
        HlsMode::Ts => "ts",
        HlsMode::Fmp4 => "m4s",
    };
    let mut current_init: Option<&str> = None;
    for (i, seg) in p.segments.iter().enumerate() {
        if seg.discontinuity {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        let new_init = p.mode == HlsMode::Fmp4 && current_init != Some(seg.clip);
        if new_init {
            // The init section is served in the clear; per RFC 8216 a key tag
            // before EXT-X-MAP would apply to it, so switch the key off first.
            if i > 0 && key_line.is_some() {
                out.push_str("#EXT-X-KEY:METHOD=NONE\n");
            }
            let _ = writeln!(out, "#EXT-X-MAP:URI=\"init-{}.mp4\"", seg.clip);
            current_init = Some(seg.clip);
        }
        if let Some(key) = &key_line
            && (i == 0 || new_init)
        {
            out.push_str(key);
        }
        let _ = writeln!(
            out,
            "#EXT-X-PROGRAM-DATE-TIME:{}",
            rfc3339_millis(seg.program_date_time)
        );
        let _ = writeln!(
            out,
            "#EXTINF:{:.3},\n{}.{ext}?t={}",
            SEGMENT_MS as f64 / 1000.0,
            seg.seq,
            p.token
        );
    }
    if p.ended {
        out.push_str("#EXT-X-ENDLIST\n");
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (what `#EXT-X-PROGRAM-DATE-TIME` wants).
pub(crate) fn rfc3339_millis(t: SystemTime) -> String {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn seg(seq: u64, clip: &'static str, discontinuity: bool) -> Segment {
        Segment {
            seq,
            clip,
            discontinuity,
            program_date_time: UNIX_EPOCH,
        }
    }

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123); // leap year end of Feb
        assert_eq!(rfc3339_millis(t), "2024-02-29T23:59:59.123Z");
    }

    #[test]
    fn ts_playlist_with_key_and_discontinuity() {
        let text = media(&Media {
            mode: HlsMode::Ts,
            media_sequence: 10,
            discontinuity_sequence: 2,
            key: Some(Key {
                uri: "http://k/key".into(),
                iv: None,
            }),
            segments: vec![seg(10, "a", false), seg(11, "b", true)],
            ended: true,
            token: "tok".into(),
        });
        let expected = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:10\n\
            #EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"http://k/key\"\n\
            #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z\n#EXTINF:1.000,\n10.ts?t=tok\n\
            #EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z\n#EXTINF:1.000,\n11.ts?t=tok\n\
            #EXT-X-ENDLIST\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn fmp4_playlist_remaps_init_in_the_clear() {
        let text = media(&Media {
            mode: HlsMode::Fmp4,
            media_sequence: 0,
            discontinuity_sequence: 0,
            key: Some(Key {
                uri: "k".into(),
                iv: Some([0xab; 16]),
            }),
            segments: vec![seg(0, "a", false), seg(1, "b", true)],
            ended: false,
            token: "t".into(),
        });
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("#EXT-X-MAP") || l.starts_with("#EXT-X-KEY"))
            .collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert_eq!(lines[0], "#EXT-X-MAP:URI=\"init-a.mp4\"");
        assert!(lines[1].starts_with("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xABAB"));
        assert_eq!(lines[2], "#EXT-X-KEY:METHOD=NONE");
        assert_eq!(lines[3], "#EXT-X-MAP:URI=\"init-b.mp4\"");
        assert!(text.contains("1.m4s?t=t\n"));
        assert!(!text.contains("ENDLIST"));
        assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:7\n"));
    }

    #[test]
    fn master_lists_variants() {
        let text = master(&[Variant {
            bandwidth: 1,
            width: 2,
            height: 3,
            codecs: "c".into(),
            uri: "0/index.m3u8".into(),
        }]);
        assert!(text.contains("#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=2x3,FRAME-RATE=25.000,CODECS=\"c\"\n0/index.m3u8\n"));
    }
}
