//! The websocket runner every chat protocol shares: connect, send the
//! handshake, send heartbeats on the protocol's timer, feed received frames
//! to `decode`, send its replies, and reconnect with exponential backoff and
//! jitter. Decoded events go to the writer through a bounded channel: when
//! it is full (a flood) the message is counted as dropped, never queued
//! without limit. Each reconnect is reported as a [`Incoming::Gap`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::message::ChatEvent;
use super::protocol::{ChatProtocol, DecodeError, WsFrame};
use super::provider::ChatProvider;
use crate::net::ProxyRules;

/// What the runner hands the writer.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A decoded event and when it was received.
    Chat { event: ChatEvent, at: Instant },
    /// The connection was down from `since` to `until`: chat sent then is lost.
    Gap { since: Instant, until: Instant },
}

/// Counters shared with the service (dashboard, `danmu_files.dropped`).
#[derive(Debug, Default)]
pub struct ChatCounters {
    /// Messages decoded.
    pub received: AtomicU64,
    /// Messages lost because the writer's queue was full.
    pub dropped: AtomicU64,
    /// Successful connects.
    pub connects: AtomicU64,
}

/// Reconnect timing and the route to the chat server.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// A connect (TCP + TLS + upgrade) must finish within this.
    pub connect_timeout: Duration,
    /// A connection that lasted this long resets the backoff.
    pub stable_after: Duration,
    /// The streamer's configured proxy; when unset the proxy environment
    /// variables apply, as for its HTTP requests ([`ProxyRules`]).
    pub proxy: Option<String>,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            stable_after: Duration::from_secs(30),
            proxy: None,
        }
    }
}

/// Doubling delay with up to +25 % random jitter, so many rooms whose chat
/// server restarted do not reconnect in lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            next: min,
            min,
            max,
        }
    }

    /// The next delay (and doubles the one after).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        base.mul_f64(1.0 + rand::random::<f64>() * 0.25)
    }

    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

/// How one connection ended.
enum End {
    Cancelled,
    /// Lost or asked to reconnect; `stable` = it lasted long enough to reset the backoff.
    Lost {
        stable: bool,
        why: String,
    },
}

fn to_message(f: WsFrame) -> Message {
    match f {
        WsFrame::Text(t) => Message::Text(t.into()),
        WsFrame::Binary(b) => Message::Binary(b.into()),
    }
}

