//! Huya's mobile profile API (`mp.huya.com/cache.php?m=Live&do=profileRoom`),
//! read when the room page no longer has the shape srec knows. Pure
//! parsing into the same [`Page`] the room page gives.

use serde_json::Value;

use super::parse::{Page, Quality, cdn_stream, int_of, qualities, str_of};
use crate::platform::PlatformError;

const MP: &str = "huya mp profileRoom";

/// The query path after the API origin for numeric room `rid`.
pub fn path(rid: &str) -> String {
    format!("/cache.php?m=Live&do=profileRoom&roomid={rid}&showSecret=1")
}

/// `liveData.bitRateInfo`: the quality list as a JSON string.
fn bitrates(live: &Value) -> Vec<Quality> {
    live.get("bitRateInfo")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .map(|v| qualities(&v))
        .unwrap_or_default()
}

/// Parses the profile answer (`&amp;` already unescaped or not: the
/// anticode signer unescapes). `status` 422 is `NotFound`.
pub fn profile(body: &str) -> Result<Page, PlatformError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| PlatformError::ApiChanged(format!("{MP}: the answer is not JSON")))?;
    let status = v
        .get("status")
        .and_then(int_of)
        .ok_or_else(|| PlatformError::missing(MP, "status"))?;
    let message = v.get("message").and_then(str_of).unwrap_or_default();
    match status {
        200 => {}
        422 => {
            return Err(PlatformError::NotFound(format!(
                "huya: {message} (no such streamer)"
            )));
        }
        other => {
            return Err(PlatformError::Transient(format!(
                "{MP}: status {other} {message}"
            )));
        }
    }
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| PlatformError::missing(MP, "data"))?;
    let state = data
        .get("liveStatus")
        .and_then(str_of)
        .ok_or_else(|| PlatformError::missing(MP, "data.liveStatus"))?;
    let profile = data.get("profileInfo").unwrap_or(&Value::Null);
    let live = data.get("liveData").unwrap_or(&Value::Null);
    let pick = |v: &Value, k: &str| v.get(k).and_then(str_of);
    let streams = match data.pointer("/stream/baseSteamInfoList") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, s)| cdn_stream(s, MP, &format!("data.stream.baseSteamInfoList[{i}]")))
            .collect::<Result<_, _>>()?,
        _ if state == "ON" => {
            return Err(PlatformError::missing(MP, "data.stream.baseSteamInfoList"));
        }
        _ => Vec::new(),
    };
    Ok(Page {
        room_id: pick(live, "profileRoom").or_else(|| pick(profile, "profileRoom")),
        state,
        title: pick(live, "roomName").or_else(|| pick(live, "introduction")),
        category: pick(live, "gameFullName"),
        avatar: pick(profile, "avatar180"),
        owner_id: pick(profile, "uid"),
        owner_name: pick(profile, "nick"),
        start_time: live.get("startTime").and_then(int_of).filter(|t| *t > 0),
        suspended: false,
        streams,
        qualities: bitrates(live),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = include_str!("../../../tests/fixtures/huya/mp_live.json");
    const GONE: &str = include_str!("../../../tests/fixtures/huya/mp_422.json");

    fn filled(state: &str) -> String {
        let mut out = LIVE.to_string();
        for (k, v) in [
            ("state", state),
            ("lp", "1199000111"),
            ("room_json", "660001"),
            ("id", "660001"),
            ("streamer", "Mochi"),
            ("title", "Ranked grind"),
            ("category", "英雄联盟"),
            ("live_since_s", "1700000000"),
            ("flv_base", "http://127.0.0.1:9/live"),
            (
                "hls_base",
                "http://127.0.0.1:9/hls/660001/0/index.m3u8?stream=",
            ),
            ("ws_time", "6553f100"),
        ] {
            out = out.replace(&format!("{{{{{k}}}}}"), v);
        }
        out
    }

    #[test]
    fn live_profile() {
        let p = profile(&filled("ON")).unwrap();
        assert_eq!(p.state, "ON");
        assert_eq!(p.room_id.as_deref(), Some("660001"));
        assert_eq!(p.owner_id.as_deref(), Some("1199000111"));
        assert_eq!(p.owner_name.as_deref(), Some("Mochi"));
        assert_eq!(p.title.as_deref(), Some("Ranked grind"));
        assert_eq!(p.start_time, Some(1_700_000_000));
        assert_eq!(p.streams.len(), 1);
        assert_eq!(p.streams[0].cdn, "HW");
        assert_eq!(p.streams[0].stream_name, "660001-imgplus");
        assert_eq!(
            p.qualities,
            [
                Quality {
                    name: "蓝光8M".into(),
                    bitrate_kbps: 0
                },
                Quality {
                    name: "超清".into(),
                    bitrate_kbps: 2000
                },
            ]
        );
    }

    #[test]
    fn missing_streamer_and_changed_answers() {
        let err = profile(GONE).unwrap_err();
        assert!(
            matches!(&err, PlatformError::NotFound(m) if m.contains("主播不存在")),
            "{err:?}"
        );
        let renamed = filled("ON").replace("baseSteamInfoList", "streamList");
        let err = profile(&renamed).unwrap_err().to_string();
        assert!(err.contains("data.stream.baseSteamInfoList"), "{err}");
        let err = profile(&filled("ON").replace("\"sFlvUrl\"", "\"flv\"")).unwrap_err();
        assert!(
            err.to_string().contains("baseSteamInfoList[0].sFlvUrl"),
            "{err}"
        );
        assert_eq!(profile(&filled("OFF")).unwrap().state, "OFF");
    }
}
