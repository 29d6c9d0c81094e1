//! External engine processes (ffmpeg, streamlink) live and die with srec.
//!
//! Every child gets its own process group and, on Linux, a parent-death
//! signal (SIGTERM, so ffmpeg still closes its file cleanly): a `kill -9`
//! of the daemon takes its children with it instead of leaving them
//! re-parented to init, still writing files that a restarted daemon would
//! treat as crash leftovers and record a second time. As a second line of
//! defence (other systems, a signal lost in a race) each child's pid and
//! start time go to a registry file in the data dir; the next start stops
//! any of them still running before recovery touches their files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::process::Command;

/// The registry file, set once by the daemon at start.
static REGISTRY: OnceLock<Mutex<PathBuf>> = OnceLock::new();

/// Registry size that triggers a rewrite with only the living entries.
const COMPACT_AT: u64 = 256 * 1024;

/// A command for an engine child: own process group, dies with srec
/// (SIGTERM when srec dies, so the child can close its output cleanly).
pub fn command(binary: &Path) -> Command {
    command_with_death_signal(binary, DeathSignal::Term)
}

/// The signal a child gets when srec dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathSignal {
    /// For a child that writes a file and must close it (ffmpeg).
    Term,
    /// For a child that only feeds a pipe (streamlink into ffmpeg): it has
    /// nothing to close, and streamlink turns SIGTERM into a Python
    /// `KeyboardInterrupt` whose cleanup joins its download threads, which
    /// can take many seconds; its reader (ffmpeg) would wait on the pipe
    /// all that time. Killed, it hands ffmpeg an end of file at once.
    Kill,
}

/// [`command`] with the parent-death signal chosen by the caller.
pub fn command_with_death_signal(binary: &Path, death: DeathSignal) -> Command {
    let mut cmd = Command::new(binary);
    cmd.kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    #[cfg(not(target_os = "linux"))]
    let _ = death;
    #[cfg(target_os = "linux")]
    // SAFETY: the closure runs in the forked child before exec and only
    // makes async-signal-safe system calls (prctl, getppid).
    unsafe {
        let sig = match death {
            DeathSignal::Term => rustix::process::Signal::TERM,
            DeathSignal::Kill => rustix::process::Signal::KILL,
        };
        let parent = i32::try_from(std::process::id())
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(sig))
                .map_err(std::io::Error::from)?;
            // srec died between the fork and the prctl: the signal will
            // never come, so do not start at all. (No allocation here: the
            // error is a plain errno.)
            if rustix::process::getppid() != parent {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        });
    }
    cmd
}

/// Spawns `cmd` and records the child in the registry.
pub fn spawn(cmd: &mut Command) -> std::io::Result<tokio::process::Child> {
    let child = cmd.spawn()?;
    if let Some(pid) = child.id() {
        record(pid);
    }
    Ok(child)
}

/// Where the registry lives (`<data dir>/engine-children`), and stops the
/// children a previous run left behind. Returns how many were stopped.
pub fn init(path: PathBuf) -> usize {
    let stopped = stop_leftovers(&path);
    let _ = std::fs::remove_file(&path);
    let _ = REGISTRY.set(Mutex::new(path));
    stopped
}

fn record(pid: u32) {
    let Some(lock) = REGISTRY.get() else {
        return;
    };
    let Some(start) = start_time(pid) else {
        return;
    };
    let path = lock.lock().unwrap_or_else(|p| p.into_inner());
    if std::fs::metadata(&*path).is_ok_and(|m| m.len() > COMPACT_AT) {
        let live: String = entries(&path)
            .into_iter()
            .filter(|(p, s)| start_time(*p) == Some(*s))
            .map(|(p, s)| format!("{p} {s}\n"))
            .collect();
        let _ = std::fs::write(&*path, live);
    }
    let res = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&*path)
        .and_then(|mut f| writeln!(f, "{pid} {start}"));
    if let Err(e) = res {
        tracing::warn!(
            "cannot record engine child {pid} in {}: {e}",
            path.display()
        );
    }
}

