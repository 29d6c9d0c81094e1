//! Huya's stream URL signature ("anticode"). The page hands out a query
//! template per stream (`wsSecret`, `wsTime`, `fm`, `ctype`, `fs`, ...);
//! the player re-signs it for its own viewer id:
//!
//! - `prefix` = base64-decoded `fm`, up to the first `_`;
//! - `seqid = uid + now_ms`, `h = md5("seqid|ctype|t")` with `t = 100`;
//! - `u` = uid with its low 32 bits rotated left by 8;
//! - `wsSecret = md5("prefix_u_stream_h_wsTime")`.
//!
//! `uid` and the time are parameters so tests use fixed vectors.

use base64::Engine;
use thiserror::Error;

use crate::platform::douyu::sign::md5_hex;

/// The player type Huya's web player reports.
const T: &str = "100";

/// Why an anticode cannot be signed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AnticodeError {
    #[error("the anticode has no `{0}` parameter")]
    Missing(&'static str),
    #[error("the anticode's `fm` is not base64 text")]
    BadFm,
}

/// A viewer id like the web player's anonymous ones (`1234` + 8 digits).
pub fn random_uid() -> u64 {
    1_234_000_000_000 + rand::random_range(0..1_000_000_000)
}

/// `uid` with its low 32 bits rotated left by 8 (the high bits kept).
pub fn rotate_uid(uid: u64) -> u64 {
    let low = (uid & 0xffff_ffff) as u32;
    (uid & !0xffff_ffff) | u64::from(low.rotate_left(8))
}

/// `&amp;` and friends back to plain characters (anticodes sit in HTML).
pub fn unescape_html(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// The anticode's parameters, percent-decoded. `+` stays `+` (base64
/// text), unlike form decoding.
fn params(anticode: &str) -> Vec<(String, String)> {
    let plain = unescape_html(anticode).replace('+', "%2B");
    ::url::form_urlencoded::parse(plain.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect()
}

/// The signed query (without `?`) for stream `stream` as viewer `uid` at
/// unix milliseconds `now_ms`.
pub fn sign(anticode: &str, stream: &str, uid: u64, now_ms: i64) -> Result<String, AnticodeError> {
    let p = params(anticode);
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let ws_time = get("wsTime").ok_or(AnticodeError::Missing("wsTime"))?;
    let fm = get("fm").ok_or(AnticodeError::Missing("fm"))?;
    let ctype = get("ctype").unwrap_or("huya_live");
    let fs = get("fs").unwrap_or("");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(fm.trim())
        .map_err(|_| AnticodeError::BadFm)?;
    let decoded = String::from_utf8(decoded).map_err(|_| AnticodeError::BadFm)?;
    let prefix = decoded.split('_').next().unwrap_or_default();
    let seqid = i128::from(uid) + i128::from(now_ms);
    let h = md5_hex(&format!("{seqid}|{ctype}|{T}"));
    let u = rotate_uid(uid);
    let secret = md5_hex(&format!("{prefix}_{u}_{stream}_{h}_{ws_time}"));
    Ok(format!(
        "wsSecret={secret}&wsTime={ws_time}&seqid={seqid}&ctype={ctype}&ver=1&fs={fs}&t={T}\
         &u={u}&sdk_sid={now_ms}&codec=264"
    ))
}

/// Unix seconds the anticode's `wsTime` (hex) names: when it runs out.
pub fn expiry(anticode: &str) -> Option<i64> {
    let p = params(anticode);
    let t = p.iter().find(|(n, _)| n == "wsTime")?;
    i64::from_str_radix(&t.1, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fm` = base64("DWq8BcJ3h6DJt6TY_$0_$1_$2_$3"), `+` kept as is.
    const ANTICODE: &str = "wsSecret=0f0e&amp;wsTime=6553f100&amp;\
        fm=RFdxOEJjSjNoNkRKdDZUWV8kMF8kMV8kMl8kMw%3D%3D&amp;ctype=huya_live&amp;fs=bgct&amp;t=100";

    #[test]
    fn rotation_keeps_high_bits() {
        assert_eq!(rotate_uid(12_345_678), 3_160_493_568);
        assert_eq!(rotate_uid(0x1_0000_0001), 0x1_0000_0100);
        let r = random_uid();
        assert!((1_234_000_000_000..1_235_000_000_000).contains(&r));
    }

    /// Computed by hand with coreutils:
    /// ```text
    /// m(){ printf '%s' "$1" | md5sum | cut -d' ' -f1; }
    /// echo $((((12345678<<8)|(12345678>>24))&0xffffffff))   # u = 3160493568
    /// h=$(m "1700012345678|huya_live|100")                  # seqid = uid + now_ms
    /// m "DWq8BcJ3h6DJt6TY_3160493568_9100_${h}_6553f100"     # wsSecret
    /// ```
    #[test]
    fn fixed_vector() {
        let q = sign(ANTICODE, "9100", 12_345_678, 1_700_000_000_000).unwrap();
        assert_eq!(
            q,
            "wsSecret=1d4b35a583b9bc1b1c0db0550a7df007&wsTime=6553f100&seqid=1700012345678\
             &ctype=huya_live&ver=1&fs=bgct&t=100&u=3160493568&sdk_sid=1700000000000&codec=264"
        );
        assert_eq!(expiry(ANTICODE), Some(0x6553_f100));
    }

    #[test]
    fn bad_anticodes() {
        assert_eq!(
            sign("fm=abc", "s", 1, 1),
            Err(AnticodeError::Missing("wsTime"))
        );
        assert_eq!(
            sign("wsTime=1&fm=%%%", "s", 1, 1),
            Err(AnticodeError::BadFm)
        );
        assert_eq!(unescape_html("a&amp;b"), "a&b");
    }
}
