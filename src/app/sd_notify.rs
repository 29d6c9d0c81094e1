//! systemd service notifications (`Type=notify`, `WatchdogSec=`): a tiny
//! sender of `sd_notify(3)` datagrams to `$NOTIFY_SOCKET`. `READY=1` once
//! the API and the scheduler run, `WATCHDOG=1` every half of
//! `$WATCHDOG_USEC` from a task on the async runtime (so a wedged runtime
//! stops the pings and systemd restarts srec), `STOPPING=1` when shutdown
//! begins. Without `$NOTIFY_SOCKET` (not under systemd) nothing is sent.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A connection to the service manager's notification socket.
pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// The socket `$NOTIFY_SOCKET` names (a path, or `@name` for an
    /// abstract socket); `None` when unset or unusable.
    pub fn from_env() -> Option<Self> {
        let name = std::env::var_os("NOTIFY_SOCKET")?;
        let name = name.to_str()?;
        let addr = match name.strip_prefix('@') {
            #[cfg(target_os = "linux")]
            Some(abstract_name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(abstract_name.as_bytes()).ok()?
            }
            #[cfg(not(target_os = "linux"))]
            Some(_) => return None,
            None => SocketAddr::from_pathname(name).ok()?,
        };
        let socket = UnixDatagram::unbound().ok()?;
        Some(Self { socket, addr })
    }

    /// Sends one notification (`READY=1`, `STATUS=...`); failures are
    /// logged at debug level: a missing manager must not stop srec.
    pub fn notify(&self, state: &str) {
        if let Err(e) = self.socket.send_to_addr(state.as_bytes(), &self.addr) {
            tracing::debug!("sd_notify {state:?} failed: {e}");
        }
    }
}

/// Half the watchdog period systemd expects (`$WATCHDOG_USEC`), when the
/// watchdog is enabled for this process (`$WATCHDOG_PID` unset or ours).
pub fn watchdog_interval() -> Option<Duration> {
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.trim() != std::process::id().to_string()
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// Says `READY=1` and starts the watchdog pings, if under systemd.
pub fn ready(cancel: CancellationToken, tracker: &TaskTracker) {
    let Some(n) = Notifier::from_env() else {
        return;
    };
    n.notify(&format!(
        "READY=1\nSTATUS=recording\nMAINPID={}",
        std::process::id()
    ));
    let Some(every) = watchdog_interval() else {
        return;
    };
    tracing::info!("systemd watchdog: pinging every {every:?}");
    tracker.spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tick.tick() => n.notify("WATCHDOG=1"),
            }
        }
    });
}

/// Says `STOPPING=1`, if under systemd.
pub fn stopping() {
    if let Some(n) = Notifier::from_env() {
        n.notify("STOPPING=1\nSTATUS=shutting down");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_to_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        let n = Notifier {
            socket: UnixDatagram::unbound().unwrap(),
            addr: SocketAddr::from_pathname(&path).unwrap(),
        };
        n.notify("READY=1");
        let mut buf = [0u8; 64];
        let len = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"READY=1");
    }
}