fn entries(path: &Path) -> Vec<(u32, u64)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (p, s) = l.split_once(' ')?;
            Some((p.parse().ok()?, s.trim().parse().ok()?))
        })
        .collect()
}

/// Kernel start time of a process (clock ticks since boot), to tell a
/// recorded child from an unrelated process that reuses its pid.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may itself contain spaces; a zombie
    // (state Z) has exited already.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    if fields.next()? == "Z" {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

/// SIGTERM to each recorded child's process group still running, then
/// SIGKILL to those that outlive a short grace period. A group counts
/// while its leader (the recorded child) runs, or, once the leader is gone,
/// while processes it started remain in the group: a pipeline command's
/// shell dies with the daemon, the programs it started do not.
fn stop_leftovers(path: &Path) -> usize {
    let alive: Vec<(u32, u64)> = entries(path)
        .into_iter()
        .filter(|(p, s)| start_time(*p) == Some(*s) || !group_members(*p, *s).is_empty())
        .collect();
    for (pid, _) in &alive {
        tracing::warn!(pid, "stopping an engine process left by a previous run");
        signal_group(*pid, false);
    }
    let running =
        |(p, s): &(u32, u64)| start_time(*p) == Some(*s) || !group_members(*p, *s).is_empty();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && alive.iter().any(running) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for entry in &alive {
        if running(entry) {
            signal_group(entry.0, true);
        }
    }
    alive.len()
}

/// Processes of process group `pgid` started at or after `since` (clock
/// ticks since boot), so a group id reused by an unrelated, older process
/// is never matched.
fn group_members(pgid: u32, since: u64) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After `(comm)`: state, ppid, pgrp, ... starttime (20th).
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let f: Vec<&str> = rest.split_whitespace().collect();
            f.first().is_some_and(|st| *st != "Z")
                && f.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
                && f.get(19)
                    .and_then(|t| t.parse::<u64>().ok())
                    .is_some_and(|t| t >= since)
        })
        .collect()
}

#[cfg(unix)]
fn signal_group(pid: u32, kill: bool) {
    use rustix::process::{Pid, Signal, kill_process_group};
    let sig = if kill { Signal::KILL } else { Signal::TERM };
    if let Some(p) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = kill_process_group(p, sig);
    }
}

#[cfg(not(unix))]
fn signal_group(_pid: u32, _kill: bool) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_stopped_and_strangers_left_alone() {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("engine-children");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id();
        let start = start_time(pid).unwrap();
        // A recorded pid whose start time differs is another process.
        std::fs::write(&path, format!("{pid} {start}\n{} 1\n", std::process::id())).unwrap();
        assert_eq!(stop_leftovers(&path), 1);
        let status = child.wait().unwrap();
        assert!(!status.success(), "the leftover was signalled");
        assert!(start_time(std::process::id()).is_some(), "we are alive");
    }

    /// The recorded child (a shell) is gone, the program it started still
    /// runs in its group: the group is stopped all the same.
    #[test]
    fn a_group_whose_leader_died_is_stopped_too() {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("engine-children");
        let pidfile = dir.path().join("grandchild");
        let mut shell = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("sleep 4243 & echo $! > '{}'", pidfile.display()))
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = shell.id();
        let start = start_time(pgid).unwrap();
        assert!(shell.wait().unwrap().success());
        let grandchild: u32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(start_time(pgid).is_none(), "the leader exited");
        assert_eq!(group_members(pgid, start), vec![grandchild]);
        std::fs::write(&path, format!("{pgid} {start}\n")).unwrap();
        assert_eq!(stop_leftovers(&path), 1);
        // The grandchild is not ours to reap: it is gone or a zombie of init.
        assert!(
            start_time(grandchild).is_none(),
            "the grandchild was stopped"
        );
    }
}
