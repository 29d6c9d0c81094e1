//! Loopback receivers for notification tests: an HTTP receiver that records
//! every request (webhook, Discord and ntfy shapes; it can answer 503 while
//! "down", 429 with `Retry-After` once, or answer one path only after a long
//! delay); the SMTP sink lives in `smtp_sink`.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use srec::db::{Db, outbox};

use crate::harness::{Daemon, Srec};
pub use crate::smtp_sink::SmtpSink;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
}

impl Hit {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Default)]
struct Shared {
    hits: Mutex<Vec<Hit>>,
    down: AtomicBool,
    /// 429s still to answer on `/discord`.
    throttle: AtomicU32,
    /// Paths that answer only after this delay (a slow receiver).
    slow: Mutex<Vec<(String, Duration)>>,
    /// Requests that reached the handler, per path (before any delay).
    arrived: Mutex<Vec<String>>,
    /// The next request to this path is recorded as answered 200 and then
    /// held until [`Receiver::release`]: the receiver has the event, the
    /// sender has no answer yet.
    hold_next: Mutex<Option<String>>,
    /// Whether a held request is waiting (`true`), flipped by `release`.
    held: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
}

/// An HTTP receiver on 127.0.0.1:0, served on its own runtime.
pub struct Receiver {
    pub base: String,
    shared: Arc<Shared>,
    _rt: tokio::runtime::Runtime,
}

async fn handle(
    State(s): State<Arc<Shared>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.arrived.lock().unwrap().push(path.clone());
    let delay = s
        .slow
        .lock()
        .unwrap()
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, d)| *d);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let hold = {
        let mut next = s.hold_next.lock().unwrap();
        (next.as_deref() == Some(path.as_str())).then(|| next.take())
    };
    if hold.is_some() {
        s.hits.lock().unwrap().push(Hit {
            path,
            headers,
            body: body.to_vec(),
            status: 200,
        });
        let (tx, mut rx) = tokio::sync::watch::channel(true);
        *s.held.lock().unwrap() = Some(tx);
        let _ = rx.wait_for(|held| !*held).await;
        return (StatusCode::OK, "ok").into_response();
    }
    let (status, resp): (u16, Response) = if s.down.load(Ordering::SeqCst) {
        (
            503,
            (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        )
    } else if path == "discord"
        && s.throttle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        (
            429,
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("Retry-After", "1"), ("Content-Type", "application/json")],
                r#"{"message":"You are being rate limited.","retry_after":0.5,"global":false}"#,
            )
                .into_response(),
        )
    } else if path == "discord" {
        (204, StatusCode::NO_CONTENT.into_response())
    } else {
        (200, (StatusCode::OK, "ok").into_response())
    };
    s.hits.lock().unwrap().push(Hit {
        path,
        headers,
        body: body.to_vec(),
        status,
    });
    resp
}

impl Receiver {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::post(handle))
            .with_state(Arc::clone(&shared));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base,
            shared,
            _rt: rt,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// Answer 503 to everything while `down`.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// Answer the next `n` requests to `/discord` with 429.
    pub fn throttle(&self, n: u32) {
        self.shared.throttle.store(n, Ordering::SeqCst);
    }

    /// Answer requests to `path` only after `delay` (a receiver that hangs).
    pub fn set_slow(&self, path: &str, delay: Duration) {
        self.shared
            .slow
            .lock()
            .unwrap()
            .push((path.to_string(), delay));
    }

    /// Holds the answer to the next request to `path` (see [`Shared`]).
    pub fn hold_next(&self, path: &str) {
        *self.shared.hold_next.lock().unwrap() = Some(path.to_string());
    }

    /// Whether a request is being held now.
    pub fn holding(&self) -> bool {
        self.shared
            .held
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|tx| *tx.borrow())
    }

    /// Lets a held request answer.
    pub fn release(&self) {
        if let Some(tx) = self.shared.held.lock().unwrap().take() {
            let _ = tx.send(false);
        }
    }

    /// Requests to `path` that arrived, answered or not yet.
    pub fn arrived(&self, path: &str) -> usize {
        self.shared
            .arrived
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.shared
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }

    /// Successful requests to `path`.
    pub fn delivered(&self, path: &str) -> Vec<Hit> {
        self.hits(path).into_iter().filter(Hit::ok).collect()
    }
}

/// Checks `X-Srec-Signature` against the body, the way a user would.
pub fn verify_hmac(secret: &str, hit: &Hit) -> bool {
    let Some(hex) = hit
        .header("X-Srec-Signature")
        .strip_prefix("sha256=")
        .map(str::to_string)
    else {
        return false;
    };
    let Ok(sig) = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&hit.body);
    mac.verify_slice(&sig).is_ok()
}

/// The test's database (to write outbox rows the way services do).
pub fn db(s: &Srec) -> Db {
    Db::open(&s.db_path()).expect("db")
}

/// Event types of the successful requests to `path`, in arrival order.
pub fn types(r: &Receiver, path: &str) -> Vec<String> {
    r.delivered(path)
        .iter()
        .map(|h| {
            h.json()["event_type"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Event ids of the successful requests to `path`, in arrival order.
pub fn ids(rx: &Receiver, path: &str) -> Vec<i64> {
    rx.delivered(path)
        .iter()
        .filter_map(|h| h.json()["event_id"].as_i64())
        .collect()
}

/// Writes an outbox row without a streamer; returns its id.
pub fn insert_event(s: &Srec, kind: &str, payload: &str) -> i64 {
    db(s)
        .with(|c| outbox::insert(c, None, kind, payload))
        .unwrap()
}

/// Starts the daemon with info logs and waits until it is ready.
pub fn start(s: &Srec) -> Daemon {
    let mut cmd = s.daemon_command();
    cmd.env("SREC_LOG", "srec=info");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    d
}

/// Waits until every channel in `ids` has opened its delivery position: a
/// new channel starts after the newest outbox row at that moment, so an
/// event written before then is not its to send.
pub fn wait_channels(d: &mut Daemon, ids: &[&str]) {
    for id in ids {
        d.wait_for(
            &format!("notification channel started channel={id} "),
            Duration::from_secs(10),
        );
    }
}
