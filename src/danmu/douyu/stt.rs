//! Douyu's STT text serialisation: `key@=value/` pairs where `@` is
//! escaped as `@A` and `/` as `@S`. A value may itself be a serialised
//! object or list (escaped once more), read again with [`parse`] or
//! [`list`] when a message needs it.

/// Escapes a key or value.
pub fn escape(s: &str) -> String {
    s.replace('@', "@A").replace('/', "@S")
}

/// Undoes [`escape`] (`@S` first, `@A` last, so `@AS` stays `@S`).
pub fn unescape(s: &str) -> String {
    s.replace("@S", "/").replace("@A", "@")
}

/// Serialises pairs in order.
pub fn serialize(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        out.push_str(&escape(k));
        out.push_str("@=");
        out.push_str(&escape(v));
        out.push('/');
    }
    out
}

/// One parsed STT object: pairs in wire order, values unescaped once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stt {
    pub pairs: Vec<(String, String)>,
}

impl Stt {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The nested object held in `key`.
    pub fn object(&self, key: &str) -> Option<Stt> {
        self.get(key).map(parse)
    }
}

/// Parses `key@=value/...`; items without `@=` are skipped.
pub fn parse(s: &str) -> Stt {
    let s = s.trim_end_matches('\0');
    let pairs = s
        .split('/')
        .filter_map(|item| item.split_once("@="))
        .map(|(k, v)| (unescape(k), unescape(v)))
        .collect();
    Stt { pairs }
}

/// Parses a serialised list `a/b/c/` into its unescaped items.
pub fn list(s: &str) -> Vec<String> {
    s.split('/')
        .filter(|i| !i.is_empty())
        .map(unescape)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_escapes() {
        let s = serialize(&[("type", "chatmsg"), ("txt", "a/b@c@S")]);
        assert_eq!(s, "type@=chatmsg/txt@=a@Sb@Ac@AS/");
        let p = parse(&s);
        assert_eq!(p.get("type"), Some("chatmsg"));
        assert_eq!(p.get("txt"), Some("a/b@c@S"));
    }

    #[test]
    fn reads_nested_objects_and_lists() {
        let inner = serialize(&[("nn", "x"), ("lv", "3")]);
        let outer = serialize(&[("type", "t"), ("user", &inner)]);
        let p = parse(&format!("{outer}\0"));
        assert_eq!(p.object("user").unwrap().get("lv"), Some("3"));
        assert_eq!(list("a@Sb/c/"), ["a/b", "c"]);
        assert_eq!(parse("junk/k@=v").get("k"), Some("v"));
    }
}
