//! A chat XML file written by its own thread.
//!
//! A `write(2)` on a disk stalled by writeback can block for seconds. If the
//! chat task wrote (or flushed) its file itself, that would block an async
//! worker thread, and with it every recording, chat and API request
//! scheduled on that worker. So every file system call of a chat file
//! (create, writes, flushes, the closing `</i>`) runs on one thread per
//! file. That thread is fed through a bounded queue: when the disk cannot
//! keep up, messages are counted as dropped instead of being buffered
//! without limit, and the chat task never waits.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::writer::{DanmuXmlWriter, RecordInfo, WriterStats};
use crate::danmu::message::ChatEvent;

/// One step for the file's thread.
enum Cmd {
    Write(Duration, Box<ChatEvent>),
    Gap(Duration, Duration),
    FlushIfDue,
    /// Tests: the thread waits here, as on a stalled disk, until released.
    #[cfg(test)]
    Hold(std::sync::mpsc::Receiver<()>),
}

/// An open chat file whose writes happen on its own thread.
pub struct ChatFile {
    path: PathBuf,
    tx: mpsc::Sender<Cmd>,
    /// Elements written so far (updated by the thread).
    messages: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<io::Result<WriterStats>>,
}

impl ChatFile {
    /// Creates (truncates) `path` with its header on a new thread and
    /// returns once the file exists; `queue` bounds the steps in flight.
    pub async fn create(path: &Path, info: RecordInfo, queue: usize) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let messages = Arc::new(AtomicU64::new(0));
        let (p, m) = (path.to_path_buf(), Arc::clone(&messages));
        let thread = std::thread::Builder::new()
            .name("srec-chat-file".into())
            .spawn(move || match DanmuXmlWriter::create(&p, &info) {
                Ok(w) => {
                    let _ = ready_tx.send(Ok(()));
                    run(w, rx, &m)
                }
                Err(e) => {
                    let msg = e.to_string();
                    let _ = ready_tx.send(Err(e));
                    Err(io::Error::other(msg))
                }
            })?;
        match ready_rx.await {
            Ok(Ok(())) => Ok(Self {
                path: path.to_path_buf(),
                tx,
                messages,
                thread,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::other("the chat file thread ended early")),
        }
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Elements written so far.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Queues one message at `offset`; `false` when the queue is full (the
    /// disk is behind) and the message is dropped.
    pub fn write(&self, offset: Duration, event: &ChatEvent) -> bool {
        self.tx
            .try_send(Cmd::Write(offset, Box::new(event.clone())))
            .is_ok()
    }

    /// Queues a reconnect gap mark; `false` if it could not be queued.
    pub fn gap(&self, offset: Duration, down: Duration) -> bool {
        self.tx.try_send(Cmd::Gap(offset, down)).is_ok()
    }

    /// Asks the thread to flush if its last flush is a second old; skipped
    /// when the queue is full (the thread is busy writing anyway).
    pub fn flush_if_due(&self) {
        let _ = self.tx.try_send(Cmd::FlushIfDue);
    }

    /// Writes what is queued and the closing `</i>`, then returns the
    /// file's counts. Waits for the thread off the async workers.
    pub async fn finish(self) -> io::Result<WriterStats> {
        drop(self.tx);
        let thread = self.thread;
        match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(res)) => res,
            Ok(Err(_)) => Err(io::Error::other("the chat file thread panicked")),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    }
}

/// The thread: applies steps until the sender is dropped, then closes.
/// Only the first failed write of a file is logged (a full disk fails
/// every one); the rest are counted in the log line at the close.
fn run(
    mut w: DanmuXmlWriter,
    mut rx: mpsc::Receiver<Cmd>,
    messages: &AtomicU64,
) -> io::Result<WriterStats> {
    let mut failed = 0u64;
    while let Some(cmd) = rx.blocking_recv() {
        let res = match cmd {
            Cmd::Write(offset, event) => w.write(offset, &event).map(|_| ()),
            Cmd::Gap(offset, down) => w.gap(offset, down, "reconnect"),
            Cmd::FlushIfDue => w.flush_if_due(),
            #[cfg(test)]
            Cmd::Hold(release) => {
                let _ = release.recv();
                Ok(())
            }
        };
        messages.store(w.stats().messages, Ordering::Relaxed);
        if let Err(e) = res {
            if failed == 0 {
                tracing::warn!("cannot write chat to {}: {e}", w.path().display());
            }
            failed += 1;
        }
    }
    if failed > 1 {
        tracing::warn!("{failed} writes to chat file {} failed", w.path().display());
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::danmu::message::{Comment, Sender};

    fn info() -> RecordInfo {
        RecordInfo {
            room_id: "1".into(),
            name: "n".into(),
            title: "t".into(),
            area_parent: String::new(),
            area_child: String::new(),
            start_time: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn comment(text: &str) -> ChatEvent {
        ChatEvent::Comment(Comment {
            sender: Sender {
                name: "u".into(),
                uid: None,
            },
            text: text.into(),
            mode: 1,
            size: 25,
            color: 0xFFFFFF,
            sent_ms: None,
        })
    }

    #[tokio::test]
    async fn writes_in_order_and_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        let f = ChatFile::create(&path, info(), 16).await.unwrap();
        for i in 0..10 {
            assert!(f.write(Duration::from_millis(i * 100), &comment(&format!("m{i}"))));
        }
        assert!(f.gap(Duration::from_secs(1), Duration::from_secs(2)));
        let stats = f.finish().await.unwrap();
        assert_eq!(stats.messages, 10);
        assert_eq!(stats.gaps, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.find(">m0<").unwrap();
        let last = text.find(">m9<").unwrap();
        assert!(first < last && text.trim_end().ends_with("</i>"), "{text}");
    }

    #[tokio::test]
    async fn a_missing_folder_is_an_error_at_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/a.xml");
        assert!(ChatFile::create(&path, info(), 4).await.is_err());
    }

    /// A stalled disk under one file: the async side never waits, messages
    /// beyond the queue are refused (counted as dropped by the caller),
    /// and every queued one is written at the close.
    #[tokio::test(flavor = "current_thread")]
    async fn a_stalled_file_refuses_beyond_its_queue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        let f = ChatFile::create(&path, info(), 8).await.unwrap();
        let (release, held) = std::sync::mpsc::channel();
        f.tx.try_send(Cmd::Hold(held)).ok().unwrap();
        // The thread takes the hold off the queue, then the queue fills.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while f.tx.capacity() < 8 {
            assert!(
                std::time::Instant::now() < deadline,
                "the thread never took the hold"
            );
            tokio::task::yield_now().await;
        }
        let accepted = (0..100)
            .filter(|i| f.write(Duration::from_millis(*i), &comment("x")))
            .count();
        assert_eq!(accepted, 8);
        assert!(!f.gap(Duration::ZERO, Duration::from_secs(1)));
        release.send(()).unwrap();
        let stats = f.finish().await.unwrap();
        assert_eq!(stats.messages, 8);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("<d p=").count(), 8, "{text}");
    }
}
