//! How the header proxy names upstream resources: an upstream URL
//! `scheme://host[:port]/path?query` becomes
//! `http://127.0.0.1:PORT/TOKEN/scheme/host[:port]/path?query` and back.
//! The path structure is kept, so a relative reference resolved by the
//! client against a proxy URL lands on the proxy URL of the same
//! reference resolved upstream. Playlists are rewritten so every URI in
//! them (segment lines and `URI="..."` attributes, relative or absolute)
//! is a proxy URL; root-relative URIs and redirects would otherwise
//! escape the mapping.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

/// Media types of HLS playlists (compared case-insensitively, without
/// parameters).
const PLAYLIST_TYPES: [&str; 4] = [
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "audio/mpegurl",
    "audio/x-mpegurl",
];

/// `scheme/host[:port]` of an `http`/`https` URL: the key of the allowed
/// origins and the part of a proxy path after the token. `None` for other
/// schemes and host-less URLs.
pub fn origin_key(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{}/{host}:{port}", url.scheme()),
        None => format!("{}/{host}", url.scheme()),
    })
}

/// The proxy URL of `upstream` below `prefix` (`http://127.0.0.1:PORT/TOKEN`);
/// the fragment is dropped, user info too (it is never forwarded).
pub fn to_proxy(prefix: &str, upstream: &Url) -> Option<String> {
    let key = origin_key(upstream)?;
    let mut out = format!("{prefix}/{key}{}", upstream.path());
    if let Some(q) = upstream.query() {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// The upstream URL a proxy request names: `rest` is the request path
/// after the token (`/scheme/host[:port]/path`), `query` its query.
/// `None` unless it names an `http`/`https` origin exactly as
/// [`origin_key`] writes it.
pub fn from_proxy(rest: &str, query: Option<&str>) -> Option<Url> {
    let rest = rest.strip_prefix('/')?;
    let (scheme, rest) = rest.split_once('/')?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains(['@', '\\', '?', '#']) {
        return None;
    }
    let mut text = format!("{scheme}://{authority}{path}");
    if let Some(q) = query {
        text.push('?');
        text.push_str(q);
    }
    let url = Url::parse(&text).ok()?;
    (origin_key(&url)? == format!("{scheme}/{authority}")).then_some(url)
}

/// Whether a response is an HLS playlist, by its `Content-Type` or, when
/// that says nothing specific, by the `.m3u8` extension of its path.
pub fn is_playlist(content_type: Option<&str>, path: &str) -> bool {
    let media_type = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    if let Some(t) = &media_type
        && PLAYLIST_TYPES.contains(&t.as_str())
    {
        return true;
    }
    let generic = media_type.as_deref().is_none_or(|t| {
        matches!(
            t,
            "" | "application/octet-stream" | "text/plain" | "binary/octet-stream"
        )
    });
    generic && path.to_ascii_lowercase().ends_with(".m3u8")
}

/// `body` (a playlist fetched from `base`, the URL after redirects) with
/// every `http`/`https` URI replaced by its proxy URL below `prefix`;
/// `allow` is called with each upstream URL so its origin can be reached
/// through the proxy. Other URIs (`data:`, `skd:`) are left alone.
pub fn rewrite_playlist(
    body: &str,
    base: &Url,
    prefix: &str,
    allow: &mut dyn FnMut(&Url),
) -> String {
    static URI_ATTR: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#"URI="([^"]*)""#).ok());
    let mut map = |uri: &str| -> Option<String> {
        let url = base.join(uri.trim()).ok()?;
        let proxied = to_proxy(prefix, &url)?;
        allow(&url);
        Some(proxied)
    };
    let mut out = String::with_capacity(body.len() + body.len() / 2);
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        let ending = &line[content.len()..];
        if content.trim().is_empty() {
            out.push_str(line);
        } else if content.starts_with('#') {
            match URI_ATTR.as_ref() {
                Some(re) => {
                    let replaced = re.replace_all(content, |c: &regex::Captures<'_>| {
                        let uri = c.get(1).map_or("", |m| m.as_str());
                        match map(uri) {
                            Some(p) => format!("URI=\"{p}\""),
                            None => format!("URI=\"{uri}\""),
                        }
                    });
                    out.push_str(&replaced);
                }
                None => out.push_str(content),
            }
            out.push_str(ending);
        } else {
            match map(content) {
                Some(p) => out.push_str(&p),
                None => out.push_str(content),
            }
            out.push_str(ending);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "http://127.0.0.1:4000/0123abcd";

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn urls_map_to_the_proxy_and_back() {
        for raw in [
            "https://cdn.example/live/a.flv?token=x&expires=1",
            "http://127.0.0.1:8080/hls/r/0/index.m3u8",
            "http://[::1]:99/a%20b/c.ts",
            "https://cdn.example/",
        ] {
            let up = url(raw);
            let p = to_proxy(P, &up).unwrap();
            let rest = p.strip_prefix(P).unwrap();
            let (path, query) = match rest.split_once('?') {
                Some((a, b)) => (a, Some(b)),
                None => (rest, None),
            };
            assert_eq!(from_proxy(path, query), Some(up.clone()), "{raw} -> {p}");
        }
        assert_eq!(
            to_proxy(P, &url("https://u:pw@cdn.example:8443/x/y.m3u8?q=1#f")).unwrap(),
            format!("{P}/https/cdn.example:8443/x/y.m3u8?q=1")
        );
        assert_eq!(to_proxy(P, &url("ftp://h/x")), None);
        assert_eq!(to_proxy(P, &url("data:text/plain,x")), None);
    }

    #[test]
    fn relative_references_resolve_back_through_the_proxy() {
        let up = url("https://cdn.example/live/room/index.m3u8?t=1");
        let proxied = url(&to_proxy(P, &up).unwrap());
        for rel in ["seg-1.ts?t=2", "../other/seg.ts", "sub/dir/x.m4s"] {
            let via_proxy = proxied.join(rel).unwrap();
            let upstream = up.join(rel).unwrap();
            assert_eq!(via_proxy.as_str(), to_proxy(P, &upstream).unwrap(), "{rel}");
        }
    }

    #[test]
    fn foreign_or_malformed_paths_name_nothing() {
        assert_eq!(from_proxy("/ftp/h/x", None), None);
        assert_eq!(from_proxy("/http", None), None);
        assert_eq!(from_proxy("/http//x", None), None);
        assert_eq!(from_proxy("/http/user@evil/x", None), None);
        assert_eq!(from_proxy("/https/h:443/x", None), None, "default port");
        assert_eq!(from_proxy("/http/H/x", None), None, "not as written");
        assert_eq!(from_proxy("http/h/x", None), None);
        assert_eq!(
            from_proxy("/http/h", Some("a=1")).map(String::from),
            Some("http://h/?a=1".to_string())
        );
    }

    #[test]
    fn playlists_are_recognised_by_type_or_extension() {
        assert!(is_playlist(Some("application/vnd.apple.mpegurl"), "/x"));
        assert!(is_playlist(Some("Audio/MPEGURL; charset=utf-8"), "/x"));
        assert!(is_playlist(Some("application/x-mpegURL"), "/x"));
        assert!(is_playlist(None, "/live/index.M3U8"));
        assert!(is_playlist(Some("application/octet-stream"), "/a.m3u8"));
        assert!(!is_playlist(Some("video/mp2t"), "/a.m3u8"));
        assert!(!is_playlist(Some("video/x-flv"), "/live/a.flv"));
        assert!(!is_playlist(None, "/seg.ts"));
    }

    #[test]
    fn every_playlist_uri_goes_through_the_proxy() {
        let body = "#EXTM3U\r\n\
            #EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/k?id=1\",IV=0x01\r\n\
            #EXT-X-MAP:URI=\"init.mp4\"\n\
            #EXTINF:2.0,\n\
            https://cdn2.example:8443/seg/1.ts?tok=a\n\
            #EXTINF:2.0,\n\
            2.ts\n\
            #EXTINF:2.0,\n\
            /abs/3.ts\n\
            \n\
            #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\"\n\
            #EXT-X-ENDLIST";
        let base = url("https://cdn.example/live/r/index.m3u8");
        let mut seen = Vec::new();
        let out = rewrite_playlist(body, &base, P, &mut |u| seen.push(u.to_string()));
        let want = format!(
            "#EXTM3U\r\n\
            #EXT-X-KEY:METHOD=AES-128,URI=\"{P}/https/keys.example/k?id=1\",IV=0x01\r\n\
            #EXT-X-MAP:URI=\"{P}/https/cdn.example/live/r/init.mp4\"\n\
            #EXTINF:2.0,\n\
            {P}/https/cdn2.example:8443/seg/1.ts?tok=a\n\
            #EXTINF:2.0,\n\
            {P}/https/cdn.example/live/r/2.ts\n\
            #EXTINF:2.0,\n\
            {P}/https/cdn.example/abs/3.ts\n\
            \n\
            #EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\"\n\
            #EXT-X-ENDLIST"
        );
        assert_eq!(out, want);
        assert_eq!(
            seen,
            [
                "https://keys.example/k?id=1",
                "https://cdn.example/live/r/init.mp4",
                "https://cdn2.example:8443/seg/1.ts?tok=a",
                "https://cdn.example/live/r/2.ts",
                "https://cdn.example/abs/3.ts",
            ]
        );
    }
}
