#!/usr/bin/env python3
"""Engine benchmark for issue 6, against release builds: N concurrent
recordings of the fake platform's HLS and FLV by mesio, ffmpeg and
streamlink, side by side.

For each (engine, format, N): a fresh data dir, N live rooms, N streamers,
`srec run --no-tui` records for --seconds (starting --warmup seconds after
every recording has opened its first file), then SIGTERM. Sampled every
0.5 s from /proc: user and system CPU seconds and RSS of the srec process
and all its descendants (ffmpeg, streamlink).

The warm-up keeps each engine's one-time start out of the steady-state
window: mesio first catches up on the whole live window (it starts at the
oldest segment), ffmpeg and streamlink start near the live edge.

CPU is the on-CPU time of every thread from /proc/<pid>/task/<tid>/schedstat
(nanoseconds, so N = 1 is not lost in 10 ms ticks); a thread that exits keeps
its last sample. The kernel share comes from the tick counters in
/proc/<pid>/stat, the only place that splits user from system time.

Baseline: per N, an "idle" case runs the daemon with the same N streamers
whose rooms stay offline (monitoring only, same check interval). The
"marginal" columns subtract it: what the recordings themselves cost on top
of a daemon that runs anyway, the same subtraction for every engine (the
ffmpeg and streamlink engines need that daemon too).

Reported: CPU ms per recording-second and its ratio to ffmpeg, the same
after subtracting the idle baseline, the kernel (system) share of that CPU,
CPU seconds per GiB written during the window (CPU of srec + children in
the window / bytes the recordings grew by in the same window), peak RSS per
recording (peak of the summed RSS of srec + children, divided by N) and the
marginal peak RSS per recording above the idle daemon, bytes on disk, and
how many recordings ffprobe accepts (bytes on disk "correct" = every file
probes without error and the media duration covers the recorded time).

Usage: benches/engines.py [--n 1,20,100] [--seconds 20] [--warmup 5]
                          [--engines mesio,ffmpeg,streamlink] [--formats hls,flv]
                          [--fixtures DIR] [--no-baseline]
--fixtures DIR serves clips made by `tests/support/fake-live/gen-fixtures.sh
--out DIR ...` (e.g. HD bitrates) instead of the embedded ~0.3 Mbit/s ones.
Needs: cargo build --release --bin srec --example fake_live (uses
$CARGO_TARGET_DIR or target/), ffmpeg, ffprobe, streamlink.
Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse, json, os, signal, socket, subprocess, tempfile, time, urllib.request

TCK = os.sysconf("SC_CLK_TCK")


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


def children_of():
    """pid -> list of child pids, from /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(d))
    return kids


def tree_stats(root):
    """({pid: ((user, system) CPU seconds, rss MiB)}, {(pid, tid): on-CPU ns})
    for root and its descendants."""
    kids, out, ns, todo = children_of(), {}, {}, [root]
    while todo:
        pid = todo.pop()
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            continue
        rss = next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS")), 0)
        out[pid] = ((int(fields[11]) / TCK, int(fields[12]) / TCK), rss / 1024)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            tids = []
        for tid in tids:
            try:
                ns[(pid, tid)] = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
            except (OSError, ValueError, IndexError):
                pass  # exited between listing and reading
        todo.extend(kids.get(pid, []))
    return out, ns


def disk_bytes(out):
    """Bytes of every file under out (finished and `.part`)."""
    total = 0
    for dp, _, fs in os.walk(out):
        for f in fs:
            try:
                total += os.path.getsize(os.path.join(dp, f))
            except OSError:
                pass  # renamed between listing and stat
    return total


def probe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    try:
        return r.returncode == 0 and not r.stderr.strip(), float(r.stdout.strip() or 0)
    except ValueError:
        return False, 0.0


def cpu_split(stats):
    """(user, system) CPU seconds summed over a tree_stats result."""
    return (sum(c[0] for c, _ in stats.values()), sum(c[1] for c, _ in stats.values()))


