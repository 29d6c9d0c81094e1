//! A TCP connection to a `ws://`/`wss://` host that follows [`ProxyRules`]:
//! direct, through an HTTP proxy (`CONNECT`), or through a SOCKS5 proxy
//! (`socks5://` resolves the host here, `socks5h://` lets the proxy
//! resolve it). The websocket handshake (and TLS for `wss`) then runs over
//! the returned stream, as it would over a direct one.

use base64::Engine;
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

use super::error::{NetError, redact_url};
use super::proxy::ProxyRules;

/// Longest proxy answer head we read.
const HEAD_CAP: usize = 16 * 1024;

/// Opens a TCP stream to `target`'s host and port, through the proxy
/// `rules` choose for it.
pub async fn connect(rules: &ProxyRules, target: &Url) -> Result<TcpStream, NetError> {
    let host = target
        .host_str()
        .ok_or_else(|| NetError::Config(format!("no host in {}", redact_url(target))))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = target
        .port_or_known_default()
        .ok_or_else(|| NetError::Config(format!("no port for {}", redact_url(target))))?;
    let fail = |detail: String| NetError::Network {
        url: redact_url(target),
        detail,
    };
    let Some(proxy) = rules.for_url(target) else {
        return TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| fail(e.to_string()));
    };
    let shown = {
        let mut p = proxy.clone();
        let _ = p.set_username("");
        redact_url(&p)
    };
    let via = |detail: String| fail(format!("{detail} (through proxy {shown})"));
    let proxy_host = proxy
        .host_str()
        .ok_or_else(|| NetError::Config(format!("no host in proxy {shown}")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let proxy_port = proxy.port_or_known_default().unwrap_or(1080);
    let mut s = TcpStream::connect((proxy_host.as_str(), proxy_port))
        .await
        .map_err(|e| via(format!("cannot reach the proxy: {e}")))?;
    let user = percent_decode_str(proxy.username())
        .decode_utf8_lossy()
        .into_owned();
    let pass = proxy
        .password()
        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned());
    let creds = (!user.is_empty()).then(|| (user, pass.unwrap_or_default()));
    match proxy.scheme() {
        "http" => http_connect(&mut s, &host, port, creds.as_ref())
            .await
            .map_err(via)?,
        "socks5" | "socks5h" => {
            let remote_dns = proxy.scheme() == "socks5h";
            socks5_connect(&mut s, &host, port, remote_dns, creds.as_ref())
                .await
                .map_err(via)?
        }
        other => {
            return Err(NetError::Config(format!(
                "a {other} proxy cannot carry a websocket (use http, socks5 or socks5h)"
            )));
        }
    }
    Ok(s)
}

/// `CONNECT host:port` on an HTTP proxy; `Ok` once it answered 2xx.
async fn http_connect(
    s: &mut TcpStream,
    host: &str,
    port: u16,
    creds: Option<&(String, String)>,
) -> Result<(), String> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((u, p)) = creds {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
        req.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("proxy write failed: {e}"))?;
    // Byte by byte: nothing past the head may be consumed, it belongs to
    // the tunnel.
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= HEAD_CAP {
            return Err("proxy answer head too long".into());
        }
        let b = s
            .read_u8()
            .await
            .map_err(|e| format!("proxy closed the connection: {e}"))?;
        head.push(b);
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or_default();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if code.starts_with('2') {
        Ok(())
    } else {
        Err(format!("proxy refused the tunnel: {status_line}"))
    }
}

