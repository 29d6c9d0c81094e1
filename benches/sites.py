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
import argparse, json, os, signal, sqlite3, subprocess, tempfile, time, urllib.request

from monitor import free_port, post, proc_stats  # same folder: the shared helpers


def site_stats(base):
    with urllib.request.urlopen(f"{base}/control/stats", timeout=10) as r:
        return json.loads(r.read()).get("sites", {})


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

    d = {k: s1.get(k, 0) - s0.get(k, 0) for k in set(s0) | set(s1)}
    # Rounds are jittered (+-10 %), so count them by the rooms each platform
    # asked about rather than by the clock.
    rows = [
        ("Bilibili", a.bilibili, "bilibili.status_by_uids", "bilibili.status_by_uids.uids", 200),
        ("Twitch", a.twitch, "twitch.gql", "twitch.gql_ops", 30),
    ]
    print(f"| {a.bilibili} Bilibili + {a.twitch} Twitch offline, check_interval {a.interval}s, "
          f"{a.minutes:g} min measured after 2 warm-up rounds | result |")
    print("|---|---|")
    for name, n, req, items, limit in rows:
        if n == 0:
            continue
        rounds = d.get(items, 0) / n
        per = d.get(req, 0) / rounds if rounds else 0
        print(f"| {name}: batch requests per round ({rounds:.0f} rounds seen) | {per:.1f} "
              f"(ceil({n}/{limit}) = {-(-n // limit)}) |")
    singles = {k: v for k, v in d.items() if k not in {r[2] for r in rows} | {r[3] for r in rows}
               and not k.endswith("status_query")}
    print(f"| single-room requests in the window | {sum(singles.values())} {dict(sorted(singles.items())) or ''} |")
    print(f"| warm-up: Bilibili room -> uid lookups (once per room after a start) | "
          f"{s0.get('bilibili.room_init', 0)} |")
    print(f"| daemon RSS after warm-up / at the end | {rss0:.1f} MiB / {rss1:.1f} MiB |")
    print(f"| daemon CPU per minute of monitoring | {(cpu1 - cpu0) / (elapsed / 60):.2f} s |")

if __name__ == "__main__":
    main()