def run_case(srec, base, engine, fmt, n, seconds, warmup, prefix):
    """One measured case; engine "idle" is the baseline: the same daemon and
    streamers with every room offline, nothing recorded."""
    idle = engine == "idle"
    tmp = tempfile.mkdtemp(prefix=f"srec-eng-{engine}-{fmt}-{n}-")
    out = f"{tmp}/rec"
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[download]\nmax_concurrent = {n}\n[recording]\ncheck_interval = "2s"\n'
                f'engine = "{"mesio" if idle else engine}"\nstream_format = "{"hls" if idle else fmt}"\noutput_dir = "{out}"\n'
                f'filename_template = "{{streamer}}/{{streamer}}"\n')
    rooms = [f"{prefix}{i}" for i in range(n)]
    for r in rooms:
        if not idle:
            post(f"{base}/control/{r}/live")
        subprocess.run([srec, "add", f"{base}/room/{r}"], env=env, check=True, capture_output=True)
    d = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if idle:
        # A few check rounds, about as long as recordings take to start.
        time.sleep(6)
    else:
        # Wait until every recording has a file.
        deadline = time.time() + 60 + n
        while time.time() < deadline:
            names = os.listdir(out) if os.path.isdir(out) else []
            if sum(1 for r in rooms if r in names and os.listdir(f"{out}/{r}")) == n:
                break
            time.sleep(0.5)
    time.sleep(warmup)
    start_stats, ns0 = tree_stats(d.pid)
    user0, sys0 = cpu_split(start_stats)
    bytes0 = disk_bytes(out)
    # Seeded with the start so a process that exits early is not counted negative.
    peak, cpu_by_pid, t0 = 0.0, {pid: c for pid, (c, _) in start_stats.items()}, time.time()
    ns_by_tid = dict(ns0)
    while time.time() - t0 < seconds:
        st, ns = tree_stats(d.pid)
        peak = max(peak, sum(r for _, r in st.values()))
        for pid, (c, _) in st.items():
            cpu_by_pid[pid] = c
        ns_by_tid.update(ns)
        time.sleep(0.5)
    # A process or thread that exits keeps its last sample.
    user = sum(c[0] for c in cpu_by_pid.values()) - user0
    system = sum(c[1] for c in cpu_by_pid.values()) - sys0
    cpu = (sum(ns_by_tid.values()) - sum(ns0.values())) / 1e9
    window_bytes = disk_bytes(out) - bytes0
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=90)
    if not idle:
        for r in rooms:
            post(f"{base}/control/{r}/offline")
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(out) for f in fs]
    size = sum(os.path.getsize(f) for f in files)
    good = 0
    for r in rooms:
        rf = [f for f in files if f.startswith(f"{out}/{r}/")]
        probes = [probe(f) for f in rf]
        if rf and all(ok for ok, _ in probes) and sum(s for _, s in probes) >= seconds * 0.9:
            good += 1
    gib = window_bytes / 2**30
    return {
        "engine": engine, "format": fmt, "n": n, "cpu": cpu, "sys": system, "ticks": user + system, "gib": gib,
        "peak": peak,
        "cpu_per_gib": cpu / gib if gib else float("nan"),
        "cpu_ms_per_rec_s": cpu * 1000 / (n * seconds),
        "rss_per_rec": peak / n, "bytes": size, "window_bytes": window_bytes, "good": good,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="1,20,100")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=5, help="seconds after every file exists before measuring")
    ap.add_argument("--engines", default="mesio,ffmpeg,streamlink")
    ap.add_argument("--formats", default="hls,flv")
    ap.add_argument("--fixtures", help="fake_live --fixtures DIR (custom clips)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the idle daemon case per N")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    srec = os.path.abspath(f"{target}/release/srec")
    fake_bin = os.path.abspath(f"{target}/release/examples/fake_live")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake_args = [fake_bin, "--port", str(port), "--rooms", "warmup", "--chat-interval-ms", "0"]
    if a.fixtures:
        fake_args += ["--fixtures", a.fixtures]
    fake = subprocess.Popen(fake_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Large fixture sets take a moment to load: wait for the port.
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
        case = 0
        for n in [int(x) for x in a.n.split(",")]:
            cases = [] if a.no_baseline else [("idle", "-")]
            cases += [(e, f) for f in a.formats.split(",") for e in a.engines.split(",")]
            for engine, fmt in cases:
                case += 1
                r = run_case(srec, base, engine, fmt, n, a.seconds, a.warmup, f"c{case}_")
                rows.append(r)
                print(f"# {engine} {fmt} N={n}: cpu {r['cpu']:.3f} s (ticks {r['ticks']:.2f}, sys {r['sys']:.2f}), "
                      f"window {r['window_bytes']/2**20:.1f} MiB, {r['bytes']/2**20:.1f} MiB, "
                      f"rss/rec {r['rss_per_rec']:.1f} MiB, ffprobe ok {r['good']}/{n}", flush=True)
    finally:
        fake.terminate()
    print_table(rows, a.seconds)


def print_table(rows, seconds):
    """Markdown rows for docs/BENCHMARKS.md.

    The ratio compares CPU for the same work (N recordings of the same
    streams for the same time), so an engine's output buffering cannot move
    it; CPU per GiB uses the bytes each engine wrote in the window. The
    marginal figures subtract the idle daemon of the same N.
    """
    idle = {r["n"]: r for r in rows if r["engine"] == "idle"}

    def marginal_cpu(r):
        i = idle.get(r["n"])
        return (r["cpu"] - i["cpu"]) * 1000 / (r["n"] * seconds) if i else None

    def marginal_rss(r):
        i = idle.get(r["n"])
        return (r["peak"] - i["peak"]) / r["n"] if i else None

    ref = {(r["n"], r["format"]): r for r in rows if r["engine"] == "ffmpeg"}
    print("\n| N | format | engine | CPU ms / recording-s | × ffmpeg | marginal CPU ms / rec-s | marginal × ffmpeg "
          "| kernel share | CPU s / GiB | peak RSS / recording | marginal RSS / recording | marginal RSS × ffmpeg "
          "| written in window | bytes on disk | ffprobe OK |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        f = ref.get((r["n"], r["format"]))
        ratio = f"{r['cpu_ms_per_rec_s'] / f['cpu_ms_per_rec_s']:.2f}" if f else "–"
        mc, mr = marginal_cpu(r), marginal_rss(r)
        fmc, fmr = (marginal_cpu(f), marginal_rss(f)) if f else (None, None)
        idle_row = r["engine"] == "idle"
        mc_s = "–" if mc is None or idle_row else f"{mc:.3f}"
        mcr = f"{mc / fmc:.2f}" if mc is not None and fmc and not idle_row else "–"
        mr_s = "–" if mr is None or idle_row else f"{mr:.1f} MiB"
        mrr = f"{mr / fmr:.3f}" if mr is not None and fmr and not idle_row else "–"
        share = f"{r['sys'] / r['ticks']:.0%}" if r["ticks"] else "–"
        gib = "–" if idle_row else f"{r['cpu_per_gib']:.2f}"
        good = "–" if idle_row else f"{r['good']}/{r['n']}"
        print(f"| {r['n']} | {r['format']} | {r['engine']} | {r['cpu_ms_per_rec_s']:.3f} | {ratio} | {mc_s} | {mcr} | "
              f"{share} | {gib} | {r['rss_per_rec']:.1f} MiB | {mr_s} | {mrr} | "
              f"{r['window_bytes']/2**20:.1f} MiB | {r['bytes']/2**20:.1f} MiB | {good} |")


if __name__ == "__main__":
    main()
