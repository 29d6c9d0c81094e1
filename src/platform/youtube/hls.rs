//! The HLS master playlist of a YouTube broadcast expanded into one stream
//! candidate per variant, so quality/codec selection and failover work on
//! YouTube's own ladder (labels like `1080p60`, as YouTube names them).

use std::collections::BTreeMap;

use m3u8_rs::Playlist;

use crate::platform::{PlatformError, StreamCandidate, StreamFormat, normalise_codec};

/// Candidates of a master playlist fetched from `base`, best first
/// (height, then frame rate, then bandwidth). A media playlist (no
/// variants) becomes one `source` candidate at `base` itself.
pub fn variants(
    master: &str,
    base: &url::Url,
    expires_at: Option<i64>,
    headers: &BTreeMap<String, String>,
) -> Result<Vec<StreamCandidate>, PlatformError> {
    let text = master.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with("#EXTM3U") {
        return Err(PlatformError::ApiChanged(format!(
            "the HLS manifest at {} is not a playlist",
            base.host_str().unwrap_or("?")
        )));
    }
    let master = match m3u8_rs::parse_playlist_res(text.as_bytes()) {
        Ok(Playlist::MasterPlaylist(m)) => m,
        Ok(Playlist::MediaPlaylist(_)) => {
            let mut c = StreamCandidate::new(base.as_str(), StreamFormat::Hls, "source");
            c.cdn = base.host_str().map(str::to_string);
            c.expires_at = expires_at;
            c.headers = headers.clone();
            return Ok(vec![c]);
        }
        Err(_) => {
            return Err(PlatformError::ApiChanged(
                "the HLS manifest could not be parsed".into(),
            ));
        }
    };
    let mut out: Vec<(u64, u64, StreamCandidate)> = Vec::new();
    for v in master.variants.iter().filter(|v| !v.is_i_frame) {
        let Ok(url) = base.join(v.uri.trim()) else {
            continue;
        };
        let height = v.resolution.map(|r| r.height);
        let fps = v.frame_rate.unwrap_or(0.0);
        let label = match height {
            Some(h) if fps > 30.5 => format!("{h}p{}", fps.round() as u64),
            Some(h) => format!("{h}p"),
            None => "audio_only".to_string(),
        };
        let mut c = StreamCandidate::new(url.as_str(), StreamFormat::Hls, label);
        c.height = height.and_then(|h| u32::try_from(h).ok());
        c.bitrate = Some(v.bandwidth);
        c.codec = v.codecs.as_deref().map(normalise_codec);
        c.cdn = url.host_str().map(str::to_string);
        c.expires_at = expires_at;
        c.headers = headers.clone();
        out.push((height.unwrap_or(0), (fps * 100.0) as u64, c));
    }
    if out.is_empty() {
        return Err(PlatformError::missing(
            "YouTube HLS manifest",
            "EXT-X-STREAM-INF",
        ));
    }
    // Stable: equal pictures keep the manifest's order (its codec order).
    out.sort_by_key(|x| std::cmp::Reverse((x.0, x.1)));
    Ok(out.into_iter().map(|(_, _, c)| c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str = include_str!("../../../tests/fixtures/youtube/master.m3u8");

    #[test]
    fn ladder_best_first() {
        let text = MASTER
            .replace(
                "{{hls_variant1_url}}",
                "https://rr1.googlevideo.com/v1.m3u8",
            )
            .replace("{{hls_media_url}}", "/v0.m3u8")
            .replace("{{expire_s}}", "99");
        let base = url::Url::parse("https://manifest.googlevideo.com/api/manifest/x").unwrap();
        let hdr = BTreeMap::from([("Referer".to_string(), "https://www.youtube.com/".into())]);
        let v = variants(&text, &base, Some(99), &hdr).unwrap();
        let labels: Vec<&str> = v.iter().map(|c| c.quality.as_str()).collect();
        assert_eq!(labels, ["1080p60", "1080p60", "720p", "360p"]);
        assert_eq!(v[0].codec.as_deref(), Some("avc"));
        assert_eq!(v[1].codec.as_deref(), Some("av1"));
        assert_eq!(v[0].height, Some(1080));
        assert_eq!(v[0].bitrate, Some(4_632_067));
        assert_eq!(
            v[0].url,
            "https://rr1.googlevideo.com/v1.m3u8?itag=301&expire=99"
        );
        assert_eq!(v[0].cdn.as_deref(), Some("rr1.googlevideo.com"));
        assert_eq!(
            v[2].url,
            "https://manifest.googlevideo.com/v0.m3u8?itag=95&expire=99"
        );
        assert!(
            v.iter()
                .all(|c| c.expires_at == Some(99) && c.headers == hdr)
        );
    }

    #[test]
    fn media_playlist_and_garbage() {
        let base = url::Url::parse("https://m.example/x.m3u8").unwrap();
        let media = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n";
        let v = variants(media, &base, None, &BTreeMap::new()).unwrap();
        assert_eq!((v.len(), v[0].quality.as_str()), (1, "source"));
        assert!(matches!(
            variants("<html>", &base, None, &BTreeMap::new()),
            Err(PlatformError::ApiChanged(_))
        ));
    }
}
