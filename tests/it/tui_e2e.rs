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

/// A private tmux server running `srec run` (the dashboard) in a detached
/// 120x40 session; killed on drop.
struct Tmux {
    sock: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-u", "-f", "/dev/null", "-L", &self.sock]);
        c.env("LANG", "C.UTF-8").env("LC_ALL", "C.UTF-8");
        c
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "srec"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// The pipeline throttle through the real binary and a real terminal: a
/// slow pipeline and a backed-up queue engage it, the dashboard's status
/// bar says so with the lowered limit, and the notice goes away once the
/// queue drains (the throttle released).
#[test]
fn dashboard_shows_the_pipeline_throttle_while_it_is_engaged() {
    use std::time::Duration;

    use crate::harness::{Srec, wait_until};
    use crate::pipeline_support as ps;

    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tmux is not installed (scripts/test.sh installs it)");
    }
    let s = Srec::new();
    let rec = ps::out_dir(&s);
    s.write_config(&format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "slow"
[download]
max_concurrent = 4
[pipeline]
cpu_workers = 1
[pipeline.throttle]
enabled = true
high_depth = 2
low_depth = 1
factor = 0.5
[pipelines.slow]
[[pipelines.slow.steps]]
id = "work"
processor = "execute"
command = ["sleep", "0.7"]
[api]
port = 0
"#,
        rec = rec.display(),
    ));
    let tmux = Tmux {
        sock: format!("srec-throttle-{}", std::process::id()),
    };
    let exit_file = s.dir.path().join("exit");
    let run = format!(
        "env SREC_CONFIG='{}' SREC_DATA_DIR='{}' NO_COLOR=1 '{}' run; echo \"srec-exit=$?\" >'{}'; sleep 60",
        s.config_path().display(),
        s.data_dir().display(),
        BIN,
        exit_file.display()
    );
    let started = tmux
        .cmd()
        .args([
            "new-session",
            "-d",
            "-s",
            "srec",
            "-x",
            "120",
            "-y",
            "40",
            &run,
        ])
        .status()
        .expect("tmux new-session");
    assert!(started.success());
    assert!(
        wait_until(Duration::from_secs(20), || tmux
            .screen()
            .contains("Streamers 0/0")),
        "dashboard did not come up:\n{}",
        tmux.screen()
    );
    // The pipeline's outbox cursor exists once its consumer listens.
    assert!(
        wait_until(Duration::from_secs(10), || ps::db(&s)
            .with(|c| Ok(c.query_row(
                "SELECT count(*) FROM outbox_cursors WHERE consumer = 'pipeline'",
                [],
                |r| r.get::<_, i64>(0)
            )?))
            .is_ok_and(|n| n == 1)),
        "pipeline consumer started"
    );
    assert!(!tmux.screen().contains("THROTTLED"), "off at start");
    let id = ps::streamer(&s, "jay");
    let sess = ps::session(&s, id, "t");
    for i in 0..8 {
        let f = rec.join(format!("q{i}.flv"));
        std::fs::write(&f, b"x").expect("segment file");
        ps::segment(&s, id, sess, i, &f);
    }
    // The notice with the queue behind it (read once a second).
    let queued = |screen: &str| -> Option<(u64, String)> {
        let line = screen.lines().find(|l| l.contains("THROTTLED"))?;
        let rest = line.split("THROTTLED: downloads 4→2, queue ").nth(1)?;
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((n.parse().ok()?, line.trim().to_string()))
    };
    let mut shown = String::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            match queued(&tmux.screen()) {
                Some((n, line)) if n > 0 => {
                    shown = line;
                    true
                }
                _ => false,
            }
        }),
        "no throttle notice with a queue:\n{}",
        tmux.screen()
    );
    // The header's slot count shows the lowered limit too.
    assert!(tmux.screen().contains("rec 0/2"), "{}", tmux.screen());
    assert!(
        wait_until(Duration::from_secs(60), || !tmux
            .screen()
            .contains("THROTTLED")),
        "the notice stayed after the queue drained:\n{}",
        tmux.screen()
    );
    assert!(tmux.screen().contains("rec 0/4"), "{}", tmux.screen());
    eprintln!("status bar while throttled: {}", shown.trim());
    let q = tmux.cmd().args(["send-keys", "-t", "srec", "q"]).status();
    assert!(q.is_ok_and(|st| st.success()));
    assert!(
        wait_until(Duration::from_secs(30), || std::fs::read_to_string(
            &exit_file
        )
        .is_ok_and(|t| t.trim() == "srec-exit=0")),
        "srec did not exit 0 after q"
    );
}
