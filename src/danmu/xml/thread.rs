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
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::writer::{DanmuXmlWriter, RecordInfo, WriterStats};
use crate::danmu::message::ChatEvent;

/// Messages handed to the thread at once. Waking a thread per message
/// costs more than writing it (at 200 rooms x 50 messages/s, futex wake-ups
/// were most of the daemon's CPU), so messages wait in a small batch until
/// it is full or the session's tick ([`ChatFile::flush_if_due`], every
/// 500 ms) sends it.
const BATCH: usize = 64;

/// One element for the file.
enum Item {
    Write(Duration, Box<ChatEvent>),
    Gap(Duration, Duration),
}

/// One step for the file's thread.
enum Cmd {
    Batch(Vec<Item>),
    FlushIfDue,
    /// Tests: the thread says it took the hold, then waits here, as on a
    /// stalled disk, until released.
    #[cfg(test)]
    Hold(std::sync::mpsc::Sender<()>, std::sync::mpsc::Receiver<()>),
}

/// An open chat file whose writes happen on its own thread.
pub struct ChatFile {
    path: PathBuf,
    tx: mpsc::UnboundedSender<Cmd>,
    /// Elements not yet handed to the thread (at most [`BATCH`]).
    pending: Vec<Item>,
    /// Elements handed to the thread and not yet written; with `pending`,
    /// bounded by `queue`, so memory stays bounded whatever the disk does.
    in_flight: Arc<AtomicUsize>,
    queue: usize,
    /// Elements written so far (updated by the thread).
    messages: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<io::Result<WriterStats>>,
}

impl ChatFile {
    /// Creates (truncates) `path` with its header on a new thread and
    /// returns once the file exists; `queue` bounds the elements in flight.
    pub async fn create(path: &Path, info: RecordInfo, queue: usize) -> io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let messages = Arc::new(AtomicU64::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let (p, m, f) = (
            path.to_path_buf(),
            Arc::clone(&messages),
            Arc::clone(&in_flight),
        );
        let thread = std::thread::Builder::new()
            .name("srec-chat-file".into())
            .spawn(move || match DanmuXmlWriter::create(&p, &info) {
                Ok(w) => {
                    let _ = ready_tx.send(Ok(()));
                    run(w, rx, &m, &f)
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
                pending: Vec::with_capacity(BATCH),
                in_flight,
                queue: queue.max(1),
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
    pub fn write(&mut self, offset: Duration, event: &ChatEvent) -> bool {
        self.push(Item::Write(offset, Box::new(event.clone())))
    }

    /// Queues a reconnect gap mark; `false` if it could not be queued.
    pub fn gap(&mut self, offset: Duration, down: Duration) -> bool {
        self.push(Item::Gap(offset, down))
    }

    fn push(&mut self, item: Item) -> bool {
        if self.in_flight.load(Ordering::Relaxed) + self.pending.len() >= self.queue {
            return false;
        }
        self.pending.push(item);
        if self.pending.len() >= BATCH {
            self.send_pending();
        }
        true
    }

    /// Hands the pending batch to the thread.
    fn send_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.in_flight.fetch_add(batch.len(), Ordering::Relaxed);
        let _ = self.tx.send(Cmd::Batch(batch));
    }

    /// Hands what is pending to the thread and asks it to flush if its
    /// last flush is a second old. Called on the session's tick, so a
    /// message reaches the file within one tick.
    pub fn flush_if_due(&mut self) {
        self.send_pending();
        let _ = self.tx.send(Cmd::FlushIfDue);
    }

    /// Writes what is queued and the closing `</i>`, then returns the
    /// file's counts. Waits for the thread off the async workers.
    pub async fn finish(mut self) -> io::Result<WriterStats> {
        self.send_pending();
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
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    messages: &AtomicU64,
    in_flight: &AtomicUsize,
) -> io::Result<WriterStats> {
    let mut failed = 0u64;
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Cmd::Batch(items) => {
                let n = items.len();
                for item in items {
                    let res = match item {
                        Item::Write(offset, event) => w.write(offset, &event).map(|_| ()),
                        Item::Gap(offset, down) => w.gap(offset, down, "reconnect"),
                    };
                    note(&mut failed, &w, res);
                }
                in_flight.fetch_sub(n, Ordering::Relaxed);
            }
            Cmd::FlushIfDue => {
                let res = w.flush_if_due();
                note(&mut failed, &w, res);
            }
            #[cfg(test)]
            Cmd::Hold(took, release) => {
                let _ = took.send(());
                let _ = release.recv();
            }
        }
        messages.store(w.stats().messages, Ordering::Relaxed);
    }
    if failed > 1 {
        tracing::warn!("{failed} writes to chat file {} failed", w.path().display());
    }
    w.finish()
}

/// Logs the first failed write of a file and counts every failure.
fn note(failed: &mut u64, w: &DanmuXmlWriter, res: io::Result<()>) {
    if let Err(e) = res {
        if *failed == 0 {
            tracing::warn!("cannot write chat to {}: {e}", w.path().display());
        }
        *failed += 1;
    }
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
        let mut f = ChatFile::create(&path, info(), 16).await.unwrap();
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
    /// beyond the queue (handed over in batches or still pending) are
    /// refused (counted as dropped by the caller), and every accepted one is
    /// written at the close.
    #[tokio::test(flavor = "current_thread")]
    async fn a_stalled_file_refuses_beyond_its_queue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        let queue = 3 * BATCH + 8;
        let mut f = ChatFile::create(&path, info(), queue).await.unwrap();
        let (release, held) = std::sync::mpsc::channel();
        let (took, taken) = std::sync::mpsc::channel();
        f.tx.send(Cmd::Hold(took, held)).ok().unwrap();
        taken
            .recv_timeout(Duration::from_secs(10))
            .expect("the thread never took the hold");
        let accepted = (0..1000)
            .filter(|i| f.write(Duration::from_millis(*i), &comment("x")))
            .count();
        assert_eq!(accepted, queue);
        assert_eq!(f.in_flight.load(Ordering::Relaxed), 3 * BATCH);
        assert!(!f.gap(Duration::ZERO, Duration::from_secs(1)));
        release.send(()).unwrap();
        let stats = f.finish().await.unwrap();
        assert_eq!(stats.messages, queue as u64);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("<d p=").count(), queue, "{text}");
    }

    /// A message waits at most for the next `flush_if_due` (the session's
    /// tick) before the thread has it.
    #[tokio::test]
    async fn a_partial_batch_is_handed_over_on_the_tick() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        let mut f = ChatFile::create(&path, info(), 100).await.unwrap();
        assert!(f.write(Duration::ZERO, &comment("one")));
        assert_eq!(f.messages(), 0, "still pending");
        f.flush_if_due();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while f.messages() < 1 {
            assert!(std::time::Instant::now() < deadline, "never written");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        f.finish().await.unwrap();
    }
}
