//! Engine processes live and die with the daemon: after `kill -9` of srec
//! no ffmpeg or streamlink it started keeps running (and writing), and
//! after a restart every output file is written by one process only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engines::{engine_config, have_tools};
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

/// Pids whose parent is `parent`.
pub fn children_of(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let ppid = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .and_then(|v| v.trim().parse::<u32>().ok());
        if ppid == Some(parent) {
            out.push(pid);
        }
    }
    out
}

/// A process's state letter (`R`, `S`, `Z`, ...) from `/proc/PID/stat`.
fn state(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the `(comm)`, which may itself hold spaces.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().next().map(str::to_string)
}

/// `pid comm state wchan` of a process, for a failure message.
fn describe(pid: u32) -> String {
    let read = |f: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{f}"))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let state = state(pid).unwrap_or_default();
    format!("{pid} {} {state} {}", read("comm"), read("wchan"))
}

fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != "Z")
}

/// Every file under `dir` that some process has open for writing, with
/// the number of processes holding it.
fn writers_below(dir: &Path) -> HashMap<PathBuf, usize> {
    let mut count: HashMap<PathBuf, usize> = HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let mut files: Vec<PathBuf> = Vec::new();
        for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(target) = std::fs::read_link(fd.path())
                && target.starts_with(dir)
                && !files.contains(&target)
            {
                files.push(target);
            }
        }
        for f in files {
            *count.entry(f).or_default() += 1;
        }
    }
    count
}

fn recordings_with_data(s: &Srec) -> usize {
    s.json(&["status"])["recordings"].as_array().map_or(0, |v| {
        v.iter()
            .filter(|r| r["bytes"].as_i64().is_some_and(|b| b > 0))
            .count()
    })
}

#[test]
fn kill_9_takes_the_engine_processes_along_and_a_restart_writes_each_file_once() {
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let s = Srec::new();
    let out = engine_config(&s, "");
    for (i, t) in [
        "ffmpeg_flv",
        "ffmpeg_hls",
        "streamlink_flv",
        "streamlink_hls",
    ]
    .iter()
    .enumerate()
    {
        let room = fake.live_room(&format!("kid{i}"));
        s.ok(&["add", &room.page_url(), "--template", t]);
    }
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(40), || recordings_with_data(&s) == 4),
        "{} of 4 recordings running",
        recordings_with_data(&s)
    );
    let kids = children_of(d.child.id());
    // 4 ffmpeg + 2 streamlink.
    assert!(kids.len() >= 6, "engine children: {kids:?}");
    d.signal("KILL");
    let _ = d.wait_exit(Duration::from_secs(10));
    assert!(
        // Generous for a loaded 2-core CI box: ffmpeg closes its file on
        // SIGTERM; a process that never got the signal stays forever.
        wait_until(Duration::from_secs(30), || kids.iter().all(|p| !alive(*p))),
        "engine processes outlived the daemon: {:?}",
        kids.iter()
            .filter(|p| alive(**p))
            .map(|p| describe(*p))
            .collect::<Vec<_>>()
    );

    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(40), || recordings_with_data(&s) == 4),
        "{} of 4 recordings resumed",
        recordings_with_data(&s)
    );
    let out = std::fs::canonicalize(&out).unwrap_or(out);
    let writers = writers_below(&out);
    assert!(
        !writers.is_empty(),
        "no open output file under {}",
        out.display()
    );
    for (file, n) in &writers {
        assert_eq!(*n, 1, "{} is open in {n} processes", file.display());
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}
