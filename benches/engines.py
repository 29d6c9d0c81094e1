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

Reported: CPU ms per recording-second and its ratio to ffmpeg, the kernel
(system) share of that CPU, CPU seconds per GiB written during the window
(CPU of srec + children in the window / bytes the recordings grew by in the
same window), peak RSS per recording (peak of the summed RSS of srec +
children, divided by N), bytes on disk, and how many recordings ffprobe
accepts (bytes on disk "correct" = every file probes without error and the
media duration covers the recorded time).

Usage: benches/engines.py [--n 1,20,100] [--seconds 20] [--warmup 5]
                          [--engines mesio,ffmpeg,streamlink] [--formats hls,flv]
                          [--fixtures DIR]
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
    """{pid: ((user, system) CPU seconds, rss MiB)} for root and its descendants."""
    kids, out, todo = children_of(), {}, [root]
    while todo:
        pid = todo.pop()
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            continue
        rss = next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS")), 0)
        out[pid] = ((int(fields[11]) / TCK, int(fields[12]) / TCK), rss / 1024)
        todo.extend(kids.get(pid, []))
    return out


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
    tmp = tempfile.mkdtemp(prefix=f"srec-eng-{engine}-{fmt}-{n}-")
    out = f"{tmp}/rec"
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[download]\nmax_concurrent = {n}\n[recording]\ncheck_interval = "2s"\n'
                f'engine = "{engine}"\nstream_format = "{fmt}"\noutput_dir = "{out}"\n'
                f'filename_template = "{{streamer}}/{{streamer}}"\n')
    rooms = [f"{prefix}{i}" for i in range(n)]
    for r in rooms:
        post(f"{base}/control/{r}/live")
        subprocess.run([srec, "add", f"{base}/room/{r}"], env=env, check=True, capture_output=True)
    d = subprocess.Popen([srec, "run", "--no-tui"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until every recording has a file.
    deadline = time.time() + 60 + n
    while time.time() < deadline:
        names = os.listdir(out) if os.path.isdir(out) else []
        if sum(1 for r in rooms if r in names and os.listdir(f"{out}/{r}")) == n:
            break
        time.sleep(0.5)
    time.sleep(warmup)
    start_stats = tree_stats(d.pid)
    user0, sys0 = cpu_split(start_stats)
    bytes0 = disk_bytes(out)
    # Seeded with the start so a process that exits early is not counted negative.
    peak, cpu_by_pid, t0 = 0.0, {pid: c for pid, (c, _) in start_stats.items()}, time.time()
    while time.time() - t0 < seconds:
        st = tree_stats(d.pid)
        peak = max(peak, sum(r for _, r in st.values()))
        for pid, (c, _) in st.items():
            cpu_by_pid[pid] = c
        time.sleep(0.5)
    # A child that exits keeps its last sample (cpu_by_pid holds them all).
    user = sum(c[0] for c in cpu_by_pid.values()) - user0
    system = sum(c[1] for c in cpu_by_pid.values()) - sys0
    cpu = user + system
    window_bytes = disk_bytes(out) - bytes0
    d.send_signal(signal.SIGTERM)
    d.wait(timeout=90)
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
        "engine": engine, "format": fmt, "n": n, "cpu": cpu, "sys": system, "gib": gib,
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
            for fmt in a.formats.split(","):
                for engine in a.engines.split(","):
                    case += 1
                    r = run_case(srec, base, engine, fmt, n, a.seconds, a.warmup, f"c{case}_")
                    rows.append(r)
                    print(f"# {engine} {fmt} N={n}: cpu {r['cpu']:.2f} s (sys {r['sys']:.2f}), window {r['window_bytes']/2**20:.1f} MiB, "
                          f"{r['bytes']/2**20:.1f} MiB, "
                          f"rss/rec {r['rss_per_rec']:.1f} MiB, ffprobe ok {r['good']}/{n}", flush=True)
    finally:
        fake.terminate()
    # The ratio compares CPU for the same work (N recordings of the same
    # streams for the same time), so an engine's output buffering cannot
    # move it; CPU per GiB uses the bytes each engine wrote in the window.
    print("\n| N | format | engine | CPU ms / recording-s | × ffmpeg | kernel share | CPU s / GiB | peak RSS / recording | written in window | bytes on disk | ffprobe OK |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ref = {(r["n"], r["format"]): r["cpu_ms_per_rec_s"] for r in rows if r["engine"] == "ffmpeg"}
    for r in rows:
        base = ref.get((r["n"], r["format"]))
        ratio = f"{r['cpu_ms_per_rec_s'] / base:.2f}" if base else "–"
        share = f"{r['sys'] / r['cpu']:.0%}" if r["cpu"] else "–"
        print(f"| {r['n']} | {r['format']} | {r['engine']} | {r['cpu_ms_per_rec_s']:.2f} | {ratio} | {share} | {r['cpu_per_gib']:.0f} | "
              f"{r['rss_per_rec']:.1f} MiB | {r['window_bytes']/2**20:.1f} MiB | {r['bytes']/2**20:.1f} MiB | "
              f"{r['good']}/{r['n']} |")


if __name__ == "__main__":
    main()