/// The SOCKS5 handshake (RFC 1928, user/password of RFC 1929).
async fn socks5_connect(
    s: &mut TcpStream,
    host: &str,
    port: u16,
    remote_dns: bool,
    creds: Option<&(String, String)>,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("SOCKS5 proxy: {e}");
    let methods: &[u8] = if creds.is_some() { &[0, 2] } else { &[0] };
    let mut hello = vec![5, methods.len() as u8];
    hello.extend_from_slice(methods);
    s.write_all(&hello).await.map_err(io)?;
    let mut pick = [0u8; 2];
    s.read_exact(&mut pick).await.map_err(io)?;
    match (pick, creds) {
        ([5, 0], _) => {}
        ([5, 2], Some((u, p))) => {
            let (u, p) = (u.as_bytes(), p.as_bytes());
            if u.len() > 255 || p.len() > 255 {
                return Err("SOCKS5 credentials longer than 255 bytes".into());
            }
            let mut auth = vec![1, u.len() as u8];
            auth.extend_from_slice(u);
            auth.push(p.len() as u8);
            auth.extend_from_slice(p);
            s.write_all(&auth).await.map_err(io)?;
            let mut ok = [0u8; 2];
            s.read_exact(&mut ok).await.map_err(io)?;
            if ok[1] != 0 {
                return Err("SOCKS5 proxy rejected the credentials".into());
            }
        }
        _ => return Err("SOCKS5 proxy accepts none of our auth methods".into()),
    }
    let mut req = vec![5, 1, 0];
    let ip = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if remote_dns => None,
        Err(_) => Some(
            tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .next()
                .ok_or_else(|| format!("cannot resolve {host}"))?
                .ip(),
        ),
    };
    match ip {
        Some(std::net::IpAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.octets());
        }
        Some(std::net::IpAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.octets());
        }
        None => {
            let name = host.as_bytes();
            if name.len() > 255 {
                return Err("host name too long for SOCKS5".into());
            }
            req.push(3);
            req.push(name.len() as u8);
            req.extend_from_slice(name);
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req).await.map_err(io)?;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await.map_err(io)?;
    if head[1] != 0 {
        return Err(format!(
            "SOCKS5 proxy refused the connection (code {})",
            head[1]
        ));
    }
    // The bound address the proxy reports: read and ignore.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => usize::from(s.read_u8().await.map_err(io)?) + 2,
        t => return Err(format!("SOCKS5 proxy sent address type {t}")),
    };
    let mut skip = vec![0u8; rest];
    s.read_exact(&mut skip).await.map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-shot HTTP CONNECT proxy that records the request head and
    /// then relays bytes both ways.
    async fn connect_proxy(answer: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut c, _) = l.accept().await.unwrap();
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                head.push(c.read_u8().await.unwrap());
            }
            let head = String::from_utf8(head).unwrap();
            let target = head.split_whitespace().nth(1).unwrap().to_string();
            c.write_all(answer.as_bytes()).await.unwrap();
            if answer.contains(" 200 ") {
                let mut up = TcpStream::connect(target).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut c, &mut up).await;
            }
            head
        });
        (format!("http://user:pa%20ss@{addr}"), task)
    }

    async fn echo_server() -> u16 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut b = [0u8; 5];
            s.read_exact(&mut b).await.unwrap();
            s.write_all(&b).await.unwrap();
        });
        port
    }

    /// Connects to `target` through `rules` and checks the echo server
    /// answers "hello" over the tunnel, then closes it.
    async fn echo_through(rules: &ProxyRules, target: &str) {
        let target = Url::parse(target).unwrap();
        let mut s = connect(rules, &target).await.unwrap();
        s.write_all(b"hello").await.unwrap();
        let mut back = [0u8; 5];
        s.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
    }

    #[tokio::test]
    async fn tunnels_through_an_http_proxy_with_credentials() {
        let port = echo_server().await;
        let (proxy, seen) = connect_proxy("HTTP/1.1 200 Connection established\r\n\r\n").await;
        let rules = ProxyRules::with_env(Some(&proxy), |_| None).unwrap();
        echo_through(&rules, &format!("ws://127.0.0.1:{port}/chat")).await;
        let head = seen.await.unwrap();
        assert!(
            head.starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1")),
            "{head}"
        );
        let token = base64::engine::general_purpose::STANDARD.encode("user:pa ss");
        assert!(
            head.contains(&format!("Proxy-Authorization: Basic {token}")),
            "{head}"
        );
    }

    /// A one-shot SOCKS5 proxy (user/password auth) that returns the
    /// request it got (auth and connect messages) and relays to the target.
    async fn socks_proxy() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut c, _) = l.accept().await.unwrap();
            let mut hello = [0u8; 4];
            c.read_exact(&mut hello).await.unwrap();
            assert_eq!(hello, [5, 2, 0, 2], "offers no-auth and user/password");
            c.write_all(&[5, 2]).await.unwrap();
            let mut seen = Vec::new();
            let (ver, ulen) = (c.read_u8().await.unwrap(), c.read_u8().await.unwrap());
            let mut user = vec![0u8; ulen as usize];
            c.read_exact(&mut user).await.unwrap();
            let plen = c.read_u8().await.unwrap();
            let mut pass = vec![0u8; plen as usize];
            c.read_exact(&mut pass).await.unwrap();
            assert_eq!(ver, 1);
            seen.extend_from_slice(&user);
            seen.push(b':');
            seen.extend_from_slice(&pass);
            c.write_all(&[1, 0]).await.unwrap();
            let mut head = [0u8; 4];
            c.read_exact(&mut head).await.unwrap();
            assert_eq!(&head[..3], &[5, 1, 0]);
            assert_eq!(head[3], 3, "socks5h sends the host name");
            let n = c.read_u8().await.unwrap();
            let mut host = vec![0u8; n as usize];
            c.read_exact(&mut host).await.unwrap();
            let port = c.read_u16().await.unwrap();
            seen.push(b'@');
            seen.extend_from_slice(&host);
            c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                .await
                .unwrap();
            let mut up = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let _ = tokio::io::copy_bidirectional(&mut c, &mut up).await;
            seen
        });
        (format!("socks5h://me:secret@{addr}"), task)
    }

    #[tokio::test]
    async fn tunnels_through_a_socks5_proxy() {
        let port = echo_server().await;
        let (proxy, seen) = socks_proxy().await;
        let rules = ProxyRules::with_env(Some(&proxy), |_| None).unwrap();
        echo_through(&rules, &format!("ws://localhost:{port}/chat")).await;
        assert_eq!(seen.await.unwrap(), b"me:secret@localhost");
    }

    #[tokio::test]
    async fn a_refused_tunnel_names_the_proxy_without_credentials() {
        let (proxy, _seen) =
            connect_proxy("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n").await;
        let rules = ProxyRules::with_env(Some(&proxy), |_| None).unwrap();
        let target = Url::parse("wss://chat.example/sub?token=s3cret").unwrap();
        let e = connect(&rules, &target).await.unwrap_err().to_string();
        assert!(
            e.contains("407") && e.contains("through proxy http://127.0.0.1:"),
            "{e}"
        );
        assert!(!e.contains("s3cret") && !e.contains("pa%20ss"), "{e}");
    }
}
