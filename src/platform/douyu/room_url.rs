//! Which URLs are Douyu rooms: `www.douyu.com/RID`, vanity paths and
//! topic pages with `?rid=`; not category or directory pages.

/// Single-segment paths of `www.douyu.com` that are not rooms.
const RESERVED: &[&str] = &[
    "directory",
    "topic",
    "member",
    "search",
    "cms",
    "special",
    "gapi",
    "lapi",
    "wgapi",
    "japi",
    "betard",
    "swf_api",
    "room",
    "video",
    "index",
    "download",
    "client",
    "app",
    "api",
    "creator",
    "favicon.ico",
    "robots.txt",
];

/// The room id a Douyu URL names: numeric id, vanity path, or the `rid`
/// query parameter of a topic page.
pub(super) fn room_id(url: &::url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if !matches!(host.as_str(), "douyu.com" | "www.douyu.com" | "m.douyu.com") {
        return None;
    }
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["topic", _] => url
            .query_pairs()
            .find(|(k, _)| k == "rid")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())),
        [seg] => {
            let seg = *seg;
            let word = seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let reserved =
                RESERVED.contains(&seg.to_ascii_lowercase().as_str()) || seg.starts_with("g_");
            (word && !reserved).then(|| seg.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(u: &str) -> Option<String> {
        room_id(&::url::Url::parse(u).unwrap())
    }

    #[test]
    fn room_urls_match() {
        for (u, want) in [
            ("https://www.douyu.com/9100", "9100"),
            ("http://douyu.com/9100/", "9100"),
            ("https://m.douyu.com/9100?from=share", "9100"),
            ("https://www.douyu.com/topic/s14?rid=9100&dyshid=0", "9100"),
            ("https://www.douyu.com/lunashow", "lunashow"),
        ] {
            assert_eq!(id(u).as_deref(), Some(want), "{u}");
        }
    }

    #[test]
    fn other_pages_and_sites_do_not_match() {
        for u in [
            "https://www.douyu.com/",
            "https://www.douyu.com/directory",
            "https://www.douyu.com/directory/all",
            "https://www.douyu.com/g_LOL",
            "https://www.douyu.com/topic/s14",
            "https://www.douyu.com/topic/s14?rid=abc",
            "https://www.douyu.com/member/cp",
            "https://www.huya.com/9100",
            "https://live.bilibili.com/9100",
            "https://notdouyu.com/9100",
        ] {
            assert_eq!(id(u), None, "{u}");
        }
    }
}
