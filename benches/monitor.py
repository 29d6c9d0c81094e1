#!/usr/bin/env python3
"""Monitoring benchmark for issue 5, against release builds.

  * N offline streamers (default 10,000) on the fake platform's batch
    endpoint: daemon RSS and CPU seconds per minute of monitoring.
  * Detection latency: a room flips live -> first byte of its recording on
    disk; K samples (default 20), p50 / p99 / max. Target: <= check_interval + 1 s.

Usage: benches/monitor.py [--streamers 10000] [--interval 10] [--samples 20]
Needs: cargo build --release --bin srec --example fake_live (honours CARGO_TARGET_DIR)
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, json, os, random, signal, socket, sqlite3, statistics, subprocess, tempfile, time, urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(url, data=data, method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def proc_stats(pid):
    status = open(f"/proc/{pid}/status").read()
    rss = int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1])
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss / 1024, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--streamers", type=int, default=10000)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=1.0)
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(f"{target}/release/srec")
    fake_bin = os.path.abspath(f"{target}/release/examples/fake_live")
    tmp = tempfile.mkdtemp(prefix="srec-monitor-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([fake_bin, "--port", str(port), "--rooms", "warmup", "--chat-interval-ms", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[recording]\ncheck_interval = "{a.interval}s"\noffline_confirmations = 1\nstream_format = "flv"\n[api]\nport = 0\n')
    subprocess.run([srec, "list"], env=env, check=True, capture_output=True)  # creates the schema
    db = sqlite3.connect(f"{tmp}/data/srec.db")
    now = int(time.time() * 1000)
    rows = [(f"{base}/room/s{i}", f"s{i}", "fake", now, now) for i in range(a.streamers)]
    db.executemany("INSERT INTO streamers (url, name, platform, created_at, updated_at) VALUES (?,?,?,?,?)", rows)
    db.commit()
    db.close()
    for i in range(a.streamers):
        post(f"{base}/control/s{i}/offline")

    daemon = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(a.interval + 2)  # first batch round done
    rss0, cpu0 = proc_stats(daemon.pid)
    t0 = time.time()
    time.sleep(a.minutes * 60)
    rss1, cpu1 = proc_stats(daemon.pid)
    cpu_per_min = (cpu1 - cpu0) / ((time.time() - t0) / 60)
    stats = json.loads(urllib.request.urlopen(f"{base}/control/stats").read())["total"]
    monitored_min = (time.time() - t0) / 60

    rec_dir = f"{tmp}/data/recordings"
    latencies = []
    rng = random.Random(7)
    for k in range(a.samples):
        room = f"s{k * 7 % a.streamers}"
        # Flip at a random phase of the check cycle, like a real streamer.
        time.sleep(rng.uniform(0, a.interval))
        post(f"{base}/control/{room}/live")
        t = time.time()
        found = False
        while time.time() - t < a.interval * 3 + 10:
            d = os.path.join(rec_dir, room)
            if os.path.isdir(d):
                for root, _, files in os.walk(d):
                    if any(os.path.getsize(os.path.join(root, f)) > 0 for f in files):
                        found = True
            if found:
                break
            time.sleep(0.02)
        latencies.append(time.time() - t if found else float("inf"))
        post(f"{base}/control/{room}/offline")
        time.sleep(0.5)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    fake.send_signal(signal.SIGTERM)
    fake.wait(timeout=10)

    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
    print(f"| measure ({a.streamers} offline streamers, check_interval {a.interval}s) | result | target |")
    print("|---|---|---|")
    print(f"| daemon RSS after the first round / after {a.minutes:g} min | {rss0:.1f} MiB / {rss1:.1f} MiB | - |")
    print(f"| daemon CPU per minute of monitoring | {cpu_per_min:.2f} s | - |")
    rounds = (a.interval + 2 + monitored_min * 60) / a.interval
    print(f"| batch requests until then (server count; 500 ids each) | {stats.get('batch_api')} (~{rounds:.0f} rounds x {-(-a.streamers // 500)}) | one round per interval |")
    print(f"| single-room API requests | {stats.get('room_api')} | 0 |")
    print(f"| live flip -> first byte on disk, p50 / p99 / max of {len(lat)} | {p(0.5):.2f} s / {p(0.99):.2f} s / {lat[-1]:.2f} s | <= {a.interval + 1} s |")


if __name__ == "__main__":
    main()
