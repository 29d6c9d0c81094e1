#!/usr/bin/env python3
"""Read latency of the daemon's API while another process holds SQLite's
write lock (issue 17, "Disk": a separate read path).

Scenario: a daemon with N streamers (URLs on a closed local port). A second
process (this script, through Python's sqlite3 module, like a long CLI
write) runs `BEGIN IMMEDIATE` and keeps the write lock for --hold seconds.
Meanwhile one daemon write (`PATCH /api/streamers/1`) waits for that lock
inside the daemon's writer connection, and this script measures
`GET /api/streamers` latency. Before the read pool every daemon read queued
behind that waiting write; with it, reads go to read-only WAL connections.

Usage: benches/db_read.py [--bin target/release/srec] [--streamers 100]
                          [--hold 3] [--reads 200]
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, http.client, json, os, signal, sqlite3, statistics, subprocess, tempfile, threading, time


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def request(addr, method, path, body=None, timeout=60):
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Content-Type": "application/json"} if body else {}
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def timed_get(addr):
    t = time.perf_counter()
    status, _ = request(addr, "GET", "/api/streamers")
    assert status == 200, status
    return (time.perf_counter() - t) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release/srec"))
    ap.add_argument("--streamers", type=int, default=100)
    ap.add_argument("--hold", type=float, default=3.0, help="seconds the external write lock is held")
    ap.add_argument("--reads", type=int, default=200, help="idle reads for the baseline")
    args = ap.parse_args()
    bin_ = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="srec-bench-")
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write("[api]\nport = 0\n")
    for i in range(args.streamers):
        subprocess.run([bin_, "add", f"http://127.0.0.1:9/room/s{i}"], env=env, check=True, capture_output=True)

    d = subprocess.Popen([bin_, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = f"{tmp}/data/daemon.lock"
        end = time.time() + 20
        addr = None
        while time.time() < end and addr is None:
            try:
                addr = json.load(open(lock)).get("api")
            except (OSError, ValueError):
                time.sleep(0.05)
        assert addr, "daemon did not advertise its API"

        idle = [timed_get(addr) for _ in range(args.reads)]

        db = sqlite3.connect(f"{tmp}/data/srec.db", isolation_level=None, timeout=10, check_same_thread=False)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE streamers SET name = name WHERE id = 1")
        held_at = time.perf_counter()
        write = {}

        def daemon_write():
            t = time.perf_counter()
            write["status"], _ = request(addr, "PATCH", "/api/streamers/1", body=b'{"priority":"high"}')
            write["ms"] = (time.perf_counter() - t) * 1000

        # The lock is released on a timer, not by the reading loop: a read
        # stalled behind the daemon's waiting write must not extend the hold.
        release = threading.Timer(args.hold, lambda: db.execute("ROLLBACK"))
        release.start()
        w = threading.Thread(target=daemon_write)
        w.start()
        time.sleep(0.05)  # let the daemon's write reach the lock
        during = []
        while time.perf_counter() - held_at < args.hold:
            during.append(timed_get(addr))
        release.join()
        w.join()

        def row(name, v):
            return f"| {name} | {len(v)} | {statistics.median(v):.1f} | {pct(v, 95):.1f} | {max(v):.1f} |"

        print(f"binary: {bin_}, {args.streamers} streamers, external write lock held {args.hold:.1f} s")
        print("| GET /api/streamers | reads | median ms | p95 ms | max ms |")
        print("|---|---|---|---|---|")
        print(row("idle", idle))
        print(row("while a write waits", during))
        print(f"daemon PATCH during the hold: HTTP {write.get('status')} after {write.get('ms', 0):.0f} ms")
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)


if __name__ == "__main__":
    main()
