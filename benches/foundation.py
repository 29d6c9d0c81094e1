#!/usr/bin/env python3
"""Foundation benchmarks for issue 2, run against the release binary.

Measures, on a data dir with N streamers (default 1000):
  * `srec list` wall time (median, p95 of 30 runs; target < 20 ms)
  * `srec run --no-tui` time from spawn to its ready line (target < 200 ms)
  * idle daemon RSS after 5 s (target < 30 MiB)
  * `srec add` start -> daemon log "streamer added" latency (target < 1 s)

Usage: benches/foundation.py [--bin target/release/srec] [--streamers 1000]
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, os, signal, statistics, subprocess, sys, tempfile, threading, time, queue


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release/srec"))
    ap.add_argument("--streamers", type=int, default=1000)
    args = ap.parse_args()
    bin_ = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="srec-bench-")
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write("[api]\nport = 0\n")  # never collide with a daemon on the default port

    def srec(*a, check=True):
        return subprocess.run([bin_, *a], env=env, capture_output=True, text=True, check=check)

    t0 = time.perf_counter()
    for i in range(args.streamers):
        srec("add", f"http://127.0.0.1:9/room/s{i}")
    seed_s = time.perf_counter() - t0

    list_ms = []
    for _ in range(30):
        t = time.perf_counter()
        srec("list")
        list_ms.append((time.perf_counter() - t) * 1000)

    def start_daemon():
        t = time.perf_counter()
        p = subprocess.Popen([bin_, "run", "--no-tui"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put((time.perf_counter(), l)) for l in p.stderr], daemon=True).start()
        while True:
            at, line = lines.get(timeout=20)
            if "srec ready" in line:
                return p, lines, (at - t) * 1000

    ready_ms = []
    for _ in range(10):
        p, _, ms = start_daemon()
        ready_ms.append(ms)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=40)

    p, lines, _ = start_daemon()
    time.sleep(5)
    status = open(f"/proc/{p.pid}/status").read()
    rss_kib = int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1])
    hwm_kib = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
    cpu_ticks = sum(int(x) for x in open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])

    pickup_ms = []
    for i in range(10):
        t = time.perf_counter()
        srec("add", f"http://127.0.0.1:9/room/late{i}")
        while True:
            at, line = lines.get(timeout=10)
            if "streamer added" in line and f"late{i}" in line:
                pickup_ms.append((at - t) * 1000)
                break
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=40)

    hz = os.sysconf("SC_CLK_TCK")
    print(f"| measure ({args.streamers} streamers) | result | target |")
    print("|---|---|---|")
    print(f"| `srec list` wall, median / p95 of 30 | {statistics.median(list_ms):.1f} ms / {pct(list_ms, 95):.1f} ms | < 20 ms |")
    print(f"| `srec run --no-tui` spawn to ready line, median / max of 10 | {statistics.median(ready_ms):.1f} ms / {max(ready_ms):.1f} ms | < 200 ms |")
    print(f"| idle daemon RSS after 5 s (peak) | {rss_kib / 1024:.1f} MiB ({hwm_kib / 1024:.1f} MiB) | < 30 MiB |")
    print(f"| idle daemon CPU during the first ~5 s | {cpu_ticks / hz:.2f} s | - |")
    print(f"| `srec add` start to daemon pick-up (via the API), median / max of 10 | {statistics.median(pickup_ms):.0f} ms / {max(pickup_ms):.0f} ms | < 1000 ms |")
    print(f"| seeding {args.streamers} streamers with `srec add` | {seed_s:.1f} s total | - |")


if __name__ == "__main__":
    sys.exit(main())
