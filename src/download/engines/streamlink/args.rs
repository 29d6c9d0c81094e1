//! streamlink command lines: `--stdout`, the URL the platform chose for
//! streamlink (a channel page so its plugin applies, or a `hls://` /
//! `httpstream://` stream URL), the quality, and HTTP options (proxy,
//! headers, cookies), Twitch options and the user's extra arguments.

use crate::config::Quality;
use crate::config::engines::StreamlinkSettings;
use crate::config::secrets::is_secret_header;
use crate::download::engine::DownloadRequest;
use crate::platform::streamlink::HttpOptions;

/// Argument list (without the program name) for recording `url`. Secret
/// options are left out: they go to the file [`secret_config`] writes.
pub fn build(req: &DownloadRequest, s: &StreamlinkSettings, url: &str) -> Vec<String> {
    let cfg = &req.config;
    let mut a: Vec<String> = vec!["--stdout".into(), "--loglevel".into(), "info".into()];
    let push = |a: &mut Vec<String>, k: &str, v: String| {
        a.push(k.into());
        a.push(v);
    };
    // Secret options (cookies, credential headers, a proxy password) go
    // to the file `secret_config` writes, not to argv.
    a.extend(http_options(req).args);
    if s.twitch_low_latency {
        a.push("--twitch-low-latency".into());
    }
    if !s.twitch_supported_codecs.is_empty() {
        push(
            &mut a,
            "--twitch-supported-codecs",
            s.twitch_supported_codecs.clone(),
        );
    }
    for (k, v) in s
        .twitch_api_headers
        .iter()
        .filter(|(k, _)| !is_secret_header(k))
    {
        push(&mut a, "--twitch-api-header", format!("{k}={v}"));
    }
    let quality = match cfg.quality {
        Quality::Best => "best",
        Quality::Worst => "worst",
        Quality::Height(h) => {
            push(&mut a, "--stream-sorting-excludes", format!(">{h}p"));
            "best"
        }
        Quality::MaxKbps(k) => {
            push(&mut a, "--stream-sorting-excludes", format!(">{k}k"));
            "best"
        }
    };
    a.extend(s.extra_args.iter().cloned());
    a.push(url.to_string());
    a.push(quality.into());
    a
}

fn http_options(req: &DownloadRequest) -> HttpOptions {
    let cfg = &req.config;
    HttpOptions::new(cfg.proxy.as_deref(), &cfg.headers, cfg.cookies.as_deref())
}

/// The secret options as streamlink config-file lines (`http-cookie=a=1`),
/// for `--config FILE`; empty when there are none.
pub fn secret_config(req: &DownloadRequest, s: &StreamlinkSettings) -> String {
    let mut o = http_options(req);
    for (k, v) in s
        .twitch_api_headers
        .iter()
        .filter(|(k, _)| is_secret_header(k))
    {
        o.secret("twitch-api-header", format!("{k}={v}"));
    }
    o.secret_lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EffectiveConfig;
    use crate::platform::{StreamCandidate, StreamFormat};

    #[test]
    fn options_url_and_quality() {
        let mut config = EffectiveConfig::defaults("/rec".into());
        config.proxy = Some("socks5://127.0.0.1:1080".into());
        config.cookies = Some("a=1; b=2".into());
        config.headers.insert("Referer".into(), "https://x/".into());
        config
            .headers
            .insert("Authorization".into(), "Bearer t".into());
        config.quality = Quality::Height(720);
        let req = DownloadRequest {
            download_id: 1,
            streamer_id: 1,
            session_id: 1,
            streamer_name: "a".into(),
            platform: "twitch".into(),
            title: String::new(),
            page_url: "https://twitch.tv/a".into(),
            stream: StreamCandidate::new("https://cdn/x.m3u8", StreamFormat::Hls, "source"),
            config,
            first_index: 0,
        };
        let s = StreamlinkSettings {
            twitch_low_latency: true,
            extra_args: vec!["--hls-live-edge".into(), "2".into()],
            ..Default::default()
        };
        // Platforms without a streamlink plugin hand over a prefixed stream URL.
        let reg = crate::platform::PlatformRegistry::default();
        let fake = reg.by_name("fake");
        assert_eq!(
            fake.streamlink_url(&req.page_url, &req.stream),
            "hls://https://cdn/x.m3u8"
        );
        let mut flv = req.stream.clone();
        flv.format = StreamFormat::Flv;
        assert_eq!(
            reg.by_name("generic").streamlink_url(&req.page_url, &flv),
            "httpstream://https://cdn/x.m3u8"
        );
        let a = build(&req, &s, "https://twitch.tv/a").join(" ");
        assert_eq!(
            a,
            "--stdout --loglevel info --http-proxy socks5://127.0.0.1:1080 \
             --http-header Referer=https://x/ \
             --twitch-low-latency --stream-sorting-excludes >720p --hls-live-edge 2 \
             https://twitch.tv/a best"
        );
        assert_eq!(
            secret_config(&req, &s),
            "http-header=Authorization=Bearer t\nhttp-cookie=a=1\nhttp-cookie=b=2\n"
        );
    }
}
