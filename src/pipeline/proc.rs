//! Runs one external program for a step: no shell (an argument array),
//! its own process group that dies with srec, stdout and stderr captured
//! line by line into the job log, a timeout, and cancellation that sends
//! SIGTERM to the group and kills it after a grace period.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

use super::StepError;
use super::log::JobLog;

/// Time between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// A program to run.
pub struct Program<'a> {
    pub binary: &'a Path,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

/// Runs `p` to its end. `on_line` sees every output line (rclone stats).
pub async fn run(
    p: Program<'_>,
    cancel: &CancellationToken,
    log: &JobLog,
    mut on_line: impl FnMut(&str) + Send,
) -> Result<(), StepError> {
    let mut cmd = crate::download::child::command(p.binary);
    cmd.args(&p.args)
        .envs(p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = crate::download::child::spawn(&mut cmd).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StepError::Fatal(format!(
                "`{}` not found (install it or configure its path)",
                p.binary.display()
            ))
        } else {
            StepError::Retry(format!("cannot start `{}`: {e}", p.binary.display()))
        }
    })?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(&'static str, String)>(256);
    for (name, pipe) in [
        (
            "stdout",
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ),
        (
            "stderr",
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ),
    ] {
        let Some(pipe) = pipe else { continue };
        let tx = tx.clone();
        tokio::spawn(async move {
            // ffmpeg ends progress lines with `\r`: split on both.
            let mut r = BufReader::new(pipe);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match r.read_until(b'\n', &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        for part in String::from_utf8_lossy(&buf).split(['\r', '\n']) {
                            if !part.trim().is_empty()
                                && tx.send((name, part.to_string())).await.is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    let deadline = tokio::time::sleep(p.timeout);
    tokio::pin!(deadline);
    let mut open = true;
    let status = loop {
        tokio::select! {
            line = rx.recv(), if open => match line {
                Some((stream, line)) => {
                    on_line(&line);
                    log.line(stream, line).await;
                }
                None => open = false,
            },
            st = child.wait() => break st.map_err(|e| StepError::Retry(e.to_string()))?,
            _ = cancel.cancelled() => {
                stop(&mut child).await;
                return Err(StepError::Cancelled);
            }
            _ = &mut deadline => {
                stop(&mut child).await;
                return Err(StepError::Retry(format!("timed out after {}", humantime::format_duration(p.timeout))));
            }
        }
    };
    while let Ok(Some((stream, line))) =
        tokio::time::timeout(Duration::from_secs(2), rx.recv()).await
    {
        on_line(&line);
        log.line(stream, line).await;
    }
    log.flush().await;
    if status.success() {
        Ok(())
    } else {
        Err(StepError::Retry(format!(
            "`{}` exited with {status}",
            p.binary.display()
        )))
    }
}

/// SIGTERM to the child's group, then SIGKILL after [`GRACE`].
async fn stop(child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = child
        .id()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32))
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
        if tokio::time::timeout(GRACE, child.wait()).await.is_ok() {
            return;
        }
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill().await;
}
