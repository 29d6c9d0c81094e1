//! Chat bootstrap: `getDanmuInfo` (WBI-signed, on the live API origin or
//! `api_base`) gives the token and the websocket hosts the danmu provider
//! connects to. A `SESSDATA` cookie makes the site show real user names;
//! without it, names arrive masked (`折***`, uid 0).

use serde_json::Value;

use super::api::{Api, KeyCache};
use crate::platform::{CheckContext, PlatformError};

const DANMU_INFO: &str = "/xlive/web-room/v1/index/getDanmuInfo";
/// Used when the answer lists no host.
pub const FALLBACK_HOST: &str = "broadcastlv.chat.bilibili.com";

/// One chat server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatHost {
    pub host: String,
    pub wss_port: u16,
    pub ws_port: u16,
}

/// What a chat connection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DanmuInfo {
    pub token: String,
    pub hosts: Vec<ChatHost>,
}

/// Parses a `getDanmuInfo` answer.
pub fn parse_danmu_info(text: &str) -> Result<DanmuInfo, PlatformError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| PlatformError::ApiChanged(format!("getDanmuInfo: {e}")))?;
    let code = v.get("code").and_then(Value::as_i64).unwrap_or(-1);
    if code != 0 {
        let msg = v.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(super::parse::classify("getDanmuInfo", code, msg));
    }
    let data = &v["data"];
    let token = data["token"]
        .as_str()
        .ok_or_else(|| PlatformError::missing("getDanmuInfo", "data.token"))?
        .to_string();
    let port = |h: &Value, k: &str, d: u16| {
        h.get(k)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(d)
    };
    let mut hosts: Vec<ChatHost> = data["host_list"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| {
                    Some(ChatHost {
                        host: h.get("host")?.as_str()?.to_string(),
                        wss_port: port(h, "wss_port", 443),
                        ws_port: port(h, "ws_port", 2244),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if hosts.is_empty() {
        hosts.push(ChatHost {
            host: FALLBACK_HOST.into(),
            wss_port: 443,
            ws_port: 2244,
        });
    }
    Ok(DanmuInfo { token, hosts })
}

/// Fetches the chat token and hosts of long room id `room_id`.
pub async fn danmu_info(
    ctx: &CheckContext<'_>,
    keys: &KeyCache,
    room_id: u64,
) -> Result<DanmuInfo, PlatformError> {
    let params = [("id", room_id.to_string()), ("type", "0".to_string())];
    let text = Api::new(ctx)
        .signed(keys, DANMU_INFO, &params, "getDanmuInfo")
        .await?;
    parse_danmu_info(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_and_falls_back() {
        let info = parse_danmu_info(
            r#"{"code":0,"data":{"token":"tok","host_list":[{"host":"h1","port":2243,"wss_port":443,"ws_port":2244}]}}"#,
        )
        .unwrap();
        assert_eq!(info.token, "tok");
        assert_eq!(info.hosts[0].host, "h1");
        let info = parse_danmu_info(r#"{"code":0,"data":{"token":"t"}}"#).unwrap();
        assert_eq!(info.hosts[0].host, FALLBACK_HOST);
        assert!(parse_danmu_info(r#"{"code":-352,"message":"risk"}"#).is_err());
    }
}
