//! WBI request signing. Bilibili's web APIs (`getInfoByRoom`,
//! `getRoomPlayInfo`, ...) want every query signed: the two key file stems
//! from `/x/web-interface/nav` are shuffled into a 32-character *mixin key*,
//! `wts` (unix seconds) is added, the parameters are sorted by name and
//! percent-encoded (after dropping `!'()*` from values), and
//! `w_rid = md5(query + mixin)` is appended. Pure: time is passed in.

use std::time::{Duration, Instant};

use md5::{Digest, Md5};

/// Positions in `img_key + sub_key` that make up the mixin key.
const MIXIN_TABLE: [usize; 32] = [
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29,
    28, 14, 39, 12, 38, 41, 13,
];

/// How long keys from `nav` are used before they are fetched again (the
/// site rotates them about daily; browsers refresh more often).
pub const KEY_TTL: Duration = Duration::from_secs(2 * 60 * 60);

/// The two key stems `nav` hands out (`data.wbi_img.{img_url,sub_url}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WbiKeys {
    pub img: String,
    pub sub: String,
}

impl WbiKeys {
    /// The 32-character key appended before hashing; `None` when the keys
    /// are too short to index (a changed `nav` answer).
    pub fn mixin(&self) -> Option<String> {
        let raw: Vec<char> = format!("{}{}", self.img, self.sub).chars().collect();
        MIXIN_TABLE
            .iter()
            .map(|&i| raw.get(i).copied())
            .collect::<Option<String>>()
    }
}

/// Keys with the time they were fetched and the origin they came from.
#[derive(Debug, Clone)]
pub struct CachedKeys {
    pub keys: WbiKeys,
    pub api_base: String,
    pub fetched: Instant,
}

impl CachedKeys {
    /// Still usable for `api_base` at `now`.
    pub fn fresh_for(&self, api_base: &str, now: Instant) -> bool {
        self.api_base == api_base && now.duration_since(self.fetched) < KEY_TTL
    }
}

/// The file stem of a key URL: `https://i0.hdslb.com/bfs/wbi/abc.png` → `abc`.
pub fn key_stem(url: &str) -> Option<String> {
    let file = url.rsplit('/').next()?;
    let stem = file.split('.').next()?;
    (!stem.is_empty()).then(|| stem.to_string())
}

/// `encodeURIComponent` of a value with `!'()*` removed first, as the site's
/// script does: unreserved characters stay, everything else is `%XX`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes().filter(|b| !b"!'()*".contains(b)) {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signed query string (without `?`): the parameters plus `wts=now`,
/// sorted by name, then `&w_rid=...`. `None` when the keys are unusable.
pub fn sign(params: &[(&str, String)], keys: &WbiKeys, now_s: i64) -> Option<String> {
    let mixin = keys.mixin()?;
    let mut all: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| *k != "wts" && *k != "w_rid")
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    all.push(("wts".into(), now_s.to_string()));
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let query = all
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let digest = Md5::digest(format!("{query}{mixin}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("{query}&w_rid={hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> WbiKeys {
        WbiKeys {
            img: "7cd084941338484aae1ad9425b84077c".into(),
            sub: "4932caff0ff746eab6f01bf08b70ac45".into(),
        }
    }

    #[test]
    fn published_vector() {
        assert_eq!(
            keys().mixin().as_deref(),
            Some("ea1db124af3c7062474693fa704f4ff8")
        );
        let params = [
            ("foo", "114".to_string()),
            ("bar", "514".to_string()),
            ("zab", "1919810".to_string()),
        ];
        let q = sign(&params, &keys(), 1_702_204_169).unwrap();
        assert_eq!(
            q,
            "bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"
        );
    }

    #[test]
    fn encoding_drops_reserved_marks_and_escapes_the_rest() {
        assert_eq!(encode("a b!'()*~"), "a%20b~");
        assert_eq!(encode("444.8"), "444.8");
        assert_eq!(encode("中"), "%E4%B8%AD");
    }

    #[test]
    fn stems_and_short_keys() {
        assert_eq!(
            key_stem("https://i0.hdslb.com/bfs/wbi/7cd0849413.png").as_deref(),
            Some("7cd0849413")
        );
        assert_eq!(key_stem("https://x/"), None);
        let short = WbiKeys {
            img: "abc".into(),
            sub: "def".into(),
        };
        assert_eq!(short.mixin(), None);
        assert_eq!(sign(&[], &short, 1), None);
    }

    #[test]
    fn cache_freshness() {
        let t0 = Instant::now();
        let c = CachedKeys {
            keys: keys(),
            api_base: "http://a".into(),
            fetched: t0,
        };
        assert!(c.fresh_for("http://a", t0 + Duration::from_secs(60)));
        assert!(!c.fresh_for("http://b", t0));
        assert!(!c.fresh_for("http://a", t0 + KEY_TTL));
    }
}
