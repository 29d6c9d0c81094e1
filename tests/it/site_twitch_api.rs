//! The Twitch platform in process against the fake server's emulation:
//! what one check returns for each site mode, OAuth handling and batch
//! chunking, without the daemon in between.

use srec::config::EffectiveConfig;
use srec::platform::twitch::TwitchPlatform;
use srec::platform::{CheckContext, LiveStatus, Platform, PlatformError};

use crate::fake::Fake;

fn config(fake: &Fake, oauth: Option<&str>) -> EffectiveConfig {
    let mut c = EffectiveConfig::defaults(std::env::temp_dir());
    c.api_base = Some(fake.site_base("twitch"));
    c.oauth_token = oauth.map(str::to_owned);
    c
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn check(fake: &Fake, login: &str, oauth: Option<&str>) -> Result<LiveStatus, PlatformError> {
    let cfg = config(fake, oauth);
    let http = reqwest::Client::new();
    let url = format!("https://www.twitch.tv/{login}");
    let ctx = CheckContext {
        url: &url,
        http: &http,
        config: &cfg,
    };
    rt().block_on(TwitchPlatform.check_live(&ctx))
}

#[test]
fn a_live_channel_offers_every_variant_best_first() {
    let fake = Fake::new();
    let room = fake.live_room("tw_live");
    room.set_title("speedrun \"any%\"");
    let st = check(&fake, "tw_live", None).unwrap();
    assert!(st.live);
    assert_eq!(st.title.as_deref(), Some("speedrun \"any%\""));
    let labels: Vec<&str> = st.streams.iter().map(|s| s.quality.as_str()).collect();
    assert_eq!(labels, ["270p", "180p", "audio_only"]);
    let best = &st.streams[0];
    assert_eq!(best.height, Some(270));
    assert_eq!(best.codec.as_deref(), Some("avc"));
    assert_eq!(best.headers["Referer"], "https://player.twitch.tv/");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(best.expires_at.is_some_and(|t| t > now), "{best:?}");
    let since = room.info().live_since_ms.unwrap() as i64;
    assert!(
        st.started_at.is_some_and(|t| (t - since).abs() < 2),
        "{st:?}"
    );
    let id = st.room.unwrap();
    assert_eq!(id.id, "tw_live");
    assert!(id.owner_id.is_some() && id.owner_name.is_some());
    assert_eq!(
        (fake.site_stat("twitch.gql"), fake.site_stat("twitch.usher")),
        (1, 1)
    );
}

#[test]
fn an_offline_channel_costs_one_request() {
    let fake = Fake::new();
    fake.room("tw_off");
    let st = check(&fake, "tw_off", None).unwrap();
    assert!(!st.live && st.streams.is_empty());
    assert_eq!(
        (fake.site_stat("twitch.gql"), fake.site_stat("twitch.usher")),
        (1, 0)
    );
}

#[test]
fn site_modes_become_classified_errors() {
    let fake = Fake::new();
    for (mode, login) in [
        ("integrity", "tw_integrity"),
        ("stale_hash", "tw_stale"),
        ("geo", "tw_geo"),
    ] {
        fake.live_room(login).set_site_mode(Some(mode));
    }
    let e = check(&fake, "tw_integrity", None).unwrap_err();
    assert!(
        matches!(e, PlatformError::AuthRequired(ref m) if m.contains("oauth_token")),
        "{e}"
    );
    let e = check(&fake, "tw_stale", None).unwrap_err();
    assert!(
        matches!(e, PlatformError::ApiChanged(ref m) if m.contains("PersistedQueryNotFound")),
        "{e}"
    );
    let e = check(&fake, "tw_geo", None).unwrap_err();
    assert!(matches!(e, PlatformError::GeoBlocked(_)), "{e}");
    let e = check(&fake, "tw_missing", None).unwrap_err();
    assert!(matches!(e, PlatformError::NotFound(_)), "{e}");
}

#[test]
fn usher_lagging_behind_gql_is_offline_with_a_note() {
    let fake = Fake::new();
    fake.live_room("tw_lag").set_site_mode(Some("usher_lag"));
    let st = check(&fake, "tw_lag", None).unwrap();
    assert!(!st.live && st.streams.is_empty());
    assert!(st.note.unwrap().contains("transcode does not exist"));
}

#[test]
fn oauth_goes_to_gql_and_a_bad_token_names_the_setting() {
    let fake = Fake::new();
    fake.live_room("tw_auth");
    assert!(check(&fake, "tw_auth", Some("0123abcd")).unwrap().live);
    assert_eq!(fake.site_stat("twitch.usher"), 1);
    assert_eq!(
        fake.site_stat("twitch.usher_authorization"),
        0,
        "the token leaked to usher"
    );
    let e = check(&fake, "tw_auth", Some("invalid")).unwrap_err();
    assert!(
        matches!(e, PlatformError::AuthRequired(ref m) if m.contains("oauth_token")),
        "{e}"
    );
}

#[test]
fn batches_keep_30_logins_per_request_and_leave_unknown_ones_out() {
    let fake = Fake::new();
    let mut ids: Vec<String> = (0..31).map(|i| format!("tw_b{i:02}")).collect();
    for id in &ids {
        fake.room(id);
    }
    fake.live_room("tw_b00");
    ids.push("tw_nobody".into());
    let cfg = config(&fake, None);
    let http = reqwest::Client::new();
    let ctx = CheckContext {
        url: "https://www.twitch.tv/tw_b00",
        http: &http,
        config: &cfg,
    };
    let m = rt()
        .block_on(TwitchPlatform.check_batch(&ctx, &ids))
        .unwrap();
    assert_eq!(m.len(), 31, "the unknown login is left out");
    assert!(m["tw_b00"].live && m["tw_b00"].streams.is_empty());
    assert!(!m["tw_b30"].live);
    assert_eq!(fake.site_stat("twitch.gql"), 2);
    assert_eq!(fake.site_stat("twitch.status_query"), 32);
    assert_eq!(fake.site_stat("twitch.token"), 0);
}

#[test]
fn the_emulation_refuses_what_twitch_refuses() {
    let fake = Fake::new();
    fake.live_room("tw_strict");
    let gql = format!("{}/gql", fake.site_base("twitch"));
    let usher = format!(
        "{}/api/v2/channel/hls/tw_strict.m3u8",
        fake.site_base("twitch")
    );
    let http = reqwest::Client::new();
    let status =
        |req: reqwest::RequestBuilder| rt().block_on(req.send()).unwrap().status().as_u16();
    let op = srec::platform::twitch::gql::stream_metadata("tw_strict");
    let body = serde_json::Value::Array(vec![op.clone()]).to_string();
    assert_eq!(
        status(http.post(&gql).body(body.clone())),
        400,
        "no Client-ID"
    );
    let with_id = |b: String| http.post(&gql).header("Client-ID", "x").body(b);
    assert_eq!(status(with_id(body)), 200);
    let many = serde_json::Value::Array(vec![op.clone(); 36]).to_string();
    assert_eq!(status(with_id(many)), 400, "36 operations");
    let mut missing = op;
    missing["variables"] = serde_json::json!({ "channelLogin": "tw_strict" });
    assert_eq!(
        status(with_id(missing.to_string())),
        400,
        "includeIsDJ missing"
    );
    assert_eq!(status(http.get(&usher)), 400, "usher without sig/token");
}
