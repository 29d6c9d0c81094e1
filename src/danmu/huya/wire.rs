//! Huya's websocket messages in TARS: the `WebSocketCommand` wrapper
//! `{0 iCmdType, 1 vData}`, the group registration, the WUP heartbeat and
//! the push envelopes. Command numbers follow the web client's
//! `EWebSocketCommandType`.

use super::tars::{Fields, TarsError, Writer, read_struct};

/// Client WUP (servant/function) request.
pub const CMD_WUP_REQ: i64 = 3;
/// Server WUP reply.
pub const CMD_WUP_RSP: i64 = 4;
/// Server push, one message per command (`WSPushMessage`).
pub const CMD_PUSH: i64 = 7;
/// Client group registration (`WSRegisterGroupReq`).
pub const CMD_REGISTER_GROUP: i64 = 16;
/// Server answer to the registration (`WSRegisterGroupRsp`).
pub const CMD_REGISTER_GROUP_RSP: i64 = 17;
/// Server push, batched (`WSPushMessage_V2`).
pub const CMD_PUSH_V2: i64 = 22;

/// Chat message (`MessageNotice`).
pub const URI_MESSAGE: i64 = 1400;
/// Gift broadcast (`SendItemSubBroadcastPacket`).
pub const URI_GIFT: i64 = 6501;

/// Wraps a payload in a `WebSocketCommand`.
pub fn command(cmd: i64, data: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.int(0, cmd).bytes(1, data);
    w.into_bytes()
}

/// A `WebSocketCommand` read back: `(iCmdType, vData)`.
pub fn read_command(bytes: &[u8]) -> Result<(i64, Vec<u8>), TarsError> {
    let f = read_struct(bytes)?;
    let cmd = f.int(0).unwrap_or(0);
    Ok((cmd, f.bytes(1).map(<[u8]>::to_vec).unwrap_or_default()))
}

/// The chat groups of a presenter: room events and chat.
pub fn groups(presenter_uid: u64) -> Vec<String> {
    vec![
        format!("live:{presenter_uid}"),
        format!("chat:{presenter_uid}"),
    ]
}

/// `WSRegisterGroupReq {0 vGroupId, 1 sToken}` in its command.
pub fn register_groups(groups: &[String]) -> Vec<u8> {
    let mut w = Writer::new();
    w.strings(0, groups).string(1, "");
    command(CMD_REGISTER_GROUP, &w.into_bytes())
}

/// A TARS WUP request packet (version 3): u32 BE length (itself
/// included), then `{1 iVersion, 2 cPacketType, 3 iMessageType,
/// 4 iRequestId, 5 servant, 6 function, 7 sBuffer = map<string, bytes>,
/// 8 iTimeout, 9 context, 10 status}`.
pub fn wup(servant: &str, func: &str, request_id: i64, key: &str, body: &[u8]) -> Vec<u8> {
    let mut map = Writer::new();
    map.map_str_bytes(0, &[(key, body)]);
    let mut w = Writer::new();
    w.int(1, 3)
        .int(2, 0)
        .int(3, 0)
        .int(4, request_id)
        .string(5, servant)
        .string(6, func)
        .bytes(7, &map.into_bytes())
        .int(8, 0)
        .map_str_bytes(9, &[])
        .map_str_bytes(10, &[]);
    let inner = w.into_bytes();
    let mut out = ((inner.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend(inner);
    out
}

/// The user agent string Huya's web player reports.
const HUYA_UA: &str = "webh5&1.0.0&websocket";

/// `onlineui.OnUserHeartBeat` with an anonymous `UserHeartBeatReq`
/// `{0 tId UserId, 1 lTid, 2 lSid, 3 lPid, 4 bWatchVideo, 5 eLineType}`.
pub fn heartbeat(presenter_uid: u64) -> Vec<u8> {
    let mut req = Writer::new();
    req.structure(0, |w| {
        w.int(0, 0)
            .string(1, "")
            .string(2, "")
            .string(3, HUYA_UA)
            .string(4, "");
    })
    .int(1, 0)
    .int(2, 0)
    .int(3, presenter_uid as i64)
    .bool(4, true)
    .int(5, 1);
    let packet = wup("onlineui", "OnUserHeartBeat", 0, "tReq", &req.into_bytes());
    command(CMD_WUP_REQ, &packet)
}

/// One pushed message: its URI and TARS body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub uri: i64,
    pub body: Vec<u8>,
}

/// The pushes in a `WSPushMessage` (`{1 iUri, 2 sMsg}`).
pub fn push_v1(data: &[u8]) -> Result<Vec<Push>, TarsError> {
    let f = read_struct(data)?;
    Ok(push_of(&f, 1, 2).into_iter().collect())
}

/// The pushes in a `WSPushMessage_V2` (`{0 sGroupId, 1 vMsgItem}` with
/// items `{0 lUri, 1 sMsg}`).
pub fn push_v2(data: &[u8]) -> Result<Vec<Push>, TarsError> {
    let f = read_struct(data)?;
    let items = f.list(1).unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|item| match item {
            super::tars::Value::Struct(s) => push_of(s, 0, 1),
            _ => None,
        })
        .collect())
}

fn push_of(f: &Fields, uri_tag: u8, msg_tag: u8) -> Option<Push> {
    Some(Push {
        uri: f.int(uri_tag)?,
        body: f.bytes(msg_tag)?.to_vec(),
    })
}

/// Builders of server frames for the unit tests.
#[cfg(test)]
pub mod build {
    use super::*;

    /// A `MessageNotice` body: sender `{0 lUid, 2 sNickName}`, content at
    /// 3 and bullet format `{0 iFontColor}` at 6 (-1 = default colour).
    pub fn message_notice(uid: i64, nick: &str, content: &str, color: i64) -> Vec<u8> {
        let mut w = Writer::new();
        w.structure(0, |s| {
            s.int(0, uid).int(1, 0).string(2, nick).int(3, 0);
        })
        .int(1, 0)
        .int(2, 0)
        .string(3, content)
        .int(4, 0)
        .structure(6, |s| {
            s.int(0, color).int(1, 4);
        });
        w.into_bytes()
    }

    /// A `SendItemSubBroadcastPacket` body.
    pub fn gift(item_type: i64, count: i64, sender_uid: i64, sender_nick: &str) -> Vec<u8> {
        let mut w = Writer::new();
        w.int(0, item_type)
            .string(1, "")
            .int(2, count)
            .int(3, 0)
            .int(4, sender_uid)
            .string(5, "")
            .string(6, sender_nick);
        w.into_bytes()
    }

    /// A `WSPushMessage_V2` command carrying `pushes` for `group`.
    pub fn push_v2(group: &str, pushes: &[(i64, Vec<u8>)]) -> Vec<u8> {
        let mut w = Writer::new();
        w.string(0, group).structs(1, pushes, |s, (uri, body)| {
            s.int(0, *uri).bytes(1, body);
        });
        command(CMD_PUSH_V2, &w.into_bytes())
    }
}
