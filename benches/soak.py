#!/usr/bin/env python3
"""Soak run for docs/RELIABILITY.md (issue 17): N recordings of the fake
platform for --minutes while random faults hit random rooms, then every
file is checked.

Rooms are split in three groups: HLS MPEG-TS, HLS fMP4 and HTTP-FLV, all
recorded by mesio (the default engine), with chat capture on. Every
--fault-every seconds one random action hits one random room:
  - a fault knob of the fake server for that room's format (drop, stall,
    garbage, 404/500, timestamp jump, variant switch, playlist reset), armed
    to fire once (not `segment_garbage`: it corrupts the media payload
    itself, which a recorder keeps as received; `mesio_faults` tests that
    only that span is damaged);
  - or the room goes offline for 15-40 s and comes back (a new session).

Reported: RSS of the srec process at start (every recording open), at the
end and at its peak, open file descriptors at start and end, files written,
ffprobe failures (ffprobe exits non-zero or prints anything at -v error),
chat XML files that do not parse, and sessions lost: live periods of a room
(at least 3 check intervals long) that no recorded segment of its streamer
overlaps. Coverage: recorded segment time / live time over all rooms.

Needs: cargo build --release --bin srec --example fake_live (uses
$CARGO_TARGET_DIR or target/), ffprobe. Prints a Markdown table.
"""
import argparse, json, os, random, signal, socket, sqlite3, subprocess, tempfile, time, urllib.request
import xml.etree.ElementTree as ET

CHECK_S = 5


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


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def probe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    return r.returncode == 0 and not r.stderr.strip(), r.stderr.strip()[:200]


FLV_FAULTS = [
    lambda: {"kind": "flv_drop", "after_bytes": random.randint(50_000, 2_000_000), "times": 1},
    lambda: {"kind": "flv_stall", "after_bytes": random.randint(0, 500_000), "secs": random.uniform(1, 8), "times": 1},
    lambda: {"kind": "flv_garbage", "after_bytes": random.randint(0, 500_000), "len": 4096, "times": 1},
]
HLS_FAULTS = [
    lambda: {"kind": "segment_status", "status": random.choice([404, 500]), "times": 1},
    lambda: {"kind": "segment_stall", "secs": random.uniform(1, 6), "times": 1},
    lambda: {"kind": "playlist_status", "status": 503, "times": 2},
    lambda: {"kind": "playlist_reset"},
]
ANY_FAULTS = [
    lambda: {"kind": "timestamp_jump", "jump_ms": random.choice([-5000, 30000, 600000])},
    lambda: {"kind": "variant_switch"},
]


def setup(a, base, tmp):
    out = f"{tmp}/rec"
    env = dict(os.environ, SREC_DATA_DIR=f"{tmp}/data", SREC_CONFIG=f"{tmp}/config.toml", NO_COLOR="1")
    env.pop("SREC_LOG", None)
    with open(f"{tmp}/config.toml", "w") as f:
        f.write(f'[download]\nmax_concurrent = {a.n}\n'
                f'[recording]\ncheck_interval = "{CHECK_S}s"\noffline_confirmations = 2\n'
                f'output_dir = "{out}"\nfilename_template = "{{streamer}}/{{streamer}}"\n'
                f'max_segment_duration = "{a.segment}"\nrecord_danmu = true\n'
                f'[templates.flv]\nstream_format = "flv"\n')
    rooms = {}
    for i in range(a.n):
        kind = ("ts", "fmp4", "flv")[i % 3]
        room = f"soak{i}_{kind}"
        rooms[room] = kind
        if kind == "fmp4":
            post(f"{base}/control/{room}/hls_mode", {"mode": "fmp4"})
        post(f"{base}/control/{room}/live")
        args = [a.srec, "add", f"{base}/room/{room}"] + (["--template", "flv"] if kind == "flv" else [])
        subprocess.run(args, env=env, check=True, capture_output=True)
    return env, out, rooms


def chaos(a, base, rooms, daemon, out):
    """Runs the fault loop; returns (live periods per room, samples, fault counts)."""
    now = lambda: int(time.time() * 1000)
    periods = {r: [[now(), None]] for r in rooms}
    back_at, counts, samples = {}, {}, []
    t0 = time.time()
    next_sample = t0
    while time.time() - t0 < a.minutes * 60:
        for r, t in list(back_at.items()):
            if time.time() >= t:
                post(f"{base}/control/{r}/live")
                periods[r].append([now(), None])
                del back_at[r]
        up = [r for r in rooms if r not in back_at]
        r = random.choice(up) if up else None
        if r is None:
            pass
        elif random.random() < 0.2 and len(back_at) < len(rooms) // 4 + 1:
            post(f"{base}/control/{r}/offline")
            periods[r][-1][1] = now()
            back_at[r] = time.time() + random.uniform(15, 40)
            counts["offline"] = counts.get("offline", 0) + 1
        else:
            pool = (FLV_FAULTS if rooms[r] == "flv" else HLS_FAULTS) + ANY_FAULTS
            fault = random.choice(pool)()
            post(f"{base}/control/{r}/fault", fault)
            counts[fault["kind"]] = counts.get(fault["kind"], 0) + 1
        if time.time() >= next_sample:
            samples.append((round(time.time() - t0), rss_mib(daemon.pid), fds(daemon.pid)))
            next_sample += 60
        if daemon.poll() is not None:
            raise SystemExit(f"srec exited during the soak: {daemon.returncode}")
        time.sleep(a.fault_every)
    end = now()
    for r in rooms:
        if periods[r][-1][1] is None:
            periods[r][-1][1] = end
    return periods, samples, counts


