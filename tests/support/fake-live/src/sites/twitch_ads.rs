//! Turns the fake's own media playlist into a Twitch-shaped one: absolute
//! segment URIs, `live` / `Amazon|...` `EXTINF` titles and, in ad mode, a
//! stitched mid-roll at every sequence `n` with `n % AD_PERIOD` in
//! `AD_FIRST..AD_FIRST + AD_LEN`: discontinuities around it, an
//! `EXT-X-DATERANGE` of class `twitch-stitched-ad` before its first listed
//! segment, ad URIs pointing at the other rendition, and one
//! `EXT-X-TWITCH-PREFETCH` line after the window.

use std::fmt::Write as _;

/// One ad break every this many segments...
pub(crate) const AD_PERIOD: u64 = 8;
/// ... starting at this offset ...
pub(crate) const AD_FIRST: u64 = 2;
/// ... and this many segments long.
pub(crate) const AD_LEN: u64 = 2;

fn is_ad(seq: u64) -> bool {
    (AD_FIRST..AD_FIRST + AD_LEN).contains(&(seq % AD_PERIOD))
}

/// The rewritten playlist and how many ad segments it lists.
pub(crate) fn twitchify(text: &str, base: &str, other_base: &str, ads: bool) -> (String, u64) {
    let mut out = String::with_capacity(text.len() + 512);
    let mut seq = 0u64;
    let mut tags: Vec<String> = Vec::new();
    let mut prev_ad = false;
    let mut ad_count = 0u64;
    let mut ended = false;
    let mut any_segment = false;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            seq = n.trim().parse().unwrap_or(0);
            out.push_str(line);
            out.push('\n');
        } else if line == "#EXT-X-ENDLIST" {
            ended = true;
        } else if let Some(uri) = line.strip_prefix("#EXT-X-MAP:URI=\"") {
            let _ = writeln!(out, "#EXT-X-MAP:URI=\"{base}/{uri}");
        } else if line.starts_with("#EXTINF")
            || line.starts_with("#EXT-X-PROGRAM-DATE-TIME")
            || line == "#EXT-X-DISCONTINUITY"
        {
            tags.push(line.to_owned());
        } else if line.starts_with('#') || line.is_empty() {
            out.push_str(line);
            out.push('\n');
        } else {
            let ad = ads && is_ad(seq);
            let pdt = tags
                .iter()
                .find_map(|t| t.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:"))
                .unwrap_or("1970-01-01T00:00:00.000Z")
                .to_owned();
            let has_disc = tags.iter().any(|t| t == "#EXT-X-DISCONTINUITY");
            if ad != prev_ad && any_segment && !has_disc {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            if ad && (!prev_ad || !any_segment) {
                let left = AD_FIRST + AD_LEN - seq % AD_PERIOD;
                let _ = writeln!(
                    out,
                    "#EXT-X-DATERANGE:ID=\"stitched-ad-{seq}\",CLASS=\"twitch-stitched-ad\",\
                     START-DATE=\"{pdt}\",DURATION={left}.000,X-TV-TWITCH-AD-ROLL-TYPE=\"MIDROLL\",\
                     X-TV-TWITCH-AD-COMMERCIAL-ID=\"{}\",X-TV-TWITCH-AD-POD-FILLED-DURATION={left}",
                    seq / AD_PERIOD
                );
            }
            for t in tags.drain(..) {
                match t.strip_prefix("#EXTINF:") {
                    Some(rest) => {
                        let dur = rest.split(',').next().unwrap_or("1.000");
                        let title = if ad {
                            format!("Amazon|{}", 40_000 + seq)
                        } else {
                            "live".to_owned()
                        };
                        let _ = writeln!(out, "#EXTINF:{dur},{title}");
                    }
                    None => {
                        out.push_str(&t);
                        out.push('\n');
                    }
                }
            }
            let _ = writeln!(out, "{}/{line}", if ad { other_base } else { base });
            ad_count += u64::from(ad);
            prev_ad = ad;
            any_segment = true;
            seq += 1;
        }
    }
    if ended {
        out.push_str("#EXT-X-ENDLIST\n");
    } else if ads && any_segment {
        let _ = writeln!(out, "#EXT-X-TWITCH-PREFETCH:{base}/{seq}.ts");
    }
    (out, ad_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(first: u64, n: u64) -> String {
        let mut t = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        for s in first..first + n {
            t.push_str(&format!(
                "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:{s:02}.000Z\n#EXTINF:1.000,\n{s}.ts?t=x\n"
            ));
        }
        t
    }

    #[test]
    fn without_ads_only_uris_and_titles_change() {
        let (out, n) = twitchify(
            &playlist(0, 3),
            "http://h/hls/r/1",
            "http://h/hls/r/0",
            false,
        );
        assert_eq!(n, 0);
        assert!(
            out.contains("#EXTINF:1.000,live\nhttp://h/hls/r/1/2.ts?t=x\n"),
            "{out}"
        );
        assert!(!out.contains("DATERANGE") && !out.contains("DISCONTINUITY"));
    }

    #[test]
    fn a_mid_roll_is_marked_three_ways() {
        let (out, n) = twitchify(&playlist(0, 6), "http://h/b", "http://h/a", true);
        assert_eq!(n, 2);
        let expected = "#EXT-X-DISCONTINUITY\n#EXT-X-DATERANGE:ID=\"stitched-ad-2\",CLASS=\"twitch-stitched-ad\",\
            START-DATE=\"2026-01-01T00:00:02.000Z\",DURATION=2.000,";
        assert!(out.contains(expected), "{out}");
        assert!(
            out.contains("#EXTINF:1.000,Amazon|40002\nhttp://h/a/2.ts?t=x\n"),
            "{out}"
        );
        assert!(
            out.contains("#EXTINF:1.000,Amazon|40003\nhttp://h/a/3.ts?t=x\n#EXT-X-DISCONTINUITY\n"),
            "{out}"
        );
        assert!(out.contains("live\nhttp://h/b/4.ts"), "{out}");
        assert!(
            out.ends_with("#EXT-X-TWITCH-PREFETCH:http://h/b/6.ts\n"),
            "{out}"
        );
    }

    #[test]
    fn a_window_starting_inside_a_break_still_announces_it() {
        let (out, n) = twitchify(&playlist(3, 2), "b", "a", true);
        assert_eq!(n, 1);
        assert!(out.contains("ID=\"stitched-ad-3\""), "{out}");
        assert!(out.contains("DURATION=1.000"), "{out}");
    }
}
