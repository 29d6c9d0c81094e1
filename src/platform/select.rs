//! Stream selection: orders a room's candidates by the streamer's
//! `quality`, `stream_format`, `codec` and `cdn` preferences. The recorder
//! takes the first and, when a download of it fails, the next one before
//! it counts a failure.
//!
//! Candidates with the same quality label form a *tier* (one picture
//! quality offered in several formats, codecs or CDNs). The tier `quality`
//! asks for comes first, ordered by format, codec and CDN preference; the
//! other tiers follow, closest to the wish first, so a recording falls back
//! to another quality rather than to nothing.

use crate::config::{EffectiveConfig, Quality, StreamPreference};

use super::{StreamCandidate, StreamFormat};

/// Host or CDN names of peer-to-peer edges: used only when the `cdn`
/// preference names them (they are slow to start and drop often).
const P2P_MARKERS: &[&str] = &["mcdn"];

/// The candidates in the order they should be tried.
pub fn rank(streams: &[StreamCandidate], cfg: &EffectiveConfig, now: i64) -> Vec<StreamCandidate> {
    let tiers = tiers(streams);
    let order = tier_order(&tiers, cfg.quality);
    let mut out = Vec::with_capacity(streams.len());
    for t in order {
        let mut members: Vec<(usize, &StreamCandidate)> =
            tiers[t].members.iter().map(|&i| (i, &streams[i])).collect();
        members.sort_by_key(|(i, c)| within_tier_key(c, *i, cfg, now));
        out.extend(members.into_iter().map(|(_, c)| c.clone()));
    }
    out
}

/// One quality label's candidates, in platform order.
struct Tier {
    members: Vec<usize>,
    height: Option<u32>,
    bitrate: Option<u64>,
}

fn tiers(streams: &[StreamCandidate]) -> Vec<Tier> {
    let mut labels: Vec<&str> = Vec::new();
    let mut tiers: Vec<Tier> = Vec::new();
    for (i, s) in streams.iter().enumerate() {
        let t = match labels.iter().position(|l| *l == s.quality) {
            Some(t) => t,
            None => {
                labels.push(&s.quality);
                tiers.push(Tier {
                    members: Vec::new(),
                    height: None,
                    bitrate: None,
                });
                tiers.len() - 1
            }
        };
        let tier = &mut tiers[t];
        tier.members.push(i);
        tier.height = tier
            .height
            .max(s.height.or_else(|| height_of_label(&s.quality)));
        tier.bitrate = tier.bitrate.max(s.bitrate);
    }
    tiers
}

