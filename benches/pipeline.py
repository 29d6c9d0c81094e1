#!/usr/bin/env python3
"""Pipeline benchmark for issue 19, against a release build.

  * Throughput: N finalised 10 s segments (default 500) are committed at
    once (segment rows + segment_finalised outbox rows, as a recording
    commits them) with a one-step `remux` pipeline attached; jobs per
    minute with the default pools until every run succeeded.
  * Peak RSS of the daemon (and of the daemon plus its ffmpeg children)
    while the queue drains.
  * Latency with an empty queue: K single segments (default 10), one at a
    time, from the segment's commit to its remux run's end; p50 / max.

Usage: benches/pipeline.py [--jobs 500] [--seconds 10] [--samples 10] [--bin PATH]
Needs: ffmpeg; cargo build --release --bin srec (honours CARGO_TARGET_DIR)
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, json, os, shutil, sqlite3, statistics, subprocess, tempfile, threading, time


def rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def clip(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=1280x720:rate=30",
                    "-f", "lavfi", "-i", f"sine=duration={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-c:a", "aac", "-shortest",
                    "-f", "flv", path], check=True)


def commit_segments(db, streamer, session, paths, first_index):
    now = int(time.time() * 1000)
    with db:
        for i, p in enumerate(paths):
            idx = first_index + i
            db.execute("INSERT INTO session_segments (session_id, seg_index, path, started_at, ended_at, "
                       "duration_ms, bytes, split_reason) VALUES (?,?,?,?,?,10000,?, 'duration')",
                       (session, idx, p, now, now, os.path.getsize(p)))
            payload = json.dumps({"session_id": session, "streamer_id": streamer, "index": idx, "path": p,
                                  "duration_ms": 10000, "bytes": os.path.getsize(p),
                                  "split_reason": "duration"})
            db.execute("INSERT INTO monitor_event_outbox (streamer_id, kind, payload, created_at) "
                       "VALUES (?, 'segment_finalised', ?, ?)", (streamer, payload, now))
    return now


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--bin", default=None)
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(a.bin or f"{target}/release/srec")
    tmp = tempfile.mkdtemp(prefix="srec-pipeline-")
    rec = f"{tmp}/rec"
    os.makedirs(rec)
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[recording]\noutput_dir = "{rec}"\npipeline = "remux"\n[api]\nport = 0\n'
                '[pipelines.remux]\n[[pipelines.remux.steps]]\nid = "remux"\nprocessor = "remux"\n')
    source = f"{tmp}/clip.flv"
    clip(source, a.seconds)
    paths = []
    for i in range(a.jobs + a.samples):
        p = f"{rec}/seg_{i:05}.flv"
        shutil.copyfile(source, p)
        paths.append(p)
    subprocess.run([srec, "add", "http://127.0.0.1:9/room/bench", "--name", "bench", "--disabled"],
                   env=env, check=True, capture_output=True)
    daemon = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    for line in daemon.stderr:
        if "srec ready" in line:
            break
    threading.Thread(target=lambda: [None for _ in daemon.stderr], daemon=True).start()
    db = sqlite3.connect(f"{tmp}/data/srec.db", timeout=10)
    while not db.execute("SELECT count(*) FROM outbox_cursors WHERE consumer='pipeline'").fetchone()[0]:
        time.sleep(0.05)
    streamer = db.execute("SELECT id FROM streamers").fetchone()[0]
    with db:
        session = db.execute("INSERT INTO live_sessions (streamer_id, title, started_at, ended_at, end_reason) "
                             "VALUES (?, 'bench', 0, 1, 'offline')", (streamer,)).lastrowid
    peak = {"daemon": 0.0, "tree": 0.0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            d = rss_mib(daemon.pid)
            t = d + sum(rss_mib(c) for c in children(daemon.pid))
            peak["daemon"] = max(peak["daemon"], d)
            peak["tree"] = max(peak["tree"], t)
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()

    def succeeded():
        return db.execute("SELECT count(*) FROM dag_executions WHERE state='succeeded'").fetchone()[0]

    start = time.time()
    commit_segments(db, streamer, session, paths[:a.jobs], 0)
    while succeeded() < a.jobs:
        failed = db.execute("SELECT count(*) FROM dag_executions WHERE state='failed'").fetchone()[0]
        if failed:
            raise SystemExit(f"{failed} runs failed")
        time.sleep(0.2)
    elapsed = time.time() - start
    stop.set()
    latencies = []
    inside = []
    for i in range(a.samples):
        before = succeeded()
        t0 = time.time()
        commit_segments(db, streamer, session, [paths[a.jobs + i]], a.jobs + i)
        while succeeded() <= before:
            time.sleep(0.005)
        latencies.append((time.time() - t0) * 1000)
        created, finished = db.execute("SELECT created_at, finished_at FROM dag_executions "
                                       "ORDER BY id DESC LIMIT 1").fetchone()
        inside.append(finished - created)
    daemon.terminate()
    daemon.wait(timeout=30)
    cpu = os.cpu_count()
    print(f"| measure ({a.jobs} remux jobs of {a.seconds} s 720p clips, default pools: {cpu} CPU workers) | result |")
    print("|---|---|")
    print(f"| drain time | {elapsed:.1f} s |")
    print(f"| jobs per minute | {a.jobs / elapsed * 60:.0f} |")
    print(f"| peak RSS, daemon / daemon + ffmpeg children | {peak['daemon']:.1f} MiB / {peak['tree']:.1f} MiB |")
    print(f"| segment commit -> remux done, empty queue, p50 / max of {a.samples} | "
          f"{statistics.median(latencies):.0f} ms / {max(latencies):.0f} ms |")
    print(f"| of which run queued -> remux done (the rest is the consumer's 1 s poll: this script commits "
          f"from another process; the recorder's own commit wakes the consumer at once), p50 / max | "
          f"{statistics.median(inside):.0f} ms / {max(inside):.0f} ms |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
