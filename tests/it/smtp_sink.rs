//! A loopback SMTP sink for notification tests: one SMTP dialogue
//! (EHLO/AUTH/MAIL/RCPT/DATA/QUIT) over any async stream, served plain, with
//! STARTTLS (the plain session upgraded in place) or with implicit TLS (TLS
//! from the first byte). TLS uses a CA and a `127.0.0.1` certificate made at
//! test time; every command is recorded with whether it arrived encrypted,
//! so a test can prove nothing sensitive crossed the wire in the clear.

use std::sync::{Arc, Mutex};

use base64::Engine;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One mail the SMTP sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    /// The mail came over an encrypted session.
    pub tls: bool,
}

impl Mail {
    /// The `Subject:` header (lettre may encode non-ASCII; tests use ASCII).
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }
}

/// Credentials a client sent with `AUTH PLAIN` / `AUTH LOGIN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
    pub tls: bool,
}

/// How the sink secures its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkTls {
    Plain,
    /// EHLO offers STARTTLS; AUTH is offered only once encrypted.
    Starttls,
    /// TLS handshake before the greeting (port-465 style).
    Implicit,
}

/// A test CA and a server certificate for 127.0.0.1/localhost it signed.
pub struct TestCa {
    /// The CA certificate, PEM (what a `ca_file` holds).
    pub ca_pem: String,
    server: ServerConfig,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        let ca = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), CertificateDer::from(ca.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        Self {
            ca_pem: ca.pem(),
            server,
        }
    }
}

#[derive(Default)]
struct Log {
    mails: Mutex<Vec<Mail>>,
    logins: Mutex<Vec<Login>>,
    /// Every command line, with whether it arrived encrypted.
    commands: Mutex<Vec<(bool, String)>>,
    /// TLS handshakes that failed (the client refused the certificate).
    handshake_errors: Mutex<Vec<String>>,
}

/// What one dialogue ended with.
enum End {
    Closed,
    /// The client asked for STARTTLS and was told to go ahead.
    StartTls,
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

async fn read_line<S: AsyncRead + AsyncWrite + Unpin>(io: &mut BufReader<S>) -> Option<String> {
    let mut line = String::new();
    match io.read_line(&mut line).await {
        Ok(n) if n > 0 => Some(line),
        _ => None,
    }
}

/// The SMTP dialogue over any stream; `tls` says whether it is encrypted,
/// `offer_starttls` whether EHLO advertises STARTTLS.
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    log: &Log,
    tls: bool,
    offer_starttls: bool,
) -> End {
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let Some(line) = read_line(io).await else {
            return End::Closed;
        };
        let cmd = line.trim_end().to_string();
        log.commands.lock().unwrap().push((tls, cmd.clone()));
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            let ext = if offer_starttls && !tls {
                "250-STARTTLS\r\n"
            } else if offer_starttls || tls {
                "250-AUTH PLAIN LOGIN\r\n"
            } else {
                ""
            };
            format!("250-sink\r\n{ext}250-8BITMIME\r\n250 SMTPUTF8\r\n")
        } else if upper.starts_with("HELO") {
            "250 sink\r\n".into()
        } else if upper == "STARTTLS" && offer_starttls && !tls {
            let _ = io.write_all(b"220 2.0.0 ready to start TLS\r\n").await;
            let _ = io.flush().await;
            return End::StartTls;
        } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
            let arg = if rest.trim().is_empty() {
                let _ = io.write_all(b"334 \r\n").await;
                let _ = io.flush().await;
                read_line(io).await.unwrap_or_default()
            } else {
                cmd["AUTH PLAIN".len()..].to_string()
            };
            let parts: Vec<String> = b64(&arg).split('\0').map(str::to_string).collect();
            log.logins.lock().unwrap().push(Login {
                user: parts.get(1).cloned().unwrap_or_default(),
                password: parts.get(2).cloned().unwrap_or_default(),
                tls,
            });
            "235 2.7.0 authenticated\r\n".into()
        } else if upper.starts_with("AUTH LOGIN") {
            let _ = io.write_all(b"334 VXNlcm5hbWU6\r\n").await;
            let _ = io.flush().await;
            let user = b64(&read_line(io).await.unwrap_or_default());
            let _ = io.write_all(b"334 UGFzc3dvcmQ6\r\n").await;
            let _ = io.flush().await;
            let password = b64(&read_line(io).await.unwrap_or_default());
            log.logins.lock().unwrap().push(Login {
                user,
                password,
                tls,
            });
            "235 2.7.0 authenticated\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            from = cmd[10..].trim().to_string();
            to.clear();
            "250 2.1.0 ok\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            to.push(cmd[8..].trim().to_string());
            "250 2.1.5 ok\r\n".into()
        } else if upper == "DATA" {
            let _ = io.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
            let _ = io.flush().await;
            let mut data = String::new();
            loop {
                let Some(l) = read_line(io).await else {
                    return End::Closed;
                };
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                data.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
            }
            log.mails.lock().unwrap().push(Mail {
                from: from.clone(),
                to: to.clone(),
                data,
                tls,
            });
            "250 2.0.0 queued as sink\r\n".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 ok\r\n".into()
        } else if upper == "QUIT" {
            let _ = io.write_all(b"221 bye\r\n").await;
            let _ = io.flush().await;
            return End::Closed;
        } else {
            "502 command not implemented\r\n".into()
        };
        if io.write_all(reply.as_bytes()).await.is_err() || io.flush().await.is_err() {
            return End::Closed;
        }
    }
}

