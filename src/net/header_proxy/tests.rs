use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;

use super::*;
use crate::net::HttpOptions;

/// (path, Cookie, Authorization) of every request the upstream got.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// An upstream on 127.0.0.1: an endless FLV, a playlist naming a relative
/// segment and one on `localhost` (another origin), segments, a 404.
async fn upstream() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let log = seen.clone();
    let app = Router::new().fallback(move |uri: Uri, h: HeaderMap| {
        let log = log.clone();
        async move {
            let get = |n: header::HeaderName| {
                h.get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let path = uri.path().to_string();
            log.lock().unwrap().push((
                path.clone(),
                get(header::COOKIE),
                get(header::AUTHORIZATION),
            ));
            match path.as_str() {
                "/live/a.flv" => {
                    let first = futures::stream::once(async {
                        Ok::<_, std::io::Error>(Bytes::from_static(b"FLV\x01"))
                    });
                    let body = Body::from_stream(first.chain(futures::stream::pending()));
                    ([(header::CONTENT_TYPE, "video/x-flv")], body).into_response()
                }
                "/hls/index.m3u8" => {
                    let text = format!(
                        "#EXTM3U\n#EXTINF:1,\nseg1.ts\n#EXTINF:1,\nhttp://localhost:{port}/hls/seg2.ts\n"
                    );
                    ([(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")], text)
                        .into_response()
                }
                p if p.starts_with("/hls/seg") => {
                    ([(header::CONTENT_TYPE, "video/mp2t")], "TS-BYTES").into_response()
                }
                _ => (StatusCode::NOT_FOUND, "gone").into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(l, app).await });
    (format!("http://127.0.0.1:{port}"), seen)
}

async fn proxy() -> HeaderProxy {
    let client = HttpClient::new(&HttpOptions {
        cookies: Some("SESS=cookie-1".into()),
        headers: vec![("Authorization".into(), "Bearer auth-1".into())],
        ..HttpOptions::default()
    })
    .unwrap();
    HeaderProxy::start(client).await.unwrap()
}

fn plain() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(url: &str) -> Response {
    let r = plain().get(url).send().await.unwrap();
    let mut out = Response::builder().status(r.status().as_u16());
    for (k, v) in r.headers() {
        out = out.header(k.as_str(), v.as_bytes());
    }
    out.body(Body::from(r.bytes().await.unwrap())).unwrap()
}

async fn text(r: Response) -> String {
    let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(b.to_vec()).unwrap()
}

#[tokio::test]
async fn forwards_with_the_secrets_and_passes_statuses_through() {
    let (up, seen) = upstream().await;
    let p = proxy().await;
    let flv = p
        .url_for(&Url::parse(&format!("{up}/live/a.flv?tok=1")).unwrap())
        .unwrap();
    assert!(
        flv.starts_with(&format!("http://{}/", p.local_addr())),
        "{flv}"
    );
    assert!(!flv.contains("cookie-1") && flv.ends_with("/live/a.flv?tok=1"));

    // An endless body streams: the first chunk arrives, the body never ends.
    let mut r = plain().get(&flv).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "video/x-flv");
    let first = tokio::time::timeout(Duration::from_secs(5), r.chunk()).await;
    assert_eq!(first.unwrap().unwrap().unwrap().as_ref(), b"FLV\x01");
    let row = seen.lock().unwrap()[0].clone();
    assert_eq!(
        row,
        (
            "/live/a.flv".into(),
            "SESS=cookie-1".into(),
            "Bearer auth-1".into()
        )
    );

    // Upstream statuses reach the client (the engine classifies them).
    let missing = flv.replace("/live/a.flv?tok=1", "/nothing.flv");
    let r = get(&missing).await;
    assert_eq!(r.status(), 404);
    assert_eq!(text(r).await, "gone");

    // No token, no service; an origin nobody named is refused.
    let asked = seen.lock().unwrap().len();
    let token = &p.shared.token;
    assert_eq!(
        get(&flv.replace(token.as_str(), &"0".repeat(32)))
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&flv.replace(&format!("/{token}"), "")).await.status(),
        404
    );
    let other = flv.replace("/127.0.0.1:", "/localhost:");
    assert_eq!(get(&other).await.status(), 403);
    let post = plain().post(&flv).send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(
        seen.lock().unwrap().len(),
        asked,
        "refused requests went upstream"
    );
}

#[tokio::test]
async fn playlists_are_rewritten_and_open_the_origins_they_name() {
    let (up, seen) = upstream().await;
    let p = proxy().await;
    let list = p
        .url_for(&Url::parse(&format!("{up}/hls/index.m3u8")).unwrap())
        .unwrap();
    let r = get(&list).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "application/vnd.apple.mpegurl"
    );
    let body = text(r).await;
    let segs: Vec<&str> = body.lines().filter(|l| !l.starts_with('#')).collect();
    let prefix = format!("http://{}/{}/http/", p.local_addr(), p.shared.token);
    assert_eq!(segs.len(), 2, "{body}");
    let host = up.trim_start_matches("http://");
    assert_eq!(segs[0], format!("{prefix}{host}/hls/seg1.ts"), "{body}");
    assert!(
        segs[1].starts_with(&format!("{prefix}localhost:")),
        "{body}"
    );
    for s in &segs {
        assert!(s.starts_with(&prefix), "{body}");
        let r = get(s).await;
        assert_eq!(r.status(), 200, "{s}");
        assert_eq!(text(r).await, "TS-BYTES");
    }
    let rows = seen.lock().unwrap().clone();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|(_, c, a)| c == "SESS=cookie-1" && a == "Bearer auth-1"),
        "{rows:?}"
    );
}

#[tokio::test]
async fn dropping_the_proxy_ends_streams_and_closes_the_listener() {
    let (up, _) = upstream().await;
    let p = proxy().await;
    let addr = p.local_addr();
    let flv = p
        .url_for(&Url::parse(&format!("{up}/live/a.flv")).unwrap())
        .unwrap();
    let mut r = plain().get(&flv).send().await.unwrap();
    assert!(r.chunk().await.unwrap().is_some());
    drop(p);
    // The endless stream ends (cleanly or not) instead of hanging.
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = r.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream outlived the proxy");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "the listener outlived the proxy");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
