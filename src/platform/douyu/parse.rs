//! Pure parsing of Douyu's answers: the room page (numeric id of a vanity
//! path), `betard` (room info) and `getEncryption` (key bundle); the play
//! answer is parsed in [`super::play`].

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::sign::Encryption;
use crate::platform::PlatformError;

/// What `betard` says about a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    pub rid: String,
    pub title: Option<String>,
    pub owner_name: Option<String>,
    pub owner_id: Option<String>,
    pub avatar: Option<String>,
    pub category: Option<String>,
    /// Unix seconds the broadcast started.
    pub show_time: Option<i64>,
    /// `show_status == 1`: a broadcast (or a rerun) is running.
    pub on_air: bool,
    /// `videoLoop == 1`: the running broadcast is a rerun of old videos.
    pub rerun: bool,
}

const BETARD: &str = "douyu betard";
const ENCRYPTION: &str = "douyu getEncryption";

static ROOM_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"roomID\s*:\s*(\d+)|"rid"\s*:\s*(\d+)"#).unwrap_or_else(|e| unreachable!("{e}"))
});

/// The numeric room id a room page names, `None` when the page is an error
/// page or names none.
pub fn page_room_id(html: &str) -> Option<String> {
    if html.contains("房间不存在") || html.contains("该房间目前没有开放") {
        return None;
    }
    let caps = ROOM_ID.captures(html)?;
    caps.get(1)
        .or_else(|| caps.get(2))
        .map(|m| m.as_str().to_string())
        .filter(|id| id != "0")
}

pub(super) fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn int_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Parses `betard/{rid}`. A missing room answers with an HTML page or an
/// empty body, which is `NotFound`.
pub fn betard(body: &str, rid: &str) -> Result<RoomInfo, PlatformError> {
    let trimmed = body.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('<') {
        return Err(PlatformError::NotFound(format!("douyu room {rid}")));
    }
    let v: Value = serde_json::from_str(trimmed)
        .map_err(|_| PlatformError::ApiChanged(format!("{BETARD}: the answer is not JSON")))?;
    let room = v
        .get("room")
        .filter(|r| r.is_object())
        .ok_or_else(|| PlatformError::missing(BETARD, "room"))?;
    let show_status = room
        .get("show_status")
        .and_then(int_of)
        .ok_or_else(|| PlatformError::missing(BETARD, "room.show_status"))?;
    let room_id = room
        .get("room_id")
        .and_then(str_of)
        .ok_or_else(|| PlatformError::missing(BETARD, "room.room_id"))?;
    let avatar = room.get("avatar").and_then(|a| match a {
        Value::Object(_) => a.get("big").or_else(|| a.get("middle")).and_then(str_of),
        other => str_of(other),
    });
    Ok(RoomInfo {
        rid: room_id,
        title: room.get("room_name").and_then(str_of),
        owner_name: room.get("owner_name").and_then(str_of),
        owner_id: room.get("owner_uid").and_then(str_of),
        avatar,
        category: room
            .get("second_lvl_name")
            .and_then(str_of)
            .or_else(|| room.get("cate_name").and_then(str_of)),
        show_time: room.get("show_time").and_then(int_of).filter(|t| *t > 0),
        on_air: show_status == 1,
        rerun: room.get("videoLoop").and_then(int_of) == Some(1),
    })
}