async fn greet_and_talk<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    log: &Log,
    tls: bool,
    offer_starttls: bool,
) -> Option<S> {
    let mut io = BufReader::new(stream);
    if io.write_all(b"220 sink ESMTP ready\r\n").await.is_err() || io.flush().await.is_err() {
        return None;
    }
    match dialogue(&mut io, log, tls, offer_starttls).await {
        End::Closed => None,
        End::StartTls => Some(io.into_inner()),
    }
}

async fn session(stream: tokio::net::TcpStream, log: Arc<Log>, mode: SinkTls, tls: TlsAcceptor) {
    let handshake = |e: std::io::Error| log.handshake_errors.lock().unwrap().push(e.to_string());
    match mode {
        SinkTls::Plain => {
            greet_and_talk(stream, &log, false, false).await;
        }
        SinkTls::Implicit => match tls.accept(stream).await {
            Ok(s) => {
                greet_and_talk(s, &log, true, false).await;
            }
            Err(e) => handshake(e),
        },
        SinkTls::Starttls => {
            let Some(plain) = greet_and_talk(stream, &log, false, true).await else {
                return;
            };
            // After STARTTLS the client starts over with EHLO, no new greeting.
            match tls.accept(plain).await {
                Ok(s) => {
                    let mut io = BufReader::new(s);
                    dialogue(&mut io, &log, true, true).await;
                }
                Err(e) => handshake(e),
            }
        }
    }
}

/// A minimal SMTP server on 127.0.0.1:0.
pub struct SmtpSink {
    pub port: u16,
    log: Arc<Log>,
    _rt: tokio::runtime::Runtime,
}

impl SmtpSink {
    /// A plain sink (no TLS, no AUTH).
    pub fn start() -> Self {
        Self::start_with(SinkTls::Plain, &TestCa::new("unused"))
    }

    /// A sink secured as `mode` with a certificate from `ca`.
    pub fn start_with(mode: SinkTls, ca: &TestCa) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Log::default());
        let l = Arc::clone(&log);
        let acceptor = TlsAcceptor::from(Arc::new(ca.server.clone()));
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, Arc::clone(&l), mode, acceptor.clone()));
            }
        });
        Self { port, log, _rt: rt }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.log.mails.lock().unwrap().clone()
    }

    pub fn logins(&self) -> Vec<Login> {
        self.log.logins.lock().unwrap().clone()
    }

    /// Command lines that arrived unencrypted.
    pub fn plaintext_commands(&self) -> Vec<String> {
        self.log
            .commands
            .lock()
            .unwrap()
            .iter()
            .filter(|(tls, _)| !tls)
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// TLS handshakes the client broke off.
    pub fn handshake_errors(&self) -> Vec<String> {
        self.log.handshake_errors.lock().unwrap().clone()
    }
}
