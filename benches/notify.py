#!/usr/bin/env python3
"""Notification benchmark for issue 20.

10,000 outbox events (default) are written in one transaction while the
daemon runs with one webhook channel pointed at a local receiver (HMAC
signing on). Measures events/s from the commit to the last unique event
received, and the daemon's CPU seconds for them.

Usage: benches/notify.py [--events 10000] [--bin PATH]
Needs: cargo build --release --bin srec (honours CARGO_TARGET_DIR)
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, http.server, json, os, sqlite3, subprocess, tempfile, threading, time

from monitor import proc_stats


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would
    seen = set()
    total = 0
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        event_id = json.loads(body)["event_id"]
        with Sink.lock:
            Sink.total += 1
            Sink.seen.add(event_id)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--bin", default=None)
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(a.bin or f"{target}/release/srec")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    tmp = tempfile.mkdtemp(prefix="srec-notify-")
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1",
               SREC_LOG="srec=info")
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[api]\nport = 0\n[notify]\ndebounce = "0s"\n'
                f'[notify.channels.hook]\ntype = "webhook"\nurl = "{url}"\nsecret = "bench"\n'
                f'events = ["disk_low"]\n')
    daemon = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    for line in daemon.stderr:
        if "notification channel started" in line:
            break
    threading.Thread(target=lambda: [None for _ in daemon.stderr], daemon=True).start()
    time.sleep(0.5)
    rss0, cpu0 = proc_stats(daemon.pid)
    db = sqlite3.connect(f"{tmp}/data/srec.db", timeout=30)
    now = int(time.time() * 1000)
    payload = json.dumps({"path": "/rec", "free_bytes": 1024, "min_free_bytes": 2048})
    db.executemany("INSERT INTO monitor_event_outbox (streamer_id, kind, payload, created_at) VALUES (NULL, ?, ?, ?)",
                   [("disk_low", payload, now)] * a.events)
    db.commit()
    start = time.monotonic()
    while len(Sink.seen) < a.events:
        if time.monotonic() - start > 600:
            raise SystemExit(f"only {len(Sink.seen)} of {a.events} delivered in 600 s")
        time.sleep(0.01)
    elapsed = time.monotonic() - start
    rss1, cpu1 = proc_stats(daemon.pid)
    daemon.terminate()
    daemon.wait(timeout=40)
    print(f"| measure ({a.events} events, one webhook channel, HMAC on) | result |")
    print("|---|---|")
    print(f"| commit to last event received | {elapsed:.2f} s |")
    print(f"| events/s | {a.events / elapsed:,.0f} |")
    print(f"| daemon CPU for them | {cpu1 - cpu0:.2f} s ({(cpu1 - cpu0) / a.events * 1e6:.0f} µs/event) |")
    print(f"| daemon RSS before / after | {rss0:.1f} MiB / {rss1:.1f} MiB |")
    print(f"| requests received / duplicates | {Sink.total} / {Sink.total - len(Sink.seen)} |")


if __name__ == "__main__":
    main()
