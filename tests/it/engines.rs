//! Engines end to end (issue 6): mesio, ffmpeg and streamlink record the
//! fake platform's HLS and FLV through the real binary; files, DB rows and
//! events agree; ffmpeg's graceful stop yields a playable mp4; hostile
//! titles stay inside the output folder. Helpers shared with
//! `engines_faults`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_live::ServerOptions;
use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, ffprobe_duration, ffprobe_ok, wait_until};

pub const EXIT: Duration = Duration::from_secs(40);

/// `(template name, engine, stream format)` for every engine × protocol.
pub const COMBOS: &[(&str, &str, &str)] = &[
    ("mesio_hls", "mesio", "hls"),
    ("mesio_flv", "mesio", "flv"),
    ("ffmpeg_hls", "ffmpeg", "hls"),
    ("ffmpeg_flv", "ffmpeg", "flv"),
    ("streamlink_hls", "streamlink", "hls"),
    ("streamlink_flv", "streamlink", "flv"),
];

/// Whether ffmpeg and streamlink are installed (CI installs both).
pub fn have_tools() -> bool {
    let ok = |b: &str, f: &str| {
        std::process::Command::new(b)
            .arg(f)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ok = ok("ffmpeg", "-version") && ok("streamlink", "--version");
    if !ok {
        crate::harness::tool_missing("ffmpeg or streamlink is not installed");
    }
    ok
}

/// A config with fast checks, one template per engine × protocol, output
/// under the instance's temp dir, plus `extra`.
pub fn engine_config(s: &Srec, extra: &str) -> PathBuf {
    let out = s.dir.path().join("rec");
    let mut text = format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\noutput_dir = \"{}\"\n",
        out.display()
    );
    text.push_str(extra);
    for (name, engine, format) in COMBOS {
        text.push_str(&format!(
            "\n[templates.{name}]\nengine = \"{engine}\"\nstream_format = \"{format}\"\n"
        ));
    }
    s.write_config(&text);
    out
}

pub fn db(s: &Srec) -> Db {
    Db::open(&s.db_path()).expect("db")
}

/// Every segment row of a streamer, over all its sessions.
pub fn segments(s: &Srec, streamer: i64) -> Vec<sessions::Segment> {
    db(s)
        .with(|c| {
            let mut all = Vec::new();
            for sess in sessions::list_for(c, streamer, 100)? {
                all.extend(sessions::segments(c, sess.id)?);
            }
            Ok(all)
        })
        .expect("segments")
}

/// Files (not directories) below `dir`.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Rows are closed, name files that exist inside `out` with the row's size
/// and that ffprobe reads; returns the summed media duration (s).
pub fn check_rows(rows: &[sessions::Segment], out: &Path, what: &str) -> f64 {
    let root = out.canonicalize().expect("output dir");
    let mut total = 0.0;
    for g in rows {
        let p = Path::new(&g.path);
        assert!(g.ended_at.is_some(), "{what}: open row {g:?}");
        assert!(p.exists(), "{what}: row without file {}", g.path);
        let canon = p.canonicalize().expect("canonical");
        assert!(
            canon.starts_with(&root),
            "{what}: {} escapes {}",
            g.path,
            root.display()
        );
        let len = std::fs::metadata(p).expect("metadata").len() as i64;
        assert_eq!(len, g.bytes, "{what}: row bytes vs file {}", g.path);
        ffprobe_ok(p);
        total += ffprobe_duration(p).unwrap_or(0.0);
    }
    total
}

/// Streamer ids by template name, as added.
fn add_all(s: &Srec, fake: &Fake, prefix: &str) -> Vec<(i64, &'static str, String)> {
    COMBOS
        .iter()
        .map(|(name, _, _)| {
            let room = fake.live_room(&format!("{prefix}{name}"));
            let v = s.json(&["add", &room.page_url(), "--template", name]);
            (v["id"].as_i64().expect("id"), *name, room.id().to_string())
        })
        .collect()
}

