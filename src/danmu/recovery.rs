//! Start-up repair: chat files a killed daemon left `open` in
//! `danmu_files` are closed so they parse (see [`super::xml::repair`]) and
//! their rows finalised with the messages that survived (and their
//! `danmu_finalised` outbox row, like a normal close).

use std::path::PathBuf;

use super::xml::{RepairOutcome, repair};
use crate::db::Db;

/// Repairs every open file; returns how many rows were closed. Files of
/// sessions still open cannot exist at start (the daemon is the only writer).
pub async fn repair_open(db: &Db) -> usize {
    let files = match db.call(|c| crate::db::danmu::open_files(c)).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("cannot list open chat files: {e}");
            return 0;
        }
    };
    let mut closed = 0;
    for f in files {
        let path = PathBuf::from(&f.path);
        let outcome = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || path.exists().then(|| repair(&path))).await
        };
        let messages = match outcome {
            Ok(Some(Ok(
                RepairOutcome::Complete { messages } | RepairOutcome::Closed { messages, .. },
            ))) => messages,
            Ok(Some(Ok(RepairOutcome::Rewritten))) | Ok(None) => 0,
            Ok(Some(Err(e))) => {
                tracing::warn!(path = %path.display(), "cannot repair chat file: {e}");
                continue;
            }
            Err(_) => continue,
        };
        let (id, dropped) = (f.id, f.dropped);
        match db
            .call(move |c| crate::db::danmu::close(c, id, messages, dropped))
            .await
        {
            Ok(_) => {
                closed += 1;
                tracing::info!(path = %path.display(), messages, "chat file of a crashed session closed");
            }
            Err(e) => tracing::warn!(path = %path.display(), "cannot close chat file row: {e}"),
        }
    }
    closed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::danmu::xml::{DanmuXmlWriter, RecordInfo};

    #[tokio::test]
    async fn open_rows_are_repaired_and_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s_000.xml");
        let mut w = DanmuXmlWriter::create(&path, &RecordInfo::default()).unwrap();
        w.flush().unwrap();
        drop(w); // no `</i>`: as after kill -9
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| {
                std::io::Write::write_all(
                    &mut f,
                    b"\n  <d p=\"1,1,25,0,0,0,0,1\">ok</d>\n  <d p=\"2",
                )
            })
            .unwrap();
        let db = Db::open_in_memory().unwrap();
        let p = path.display().to_string();
        db.with(|c| {
            c.execute(
                "INSERT INTO streamers (name, url, platform, created_at, updated_at) VALUES ('a', 'u', 'fake', 0, 0)",
                [],
            )?;
            let sid = crate::db::sessions::open(c, 1, None, None, 0)?;
            crate::db::danmu::open(c, sid, 1, 0, &p)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(repair_open(&db).await, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.trim_end().ends_with("</i>"), "{text}");
        let files = db.with(|c| crate::db::danmu::for_session(c, 1)).unwrap();
        assert_eq!((files[0].state.as_str(), files[0].messages), ("closed", 1));
    }
}
