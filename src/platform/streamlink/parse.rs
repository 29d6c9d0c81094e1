//! Pure parsing of `streamlink --json URL` output:
//! `{plugin, metadata{id, author, category, title}, streams{NAME: {type,
//! url, headers, ...}}}`, or `{"error": "..."}`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::platform::{LiveStatus, PlatformError, RoomIdentity, StreamCandidate, StreamFormat};

#[derive(Debug, Deserialize)]
struct Output {
    error: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    streams: BTreeMap<String, Stream>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    id: Option<String>,
    author: Option<String>,
    category: Option<String>,
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Stream {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// The height and frame rate a stream name like `720p60` or `1080p` says.
fn height_fps(name: &str) -> Option<(u32, u32)> {
    let (h, rest) = name.split_once('p')?;
    let h: u32 = h.parse().ok()?;
    let fps = rest
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|f| f.parse().ok())
        .unwrap_or(0);
    Some((h, fps))
}

/// A bitrate stream name like `1500k`, in bits per second.
fn kbps(name: &str) -> Option<u64> {
    name.strip_suffix('k')?
        .parse::<u64>()
        .ok()
        .map(|k| k * 1000)
}

/// Decides streamlink's JSON output. `url`: the page, for messages.
pub fn output(text: &str, url: &str) -> Result<LiveStatus, PlatformError> {
    let out: Output = serde_json::from_str(text.trim()).map_err(|_| {
        PlatformError::Transient(format!(
            "streamlink printed no JSON for {url}: {}",
            text.trim().chars().take(200).collect::<String>()
        ))
    })?;
    if let Some(e) = out.error {
        if e.contains("No playable streams found") {
            return Ok(LiveStatus::default());
        }
        if e.contains("No plugin can handle URL") {
            return Err(PlatformError::NotFound(format!(
                "streamlink has no plugin for {url} (the URL is not a supported site)"
            )));
        }
        return Err(PlatformError::Transient(format!("streamlink: {e}")));
    }
    let mut streams: Vec<(u32, u32, u64, StreamCandidate)> = Vec::new();
    for (name, s) in out.streams {
        if matches!(
            name.as_str(),
            "best" | "worst" | "best-unfiltered" | "worst-unfiltered"
        ) {
            continue;
        }
        let format = match s.kind.as_str() {
            "hls" => StreamFormat::Hls,
            "http" | "httpstream" => StreamFormat::Flv,
            // DASH, muxed and other kinds have no URL srec's own engines take;
            // streamlink itself records them through the page URL.
            _ => continue,
        };
        let Some(u) = s.url.filter(|u| !u.is_empty()) else {
            continue;
        };
        let (height, fps) = height_fps(&name).unwrap_or((0, 0));
        let mut c = StreamCandidate::new(u, format, name.as_str());
        c.height = (height > 0).then_some(height);
        c.bitrate = kbps(&name);
        c.cdn = ::url::Url::parse(&c.url)
            .ok()
            .and_then(|x| x.host_str().map(str::to_string));
        c.headers = s.headers;
        streams.push((height, fps, c.bitrate.unwrap_or(0), c));
    }
    // Best first: height, frame rate, bitrate; names without any (e.g.
    // `audio_only`) last.
    streams.sort_by_key(|x| std::cmp::Reverse((x.0, x.1, x.2)));
    let streams: Vec<StreamCandidate> = streams.into_iter().map(|x| x.3).collect();
    if streams.is_empty() {
        return Ok(LiveStatus::default());
    }
    let m = out.metadata;
    Ok(LiveStatus {
        live: true,
        title: m.title,
        category: m.category,
        room: Some(RoomIdentity {
            id: m.id.unwrap_or_else(|| url.to_string()),
            owner_id: None,
            owner_name: m.author,
        }),
        streams,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = include_str!("../../../tests/fixtures/streamlink/json_ok.json");
    const NOSTREAMS: &str = include_str!("../../../tests/fixtures/streamlink/json_nostreams.json");
    const NOPLUGIN: &str = include_str!("../../../tests/fixtures/streamlink/json_noplugin.json");

    fn fill(t: &str) -> String {
        t.replace("{{hls_media_url}}", "https://edge.example/v0/index.m3u8")
            .replace("{{hls_variant1_url}}", "https://edge.example/v1/index.m3u8")
            .replace("{{flv_url}}", "https://edge.example/live.flv")
            .replace("{{url}}", "https://example.invalid/channel")
    }

    #[test]
    fn streams_best_first_without_aliases() {
        let st = output(&fill(OK), "https://example.invalid/channel").unwrap();
        assert!(st.live);
        let names: Vec<(&str, StreamFormat)> = st
            .streams
            .iter()
            .map(|c| (c.quality.as_str(), c.format))
            .collect();
        assert_eq!(
            names,
            [
                ("1080p60", StreamFormat::Hls),
                ("720p", StreamFormat::Hls),
                ("360p", StreamFormat::Flv),
                ("audio_only", StreamFormat::Hls),
            ]
        );
        assert_eq!(st.streams[0].height, Some(1080));
        assert_eq!(st.streams[0].url, "https://edge.example/v1/index.m3u8");
        assert_eq!(st.streams[0].cdn.as_deref(), Some("edge.example"));
        assert_eq!(st.streams[0].headers["Referer"], "https://example.invalid/");
        assert_eq!(st.title.as_deref(), Some("A \"quoted\" stream"));
        assert_eq!(st.category.as_deref(), Some("Just Chatting"));
        let room = st.room.unwrap();
        assert_eq!(room.id, "chan-42");
        assert_eq!(room.owner_name.as_deref(), Some("Some Author"));
    }

    #[test]
    fn errors() {
        let url = "https://example.invalid/channel";
        assert_eq!(
            output(&fill(NOSTREAMS), url).unwrap(),
            LiveStatus::default()
        );
        let e = output(&fill(NOPLUGIN), url).unwrap_err();
        assert!(
            matches!(&e, PlatformError::NotFound(m) if m.contains("no plugin")),
            "{e:?}"
        );
        assert!(matches!(
            output(r#"{"error":"Unable to open URL: x (403)"}"#, url),
            Err(PlatformError::Transient(m)) if m.contains("403")
        ));
        assert!(matches!(
            output("Traceback (most recent call last):", url),
            Err(PlatformError::Transient(_))
        ));
        assert_eq!(height_fps("720p60"), Some((720, 60)));
        assert_eq!(height_fps("1080p_alt"), Some((1080, 0)));
        assert_eq!(height_fps("audio_only"), None);
        assert_eq!(kbps("1500k"), Some(1_500_000));
    }
}