#[test]
fn every_engine_records_hls_and_flv_in_real_time() {
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let s = Srec::new();
    let out = engine_config(&s, "max_segment_duration = \"6s\"\n");
    let added = add_all(&s, &fake, "rt_");
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(20), || added
            .iter()
            .all(|(id, ..)| !segments(&s, *id).is_empty())),
        "every engine opened a segment; log:\n{}",
        d.seen.join("\n")
    );
    // Two closed 6 s segments per engine (at least 12 s of media).
    assert!(
        wait_until(Duration::from_secs(60), || added.iter().all(
            |(id, ..)| segments(&s, *id)
                .iter()
                .filter(|g| g.ended_at.is_some())
                .count()
                >= 2
        )),
        "every engine closed two segments; log:\n{}",
        d.seen.join("\n")
    );
    for (_, _, room) in &added {
        fake.room(room).set_live(false);
    }
    assert!(wait_until(Duration::from_secs(20), || {
        added.iter().all(|(id, ..)| {
            let rows = segments(&s, *id);
            !rows.is_empty() && rows.iter().all(|g| g.ended_at.is_some())
        })
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(!d.seen.iter().any(|l| l.contains("panicked")));
    for (id, name, room) in &added {
        let rows = segments(&s, *id);
        let secs = check_rows(&rows, &out, name);
        eprintln!("{name}: {} segment(s), {secs:.1} s of media", rows.len());
        assert!(secs >= 12.0, "{name}: only {secs:.1} s recorded");
        assert!(rows.len() >= 2, "{name}: 6 s splits over 15 s: {rows:?}");
        // Events = rows = files: nothing on disk the DB does not know.
        let on_disk: BTreeSet<PathBuf> = files_below(&out.join(room)).into_iter().collect();
        let in_db: BTreeSet<PathBuf> = rows.iter().map(|g| PathBuf::from(&g.path)).collect();
        assert_eq!(on_disk, in_db, "{name}");
        // One "segment opened" and one "segment closed" event per row.
        // (An empty file is deleted with its row and logged apart.)
        let needle = format!("streamer={id} ");
        let count = |what: &str| {
            d.seen
                .iter()
                .filter(|l| l.contains(what) && l.contains(&needle))
                .count()
        };
        assert_eq!(
            count("segment closed"),
            rows.len(),
            "{name}: closed events vs rows"
        );
        assert_eq!(
            count("segment opened"),
            rows.len() + count("deleted empty segment"),
            "{name}: opened events vs rows"
        );
        let indexes: Vec<u32> = rows.iter().map(|g| g.index).collect();
        let want: Vec<u32> = (0..rows.len() as u32).collect();
        assert_eq!(indexes, want, "{name}: contiguous indexes");
    }
}

#[test]
fn ffmpeg_graceful_stop_writes_a_playable_mp4() {
    if !have_tools() {
        return;
    }
    let fake = Fake::start(ServerOptions {
        speed: 2.0,
        ..Default::default()
    });
    let room = fake.live_room("mp4");
    let s = Srec::new();
    let out = engine_config(&s, "output_format = \"mp4\"\n");
    s.ok(&["add", &room.page_url(), "--template", "ffmpeg_hls"]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(15));
    // Five more 1 s media segments fetched by ffmpeg after the file opened.
    let fetched = room.stats().segment;
    assert!(wait_until(Duration::from_secs(20), || room.stats().segment
        >= fetched + 5));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let rows = segments(&s, 1);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].path.ends_with(".mp4"), "{rows:?}");
    assert_eq!(rows[0].split_reason.as_deref(), Some("stopped"));
    let secs = check_rows(&rows, &out, "mp4");
    assert!(secs >= 3.0, "mp4 holds {secs} s");
}

#[test]
fn hostile_titles_give_safe_names_inside_the_output_folder() {
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let s = Srec::new();
    let out = engine_config(
        &s,
        "filename_template = \"{title}/{title}\"\n[download]\nmax_concurrent = 12\n",
    );
    let long = "é".repeat(250);
    let titles = ["../../etc/x", "a/b", "CON", long.as_str()];
    let mut ids = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        for template in ["mesio_hls", "ffmpeg_flv", "streamlink_hls"] {
            let room = fake.live_room(&format!("t{i}_{template}"));
            room.set_title(title);
            let v = s.json(&["add", &room.page_url(), "--template", template]);
            ids.push((v["id"].as_i64().expect("id"), template, *title));
        }
    }
    let mut d = s.daemon();
    let opened = wait_until(Duration::from_secs(30), || {
        ids.iter().all(|(id, ..)| {
            segments(&s, *id)
                .iter()
                .any(|g| g.bytes > 0 || g.ended_at.is_none())
        })
    });
    assert!(opened, "log:\n{}", d.seen.join("\n"));
    // Media in every open file before the stop (the rows are closed by it).
    let growing = |id: i64| {
        segments(&s, id).iter().any(|g| {
            let part = format!("{}.part", g.path);
            [g.path.as_str(), part.as_str()]
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .any(|m| m.len() > 50_000)
        })
    };
    assert!(
        wait_until(Duration::from_secs(30), || ids
            .iter()
            .all(|(id, ..)| growing(*id))),
        "media in every file"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    for (id, template, title) in &ids {
        let rows = segments(&s, *id);
        let what = format!("{template} {:.20}", title);
        check_rows(&rows, &out, &what);
        for g in &rows {
            let rel = Path::new(&g.path)
                .strip_prefix(&out)
                .expect("inside output_dir");
            let parts: Vec<_> = rel.components().collect();
            assert_eq!(parts.len(), 2, "{what}: {}", rel.display());
            for c in parts {
                let c = c.as_os_str().to_string_lossy();
                assert!(c.len() <= 255, "{what}: component of {} bytes", c.len());
                assert!(c != ".." && c != "CON", "{what}: {c}");
            }
        }
    }
    // Nothing was written outside the output folder.
    let stray: Vec<_> = files_below(s.dir.path())
        .into_iter()
        .filter(|p| !p.starts_with(&out) && !p.starts_with(s.data_dir()))
        .filter(|p| p.file_name().is_some_and(|n| n != "config.toml"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn commented_example_states_the_engine_defaults() {
    let file = srec::config::parse_str(srec::config::EXAMPLE_CONFIG, Path::new("example"))
        .expect("example parses");
    assert_eq!(file.engines, srec::config::EnginesSettings::default());
    assert_eq!(file.download, Default::default());
}