/// Parses `getEncryption`.
pub fn encryption(body: &str) -> Result<Encryption, PlatformError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| PlatformError::ApiChanged(format!("{ENCRYPTION}: the answer is not JSON")))?;
    let code = v.get("error").and_then(int_of).unwrap_or(0);
    if code != 0 {
        let msg = v.get("msg").and_then(Value::as_str).unwrap_or("");
        return Err(PlatformError::Transient(format!(
            "{ENCRYPTION}: error {code} {msg}"
        )));
    }
    let data = v
        .get("data")
        .ok_or_else(|| PlatformError::missing(ENCRYPTION, "data"))?;
    let field = |name: &str| {
        data.get(name)
            .and_then(str_of)
            .ok_or_else(|| PlatformError::missing(ENCRYPTION, &format!("data.{name}")))
    };
    let enc_time = data
        .get("enc_time")
        .and_then(int_of)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| PlatformError::missing(ENCRYPTION, "data.enc_time"))?;
    let is_special = match data.get("is_special") {
        Some(Value::Bool(b)) => *b,
        Some(other) => int_of(other).is_some_and(|n| n != 0),
        None => return Err(PlatformError::missing(ENCRYPTION, "data.is_special")),
    };
    Ok(Encryption {
        rand_str: field("rand_str")?,
        enc_time,
        key: field("key")?,
        is_special,
        enc_data: field("enc_data")?,
        expire_at: data.get("expire_at").and_then(int_of),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const BETARD_LIVE: &str = include_str!("../../../tests/fixtures/douyu/betard_live.json");
    const BETARD_LOOP: &str = include_str!("../../../tests/fixtures/douyu/betard_loop.json");
    const BETARD_404: &str = include_str!("../../../tests/fixtures/douyu/betard_notfound.html");
    const PAGE_LIVE: &str = include_str!("../../../tests/fixtures/douyu/page_live.html");
    const PAGE_404: &str = include_str!("../../../tests/fixtures/douyu/page_notfound.html");
    const ENC: &str = include_str!("../../../tests/fixtures/douyu/encryption.json");

    pub(crate) fn fill(t: &str, vars: &[(&str, &str)]) -> String {
        let mut out = t.to_string();
        for (k, v) in vars {
            out = out.replace(&format!("{{{{{k}}}}}"), v);
        }
        out
    }

    fn room_vars(show_status: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("id", "9100"),
            ("title", "Night raid"),
            ("streamer", "Luna"),
            ("category", "Dota 2"),
            ("show_status", show_status),
            ("live_since_s", "1700000000"),
        ]
    }

    #[test]
    fn live_room() {
        let r = betard(&fill(BETARD_LIVE, &room_vars("1")), "9100").unwrap();
        assert_eq!(r.rid, "9100");
        assert!(r.on_air && !r.rerun);
        assert_eq!(r.title.as_deref(), Some("Night raid"));
        assert_eq!(r.owner_name.as_deref(), Some("Luna"));
        assert_eq!(r.owner_id.as_deref(), Some("555009100"));
        assert_eq!(r.category.as_deref(), Some("Dota 2"));
        assert_eq!(r.show_time, Some(1_700_000_000));
        assert!(r.avatar.unwrap().ends_with("big.jpg"));
        let off = betard(&fill(BETARD_LIVE, &room_vars("2")), "9100").unwrap();
        assert!(!off.on_air);
    }

    #[test]
    fn rerun_room() {
        let r = betard(&fill(BETARD_LOOP, &room_vars("1")), "9100").unwrap();
        assert!(r.on_air && r.rerun);
    }

    #[test]
    fn missing_room_is_not_found_and_renamed_fields_are_named() {
        for body in [BETARD_404, "", "  "] {
            assert!(matches!(betard(body, "1"), Err(PlatformError::NotFound(_))));
        }
        let renamed = fill(BETARD_LIVE, &room_vars("1")).replace("show_status", "showStatus");
        let err = betard(&renamed, "9100").unwrap_err().to_string();
        assert!(err.contains("room.show_status"), "{err}");
        let err = betard(r#"{"data":{}}"#, "1").unwrap_err().to_string();
        assert!(err.contains("`room`"), "{err}");
    }

    #[test]
    fn room_page_names_the_numeric_id() {
        let page = fill(PAGE_LIVE, &room_vars("1"));
        assert_eq!(page_room_id(&page).as_deref(), Some("9100"));
        assert_eq!(page_room_id(r#"x"rid": 77,"#).as_deref(), Some("77"));
        assert_eq!(page_room_id(PAGE_404), None);
        assert_eq!(page_room_id("<html></html>"), None);
    }

    #[test]
    fn key_bundle() {
        let body = fill(
            ENC,
            &[
                ("rand_str", "r4nd0mStr"),
                ("enc_time", "2"),
                ("key", "k3y"),
                ("is_special", "0"),
                ("enc_data", "ENCDATA"),
                ("expire_at", "1700000600"),
            ],
        );
        let e = encryption(&body).unwrap();
        assert_eq!(
            e,
            Encryption {
                rand_str: "r4nd0mStr".into(),
                enc_time: 2,
                key: "k3y".into(),
                is_special: false,
                enc_data: "ENCDATA".into(),
                expire_at: Some(1_700_000_600),
            }
        );
        let err = encryption(&body.replace("\"key\"", "\"k\"")).unwrap_err();
        assert!(err.to_string().contains("data.key"), "{err}");
    }
}
