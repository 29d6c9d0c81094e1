#!/usr/bin/env python3
"""Chat capture benchmark for issue 16.

  * R live rooms on the fake platform (default 200), each sending scripted
    chat every 1000/M ms (default M = 50 messages/s) on its websocket, with
    `record_danmu = true`; the daemon records video and chat for S seconds
    (default 60).
  * Reports the daemon's CPU seconds and RSS over that window, the chat
    messages written to XML (`danmu_files.messages`) and dropped
    (`danmu_files.dropped`), and what the server sent (R x M x S, approx.).

Video is recorded too (every live session is): CPU and RSS are the whole
daemon's. Usage: benches/danmu.py [--rooms 200] [--rate 50] [--seconds 60]
[--profile release]. Needs: cargo build --release --bin srec --example
fake_live (honours CARGO_TARGET_DIR). Prints a Markdown table for
docs/BENCHMARKS.md.
"""
import argparse, os, signal, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monitor import free_port, proc_stats  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=200)
    ap.add_argument("--rate", type=int, default=50, help="messages per second per room")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--profile", default="release")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(f"{target}/{a.profile}/srec")
    fake_bin = os.path.abspath(f"{target}/{a.profile}/examples/fake_live")
    tmp = tempfile.mkdtemp(prefix="srec-danmu-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rooms = [f"c{i}" for i in range(a.rooms)]
    fake = subprocess.Popen(
        [fake_bin, "--port", str(port), "--rooms", ",".join(rooms),
         "--chat-interval-ms", str(max(1, 1000 // a.rate))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write('[recording]\ncheck_interval = "2s"\noffline_confirmations = 1\nrecord_danmu = true\n'
                '[download]\nmax_concurrent = 1000\n[api]\nport = 0\n')
    subprocess.run([srec, "list"], env=env, check=True, capture_output=True)  # creates the schema
    db = sqlite3.connect(f"{tmp}/data/srec.db")
    now = int(time.time() * 1000)
    db.executemany("INSERT INTO streamers (url, name, platform, created_at, updated_at) VALUES (?,?,?,?,?)",
                   [(f"{base}/room/{r}", r, "fake", now, now) for r in rooms])
    db.commit()
    db.close()

    daemon = subprocess.Popen([srec, "run", "--no-tui"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until every room's chat file is open, then measure.
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            c = sqlite3.connect(f"{tmp}/data/srec.db")
            n = c.execute("SELECT COUNT(DISTINCT streamer_id) FROM danmu_files").fetchone()[0]
            c.close()
            if n >= a.rooms:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.5)
    rss0, cpu0 = proc_stats(daemon.pid)
    t0 = time.time()
    peak = rss0
    while time.time() - t0 < a.seconds:
        time.sleep(1)
        peak = max(peak, proc_stats(daemon.pid)[0])
    rss1, cpu1 = proc_stats(daemon.pid)
    elapsed = time.time() - t0
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=120)
    fake.send_signal(signal.SIGTERM)
    fake.wait(timeout=10)
    c = sqlite3.connect(f"{tmp}/data/srec.db")
    written, dropped, files = c.execute(
        "SELECT COALESCE(SUM(messages),0), COALESCE(SUM(dropped),0), COUNT(*) FROM danmu_files").fetchone()
    c.close()
    print(f"| measure ({a.rooms} rooms x {a.rate} msg/s, {elapsed:.0f} s measured) | result |")
    print("|---|---|")
    print(f"| daemon CPU (video + chat) | {cpu1 - cpu0:.1f} s in {elapsed:.0f} s ({(cpu1 - cpu0) / elapsed * 100:.0f} % of one core) |")
    print(f"| daemon RSS start / end / peak | {rss0:.1f} / {rss1:.1f} / {peak:.1f} MiB |")
    print(f"| chat files | {files} |")
    print(f"| messages written (whole session, incl. warm-up) | {written} |")
    print(f"| messages dropped | {dropped} |")
    print(f"| expected during the measured window | ~{int(a.rooms * a.rate * elapsed)} |")


if __name__ == "__main__":
    main()
