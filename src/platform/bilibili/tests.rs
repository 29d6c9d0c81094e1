//! URL table, quality mapping and status building.

use super::*;

fn room_of_str(u: &str) -> Option<String> {
    let url = ::url::Url::parse(u).ok()?;
    BilibiliPlatform::default().room(&url).map(|r| r.id)
}

#[test]
fn claims_live_rooms_only() {
    for (u, id) in [
        ("https://live.bilibili.com/21452505", "21452505"),
        ("https://live.bilibili.com/6", "6"),
        ("https://LIVE.bilibili.com/0042/?spm_id_from=1", "42"),
        ("http://live.bilibili.com/h5/21452505", "21452505"),
        ("https://live.bilibili.com/blanc/1024/", "1024"),
    ] {
        assert_eq!(room_of_str(u).as_deref(), Some(id), "{u}");
    }
    for u in [
        "https://www.bilibili.com/video/BV1xx411c7mD",
        "https://space.bilibili.com/123456",
        "https://live.bilibili.com/p/eden/area-tags",
        "https://live.bilibili.com/",
        "https://live.bilibili.com/0",
        "https://live.bilibili.com/12a",
        "https://live.bilibili.com/h5/",
        "https://live.bilibili.com/1/2",
        "https://www.twitch.tv/123",
        "https://live.bilibili.com.evil.example/123",
        "ftp://live.bilibili.com/123",
    ] {
        assert_eq!(room_of_str(u), None, "{u}");
    }
}

#[test]
fn canonical_url_and_batch_group() {
    let p = BilibiliPlatform::default();
    let url = ::url::Url::parse("http://live.bilibili.com/h5/0021452505?x=1").unwrap();
    let r = p.room(&url).unwrap();
    assert_eq!(r.url, "https://live.bilibili.com/21452505");
    let g = p.batch_group(&r.url).unwrap();
    assert_eq!((g.key.as_str(), g.id.as_str()), ("bilibili", "21452505"));
    assert_eq!(p.batch_group("https://www.bilibili.com/video/BV1"), None);
}

#[test]
fn quality_maps_to_qn() {
    assert_eq!(qn_for(Quality::Best), 10000);
    assert_eq!(qn_for(Quality::Worst), 80);
    assert_eq!(qn_for(Quality::Height(1080)), 10000);
    assert_eq!(qn_for(Quality::Height(720)), 150);
    assert_eq!(qn_for(Quality::Height(480)), 80);
    assert_eq!(qn_for(Quality::MaxKbps(4000)), 400);
    assert_eq!(qn_for(Quality::MaxKbps(500)), 80);
}

#[test]
fn status_rerun_is_not_live_and_identity_is_filled() {
    let info = RoomInfo {
        room_id: 10042,
        uid: 77,
        title: Some("t".into()),
        uname: Some("u".into()),
        live_status: 2,
        live_start_s: Some(100),
        ..Default::default()
    };
    let s = status_of(&info);
    assert!(!s.live);
    assert_eq!(s.note.as_deref(), Some("rerun"));
    assert_eq!(s.started_at, None);
    assert_eq!(
        s.room,
        Some(RoomIdentity {
            id: "10042".into(),
            owner_id: Some("77".into()),
            owner_name: Some("u".into()),
        })
    );
    let live = status_of(&RoomInfo {
        live_status: 1,
        ..info
    });
    assert!(live.live && live.note.is_none());
    assert_eq!(live.started_at, Some(100_000));
}
