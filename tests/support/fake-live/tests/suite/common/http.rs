//! A tiny HTTP client on hyper: one connection per request, so a cut
//! connection or a stalled body is observable exactly as a recorder sees it.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Sends one request on a fresh connection and returns the streaming response.
pub async fn send(
    method: Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> Response<Incoming> {
    let uri: Uri = url.parse().expect("valid url");
    let authority = uri.authority().expect("url has host:port").clone();
    let stream = TcpStream::connect(authority.as_str())
        .await
        .expect("connect to fake-live");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_owned();
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", authority.as_str());
    let payload = match body {
        Some(json) => {
            req = req.header("content-type", "application/json");
            Bytes::from(json.to_string())
        }
        None => Bytes::new(),
    };
    sender
        .send_request(req.body(Full::new(payload)).expect("request"))
        .await
        .expect("send request")
}

/// A fully read response.
pub struct Got {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

pub async fn get(url: &str) -> Got {
    fetch(Method::GET, url, None).await
}

pub async fn post(url: &str, json: serde_json::Value) -> Got {
    fetch(Method::POST, url, Some(json)).await
}

/// Sends a request and reads its whole body.
async fn fetch(method: Method, url: &str, body: Option<serde_json::Value>) -> Got {
    let resp = send(method, url, body).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("complete body")
        .to_bytes();
    Got {
        status,
        headers,
        body,
    }
}

/// How a streamed body ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// Still open when we stopped reading.
    Open,
    /// Finished cleanly.
    Clean,
    /// The connection broke (error while reading the body).
    Broken,
}

/// Reads a streamed body until `limit` elapses, `max_bytes` arrive, or it ends.
/// Returns the bytes, arrival times of each chunk (offset, instant) and how it ended.
pub async fn read_stream(
    body: &mut Incoming,
    limit: Duration,
    max_bytes: usize,
) -> (Vec<u8>, Vec<(usize, Instant)>, Ending) {
    let deadline = Instant::now() + limit;
    let mut data = Vec::new();
    let mut arrivals = Vec::new();
    loop {
        if data.len() >= max_bytes {
            return (data, arrivals, Ending::Open);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, body.frame()).await {
            Err(_) => return (data, arrivals, Ending::Open),
            Ok(None) => return (data, arrivals, Ending::Clean),
            Ok(Some(Err(_))) => return (data, arrivals, Ending::Broken),
            Ok(Some(Ok(frame))) => {
                if let Ok(chunk) = frame.into_data() {
                    arrivals.push((data.len(), Instant::now()));
                    data.extend_from_slice(&chunk);
                }
            }
        }
    }
}
