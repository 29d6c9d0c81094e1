//! ffmpeg command lines built from a [`DownloadRequest`]: input options
//! (headers, cookies, user agent, proxy, I/O timeout), stream copy, and the
//! segment muxer so every output file is announced on stderr.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::OutputFormat;
use crate::download::engine::DownloadRequest;
use crate::platform::StreamFormat;

/// Effectively "never split" for the segment muxer, in seconds.
const NO_SPLIT_SECS: u64 = 100 * 365 * 24 * 3600;

/// I/O timeout: a source silent this long makes ffmpeg exit (retryable).
pub const RW_TIMEOUT: Duration = Duration::from_secs(15);

/// File extension and ffmpeg muxer for the request's output format.
pub fn container(req: &DownloadRequest) -> (&'static str, &'static str) {
    match (req.config.output_format, req.stream.format) {
        (OutputFormat::Flv, _) | (OutputFormat::Auto, StreamFormat::Flv) => ("flv", "flv"),
        (OutputFormat::Ts, _) | (OutputFormat::Auto, StreamFormat::Hls) => ("ts", "mpegts"),
        (OutputFormat::Mp4, _) => ("mp4", "mp4"),
        (OutputFormat::Mkv, _) => ("mkv", "matroska"),
    }
}

/// The `%03d` output pattern derived from the template for this download.
pub fn output_pattern(req: &DownloadRequest, ext: &str) -> PathBuf {
    let first = req.segment_path(req.first_index, ext);
    let stem = first
        .file_stem()
        .map(|s| s.to_string_lossy().replace('%', "%%"))
        .unwrap_or_else(|| "recording".into());
    first.with_file_name(format!("{stem}_%03d.{ext}"))
}

/// Why a request cannot be expressed as ffmpeg options.
#[derive(Debug, PartialEq, Eq)]
pub struct ArgsError(pub String);

/// Full argument list (without the program name).
pub fn build(req: &DownloadRequest, pattern: &Path, muxer: &str) -> Result<Vec<String>, ArgsError> {
    let cfg = &req.config;
    let mut a: Vec<String> = [
        "-hide_banner",
        "-nostats",
        "-loglevel",
        "info",
        "-progress",
        "pipe:1",
        "-stats_period",
        "1",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut push = |k: &str, v: String| {
        a.push(k.to_string());
        a.push(v);
    };
    push("-rw_timeout", RW_TIMEOUT.as_micros().to_string());
    let mut headers = String::new();
    let mut user_agent = None;
    for (k, v) in &cfg.headers {
        if k.eq_ignore_ascii_case("user-agent") {
            user_agent = Some(v.clone());
        } else {
            headers.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if let Some(c) = &cfg.cookies {
        headers.push_str(&format!("Cookie: {c}\r\n"));
    }
    push(
        "-user_agent",
        user_agent.unwrap_or_else(|| crate::platform::http::USER_AGENT.to_string()),
    );
    if !headers.is_empty() {
        push("-headers", headers);
    }
    if let Some(p) = &cfg.proxy {
        if p.starts_with("http://") {
            push("-http_proxy", p.clone());
        } else {
            return Err(ArgsError(format!(
                "ffmpeg supports only http:// proxies, not `{p}`; use the mesio or streamlink engine"
            )));
        }
    }
    push("-i", req.stream.url.clone());
    for s in ["-map", "0", "-c", "copy", "-f", "segment"] {
        a.push(s.into());
    }
    let secs = cfg
        .max_segment_duration
        .map_or(NO_SPLIT_SECS, |d| d.as_secs().max(1));
    let mut push = |k: &str, v: String| {
        a.push(k.to_string());
        a.push(v);
    };
    push("-segment_time", secs.to_string());
    push("-segment_format", muxer.to_string());
    push("-segment_start_number", req.first_index.to_string());
    push("-reset_timestamps", "1".into());
    if muxer == "mp4" {
        push("-segment_format_options", "movflags=+faststart".into());
    }
    a.push("-y".into());
    a.push(pattern.display().to_string());
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EffectiveConfig;
    use crate::platform::StreamCandidate;

    fn req(format: StreamFormat) -> DownloadRequest {
        let mut config = EffectiveConfig::defaults("/rec".into());
        config.filename_template = "{streamer}/{streamer}_{title}".into();
        config.headers.insert("Referer".into(), "https://x/".into());
        config.cookies = Some("a=b".into());
        config.max_segment_duration = Some(Duration::from_secs(600));
        DownloadRequest {
            download_id: 1,
            streamer_id: 1,
            session_id: 9,
            streamer_name: "alice".into(),
            platform: "fake".into(),
            title: "100% fun".into(),
            page_url: "http://h/room/alice".into(),
            stream: StreamCandidate {
                url: "http://h/live.m3u8".into(),
                format,
                quality: "source".into(),
                bitrate: None,
                codec: None,
            },
            config,
            first_index: 3,
        }
    }

    #[test]
    fn args_for_hls_with_headers_and_segments() {
        let r = req(StreamFormat::Hls);
        let (ext, muxer) = container(&r);
        assert_eq!((ext, muxer), ("ts", "mpegts"));
        let pattern = output_pattern(&r, ext);
        assert_eq!(pattern, PathBuf::from("/rec/alice/alice_100%% fun_%03d.ts"));
        let a = build(&r, &pattern, muxer).unwrap();
        let joined = a.join(" ");
        assert!(
            joined.contains("-headers Referer: https://x/\r\nCookie: a=b\r\n"),
            "{joined}"
        );
        assert!(
            joined.contains("-i http://h/live.m3u8 -map 0 -c copy -f segment -segment_time 600"),
            "{joined}"
        );
        assert!(joined.contains("-segment_start_number 3"));
        assert_eq!(a.last().unwrap(), "/rec/alice/alice_100%% fun_%03d.ts");
    }

    #[test]
    fn flv_keeps_flv_and_socks_proxy_is_refused() {
        let mut r = req(StreamFormat::Flv);
        assert_eq!(container(&r), ("flv", "flv"));
        r.config.proxy = Some("socks5://127.0.0.1:1080".into());
        assert!(
            build(&r, Path::new("/x_%03d.flv"), "flv")
                .unwrap_err()
                .0
                .contains("only http://")
        );
        r.config.proxy = Some("http://127.0.0.1:3128".into());
        assert!(
            build(&r, Path::new("/x_%03d.flv"), "flv")
                .unwrap()
                .contains(&"-http_proxy".to_string())
        );
    }
}