def lost_sessions(db, rooms, periods):
    """(live periods checked, periods with no overlapping segment, live ms, recorded ms)."""
    con = sqlite3.connect(db)
    ids = {url.rsplit("/", 1)[1]: sid for sid, url in con.execute("SELECT id, url FROM streamers")}
    checked, lost, live_ms, rec_ms = 0, [], 0, 0
    for r in rooms:
        segs = con.execute(
            "SELECT g.started_at, COALESCE(g.ended_at, g.started_at + COALESCE(g.duration_ms, 0)) "
            "FROM session_segments g JOIN live_sessions s ON s.id = g.session_id WHERE s.streamer_id = ?",
            (ids[r],)).fetchall()
        for start, end in periods[r]:
            if end - start < 3 * CHECK_S * 1000:
                continue
            checked += 1
            live_ms += end - start
            overlap = sum(max(0, min(end, e) - max(start, s)) for s, e in segs)
            rec_ms += min(overlap, end - start)
            if overlap == 0:
                lost.append((r, start, end))
    return checked, lost, live_ms, rec_ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--fault-every", type=float, default=3.0, help="seconds between random actions")
    ap.add_argument("--segment", default="5m", help="max_segment_duration")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--profile", default="release", help="target/PROFILE to take the binaries from")
    a = ap.parse_args()
    random.seed(a.seed)
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    a.srec = os.path.abspath(f"{target}/{a.profile}/srec")
    fake_bin = os.path.abspath(f"{target}/{a.profile}/examples/fake_live")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([fake_bin, "--port", str(port), "--rooms", "warmup", "--chat-interval-ms", "1000"],
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
    tmp = tempfile.mkdtemp(prefix="srec-soak-")
    daemon = None
    try:
        env, out, rooms = setup(a, base, tmp)
        log = open(f"{tmp}/daemon.log", "w")
        daemon = subprocess.Popen([a.srec, "run", "--no-tui"], env=env, stdout=log, stderr=log)
        deadline = time.time() + 120
        while time.time() < deadline:
            names = os.listdir(out) if os.path.isdir(out) else []
            if sum(1 for r in rooms if r in names and os.listdir(f"{out}/{r}")) == a.n:
                break
            time.sleep(0.5)
        else:
            raise SystemExit("not every recording opened a file within 120 s")
        rss0, fd0 = rss_mib(daemon.pid), fds(daemon.pid)
        print(f"# all {a.n} recording; rss {rss0:.1f} MiB, fds {fd0}; data in {tmp}", flush=True)
        periods, samples, counts = chaos(a, base, rooms, daemon, out)
        rss1, fd1 = rss_mib(daemon.pid), fds(daemon.pid)
        stop = time.time()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=120)
        stop_s = time.time() - stop
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
        fake.terminate()
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(out) for f in fs]
    media = [f for f in files if f.endswith((".flv", ".ts", ".mp4"))]
    xmls = [f for f in files if f.endswith(".xml")]
    parts = [f for f in files if f.endswith(".part")]
    bad = [(f, err) for f in media for ok, err in [probe(f)] if not ok]
    bad_xml = []
    for f in xmls:
        try:
            ET.parse(f)
        except ET.ParseError as e:
            bad_xml.append((f, str(e)))
    checked, lost, live_ms, rec_ms = lost_sessions(f"{tmp}/data/srec.db", rooms, periods)
    peak = max([rss0, rss1] + [s[1] for s in samples])
    print(f"\nfaults and actions: {json.dumps(counts, sort_keys=True)}")
    print("RSS/fds per minute: " + ", ".join(f"{t // 60}m {r:.0f} MiB/{d}" for t, r, d in samples))
    for f, err in bad[:20]:
        print(f"ffprobe failure: {f}: {err}")
    for f, err in bad_xml[:20]:
        print(f"bad xml: {f}: {err}")
    for r, s, e in lost[:20]:
        print(f"lost: {r} live {s}..{e}")
    print(f"\n| soak: {a.n} recordings, {a.minutes:g} min, one action every {a.fault_every:g} s | result |")
    print("|---|---|")
    print(f"| RSS start / end / largest per-minute sample | {rss0:.1f} / {rss1:.1f} / {peak:.1f} MiB |")
    print(f"| open fds start / end | {fd0} / {fd1} |")
    print(f"| media files / chat XML files / `.part` left | {len(media)} / {len(xmls)} / {len(parts)} |")
    print(f"| bytes written | {sum(os.path.getsize(f) for f in media) / 2**30:.2f} GiB |")
    print(f"| ffprobe failures | {len(bad)} |")
    print(f"| chat XML that does not parse | {len(bad_xml)} |")
    print(f"| live periods checked / sessions lost | {checked} / {len(lost)} |")
    print(f"| recorded / live time | {100 * rec_ms / max(live_ms, 1):.1f} % |")
    print(f"| SIGTERM to exit | {stop_s:.1f} s |")
    raise SystemExit(1 if bad or bad_xml or lost else 0)


if __name__ == "__main__":
    main()
