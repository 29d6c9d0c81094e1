//! Chat websocket `GET /ws/{id}`: a `welcome` message, then scripted chat
//! (and every fifth message a gift) every `chat_interval`, plus anything a
//! test pushes with `Room::send_chat` or `POST /control/{id}/chat`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::not_found;
use crate::room::Room;
use crate::shared::Shared;
use crate::stats::Route;

pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let room = shared.room(&id);
    shared.count(Route::Chat, room.as_ref());
    let Some(room) = room else {
        return not_found("room not found");
    };
    let interval = shared.settings.chat_interval;
    let cancel = shared.cancel.clone();
    ws.on_upgrade(move |socket| run(socket, room, interval, cancel))
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The `n`-th scripted message (1-based) of a connection.
pub(crate) fn scripted(room: &str, n: u64) -> Value {
    let user = format!("u{}", (n - 1) % 7 + 1);
    if n.is_multiple_of(5) {
        json!({ "type": "gift", "room": room, "seq": n, "user": user, "gift": "rocket", "count": 1, "ts": unix_ms() })
    } else {
        json!({ "type": "chat", "room": room, "seq": n, "user": user, "text": format!("hello {n}"), "ts": unix_ms() })
    }
}

async fn tick(ticker: &mut Option<tokio::time::Interval>) {
    match ticker {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn run(mut socket: WebSocket, room: Room, interval: Duration, cancel: CancellationToken) {
    let mut pushed = room.inner.chat.subscribe();
    let mut kick = room.inner.chat_kick.subscribe();
    let welcome = json!({ "type": "welcome", "room": room.id(), "ts": unix_ms() });
    if socket
        .send(Message::Text(welcome.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut ticker = (!interval.is_zero()).then(|| {
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    let mut n = 0u64;
    loop {
        let text = tokio::select! {
            _ = cancel.cancelled() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            _ = kick.changed() => {
                // A forced disconnect: no close handshake, like a dropped link.
                return;
            }
            _ = tick(&mut ticker) => {
                if room.inner.chat_paused.load(Ordering::SeqCst) {
                    continue;
                }
                n += 1;
                scripted(room.id(), n).to_string()
            }
            msg = pushed.recv() => match msg {
                Ok(text) => text,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                // Pings are answered by the websocket layer; other client
                // messages are ignored like a broadcast-only chat server would.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        let counted = text.contains("\"type\":\"chat\"") || text.contains("\"type\":\"gift\"");
        if socket.send(Message::Text(text.into())).await.is_err() {
            return;
        }
        if counted {
            room.inner.chat_sent.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scripted;

    #[test]
    fn script_mixes_chat_and_gifts() {
        assert_eq!(scripted("r", 1)["type"], "chat");
        assert_eq!(scripted("r", 1)["text"], "hello 1");
        assert_eq!(scripted("r", 5)["type"], "gift");
        assert_eq!(scripted("r", 8)["user"], "u1");
    }
}