/// Runs until `cancel`: keeps one connection to the provider's chat and
/// forwards what it decodes to `out`.
pub async fn run(
    provider: Arc<dyn ChatProvider>,
    out: mpsc::Sender<Incoming>,
    counters: Arc<ChatCounters>,
    settings: RunnerSettings,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(settings.backoff_min, settings.backoff_max);
    let mut down_since: Option<Instant> = None;
    loop {
        if cancel.is_cancelled() {
            return;
        }
        let end = match connect(&*provider, &settings, &cancel).await {
            Ok(Some((ws, protocol))) => {
                counters.connects.fetch_add(1, Ordering::Relaxed);
                if let Some(since) = down_since.take() {
                    let gap = Incoming::Gap {
                        since,
                        until: Instant::now(),
                    };
                    // Rare and small: waiting for room here is bounded by the writer.
                    if out.send(gap).await.is_err() {
                        return;
                    }
                }
                session(ws, protocol, &out, &counters, &settings, &cancel).await
            }
            Ok(None) => End::Cancelled,
            Err(why) => End::Lost { stable: false, why },
        };
        match end {
            End::Cancelled => return,
            End::Lost { stable, why } => {
                if stable {
                    backoff.reset();
                }
                down_since.get_or_insert_with(Instant::now);
                let delay = backoff.next_delay();
                tracing::info!(
                    provider = provider.name(),
                    "chat connection lost ({why}); reconnecting in {delay:?}"
                );
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Prepares and opens one connection; `Ok(None)` when cancelled.
async fn connect(
    provider: &dyn ChatProvider,
    settings: &RunnerSettings,
    cancel: &CancellationToken,
) -> Result<Option<(Ws, Box<dyn ChatProtocol>)>, String> {
    let attempt = async {
        let conn = provider.prepare().await.map_err(|e| e.to_string())?;
        let url = url::Url::parse(&conn.url).map_err(|e| format!("bad chat URL: {e}"))?;
        let rules = ProxyRules::new(settings.proxy.as_deref()).map_err(|e| e.to_string())?;
        // TCP (through the proxy the rules pick), then TLS and the upgrade.
        let tcp = crate::net::tunnel::connect(&rules, &url)
            .await
            .map_err(|e| format!("cannot connect to the chat server: {e}"))?;
        let (ws, _) = tokio_tungstenite::client_async_tls_with_config(
            conn.url.as_str(),
            tcp,
            Some(ws_config()),
            None,
        )
        .await
        .map_err(|e| format!("cannot connect to the chat server: {e}"))?;
        Ok::<_, String>((ws, conn.protocol))
    };
    tokio::select! {
        _ = cancel.cancelled() => Ok(None),
        r = tokio::time::timeout(settings.connect_timeout, attempt) => match r {
            Ok(r) => r.map(Some),
            Err(_) => Err(format!("no chat connection within {:?}", settings.connect_timeout)),
        },
    }
}

/// Websocket limits for chat. tungstenite's default read buffer (128 KiB)
/// is allocated per connection and zero-filled before every read; chat
/// frames are small, so 8 KiB cuts both the memset per frame and ~120 KiB
/// of memory per room. Messages are capped well above any chat batch seen
/// (a hostile server cannot make a room hold 64 MiB, the default).
fn ws_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_message_size(Some(8 << 20))
        .max_frame_size(Some(8 << 20))
}

/// Forwards one decoded event; a full queue counts it as dropped.
fn forward(out: &mpsc::Sender<Incoming>, counters: &ChatCounters, event: ChatEvent) -> bool {
    counters.received.fetch_add(1, Ordering::Relaxed);
    match out.try_send(Incoming::Chat {
        event,
        at: Instant::now(),
    }) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

/// Speaks the protocol on one open connection until it ends.
async fn session(
    ws: Ws,
    mut protocol: Box<dyn ChatProtocol>,
    out: &mpsc::Sender<Incoming>,
    counters: &ChatCounters,
    settings: &RunnerSettings,
    cancel: &CancellationToken,
) -> End {
    let opened = Instant::now();
    let lost = |why: String| End::Lost {
        stable: opened.elapsed() >= settings.stable_after,
        why,
    };
    let (mut tx, mut rx) = ws.split();
    for f in protocol.handshake() {
        if let Err(e) = tx.send(to_message(f)).await {
            return lost(format!("handshake not sent: {e}"));
        }
    }
    let every = protocol.heartbeat_every().max(Duration::from_millis(100));
    let mut heartbeat = tokio::time::interval_at(Instant::now() + every, every);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Silence longer than two heartbeats (plus slack) means a dead link.
    let read_timeout = every * 2 + Duration::from_secs(10);
    loop {
        let frame = tokio::select! {
            _ = cancel.cancelled() => {
                let _ = tx.send(Message::Close(None)).await;
                return End::Cancelled;
            }
            _ = heartbeat.tick() => {
                for f in protocol.heartbeat() {
                    if let Err(e) = tx.send(to_message(f)).await {
                        return lost(format!("heartbeat not sent: {e}"));
                    }
                }
                continue;
            }
            msg = tokio::time::timeout(read_timeout, rx.next()) => match msg {
                Err(_) => return lost(format!("no chat frame for {read_timeout:?}")),
                Ok(None) => return lost("the server closed the connection".into()),
                Ok(Some(Err(e))) => return lost(format!("chat connection failed: {e}")),
                Ok(Some(Ok(Message::Text(t)))) => WsFrame::Text(t.to_string()),
                Ok(Some(Ok(Message::Binary(b)))) => WsFrame::Binary(b.to_vec()),
                Ok(Some(Ok(Message::Close(_)))) => return lost("the server closed the connection".into()),
                // Pings are answered by tungstenite itself.
                Ok(Some(Ok(_))) => continue,
            },
        };
        match protocol.decode(&frame) {
            Ok(decoded) => {
                for f in decoded.replies {
                    if let Err(e) = tx.send(to_message(f)).await {
                        return lost(format!("reply not sent: {e}"));
                    }
                }
                let mut reconnect = false;
                for event in decoded.events {
                    if event == ChatEvent::Reconnect {
                        reconnect = true;
                        continue;
                    }
                    if !forward(out, counters, event) {
                        return End::Cancelled;
                    }
                }
                if reconnect {
                    return End::Lost {
                        stable: true,
                        why: "the server asked for a reconnect".into(),
                    };
                }
            }
            Err(e @ DecodeError::Fatal { .. }) => return lost(e.to_string()),
            Err(e) => tracing::debug!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::danmu::fake::FakeProvider;

    /// A chat server that sends `n` chat frames on each connection, then
    /// drops it.
    async fn server(n: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    for i in 0..n {
                        let m = format!(r#"{{"type":"chat","user":"u","text":"m{i}"}}"#);
                        if ws.send(Message::Text(m.into())).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("ws://{addr}/ws/r")
    }

    #[tokio::test]
    async fn a_full_queue_counts_drops_and_a_reconnect_reports_a_gap() {
        let url = server(50).await;
        let (tx, mut rx) = mpsc::channel(10);
        let counters = Arc::new(ChatCounters::default());
        let cancel = CancellationToken::new();
        let settings = RunnerSettings {
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_millis(100),
            ..Default::default()
        };
        let task = tokio::spawn(run(
            Arc::new(FakeProvider::new(url)),
            tx,
            Arc::clone(&counters),
            settings,
            cancel.clone(),
        ));
        // Nobody reads until the first connection is over: 10 fit, 40 drop.
        let deadline = Instant::now() + Duration::from_secs(10);
        while counters.received.load(Ordering::SeqCst) < 50 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(counters.dropped.load(Ordering::SeqCst), 40);
        let mut chats = 0;
        let gap = loop {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(Incoming::Chat { .. })) => chats += 1,
                Ok(Some(g @ Incoming::Gap { .. })) => break g,
                other => panic!("no gap: {other:?}"),
            }
        };
        assert_eq!(chats, 10);
        let Incoming::Gap { since, until } = gap else {
            unreachable!()
        };
        assert!(until >= since);
        assert!(counters.connects.load(Ordering::SeqCst) >= 2);
        cancel.cancel();
        task.await.unwrap();
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        let d: Vec<f64> = (0..6).map(|_| b.next_delay().as_secs_f64()).collect();
        for (got, base) in d.iter().zip([1.0, 2.0, 4.0, 8.0, 8.0, 8.0]) {
            assert!(*got >= base && *got <= base * 1.25, "{got} vs {base}");
        }
        b.reset();
        assert!(b.next_delay() < Duration::from_millis(1300));
    }
}
