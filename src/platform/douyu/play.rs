//! Pure parsing of `getH5PlayV1`: the signed play URL, or a coded error
//! (`鉴权失败`, -5 offline, -9 clock skew, 126 region block).

use serde_json::Value;

use super::parse::{int_of, str_of};
use crate::platform::PlatformError;

const H5PLAY: &str = "douyu getH5PlayV1";

/// A play URL `getH5PlayV1` handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// `rtmp_url + "/" + rtmp_live`.
    pub url: String,
    /// The CDN that URL is on (`rtmp_cdn`).
    pub cdn: String,
    /// Every CDN the room can be played from (`cdnsWithName[].cdn`).
    pub cdns: Vec<String>,
    /// `(name, bits per second)` of the source quality (`multirates` rate 0).
    pub source: Option<(String, Option<u64>)>,
}

/// How `getH5PlayV1` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayAnswer {
    Ok(Play),
    /// `鉴权失败` or HTTP 403: the key bundle is stale.
    AuthFailed,
    /// Error -5: the room is not broadcasting.
    Offline,
}

/// Parses `getH5PlayV1` (HTTP `status`, body).
pub fn h5play(status: u16, body: &str) -> Result<PlayAnswer, PlatformError> {
    if status == 403 || body.contains("鉴权失败") {
        return Ok(PlayAnswer::AuthFailed);
    }
    let v: Value = serde_json::from_str(body).map_err(|_| {
        PlatformError::ApiChanged(format!("{H5PLAY}: HTTP {status}, the answer is not JSON"))
    })?;
    let code = v
        .get("error")
        .and_then(int_of)
        .ok_or_else(|| PlatformError::missing(H5PLAY, "error"))?;
    let msg = v.get("msg").and_then(Value::as_str).unwrap_or("").trim();
    match code {
        0 => {}
        -5 => return Ok(PlayAnswer::Offline),
        -9 => {
            return Err(PlatformError::Transient(format!(
                "{H5PLAY}: error -9 ({msg}): Douyu rejected the request time; \
                 check that this machine's clock is correct"
            )));
        }
        126 => {
            return Err(PlatformError::GeoBlocked(format!(
                "{H5PLAY}: error 126 ({msg}): Douyu does not serve this room in your region; \
                 a proxy in an allowed region may help"
            )));
        }
        other => {
            return Err(PlatformError::Transient(format!(
                "{H5PLAY}: error {other} ({msg})"
            )));
        }
    }
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| PlatformError::missing(H5PLAY, "data"))?;
    let rtmp_url = data
        .get("rtmp_url")
        .and_then(str_of)
        .ok_or_else(|| PlatformError::missing(H5PLAY, "data.rtmp_url"))?;
    let rtmp_live = data
        .get("rtmp_live")
        .and_then(str_of)
        .ok_or_else(|| PlatformError::missing(H5PLAY, "data.rtmp_live"))?;
    let cdns = data
        .get("cdnsWithName")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| c.get("cdn").and_then(str_of))
                .collect()
        })
        .unwrap_or_default();
    let source = data
        .get("multirates")
        .and_then(Value::as_array)
        .and_then(|rates| {
            rates
                .iter()
                .find(|r| r.get("rate").and_then(int_of) == Some(0))
        })
        .map(|r| {
            let name = r
                .get("name")
                .and_then(str_of)
                .unwrap_or_else(|| "source".into());
            let bits = r
                .get("bit")
                .and_then(int_of)
                .filter(|b| *b > 0)
                .and_then(|kbps| u64::try_from(kbps).ok())
                .map(|kbps| kbps * 1000);
            (name, bits)
        });
    Ok(PlayAnswer::Ok(Play {
        url: format!(
            "{}/{}",
            rtmp_url.trim_end_matches('/'),
            rtmp_live.trim_start_matches('/')
        ),
        cdn: data.get("rtmp_cdn").and_then(str_of).unwrap_or_default(),
        cdns,
        source,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::douyu::parse::tests::fill;

    const PLAY_OK: &str = include_str!("../../../tests/fixtures/douyu/h5play_ok.json");
    const PLAY_5: &str = include_str!("../../../tests/fixtures/douyu/h5play_-5.json");
    const PLAY_9: &str = include_str!("../../../tests/fixtures/douyu/h5play_-9.json");
    const PLAY_126: &str = include_str!("../../../tests/fixtures/douyu/h5play_126.json");
    const PLAY_AUTH: &str = include_str!("../../../tests/fixtures/douyu/h5play_authfail.txt");

    #[test]
    fn play_url_and_cdns() {
        let body = fill(
            PLAY_OK,
            &[
                ("id", "9100"),
                ("cdn", "hw-h5"),
                ("rtmp_url", "http://127.0.0.1:9/live"),
            ],
        );
        let PlayAnswer::Ok(p) = h5play(200, &body).unwrap() else {
            panic!("not ok")
        };
        assert!(
            p.url
                .starts_with("http://127.0.0.1:9/live/9100.flv?wsAuth="),
            "{}",
            p.url
        );
        assert_eq!(p.cdn, "hw-h5");
        assert_eq!(p.cdns, ["hw-h5", "tct-h5", "scdnctshh"]);
        assert_eq!(p.source, Some(("原画".into(), Some(8_000_000))));
    }

    #[test]
    fn play_errors_are_classified() {
        assert_eq!(h5play(200, PLAY_5).unwrap(), PlayAnswer::Offline);
        assert_eq!(h5play(403, PLAY_AUTH).unwrap(), PlayAnswer::AuthFailed);
        assert_eq!(h5play(200, PLAY_AUTH).unwrap(), PlayAnswer::AuthFailed);
        let skew = h5play(200, PLAY_9).unwrap_err();
        assert!(
            matches!(&skew, PlatformError::Transient(m) if m.contains("clock")),
            "{skew:?}"
        );
        let geo = h5play(200, PLAY_126).unwrap_err();
        assert!(
            matches!(&geo, PlatformError::GeoBlocked(m) if m.contains("region")),
            "{geo:?}"
        );
        let err = h5play(200, r#"{"error":0,"data":{"rtmp_url":"x"}}"#).unwrap_err();
        assert!(err.to_string().contains("data.rtmp_live"), "{err}");
    }
}
