//! Unit tests of the Douyu platform's pure helpers (CDN order, candidates, status).

use super::*;

fn play(cdn: &str) -> Play {
    Play {
        url: format!("http://{cdn}/live/1.flv"),
        cdn: cdn.into(),
        cdns: vec!["hw-h5".into(), "tct-h5".into(), "scdnctshh".into()],
        source: None,
    }
}

#[test]
fn cdns_asked_for() {
    assert_eq!(cdn_order(&play("hw-h5"), &[]), ["hw-h5", "tct-h5"]);
    assert_eq!(cdn_order(&play("scdnctshh"), &[]), ["hw-h5", "tct-h5"]);
    let wished = [
        "cn-gotcha01".to_string(),
        "scdnctshh".into(),
        "tct-h5".into(),
    ];
    assert_eq!(
        cdn_order(&play("hw-h5"), &wished),
        ["scdnctshh", "tct-h5", "hw-h5"],
        "wishes Douyu offers first, unknown names ignored"
    );
}

#[test]
fn canonical_url() {
    let url = ::url::Url::parse("https://douyu.com/topic/x?rid=42").unwrap();
    let r = DouyuPlatform::default().room(&url).unwrap();
    assert_eq!(
        (r.id.as_str(), r.url.as_str()),
        ("42", "https://www.douyu.com/42")
    );
}

#[test]
fn one_candidate_per_cdn() {
    let plays = vec![
        Play {
            url: "http://a/live/1.flv".into(),
            cdn: "hw-h5".into(),
            cdns: vec![],
            source: Some(("原画".into(), Some(8_000_000))),
        },
        Play {
            url: "http://b/live/1.flv".into(),
            cdn: "tct-h5".into(),
            cdns: vec![],
            source: None,
        },
    ];
    let c = candidates(&plays);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].quality, "原画");
    assert_eq!(c[0].bitrate, Some(8_000_000));
    assert_eq!(c[0].cdn.as_deref(), Some("hw-h5"));
    assert_eq!(c[0].codec.as_deref(), Some("avc"));
    assert_eq!(c[0].format, StreamFormat::Flv);
    assert!(c[0].headers.contains_key("Referer"));
    assert_eq!(c[1].quality, "原画", "one tier for every CDN");
}
