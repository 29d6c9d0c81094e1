//! Email channel: one plain-text mail per event through SMTP (lettre on
//! tokio with rustls): STARTTLS, implicit TLS or plain (loopback relays).

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::channel::{Failure, Sent, Text};
use super::event::{Event, render};
use crate::config::notify::{EmailChannel, SmtpSecurity};

pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    subject: Option<String>,
}

impl Email {
    pub fn new(c: &EmailChannel) -> Result<Self, String> {
        let builder = match c.security {
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                .port(c.port.unwrap_or(25)),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host)
                .map_err(|e| format!("TLS setup failed: {e}"))?
                .port(c.port.unwrap_or(465)),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                .map_err(|e| format!("TLS setup failed: {e}"))?
                .port(c.port.unwrap_or(587)),
        };
        let mut builder = builder.timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &c.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                c.password.clone().unwrap_or_default(),
            ));
        }
        let parse = |m: &str| {
            m.parse::<Mailbox>()
                .map_err(|e| format!("bad address `{m}`: {e}"))
        };
        Ok(Self {
            transport: builder.build(),
            from: parse(&c.from)?,
            to: c.to.iter().map(|t| parse(t)).collect::<Result<_, _>>()?,
            subject: c.subject.clone(),
        })
    }

    pub async fn send(&self, ev: &Event, text: &Text) -> Result<Sent, Failure> {
        let subject = match &self.subject {
            Some(t) => render(t, &ev.vars()),
            None => text.title.clone(),
        };
        let data = serde_json::to_string_pretty(&ev.data).unwrap_or_default();
        let body = format!(
            "{}\n\nevent: {} (id {}, {})\n{}\n",
            text.body,
            ev.event_type,
            ev.id,
            ev.timestamp.to_rfc3339(),
            data
        );
        let mut m = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            m = m.to(to.clone());
        }
        let mail = m
            .body(body)
            .map_err(|e| Failure::transient(format!("cannot build the mail: {e}")))?;
        match self.transport.send(mail).await {
            Ok(r) => Ok(Sent {
                status: Some(u16::from(r.code())),
                response: r.message().collect::<Vec<_>>().join(" "),
            }),
            Err(e) => Err(Failure {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
                retry_after: None,
            }),
        }
    }
}
