#!/usr/bin/env python3
"""Batch monitoring of real-site platforms against their emulations (issue 15).

  N Bilibili + M Twitch streamers (default 1,000 + 1,000), all offline, at a
  30 s check interval, each platform's `api_base` pointed at the fake
  server's site emulation: requests per round by route, daemon RSS, and
  daemon CPU seconds per minute of monitoring.

Usage: benches/sites.py [--bilibili 1000] [--twitch 1000] [--interval 30] [--minutes 2]
Needs: cargo build --release --bin srec --example fake_live (honours CARGO_TARGET_DIR)
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, json, os, signal, socket, sqlite3, subprocess, tempfile, time, urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url):
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def site_stats(base):
    with urllib.request.urlopen(f"{base}/control/stats", timeout=10) as r:
        return json.loads(r.read()).get("sites", {})


def proc_stats(pid):
    status = open(f"/proc/{pid}/status").read()
    rss = int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1])
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss / 1024, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bilibili", type=int, default=1000)
    ap.add_argument("--twitch", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--minutes", type=float, default=2.0)
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(f"{target}/release/srec")
    fake_bin = os.path.abspath(f"{target}/release/examples/fake_live")
    tmp = tempfile.mkdtemp(prefix="srec-sites-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([fake_bin, "--port", str(port), "--rooms", "warmup", "--chat-interval-ms", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[recording]\ncheck_interval = "{a.interval}s"\noffline_confirmations = 1\n[api]\nport = 0\n'
                f'[platforms.bilibili]\napi_base = "{base}/sites/bilibili"\n'
                f'[platforms.twitch]\napi_base = "{base}/sites/twitch"\n')
    subprocess.run([srec, "list"], env=env, check=True, capture_output=True)  # creates the schema
    now = int(time.time() * 1000)
    bili = [str(100000 + i) for i in range(a.bilibili)]
    twitch = [f"tw{i}" for i in range(a.twitch)]
    rows = [(f"https://live.bilibili.com/{r}", f"b{r}", "bilibili", now, now) for r in bili]
    rows += [(f"https://www.twitch.tv/{r}", r, "twitch", now, now) for r in twitch]
    db = sqlite3.connect(f"{tmp}/data/srec.db")
    db.executemany("INSERT INTO streamers (url, name, platform, created_at, updated_at) VALUES (?,?,?,?,?)", rows)
    db.commit()
    db.close()
    for r in bili + twitch:
        post(f"{base}/control/{r}/offline")

    daemon = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The first round warms per-room caches (e.g. Bilibili's room -> uid);
    # measure from the third round on.
    time.sleep(2 * a.interval + 5)
    rss0, cpu0 = proc_stats(daemon.pid)
    s0 = site_stats(base)
    t0 = time.time()
    time.sleep(a.minutes * 60)
    rss1, cpu1 = proc_stats(daemon.pid)
    s1 = site_stats(base)
    elapsed = time.time() - t0
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    fake.send_signal(signal.SIGTERM)
    fake.wait(timeout=10)

    rounds = elapsed / a.interval
    print(f"| {a.bilibili} Bilibili + {a.twitch} Twitch offline, check_interval {a.interval}s, "
          f"{a.minutes:g} min measured after 2 warm-up rounds | result |")
    print("|---|---|")
    for key in sorted(set(s0) | set(s1)):
        d = s1.get(key, 0) - s0.get(key, 0)
        print(f"| `{key}` requests per round | {d / rounds:.1f} ({d} in {rounds:.1f} rounds) |")
    print(f"| daemon RSS after warm-up / at the end | {rss0:.1f} MiB / {rss1:.1f} MiB |")
    print(f"| daemon CPU per minute of monitoring | {(cpu1 - cpu0) / (elapsed / 60):.2f} s |")


if __name__ == "__main__":
    main()
