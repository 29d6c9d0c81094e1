//! Douyu's play-URL signature, computed without a JavaScript engine.
//!
//! `getEncryption` hands out a key bundle (`rand_str`, `enc_time`, `key`,
//! `is_special`, `enc_data`); the `auth` form field of `getH5PlayV1` is an
//! MD5 chain over it: `s = rand_str`, then `enc_time` times
//! `s = md5(s + key)`, and finally `auth = md5(s + key + suffix)` where the
//! suffix is `rid + tt` unless the bundle is "special" (then empty).

use md5::{Digest, Md5};

/// The device id Douyu's web player sends when it has none of its own.
pub const DEFAULT_DID: &str = "10000000000000000000000000001501";

/// The key bundle `getEncryption` answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encryption {
    pub rand_str: String,
    pub enc_time: u32,
    pub key: String,
    pub is_special: bool,
    pub enc_data: String,
    /// Unix seconds after which Douyu no longer accepts the key.
    pub expire_at: Option<i64>,
}

/// Lower-case hex MD5 of `s`.
pub fn md5_hex(s: &str) -> String {
    let digest = Md5::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `auth` field for room `rid` at unix second `tt`.
pub fn auth(enc: &Encryption, rid: &str, tt: i64) -> String {
    let mut s = enc.rand_str.clone();
    for _ in 0..enc.enc_time {
        s = md5_hex(&format!("{s}{}", enc.key));
    }
    let suffix = if enc.is_special {
        String::new()
    } else {
        format!("{rid}{tt}")
    };
    md5_hex(&format!("{s}{}{suffix}", enc.key))
}

/// The form `getH5PlayV1` takes: `rate` 0 asks for the source quality.
pub fn play_form(
    enc: &Encryption,
    did: &str,
    rid: &str,
    tt: i64,
    cdn: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("enc_data", enc.enc_data.clone()),
        ("tt", tt.to_string()),
        ("did", did.to_string()),
        ("auth", auth(enc, rid, tt)),
        ("cdn", cdn.to_string()),
        ("rate", "0".into()),
        ("hevc", "0".into()),
        ("fa", "0".into()),
        ("ive", "0".into()),
        ("rid", rid.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(is_special: bool) -> Encryption {
        Encryption {
            rand_str: "r4nd0mStr".into(),
            enc_time: 2,
            key: "k3y".into(),
            is_special,
            enc_data: "ENC".into(),
            expire_at: None,
        }
    }

    #[test]
    fn md5_matches_the_rfc_vector() {
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    /// The expected values were computed by hand with coreutils:
    /// ```text
    /// m(){ printf '%s' "$1" | md5sum | cut -d' ' -f1; }
    /// s1=$(m "r4nd0mStrk3y")            # 2ae6dd42...
    /// s2=$(m "${s1}k3y")                # 96ae3e33...
    /// m "${s2}k3y91001700000000"        # normal: + rid + tt
    /// m "${s2}k3y"                      # special: no suffix
    /// ```
    #[test]
    fn auth_chain_fixed_vector() {
        assert_eq!(md5_hex("r4nd0mStrk3y"), "2ae6dd42299155d998e053ceb96f5e26");
        assert_eq!(
            auth(&bundle(false), "9100", 1_700_000_000),
            "fbeab32161671006b0c4fbe85a26f8cf"
        );
        assert_eq!(
            auth(&bundle(true), "9100", 1_700_000_000),
            "8aa6a9671b7370390335d948502c7a9a"
        );
    }

    #[test]
    fn form_carries_every_field() {
        let form = play_form(&bundle(false), DEFAULT_DID, "9100", 1_700_000_000, "hw-h5");
        let get = |k: &str| form.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("auth"), Some("fbeab32161671006b0c4fbe85a26f8cf"));
        assert_eq!(get("rate"), Some("0"));
        assert_eq!(get("ive"), Some("0"));
        assert_eq!(get("cdn"), Some("hw-h5"));
        assert_eq!(get("enc_data"), Some("ENC"));
        assert_eq!(get("rid"), Some("9100"));
        assert_eq!(get("did"), Some(DEFAULT_DID));
    }
}
