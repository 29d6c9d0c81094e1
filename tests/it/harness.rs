//! Runs the real binary against a private config file and data dir, and
//! follows a daemon's stderr.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_srec");

/// A private srec instance (config + data dir in a temp folder).
pub struct Srec {
    pub dir: tempfile::TempDir,
}

impl Srec {
    /// An instance with an empty config file: `SREC_CONFIG` names it, and
    /// an explicitly named config file must exist.
    pub fn new() -> Self {
        let s = Self {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        s.write_config("");
        s
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("srec.db")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("SREC_CONFIG", self.config_path())
            .env("SREC_DATA_DIR", self.data_dir())
            .env_remove("SREC_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    /// Runs to completion.
    pub fn run(&self, args: &[&str]) -> Out {
        Out(self.command().args(args).output().expect("spawn srec"))
    }

    /// Runs, asserts exit 0, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code(), 0, "srec {args:?} failed: {}", out.stderr());
        out.stdout()
    }

    /// Runs with `--json`, parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).expect("valid JSON")
    }

    /// The command for a daemon of this instance. Tests run daemons in
    /// parallel, so a config without `[api]` gets `port = 0`.
    pub fn daemon_command(&self) -> Command {
        let config = std::fs::read_to_string(self.config_path()).unwrap_or_default();
        if !config.contains("[api]") {
            self.write_config(&format!("{config}\n[api]\nport = 0\n"));
        }
        self.command()
    }

    /// Starts `srec run --no-tui` and waits for its ready line.
    pub fn daemon(&self) -> Daemon {
        let mut d = Daemon::spawn(self.daemon_command());
        d.wait_for("srec ready", Duration::from_secs(20));
        d
    }
}

pub struct Out(pub Output);

impl Out {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
}

/// A running daemon whose stderr lines are collected.
pub struct Daemon {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Daemon {
    /// Spawns `cmd run --no-tui` with stderr followed.
    pub fn spawn(mut cmd: Command) -> Self {
        let child = cmd
            .args(["run", "--no-tui"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn daemon");
        Self::follow(child)
    }

    fn follow(mut child: Child) -> Self {
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`; panics with the log so far.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        if let Some(line) = self.try_wait_for(needle, timeout) {
            return line;
        }
        panic!(
            "no log line containing {needle:?} within {timeout:?}; log:\n{}",
            self.seen.join("\n")
        );
    }

    /// Like [`Daemon::wait_for`] but `None` at the deadline, for a test
    /// that repeats a scenario until a racy condition happened.
    pub fn try_wait_for(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return Some(l.clone());
        }
        let end = Instant::now() + timeout;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return Some(line);
                    }
                }
                Err(_) => break,
            }
        }
        None
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([format!("-{sig}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for exit; returns the exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> i32 {
        let end = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                // Drain remaining lines for diagnostics.
                while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(l);
                }
                return st.code().unwrap_or(-1);
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!(
                    "daemon did not exit within {timeout:?}; log:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository root (for examples/, man/, completions/).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Polls `f` every 100 ms until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Reports a missing external tool: with `SREC_REQUIRE_TOOLS=1` (set by
/// `scripts/test.sh` in CI) the test fails, so CI can never pass without
/// testing; otherwise the test says loudly that it skipped.
pub fn tool_missing(what: &str) {
    if std::env::var("SREC_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{what}, and SREC_REQUIRE_TOOLS=1 requires it (scripts/test.sh installs it)");
    }
    eprintln!("\n!!!!! SKIPPED: {what} (scripts/test.sh installs it) !!!!!\n");
}

/// Whether ffprobe is installed (CI installs it; see [`tool_missing`]).
pub fn have_ffprobe() -> bool {
    let ok = Command::new("ffprobe")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing("ffprobe is not installed; media files not verified");
    }
    ok
}

/// Whether ffmpeg is installed (CI installs it; see [`tool_missing`]).
pub fn have_ffmpeg() -> bool {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing("ffmpeg is not installed");
    }
    ok
}

/// `ffprobe -v error -show_entries format=duration -of csv=p=0 PATH`.
fn ffprobe_format_duration(path: &Path) -> std::io::Result<Output> {
    Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
}

/// Asserts ffprobe reads the file without a single error line.
pub fn ffprobe_ok(path: &Path) {
    if !have_ffprobe() {
        return;
    }
    let out = ffprobe_format_duration(path).expect("ffprobe");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.trim().is_empty(),
        "ffprobe {}: {err}",
        path.display()
    );
}

/// Media duration in seconds according to ffprobe.
pub fn ffprobe_duration(path: &Path) -> Option<f64> {
    let out = ffprobe_format_duration(path).ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Pids of processes whose command line is exactly `args`.
pub fn processes(args: &[&str]) -> Vec<u32> {
    let want: Vec<u8> = args
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == want))
        .collect()
}
