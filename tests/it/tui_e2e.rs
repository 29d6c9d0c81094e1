//! The dashboard in a real terminal: runs `scripts/tui-e2e.sh` (tmux +
//! the fake live platform) against the binaries of this build. Skips, loudly,
//! when tmux or the `fake_live` example binary is missing (fails instead with
//! `SREC_REQUIRE_TOOLS=1`).

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{BIN, repo_root};

/// `target/<profile>/examples/fake_live`, next to the srec binary.
fn fake_live_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("FAKE_LIVE_BIN") {
        return p.into();
    }
    let srec = PathBuf::from(BIN);
    let dir = srec.parent().map(PathBuf::from).unwrap_or_default();
    dir.join("examples").join("fake_live")
}

fn skip(why: &str) {
    crate::harness::tool_missing(&format!("tui_e2e: {why}"));
}

#[test]
fn dashboard_end_to_end_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tmux is not installed (scripts/test.sh installs it)");
    }
    let fake = fake_live_bin();
    if !fake.exists() {
        return skip(&format!(
            "{} is not built (cargo build --example fake_live)",
            fake.display()
        ));
    }
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/tui-e2e.sh"))
        .env("SREC_BIN", BIN)
        .env("FAKE_LIVE_BIN", &fake)
        .env_remove("SREC_LOG")
        .output()
        .expect("run scripts/tui-e2e.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => assert!(stderr.contains("PASS"), "{stderr}"),
        Some(77) => skip(stderr.trim()),
        code => panic!("tui-e2e.sh failed ({code:?}):\n{stderr}"),
    }
}

/// Without a terminal (here: piped stdout), `srec run` says so and runs
/// headless instead of failing; SIGTERM still shuts it down cleanly.
#[test]
fn run_without_a_terminal_falls_back_to_headless() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    /// Kills the daemon if an assertion fails first.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let s = crate::harness::Srec::new();
    let mut guard = KillOnDrop(
        s.command()
            .arg("run")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn srec run"),
    );
    let child = &mut guard.0;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let end = Instant::now() + Duration::from_secs(20);
    while !seen.iter().any(|l: &String| l.contains("srec ready")) {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no ready line; stderr:\n{}", seen.join("\n")),
        }
    }
    assert!(
        seen.iter()
            .any(|l| l.contains("not a terminal") && l.contains("headless")),
        "{}",
        seen.join("\n")
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let end = Instant::now() + Duration::from_secs(35);
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        assert!(Instant::now() < end, "srec run did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}