/// `1080p60` → 1080, `720p` → 720; labels without a height give `None`.
fn height_of_label(label: &str) -> Option<u32> {
    let digits: String = label.chars().take_while(char::is_ascii_digit).collect();
    let rest = &label[digits.len()..];
    (rest.starts_with('p') && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// Tier indices, the one `quality` asks for first.
fn tier_order(tiers: &[Tier], quality: Quality) -> Vec<usize> {
    let platform: Vec<usize> = (0..tiers.len()).collect();
    // How well a tier fits a limit: `Some(v)` within it (higher is better),
    // `None` above it or unknown.
    let fits = |t: &Tier| -> Option<u64> {
        match quality {
            Quality::Height(h) => t.height.filter(|v| *v <= h).map(u64::from),
            Quality::MaxKbps(k) => t.bitrate.filter(|b| *b <= k.saturating_mul(1000)),
            Quality::Best | Quality::Worst => None,
        }
    };
    match quality {
        Quality::Best => platform,
        Quality::Worst => platform.into_iter().rev().collect(),
        Quality::Height(_) | Quality::MaxKbps(_) => {
            let (mut within, mut above): (Vec<usize>, Vec<usize>) = platform
                .into_iter()
                .partition(|&i| fits(&tiers[i]).is_some());
            // Within the limit: the highest first; above it (or unknown):
            // the lowest first, so the next try is the nearest to the wish.
            within.sort_by_key(|&i| std::cmp::Reverse(fits(&tiers[i])));
            above.reverse();
            within.extend(above);
            within
        }
    }
}

/// Sort key inside a tier: usable before expired, wanted format, codec and
/// CDN first, P2P edges last, then the platform's own order.
fn within_tier_key(
    c: &StreamCandidate,
    index: usize,
    cfg: &EffectiveConfig,
    now: i64,
) -> (bool, bool, usize, bool, usize, usize) {
    let format_miss = match cfg.stream_format {
        StreamPreference::Auto => false,
        StreamPreference::Flv => c.format != StreamFormat::Flv,
        StreamPreference::Hls => c.format != StreamFormat::Hls,
    };
    let codec_rank = c
        .codec
        .as_deref()
        .and_then(|codec| cfg.codec.iter().position(|p| p.as_str() == codec))
        .unwrap_or(cfg.codec.len());
    let place = cdn_place(c);
    let cdn_rank = cfg
        .cdn
        .iter()
        .position(|p| place.contains(&p.to_ascii_lowercase()))
        .unwrap_or(cfg.cdn.len());
    let p2p = cdn_rank == cfg.cdn.len() && P2P_MARKERS.iter().any(|m| place.contains(m));
    (
        c.expired(now),
        format_miss,
        codec_rank,
        p2p,
        cdn_rank,
        index,
    )
}

/// CDN name and host of a candidate, lower case, for preference matching.
fn cdn_place(c: &StreamCandidate) -> String {
    let host = url::Url::parse(&c.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    format!("{} {host}", c.cdn.as_deref().unwrap_or("")).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Codec;

    fn cand(quality: &str, format: StreamFormat, codec: &str, host: &str) -> StreamCandidate {
        StreamCandidate {
            codec: Some(codec.into()),
            ..StreamCandidate::new(format!("https://{host}/s"), format, quality)
        }
    }

    fn cfg() -> EffectiveConfig {
        EffectiveConfig::defaults("/o".into())
    }

    fn urls(v: &[StreamCandidate]) -> Vec<String> {
        v.iter()
            .map(|c| {
                format!(
                    "{}:{}:{}:{}",
                    c.quality,
                    c.format,
                    c.codec.as_deref().unwrap_or("-"),
                    &c.url[8..c.url.len() - 2]
                )
            })
            .collect()
    }

    fn ladder() -> Vec<StreamCandidate> {
        let mut v = Vec::new();
        for (q, h, b) in [
            ("1080p60", 1080, 6000),
            ("720p", 720, 3000),
            ("480p", 480, 1500),
        ] {
            let mut c = cand(q, StreamFormat::Hls, "avc", "cdn.a");
            c.height = Some(h);
            c.bitrate = Some(b * 1000);
            v.push(c);
        }
        v
    }

    #[test]
    fn quality_picks_the_tier_and_orders_fallbacks_by_closeness() {
        let mut c = cfg();
        let q = |v: &[StreamCandidate]| v.iter().map(|c| c.quality.clone()).collect::<Vec<_>>();
        assert_eq!(q(&rank(&ladder(), &c, 0)), ["1080p60", "720p", "480p"]);
        c.quality = Quality::Worst;
        assert_eq!(q(&rank(&ladder(), &c, 0)), ["480p", "720p", "1080p60"]);
        c.quality = Quality::Height(720);
        assert_eq!(q(&rank(&ladder(), &c, 0)), ["720p", "480p", "1080p60"]);
        c.quality = Quality::Height(360);
        assert_eq!(q(&rank(&ladder(), &c, 0)), ["480p", "720p", "1080p60"]);
        c.quality = Quality::MaxKbps(4000);
        assert_eq!(q(&rank(&ladder(), &c, 0)), ["720p", "480p", "1080p60"]);
    }

    #[test]
    fn heights_come_from_labels_when_not_given() {
        let v = vec![
            cand("1080p60", StreamFormat::Hls, "avc", "a"),
            cand("720p60", StreamFormat::Hls, "avc", "a"),
            cand("audio_only", StreamFormat::Hls, "avc", "a"),
        ];
        let mut c = cfg();
        c.quality = Quality::Height(720);
        let got: Vec<_> = rank(&v, &c, 0).into_iter().map(|c| c.quality).collect();
        assert_eq!(got, ["720p60", "audio_only", "1080p60"]);
    }

    #[test]
    fn format_codec_and_cdn_order_inside_a_tier() {
        let v = vec![
            cand(
                "src",
                StreamFormat::Flv,
                "avc",
                "d1--cn-gotcha01.bilivideo.com",
            ),
            cand(
                "src",
                StreamFormat::Flv,
                "hevc",
                "xy1x2x3x4xy.mcdn.bilivideo.cn",
            ),
            cand("src", StreamFormat::Hls, "avc", "cn-hk-eq.bilivideo.com"),
            cand(
                "src",
                StreamFormat::Hls,
                "hevc",
                "d1--cn-gotcha04.bilivideo.com",
            ),
        ];
        let mut c = cfg();
        assert_eq!(
            urls(&rank(&v, &c, 0)),
            [
                "src:flv:avc:d1--cn-gotcha01.bilivideo.com",
                "src:hls:avc:cn-hk-eq.bilivideo.com",
                "src:hls:hevc:d1--cn-gotcha04.bilivideo.com",
                "src:flv:hevc:xy1x2x3x4xy.mcdn.bilivideo.cn",
            ],
            "platform order, P2P edge last"
        );
        c.stream_format = StreamPreference::Hls;
        c.codec = vec![Codec::Hevc, Codec::Avc];
        assert_eq!(
            urls(&rank(&v, &c, 0))[..2],
            [
                "src:hls:hevc:d1--cn-gotcha04.bilivideo.com",
                "src:hls:avc:cn-hk-eq.bilivideo.com"
            ]
        );
        c.stream_format = StreamPreference::Auto;
        c.codec = vec![];
        c.cdn = vec!["mcdn".into()];
        assert_eq!(
            urls(&rank(&v, &c, 0))[0],
            "src:flv:hevc:xy1x2x3x4xy.mcdn.bilivideo.cn",
            "named P2P edges are allowed"
        );
        c.cdn = vec!["gotcha04".into(), "gotcha01".into()];
        assert_eq!(
            urls(&rank(&v, &c, 0))[..2],
            [
                "src:hls:hevc:d1--cn-gotcha04.bilivideo.com",
                "src:flv:avc:d1--cn-gotcha01.bilivideo.com"
            ]
        );
    }

    #[test]
    fn expired_urls_go_last() {
        let mut a = cand("src", StreamFormat::Flv, "avc", "a");
        a.expires_at = Some(50);
        let b = cand("src", StreamFormat::Flv, "avc", "b");
        let got = rank(&[a, b], &cfg(), 100);
        assert_eq!(got[0].url, "https://b/s");
        assert_eq!(got.len(), 2);
    }
}
