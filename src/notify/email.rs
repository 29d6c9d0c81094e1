//! Email channel: one plain-text mail per event through SMTP (lettre on
//! tokio with rustls): STARTTLS, implicit TLS or plain (loopback relays).

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::channel::{Failure, Sent, Text};
use super::event::{Event, render};
use crate::config::notify::{EmailChannel, SmtpSecurity};

/// The port used: the configured one or the default of the security mode.
fn transport_port(c: &EmailChannel) -> u16 {
    c.port.unwrap_or(match c.security {
        SmtpSecurity::Plain => 25,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::Starttls => 587,
    })
}

/// TLS settings for the relay: its host name checked against the
/// certificate, the public roots plus the channel's `ca_file` if any.
fn tls_parameters(c: &EmailChannel) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(c.host.clone());
    if let Some(path) = &c.ca_file {
        let pem = crate::config::ca_file::load(path).map_err(|e| format!("ca_file: {e}"))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("ca_file: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    b.build().map_err(|e| format!("TLS setup failed: {e}"))
}

pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    subject: Option<String>,
    /// `host:port` when the relay is reached over TLS (for error messages).
    tls: Option<String>,
}

/// An SMTP failure as text. A refused certificate is named as a TLS
/// failure with the relay and a hint, instead of lettre's nested
/// "Connection error: Connection error: invalid peer certificate". The text
/// never holds the credentials (lettre's errors do not carry them).
fn describe(e: &lettre::transport::smtp::Error, tls: Option<&String>) -> String {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    match tls {
        Some(relay) if e.is_tls() || detail.contains("certificate") => format!(
            "SMTP: TLS handshake with {relay} failed: {detail} (a relay with a private CA or a \
             self-signed certificate needs it in `ca_file`)"
        ),
        _ => format!("SMTP: {e}"),
    }
}

impl Email {
    pub fn new(c: &EmailChannel) -> Result<Self, String> {
        let builder = match c.security {
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                .port(transport_port(c)),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                .tls(Tls::Wrapper(tls_parameters(c)?))
                .port(transport_port(c)),
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                    .tls(Tls::Required(tls_parameters(c)?))
                    .port(transport_port(c))
            }
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
            tls: (c.security != SmtpSecurity::Plain)
                .then(|| format!("{}:{}", c.host, transport_port(c))),
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
                message: describe(&e, self.tls.as_ref()),
                retry_after: None,
            }),
        }
    }
}
