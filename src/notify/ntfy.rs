//! ntfy channel: POSTs the body text to the topic URL with `Title`,
//! `Priority` (1–5, mapped from srec's priority), `Tags` and `Click` headers.

use base64::Engine;

use super::channel::{Failure, Sent, Text, judge, parse_url, transport};
use super::event::Event;
use crate::config::notify::{NtfyChannel, NtfyPriorities};
use crate::net::HttpClient;

pub struct Ntfy {
    http: HttpClient,
    url: url::Url,
    token: Option<String>,
    priorities: NtfyPriorities,
}

/// A header value: ASCII as is, anything else RFC 2047-encoded (ntfy
/// decodes it), since HTTP header values cannot carry raw UTF-8.
pub fn header_text(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.is_ascii() {
        clean
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(clean.as_bytes())
        )
    }
}

impl Ntfy {
    pub fn new(c: &NtfyChannel, http: &HttpClient) -> Result<Self, String> {
        Ok(Self {
            http: http.clone(),
            url: parse_url(&c.url)?,
            token: c.token.clone(),
            priorities: c.priorities.clone(),
        })
    }

    pub async fn send(&self, ev: &Event, text: &Text) -> Result<Sent, Failure> {
        let mut headers = vec![
            ("Title".to_string(), header_text(&text.title)),
            (
                "Priority".to_string(),
                self.priorities.get(ev.priority).to_string(),
            ),
            ("Tags".to_string(), ev.event_type.to_string()),
            ("X-Srec-Event-Id".to_string(), ev.id.to_string()),
        ];
        if let Some(s) = &ev.streamer
            && s.url.starts_with("http")
        {
            headers.push(("Click".into(), s.url.clone()));
        }
        if let Some(t) = &self.token {
            headers.push(("Authorization".into(), format!("Bearer {t}")));
        }
        let body = if text.body.is_empty() {
            text.title.clone()
        } else {
            text.body.clone()
        };
        judge(
            self.http
                .post(&self.url, &headers, body.into_bytes())
                .await
                .map_err(transport)?,
        )
    }
}
