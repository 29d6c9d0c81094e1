//! ffmpeg command lines built from a [`DownloadRequest`]: input options
//! (headers, cookies, user agent, proxy, I/O timeout) for a URL input, or a
//! pipe from streamlink; stream copy; and the segment muxer (time splits,
//! `%03d` numbering) so every output file is announced on stderr. Size
//! splits are not offered by ffmpeg's segment muxer: `max_segment_size` is
//! ignored by the ffmpeg and streamlink engines (logged at start).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::OutputFormat;
use crate::download::engine::DownloadRequest;
use crate::platform::StreamFormat;

/// Effectively "never split" for the segment muxer, in seconds.
const NO_SPLIT_SECS: u64 = 100 * 365 * 24 * 3600;

/// Where ffmpeg reads the stream from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A media URL ffmpeg fetches itself (HTTP options apply).
    Url(String),
    /// A URL on srec's loopback [`HeaderProxy`](crate::net::HeaderProxy),
    /// which adds the headers, cookies and proxy upstream: ffmpeg gets no
    /// HTTP options but the I/O timeout, and no proxy (not even one from
    /// the environment).
    Loopback(String),
    /// Standard input (streamlink's output).
    Stdin,
}

/// Engine-level options (from `[engines.ffmpeg]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub rw_timeout: Duration,
    /// Inserted before `-i`.
    pub input_args: Vec<String>,
    /// Inserted before the output pattern.
    pub output_args: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rw_timeout: Duration::from_secs(15),
            input_args: Vec::new(),
            output_args: Vec::new(),
        }
    }
}

/// File extension and ffmpeg muxer for the request's output format.
pub fn container(req: &DownloadRequest) -> (&'static str, &'static str) {
    match (req.config.output_format, req.stream.format) {
        (OutputFormat::Flv, _) | (OutputFormat::Auto, StreamFormat::Flv) => ("flv", "flv"),
        (OutputFormat::Ts, _) | (OutputFormat::Auto, StreamFormat::Hls) => ("ts", "mpegts"),
        (OutputFormat::Mp4, _) => ("mp4", "mp4"),
        (OutputFormat::Mkv, _) => ("mkv", "matroska"),
    }
}

/// The output pattern for this download: the sanitised template path with
/// `_%03d` before the extension (every literal `%` escaped), and a `-N`
/// suffix when files of that name already exist, so an earlier recording
/// is never overwritten.
pub fn output_pattern(req: &DownloadRequest, ext: &str) -> PathBuf {
    let first = req.segment_path(req.first_index, ext);
    let stem = first
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    let dir = first.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = (0..)
        .map(|n| {
            if n == 0 {
                stem.clone()
            } else {
                format!("{stem}-{n}")
            }
        })
        .find(|s| !numbered_exists(&dir, s, ext))
        .unwrap_or(stem);
    let pattern = dir.join(format!("{}_%03d.{ext}", stem.replace('%', "%%")));
    let dir_text = dir.to_string_lossy();
    if dir_text.contains('%') {
        // The segment muxer formats the whole path, directories included.
        let name = pattern
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        return PathBuf::from(dir_text.replace('%', "%%")).join(name.unwrap_or_default());
    }
    pattern
}

