//! A minimal HTTP/1.0 client over `std::net::TcpStream` for tests that
//! drive a real daemon's API from synchronous code, and the daemon's API
//! address from its lock file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::Srec;

/// The API address the running daemon of `s` advertises (`host:port`).
pub fn api_addr(s: &Srec) -> String {
    let info = srec::app::lock::probe(&s.data_dir().join("daemon.lock")).expect("daemon lock held");
    info.api.expect("API address in the lock file").to_string()
}

/// Sends `method path` with an optional JSON body; returns the status and
/// the body.
pub fn request(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).expect("connect to the API");
    tcp.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).expect("send");
    let mut resp = Vec::new();
    tcp.read_to_end(&mut resp).expect("read");
    let text = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// `GET path`, asserting 200; the body.
pub fn get(addr: &str, path: &str) -> String {
    let (status, body) = request(addr, "GET", path, None);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}
