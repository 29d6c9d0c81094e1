//! Discord channel: a webhook message with one embed (title, description,
//! colour by event, link to the stream, the streamer's avatar as thumbnail,
//! timestamp) and optional mentions.
//! A 429 is retried after the `retry_after` Discord puts in the body (or
//! the `Retry-After` header).

use std::time::Duration;

use serde_json::{Value, json};

use super::channel::{Failure, Sent, Text, judge, parse_url, transport};
use super::event::Event;
use crate::config::notify::DiscordChannel;
use crate::net::HttpClient;

pub struct Discord {
    http: HttpClient,
    url: url::Url,
    mentions: Vec<String>,
    avatar_url: Option<String>,
    username: String,
}

/// Embed colour of an event type.
pub fn colour(event_type: &str) -> u32 {
    match event_type {
        "stream_online" | "recording_started" => 0x2e_cc71,
        "stream_offline" | "daemon_stopping" => 0x95_a5a6,
        "recording_failed" | "streamer_error" | "pipeline_failed" => 0xe7_4c3c,
        "disk_low" | "pipeline_throttled" => 0xe6_7e22,
        "pipeline_completed"
        | "pipeline_throttle_released"
        | "segment_finalised"
        | "danmu_finalised" => 0x34_98db,
        _ => 0x58_65f2,
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The webhook body for `ev` (Discord's limits: title 256, description 4096).
pub fn message(ev: &Event, text: &Text, c: &Discord) -> Value {
    let mut embed = json!({
        "title": cut(&text.title, 256),
        "description": cut(&text.body, 4096),
        "color": colour(ev.event_type),
        "timestamp": ev.timestamp.to_rfc3339(),
        "footer": { "text": format!("{} · event {}", ev.event_type, ev.id) },
    });
    if let Some(s) = &ev.streamer {
        if s.url.starts_with("http") {
            embed["url"] = json!(s.url);
        }
        // Discord only fetches http(s) images; anything else would fail the message.
        if let Some(a) = s.avatar.as_deref().filter(|a| a.starts_with("http")) {
            embed["thumbnail"] = json!({ "url": a });
        }
    }
    let mut msg = json!({
        "username": c.username,
        "embeds": [embed],
        "allowed_mentions": { "parse": ["users", "roles", "everyone"] },
    });
    if let Some(a) = &c.avatar_url {
        msg["avatar_url"] = json!(a);
    }
    if !c.mentions.is_empty() {
        msg["content"] = json!(cut(&c.mentions.join(" "), 2000));
    }
    msg
}

impl Discord {
    pub fn new(c: &DiscordChannel, http: &HttpClient) -> Result<Self, String> {
        Ok(Self {
            http: http.clone(),
            url: parse_url(&c.url)?,
            mentions: c.mentions.clone(),
            avatar_url: c.avatar_url.clone(),
            username: c.username.clone().unwrap_or_else(|| "srec".into()),
        })
    }

    pub async fn send(&self, ev: &Event, text: &Text) -> Result<Sent, Failure> {
        let body = serde_json::to_vec(&message(ev, text, self))
            .map_err(|e| Failure::transient(e.to_string()))?;
        let headers = [("Content-Type".to_string(), "application/json".to_string())];
        let reply = self
            .http
            .post(&self.url, &headers, body)
            .await
            .map_err(transport)?;
        let status = reply.status;
        let in_body = (status == 429)
            .then(|| serde_json::from_str::<Value>(&reply.body).ok())
            .flatten()
            .and_then(|v| v.get("retry_after").and_then(Value::as_f64))
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(3600.0)));
        judge(reply).map_err(|mut f| {
            if let Some(d) = in_body {
                f.retry_after = Some(d);
            }
            if status == 429 && f.retry_after.is_none() {
                f.retry_after = Some(Duration::from_secs(1));
            }
            f
        })
    }
}