/// Whether `dir` holds a `stem_NNN.ext` file (or its `.part`).
fn numbered_exists(dir: &Path, stem: &str, ext: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let prefix = format!("{stem}_");
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            return false;
        };
        let rest = rest.strip_suffix(".part").unwrap_or(rest);
        rest.strip_suffix(&format!(".{ext}"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Why a request cannot be expressed as ffmpeg options.
#[derive(Debug, PartialEq, Eq)]
pub struct ArgsError(pub String);

/// Full argument list (without the program name).
pub fn build(
    req: &DownloadRequest,
    opts: &Options,
    input: &Input,
    pattern: &Path,
    muxer: &str,
) -> Result<Vec<String>, ArgsError> {
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
    let push = |a: &mut Vec<String>, k: &str, v: String| {
        a.push(k.to_string());
        a.push(v);
    };
    a.extend(opts.input_args.iter().cloned());
    match input {
        Input::Stdin => push(&mut a, "-i", "pipe:0".into()),
        Input::Url(url) => {
            push(
                &mut a,
                "-rw_timeout",
                opts.rw_timeout.as_micros().to_string(),
            );
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
                &mut a,
                "-user_agent",
                user_agent.unwrap_or_else(|| crate::platform::http::USER_AGENT.to_string()),
            );
            if !headers.is_empty() {
                push(&mut a, "-headers", headers);
            }
            if let Some(p) = &cfg.proxy {
                if p.starts_with("http://") {
                    push(&mut a, "-http_proxy", p.clone());
                } else {
                    return Err(ArgsError(format!(
                        "ffmpeg supports only http:// proxies, not `{p}`; use the mesio or streamlink engine"
                    )));
                }
            }
            push(&mut a, "-i", url.clone());
        }
        Input::Loopback(url) => {
            push(
                &mut a,
                "-rw_timeout",
                opts.rw_timeout.as_micros().to_string(),
            );
            // An empty value overrides `http_proxy` from the environment.
            push(&mut a, "-http_proxy", String::new());
            push(&mut a, "-i", url.clone());
        }
    }
    for s in [
        "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "segment",
    ] {
        a.push(s.into());
    }
    let secs = cfg
        .max_segment_duration
        .map_or(NO_SPLIT_SECS, |d| d.as_secs().max(1));
    push(&mut a, "-segment_time", secs.to_string());
    push(&mut a, "-segment_format", muxer.to_string());
    push(&mut a, "-segment_start_number", req.first_index.to_string());
    push(&mut a, "-reset_timestamps", "1".into());
    if muxer == "mp4" {
        push(
            &mut a,
            "-segment_format_options",
            "movflags=+faststart".into(),
        );
    }
    a.extend(opts.output_args.iter().cloned());
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
            stream: StreamCandidate::new("http://h/live.m3u8", format, "source"),
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
        let a = build(
            &r,
            &Options::default(),
            &Input::Url(r.stream.url.clone()),
            &pattern,
            muxer,
        )
        .unwrap();
        let joined = a.join(" ");
        assert!(
            joined.contains("-headers Referer: https://x/\r\nCookie: a=b\r\n"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "-i http://h/live.m3u8 -map 0:v? -map 0:a? -c copy -f segment -segment_time 600"
            ),
            "{joined}"
        );
        assert!(joined.contains("-segment_start_number 3"));
        assert_eq!(a.last().unwrap(), "/rec/alice/alice_100%% fun_%03d.ts");
    }

    #[test]
    fn flv_keeps_flv_and_socks_proxy_is_refused() {
        let mut r = req(StreamFormat::Flv);
        assert_eq!(container(&r), ("flv", "flv"));
        let url = Input::Url(r.stream.url.clone());
        let o = Options::default();
        r.config.proxy = Some("socks5://127.0.0.1:1080".into());
        let p = Path::new("/x_%03d.flv");
        assert!(
            build(&r, &o, &url, p, "flv")
                .unwrap_err()
                .0
                .contains("only http://")
        );
        r.config.proxy = Some("http://127.0.0.1:3128".into());
        assert!(
            build(&r, &o, &url, p, "flv")
                .unwrap()
                .contains(&"-http_proxy".to_string())
        );
        // A pipe input carries no HTTP options; extra args land in place.
        let o = Options {
            input_args: vec!["-fflags".into(), "+genpts".into()],
            output_args: vec!["-metadata".into(), "x=y".into()],
            ..Options::default()
        };
        let a = build(&r, &o, &Input::Stdin, p, "flv").unwrap().join(" ");
        assert!(a.contains("-fflags +genpts -i pipe:0 -map"), "{a}");
        assert!(a.ends_with("-metadata x=y -y /x_%03d.flv"), "{a}");
        assert!(!a.contains("-http_proxy"));
    }

    #[test]
    fn a_loopback_input_carries_no_headers_and_no_proxy() {
        let mut r = req(StreamFormat::Flv);
        r.config.proxy = Some("http://user:pw@127.0.0.1:3128".into());
        r.config
            .headers
            .insert("Authorization".into(), "Bearer b".into());
        let url = "http://127.0.0.1:9/0123/http/h/live.flv".to_string();
        let a = build(
            &r,
            &Options::default(),
            &Input::Loopback(url.clone()),
            Path::new("/x_%03d.flv"),
            "flv",
        )
        .unwrap();
        let joined = a.join(" ");
        for secret in ["a=b", "Bearer", "pw@", "Cookie", "-headers"] {
            assert!(!joined.contains(secret), "{secret} in {joined}");
        }
        let i = a
            .iter()
            .position(|x| x == "-http_proxy")
            .expect("-http_proxy");
        assert_eq!(a[i + 1], "");
        assert!(joined.contains(&format!("-i {url} -map")), "{joined}");
        assert!(joined.contains("-rw_timeout 15000000"), "{joined}");
    }

    #[test]
    fn pattern_escapes_percent_everywhere_and_never_reuses_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = req(StreamFormat::Flv);
        r.config.output_dir = dir.path().to_path_buf();
        r.config.filename_template = "{title}/{streamer}".into();
        r.first_index = 0;
        let p = output_pattern(&r, "flv");
        let want = format!("{}/100%% fun/alice_%03d.flv", dir.path().display());
        assert_eq!(p.display().to_string(), want);
        std::fs::create_dir_all(dir.path().join("100% fun")).unwrap();
        std::fs::write(dir.path().join("100% fun/alice_000.flv"), b"x").unwrap();
        let p = output_pattern(&r, "flv");
        assert!(p.ends_with("alice-1_%03d.flv"), "{}", p.display());
    }
}
