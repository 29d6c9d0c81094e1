#!/usr/bin/env python3
"""Slow-disk benchmark for issue 17: does one recording on a stalled disk
hold up the others?

N HLS recordings of the fake platform by mesio under `srec run --no-tui`
(the daemon spreads them over one recording shard per core). One of them,
room `slowroom`, writes through the test-only `SREC_TEST_SLOW_WRITE` knob:
every write of its recorded bytes first sleeps --delay-ms on the writing
thread, as a `write(2)` does on a disk stalled by writeback. The others
write to the same (healthy) disk.

Sampled every 50 ms: the size of each recording's files. A recording's
*cadence* is the time between two growths of its files: mesio hands each
media segment (1 s of the fake's stream) to the disk when it is complete,
so a healthy recording grows about once a second. Reported for the other
recordings: the median and the longest step between growths (worst
recording), and their throughput against the source's. A shard thread
blocked in the slow recording's writes shows as multi-second steps in the
recordings sharing that shard.

Cases: `baseline` (no knob) and `slow` (knob on), each for every binary
given (`--srec label=PATH`, repeatable; default: the build in
$CARGO_TARGET_DIR or target/, profile --profile).

Usage: benches/slow_disk.py [--n 6] [--seconds 30] [--warmup 8]
                            [--delay-ms 1500] [--srec before=PATH ...]
                            [--profile debug|release]
Needs: cargo build [--release] --bin srec --example fake_live.
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, json, os, shutil, signal, socket, statistics, subprocess, tempfile, time

from monitor import free_port, post

SLOW = "slowroom"


def dir_bytes(path):
    """Bytes of every file under path (finished and `.part`)."""
    total = 0
    for dp, _, fs in os.walk(path):
        for f in fs:
            try:
                total += os.path.getsize(os.path.join(dp, f))
            except OSError:
                pass  # renamed between listing and stat
    return total


def run_case(srec, base, rooms, slow_ms, seconds, warmup):
    """One daemon run; returns {room: [(t, bytes), ...]} over the window."""
    tmp = tempfile.mkdtemp(prefix="srec-diskbench-")
    out = f"{tmp}/rec"
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    env.pop("SREC_TEST_SLOW_WRITE", None)
    if slow_ms:
        env["SREC_TEST_SLOW_WRITE"] = f"{SLOW}={slow_ms}"
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[download]\nmax_concurrent = {len(rooms)}\n[recording]\ncheck_interval = "2s"\n'
                f'engine = "mesio"\nstream_format = "hls"\noutput_dir = "{out}"\n'
                f'filename_template = "{{streamer}}/{{streamer}}"\n')
    for r in rooms:
        post(f"{base}/control/{r}/live")
        subprocess.run([srec, "add", f"{base}/room/{r}"], env=env, check=True, capture_output=True)
    d = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            names = os.listdir(out) if os.path.isdir(out) else []
            if all(r in names and os.listdir(f"{out}/{r}") for r in rooms):
                break
            time.sleep(0.5)
        time.sleep(warmup)
        samples = {r: [] for r in rooms}
        t0 = time.time()
        while time.time() - t0 < seconds:
            now = time.time() - t0
            for r in rooms:
                samples[r].append((now, dir_bytes(f"{out}/{r}")))
            time.sleep(0.05)
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=90)
        for r in rooms:
            post(f"{base}/control/{r}/offline")
        shutil.rmtree(tmp, ignore_errors=True)
    return samples


def cadence(series):
    """(steps between growths in s, bytes grown) of one recording."""
    growths = [t for (t, b), (_, b0) in zip(series[1:], series) if b > b0]
    steps = [b - a for a, b in zip(growths, growths[1:])]
    # The wait before the first growth and after the last count as steps too.
    if growths:
        steps = [growths[0]] + steps + [series[-1][0] - growths[-1]]
    else:
        steps = [series[-1][0]]
    return steps, series[-1][1] - series[0][1]


def summarise(label, case, samples, seconds):
    others = [r for r in samples if r != SLOW]
    per = {r: cadence(samples[r]) for r in samples}
    steps = [s for r in others for s in per[r][0]]
    worst = max(others, key=lambda r: max(per[r][0]))
    rate = statistics.mean(per[r][1] for r in others) / seconds / 1024
    slow_rate = per[SLOW][1] / seconds / 1024
    return {
        "label": label, "case": case, "median": statistics.median(steps), "p95": sorted(steps)[int(0.95 * (len(steps) - 1))],
        "max": max(per[worst][0]), "stalled": sum(1 for r in others if max(per[r][0]) > 2.5),
        "others": len(others), "rate": rate, "slow_rate": slow_rate,
        "longest_per_room": {r: round(max(per[r][0]), 2) for r in samples},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6, help="recordings, the slow one included")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=8, help="seconds after every file exists before measuring")
    ap.add_argument("--delay-ms", type=int, default=1500, help="sleep before each write of the slow recording")
    ap.add_argument("--srec", action="append", default=[], help="label=PATH of an srec binary (repeatable)")
    ap.add_argument("--profile", default="debug")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    bins = [s.split("=", 1) for s in a.srec] or [["current", f"{target}/{a.profile}/srec"]]
    fake_bin = os.path.abspath(f"{target}/{a.profile}/examples/fake_live")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([fake_bin, "--port", str(port), "--rooms", "warmup", "--chat-interval-ms", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or fake.poll() is not None:
                raise SystemExit("fake_live did not start")
            time.sleep(0.2)
    rows = []
    try:
        run = 0
        for label, path in bins:
            for case, slow_ms in [("baseline", 0), ("slow", a.delay_ms)]:
                run += 1
                # Fresh rooms per run: a new session, the same stream.
                rooms = [SLOW if i == 0 else f"r{run}_{i}" for i in range(a.n)]
                samples = run_case(os.path.abspath(path), base, rooms, slow_ms, a.seconds, a.warmup)
                r = summarise(label, case, samples, a.seconds)
                rows.append(r)
                print("# " + json.dumps(r), flush=True)
    finally:
        fake.terminate()
    print(f"\n{a.n} HLS recordings, {a.seconds:.0f} s window, slow recording: {a.delay_ms} ms per write\n")
    print("| srec | case | others: median step | p95 step | longest step | others with a step > 2.5 s "
          "| others: KiB/s each | slow one: KiB/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['case']} | {r['median']:.2f} s | {r['p95']:.2f} s | {r['max']:.2f} s | "
              f"{r['stalled']}/{r['others']} | {r['rate']:.1f} | {r['slow_rate']:.1f} |")


if __name__ == "__main__":
    main()
