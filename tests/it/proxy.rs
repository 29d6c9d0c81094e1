//! Every connection the daemon makes follows one proxy rule (issue 17):
//! the platform check, the mesio recording and the chat websocket all go
//! through the configured proxy; with none configured, the daemon's
//! `HTTP_PROXY`/`HTTPS_PROXY` environment applies, and `NO_PROXY` bypasses
//! it. A tiny proxy on 127.0.0.1 logs what it carried: `CONNECT` tunnels
//! (the chat websocket) and forwarded plain-HTTP requests (reqwest sends
//! `http://` URLs to an HTTP proxy in absolute form).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::danmu_e2e::{chatty_server, xml_files};
use crate::engines::files_below;
use crate::harness::{Daemon, Srec, wait_until};

const WAIT: Duration = Duration::from_secs(40);

/// A forwarding HTTP proxy; `seen` holds each carried request line
/// (`CONNECT 127.0.0.1:PORT HTTP/1.1`, `GET http://.../api/... HTTP/1.1`).
struct TestProxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    fn start() -> Self {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in l.incoming().map_while(Result::ok) {
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(client, &log));
            }
        });
        Self { url, seen }
    }

    fn lines(&self) -> Vec<String> {
        self.seen.lock().expect("log").clone()
    }

    fn connects(&self) -> usize {
        self.lines()
            .iter()
            .filter(|l| l.starts_with("CONNECT "))
            .count()
    }

    /// Forwarded plain requests whose path contains `part`.
    fn forwarded(&self, part: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| !l.starts_with("CONNECT ") && l.contains(part))
            .count()
    }
}

/// One client connection: a tunnel, or one forwarded request (sent with
/// `Connection: close` so every request shows up as its own line).
fn serve(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or_default().to_string();
    log.lock().expect("log").push(line.clone());
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let upstream = if method == "CONNECT" {
        let Ok(up) = TcpStream::connect(target) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        up
    } else {
        let authority = target
            .strip_prefix("http://")
            .and_then(|r| r.split('/').next())
            .unwrap_or_default();
        let Ok(mut up) = TcpStream::connect(authority) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
            return;
        };
        let mut fwd: Vec<String> = text
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                !l.starts_with("connection:") && !l.starts_with("proxy-connection:")
            })
            .map(str::to_string)
            .collect();
        fwd.push("Connection: close".into());
        let fwd = fwd.join("\r\n") + "\r\n\r\n";
        if up.write_all(fwd.as_bytes()).is_err() {
            return;
        }
        up
    };
    pipe(client, upstream);
}

/// Copies both ways until either side ends.
fn pipe(client: TcpStream, upstream: TcpStream) {
    let (Ok(mut c2), Ok(mut u2)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let (mut c, mut u) = (client, upstream);
    let t = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut u, &mut c);
    let _ = c.shutdown(Shutdown::Both);
    let _ = u.shutdown(Shutdown::Both);
    let _ = t.join();
}

/// A mesio HLS recording of a chatty live room with chat capture on, and
/// `proxy` (a config line) if given.
fn config(s: &Srec, proxy: &str) -> std::path::PathBuf {
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[api]\nenabled = false\n[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\n\
         output_dir = \"{}\"\nrecord_danmu = true\nengine = \"mesio\"\nstream_format = \"hls\"\n{proxy}",
        out.display()
    ));
    out
}

/// Media bytes recorded below `out` (video files, finished or `.part`).
fn video_bytes(out: &std::path::Path) -> u64 {
    files_below(out)
        .iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            [".ts", ".flv", ".ts.part", ".flv.part"]
                .iter()
                .any(|e| name.ends_with(e))
        })
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Waits until the check, the media and the chat all went through `proxy`
/// and the recording and chat file exist.
fn assert_all_proxied(d: &mut Daemon, proxy: &TestProxy, out: &std::path::Path) {
    d.wait_for("chat capture started", WAIT);
    let ok = wait_until(WAIT, || {
        proxy.forwarded("/api/rooms") > 0
            && proxy.forwarded("/hls/") > 0
            && proxy.connects() > 0
            && video_bytes(out) > 0
            && !xml_files(out).is_empty()
    });
    assert!(
        ok,
        "check, media and chat through the proxy; proxy saw (first 10) {:?}; files {:?}",
        proxy.lines().iter().take(10).collect::<Vec<_>>(),
        files_below(out)
    );
}

#[test]
fn checks_media_and_chat_go_through_the_configured_proxy() {
    let fake = chatty_server();
    let proxy = TestProxy::start();
    let s = Srec::new();
    let out = config(&s, &format!("proxy = \"{}\"\n", proxy.url));
    let room = fake.live_room("viaproxy");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    assert_all_proxied(&mut d, &proxy, &out);
    d.wait_for("chat file opened", WAIT);
}

#[test]
fn without_a_configured_proxy_the_environment_applies_and_no_proxy_bypasses_it() {
    let fake = chatty_server();
    let proxy = TestProxy::start();
    let s = Srec::new();
    let out = config(&s, "");
    let room = fake.live_room("envproxy");
    s.ok(&["add", &room.page_url()]);
    let mut cmd = s.daemon_command();
    cmd.env("HTTP_PROXY", &proxy.url)
        .env("HTTPS_PROXY", &proxy.url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", WAIT);
    assert_all_proxied(&mut d, &proxy, &out);
    d.signal("TERM");
    assert_eq!(d.wait_exit(WAIT), 0);

    // Same environment plus NO_PROXY for the server's address: the daemon
    // records and captures chat again (the positive marker: new video
    // bytes and a chat file opened), and the proxy carries nothing.
    let before = proxy.lines().len();
    let bytes_before = video_bytes(&out);
    let mut cmd = s.daemon_command();
    cmd.env("HTTP_PROXY", &proxy.url)
        .env("HTTPS_PROXY", &proxy.url)
        .env("NO_PROXY", "127.0.0.1");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", WAIT);
    d.wait_for("chat capture started", WAIT);
    d.wait_for("chat file opened", WAIT);
    assert!(
        wait_until(WAIT, || video_bytes(&out) > bytes_before),
        "recording resumed without the proxy"
    );
    let after = proxy.lines();
    assert_eq!(
        after.len(),
        before,
        "NO_PROXY=127.0.0.1 bypasses the proxy; it saw {:?}",
        &after[before..]
    );
}
