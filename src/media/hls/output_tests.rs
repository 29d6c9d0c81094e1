use std::io::{IoSlice, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::config::paths::part_path;
use crate::media::hls::file_writer::write_all_vectored;

/// Accepts at most 5 bytes per call, from at most two buffers.
struct Trickle(Vec<u8>);

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(5);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
        let mut n = 0;
        for b in bufs.iter().take(2) {
            let k = b.len().min(5 - n);
            self.0.extend_from_slice(&b[..k]);
            n += k;
            if n == 5 {
                break;
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn vectored_writes_survive_partial_writes_and_empty_pieces() {
    let pieces: Vec<Bytes> = ["abc", "", "defghij", "k", "", "lmnopqrstu"]
        .into_iter()
        .map(|s| Bytes::from_static(s.as_bytes()))
        .collect();
    let mut out = Trickle(Vec::new());
    write_all_vectored(&mut out, &pieces).unwrap();
    assert_eq!(out.0, b"abcdefghijklmnopqrstu");
    let mut out = Trickle(Vec::new());
    write_all_vectored(&mut out, &[Bytes::new()]).unwrap();
    assert!(out.0.is_empty());
}

#[tokio::test]
async fn writes_part_then_renames_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut sink = FileSink::new(Box::new(move |i, ext| {
        root.join("sub").join(format!("rec{i}.{ext}"))
    }));
    let path = sink.open(4, "ts").await.unwrap();
    assert_eq!(path, dir.path().join("sub/rec4.ts"));
    sink.write(Bytes::from_static(b"abc")).await.unwrap();
    sink.write(Bytes::from_static(b"def")).await.unwrap();
    // Small writes wait for the end of the media segment...
    sink.settle().await;
    assert!(!path.exists());
    assert_eq!(std::fs::read(part_path(&path)).unwrap(), b"");
    sink.flush().await.unwrap();
    sink.settle().await;
    // ...then the .part holds every byte, still under its temporary name.
    assert!(!path.exists());
    assert_eq!(std::fs::read(part_path(&path)).unwrap(), b"abcdef");
    // A large write goes out without waiting for a flush.
    let big = vec![7u8; WRITE_CHUNK];
    sink.write(Bytes::from(big.clone())).await.unwrap();
    sink.settle().await;
    assert_eq!(
        std::fs::metadata(part_path(&path)).unwrap().len(),
        6 + WRITE_CHUNK as u64
    );
    sink.write(Bytes::from_static(b"tail")).await.unwrap();
    // Close writes what is still buffered.
    sink.close().await.unwrap();
    let mut want = b"abcdef".to_vec();
    want.extend(big);
    want.extend(b"tail");
    assert_eq!(std::fs::read(&path).unwrap(), want);
    assert!(!part_path(&path).exists());
    assert!(matches!(
        sink.write(Bytes::from_static(b"x")).await,
        Err(HlsError::Internal(_))
    ));
}

#[tokio::test]
async fn an_existing_part_file_is_an_error_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(part_path(&root.join("rec0.ts")), b"earlier").unwrap();
    let mut sink = FileSink::new(Box::new(move |i, ext| root.join(format!("rec{i}.{ext}"))));
    assert!(matches!(sink.open(0, "ts").await, Err(HlsError::Io { .. })));
    assert_eq!(
        std::fs::read(part_path(&dir.path().join("rec0.ts"))).unwrap(),
        b"earlier"
    );
    // The sink is still usable for the next file.
    let path = sink.open(1, "ts").await.unwrap();
    sink.write(Bytes::from_static(b"x")).await.unwrap();
    sink.close().await.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"x");
}

/// Counts 5 ms ticks of a task on the current (single) thread: the ticks
/// stop while anything blocks that thread.
fn ticker() -> Arc<AtomicU64> {
    let ticks = Arc::new(AtomicU64::new(0));
    let t = ticks.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            t.fetch_add(1, Ordering::Relaxed);
        }
    });
    ticks
}

/// One recording's slow disk must not stall the thread it shares with
/// other recordings (a shard): its writes wait on its writer thread.
#[tokio::test(flavor = "current_thread")]
async fn a_slow_disk_does_not_block_the_async_thread() {
    crate::media::slow_write::slow_for_tests("slowdisk-unit", Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("slowdisk-unit");
    let mut sink = FileSink::new(Box::new(move |i, ext| root.join(format!("rec{i}.{ext}"))));
    let ticks = ticker();
    let path = sink.open(0, "ts").await.unwrap();
    let started = Instant::now();
    let mut want: Vec<u8> = Vec::new();
    for i in 0..5u8 {
        let data = vec![i; 1000];
        want.extend(&data);
        sink.write(Bytes::from(data)).await.unwrap();
        sink.flush().await.unwrap();
    }
    // Five segments handed over at once: the writer is 500 ms behind.
    assert!(started.elapsed() < Duration::from_millis(100));
    let before_close = ticks.load(Ordering::Relaxed);
    sink.close().await.unwrap();
    let waited = started.elapsed();
    let ticked = ticks.load(Ordering::Relaxed) - before_close;
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    // Inline writes would have blocked the thread: no tick at all.
    assert!(ticked >= 20, "{ticked} ticks in {waited:?}");
    assert_eq!(std::fs::read(path).unwrap(), want, "every byte, in order");
}

/// Naming a file looks at the disk (which names are taken): that too runs
/// on the writer thread.
#[tokio::test(flavor = "current_thread")]
async fn naming_and_creating_files_does_not_block_the_async_thread() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut sink = FileSink::new(Box::new(move |i, ext| {
        std::thread::sleep(Duration::from_millis(200));
        root.join(format!("rec{i}.{ext}"))
    }));
    let ticks = ticker();
    sink.open(0, "ts").await.unwrap();
    let ticked = ticks.load(Ordering::Relaxed);
    assert!(ticked >= 10, "{ticked} ticks while the path was chosen");
    sink.close().await.unwrap();
}

/// The writer's queue is bounded: a recording whose disk cannot keep up
/// waits (asynchronously) instead of buffering without limit.
#[tokio::test(flavor = "current_thread")]
async fn a_writer_behind_by_its_whole_queue_holds_the_recording_back() {
    crate::media::slow_write::slow_for_tests("queue-unit", Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("queue-unit");
    let mut sink = FileSink::new(Box::new(move |i, ext| root.join(format!("rec{i}.{ext}"))));
    sink.open(0, "ts").await.unwrap();
    let started = Instant::now();
    let n = WRITER_QUEUE as u64 * 3;
    for _ in 0..n {
        sink.write(Bytes::from_static(b"0123456789")).await.unwrap();
        sink.flush().await.unwrap();
    }
    // At most WRITER_QUEUE (+ the one being written) can be ahead.
    let least = Duration::from_millis(20 * (n - WRITER_QUEUE as u64 - 2));
    assert!(started.elapsed() >= least, "{:?}", started.elapsed());
    sink.close().await.unwrap();
}
