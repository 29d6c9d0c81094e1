//! Usher's master playlist → one stream candidate per variant: its media
//! playlist URL, the quality label (`IVS-NAME`, else the `NAME` of the
//! `EXT-X-MEDIA` its `VIDEO` group names), height, bitrate and codec.
//! `audio_only` goes last so "best" never lands on it.

use std::collections::{BTreeMap, HashMap};

use crate::platform::{PlatformError, StreamCandidate, StreamFormat, normalise_codec};

/// Headers Twitch's CDN expects on playlist and segment requests.
pub const PLAYER_ORIGIN: &str = "https://player.twitch.tv";

/// Splits an attribute list (`A=1,B="x,y"`) into key → unquoted value.
pub fn attributes(list: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = list.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.split_once('"') {
                Some((v, n)) => (v, n),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            }
        };
        out.insert(key.trim().to_ascii_uppercase(), value.to_owned());
        rest = next.trim_start_matches(',').trim_start();
    }
    out
}

/// The candidates of a master playlist fetched from `base`, best first.
pub fn candidates(
    base: &url::Url,
    text: &str,
    expires_at: Option<i64>,
) -> Result<Vec<StreamCandidate>, PlatformError> {
    if !text.trim_start().starts_with("#EXTM3U") {
        return Err(PlatformError::ApiChanged(
            "twitch usher: the answer is not an HLS playlist".into(),
        ));
    }
    let mut media_names: HashMap<String, String> = HashMap::new();
    let mut pending: Option<HashMap<String, String>> = None;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(a) = line.strip_prefix("#EXT-X-MEDIA:") {
            let a = attributes(a);
            if let (Some(g), Some(n)) = (a.get("GROUP-ID"), a.get("NAME")) {
                media_names.insert(g.clone(), n.clone());
            }
        } else if let Some(a) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            pending = Some(attributes(a));
        } else if !line.is_empty() && !line.starts_with('#') {
            let Some(a) = pending.take() else { continue };
            let url = base.join(line).map_err(|e| {
                PlatformError::ApiChanged(format!("twitch usher: bad variant URI `{line}`: {e}"))
            })?;
            out.push(candidate(&a, &media_names, url, expires_at));
        }
    }
    if out.is_empty() {
        return Err(PlatformError::ApiChanged(
            "twitch usher: the master playlist lists no variants".into(),
        ));
    }
    // Stable: the playlist's own order (source first) otherwise.
    out.sort_by_key(|c| c.quality == "audio_only");
    Ok(out)
}

fn candidate(
    a: &HashMap<String, String>,
    media_names: &HashMap<String, String>,
    url: url::Url,
    expires_at: Option<i64>,
) -> StreamCandidate {
    let quality = a
        .get("IVS-NAME")
        .cloned()
        .or_else(|| a.get("VIDEO").and_then(|g| media_names.get(g)).cloned())
        .map(|n| n.trim_end_matches(" (source)").to_owned())
        .unwrap_or_else(|| "source".into());
    let height = a
        .get("RESOLUTION")
        .and_then(|r| r.split_once('x'))
        .and_then(|(_, h)| h.parse().ok());
    let codec = a
        .get("CODECS")
        .filter(|c| quality != "audio_only" && c.split(',').any(|p| !p.starts_with("mp4a")))
        .map(|c| normalise_codec(c));
    let headers = BTreeMap::from([
        ("Referer".to_owned(), format!("{PLAYER_ORIGIN}/")),
        ("Origin".to_owned(), PLAYER_ORIGIN.to_owned()),
    ]);
    StreamCandidate {
        cdn: url.host_str().map(str::to_owned),
        url: url.to_string(),
        format: StreamFormat::Hls,
        quality,
        bitrate: a.get("BANDWIDTH").and_then(|b| b.parse().ok()),
        codec,
        height,
        headers,
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str = include_str!("../../../tests/fixtures/twitch/master.m3u8");

    fn filled() -> String {
        MASTER
            .replace("{{server_time}}", "1764806400.00")
            .replace("{{broadcast_id}}", "315551234567")
            .replace("{{variant_url_source}}", "https://v.example/a/src.m3u8")
            .replace("{{variant_url_180p}}", "https://v.example/a/180.m3u8")
            .replace("{{variant_url_audio}}", "audio.m3u8")
    }

    #[test]
    fn variants_become_candidates_best_first() {
        let base = url::Url::parse("https://usher.example/api/v2/channel/hls/x.m3u8").unwrap();
        let c = candidates(&base, &filled(), Some(99)).unwrap();
        let labels: Vec<&str> = c.iter().map(|c| c.quality.as_str()).collect();
        assert_eq!(labels, ["270p", "180p", "audio_only"]);
        assert_eq!(c[0].url, "https://v.example/a/src.m3u8");
        assert_eq!(c[0].height, Some(270));
        assert_eq!(c[0].bitrate, Some(301_456));
        assert_eq!(c[0].codec.as_deref(), Some("avc"));
        assert_eq!(c[0].cdn.as_deref(), Some("v.example"));
        assert_eq!(c[0].expires_at, Some(99));
        assert_eq!(c[0].headers["Origin"], PLAYER_ORIGIN);
        assert_eq!(
            c[2].url,
            "https://usher.example/api/v2/channel/hls/audio.m3u8"
        );
        assert_eq!((c[2].height, c[2].codec.as_deref()), (None, None));
    }

    #[test]
    fn v1_names_come_from_media_groups_and_audio_goes_last() {
        let text = "#EXTM3U\n\
            #EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"audio_only\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"mp4a.40.2\",VIDEO=\"audio_only\"\nau.m3u8\n\
            #EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"chunked\",NAME=\"1080p60 (source)\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"avc1.64002A,mp4a.40.2\",VIDEO=\"chunked\"\nsrc.m3u8\n";
        let base = url::Url::parse("https://u.example/m.m3u8").unwrap();
        let c = candidates(&base, text, None).unwrap();
        assert_eq!(c[0].quality, "1080p60");
        assert_eq!(c[1].quality, "audio_only");
    }

    #[test]
    fn attribute_lists_keep_quoted_commas() {
        let a = attributes("BANDWIDTH=5,CODECS=\"avc1.1,mp4a.40.2\",NAME=x");
        assert_eq!(a["CODECS"], "avc1.1,mp4a.40.2");
        assert_eq!(a["NAME"], "x");
        assert_eq!(a["BANDWIDTH"], "5");
    }

    #[test]
    fn garbage_is_an_api_change() {
        let base = url::Url::parse("https://u.example/m.m3u8").unwrap();
        assert!(matches!(
            candidates(&base, "<html>", None),
            Err(PlatformError::ApiChanged(_))
        ));
        assert!(matches!(
            candidates(&base, "#EXTM3U\n", None),
            Err(PlatformError::ApiChanged(_))
        ));
    }
}
