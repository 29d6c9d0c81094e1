//! The real event loop against real services: scripted key events go in
//! through a channel instead of a terminal, frames go to a `TestBackend`.
//! Checks that commands reach the services (add, disable, remove), that
//! quitting runs the container's graceful shutdown, and that the loop
//! survives its input ending (the driver drops the key sender after `q`).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use srec::app::ServiceContainer;
use srec::config::Paths;
use srec::logging::memory::LogBuffer;
use srec::streamer::StreamerManager;
use srec::tui::{self, Dashboard, KeyMap, LoopEnd, Services, Theme};

type Keys = UnboundedSender<io::Result<Event>>;

fn send(keys: &Keys, code: KeyCode) {
    let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    keys.unbounded_send(Ok(ev)).expect("loop alive");
}

fn type_str(keys: &Keys, s: &str) {
    for c in s.chars() {
        send(keys, KeyCode::Char(c));
    }
}

/// Polls `cond` for up to 10 s.
async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn drive(keys: Keys, streamers: Arc<StreamerManager>) {
    // Bad URL first: nothing is added, the popup stays.
    send(&keys, KeyCode::Char('a'));
    type_str(&keys, "ftp://x/y");
    send(&keys, KeyCode::Enter);
    for _ in 0.."ftp://x/y".len() {
        send(&keys, KeyCode::Backspace);
    }
    type_str(&keys, "http://127.0.0.1:9/room/looptest");
    send(&keys, KeyCode::Enter);
    until("the streamer to be added", || streamers.len() == 1).await;
    let id = streamers.list()[0].id;
    // Let a refresh select the new row before acting on it.
    until("enabled", || streamers.get(id).is_some_and(|s| s.enabled)).await;
    // Kept: the loop selects the row on its 250 ms data tick, which has no
    // outside trace, and `d` toggles, so it cannot be resent; four ticks.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    send(&keys, KeyCode::Char('d'));
    until("the streamer to be disabled", || {
        streamers.get(id).is_some_and(|s| !s.enabled)
    })
    .await;
    send(&keys, KeyCode::Char('x'));
    send(&keys, KeyCode::Char('y'));
    until("the streamer to be removed", || streamers.is_empty()).await;
    send(&keys, KeyCode::Char('q'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_reach_the_services_and_quit_shuts_down() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::resolve(
        Some(dir.path().join("config.toml")),
        Some(dir.path().join("data")),
    )
    .unwrap();
    let container = ServiceContainer::build(paths, srec::download::engines().unwrap())
        .await
        .unwrap();
    container.start().unwrap();
    let (keys, events) = unbounded();
    let dash = Dashboard {
        svc: Services::of(&container, srec::db::now_ms()),
        logs: LogBuffer::new(100),
        keys: KeyMap::default(),
        theme: Theme { color: false },
        tracker: container.tracker().clone(),
    };
    let driver = tokio::spawn(drive(keys, Arc::clone(&container.streamers)));
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let shutdown = container.shutdown(Duration::from_secs(10));
    let end = tokio::time::timeout(
        Duration::from_secs(30),
        tui::run(
            dash,
            &mut term,
            events,
            tokio::sync::mpsc::unbounded_channel(),
            shutdown,
        ),
    )
    .await
    .expect("loop ended in time")
    .expect("loop ok");
    driver.await.expect("driver finished");
    match end {
        LoopEnd::ShutDown(report) => assert!(report.clean, "{report:?}"),
        LoopEnd::Forced => panic!("forced exit"),
    }
    let screen = term.backend().to_string();
    assert!(
        screen.contains("Streamers") && screen.contains("Log"),
        "{screen}"
    );
}
