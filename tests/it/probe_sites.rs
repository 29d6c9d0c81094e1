//! `srec probe` against every real-site platform's emulation: a live room
//! exits 0 with ranked candidates and a pick, an offline room exits 3, an
//! unknown room exits 1 with a "not found" error naming the platform.

use crate::fake::Fake;
use crate::harness::Srec;

/// `(platform, URL for a room id, live id, offline id, unknown id)`.
type Case = (
    &'static str,
    fn(&str) -> String,
    &'static str,
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    (
        "twitch",
        |id| format!("https://www.twitch.tv/{id}"),
        "pbtwlive",
        "pbtwoff",
        "pbtwnone",
    ),
    (
        "bilibili",
        |id| format!("https://live.bilibili.com/{id}"),
        "300001",
        "300002",
        "300003",
    ),
    (
        "douyu",
        |id| format!("https://www.douyu.com/{id}"),
        "930001",
        "930002",
        "930003",
    ),
    (
        "huya",
        |id| format!("https://www.huya.com/{id}"),
        "670001",
        "670002",
        "670003",
    ),
    (
        "youtube",
        |id| format!("https://www.youtube.com/@{id}/live"),
        "pbytlive",
        "pbytoff",
        "pbytnone",
    ),
    (
        "douyin",
        |id| format!("https://live.douyin.com/{id}"),
        "81000000001",
        "81000000002",
        "81000000003",
    ),
];

fn config(fake: &Fake) -> String {
    CASES
        .iter()
        .map(|(p, ..)| format!("[platforms.{p}]\napi_base = \"{}\"\n", fake.site_base(p)))
        .collect()
}

#[test]
fn probe_answers_live_offline_and_not_found_for_every_site() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&config(&fake));
    for (platform, url, live, off, none) in CASES {
        fake.live_room(live);
        fake.room(off).set_live(false);

        let out = s.run(&["probe", &url(live), "--json"]);
        assert_eq!(out.code(), 0, "{platform} live: {}", out.stderr());
        let j: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
        assert_eq!(j["platform"], *platform, "{j}");
        assert_eq!(j["live"], true, "{platform}: {j}");
        assert_eq!(j["selected"], 0, "{platform}: {j}");
        let streams = j["streams"].as_array().expect("streams");
        assert!(!streams.is_empty(), "{platform}: no candidates");
        for c in streams {
            let u = c["url"].as_str().unwrap_or_default();
            assert!(
                u.starts_with(&fake.base_url()),
                "{platform}: {u} is not the emulation's"
            );
        }
        assert!(
            j["room"]["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{platform}: {j}"
        );
        assert!(
            j["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{platform}: {j}"
        );

        let text = s.run(&["probe", &url(live)]);
        assert_eq!(text.code(), 0);
        let text = text.stdout();
        assert!(text.contains(&format!("platform  {platform}")), "{text}");
        assert!(text.contains("status    LIVE"), "{text}");
        assert!(text.contains("records   #1"), "{text}");

        let out = s.run(&["probe", &url(off), "--json"]);
        assert_eq!(
            out.code(),
            3,
            "{platform} offline: {} {}",
            out.stdout(),
            out.stderr()
        );
        let j: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
        assert_eq!(j["live"], false, "{platform}: {j}");

        let out = s.run(&["probe", &url(none)]);
        assert_eq!(out.code(), 1, "{platform} unknown: {}", out.stdout());
        let err = out.stderr();
        assert!(
            err.contains(&format!("error: {platform}: room not found")),
            "{platform}: {err}"
        );
    }
}
