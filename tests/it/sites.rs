//! Shared driver for the per-platform end-to-end tests (`site_*.rs`): the
//! real binary records a real platform's URL whose API is answered by the
//! fake server's site emulation (`[platforms.NAME] api_base`), from
//! offline through live to offline again, and the files must be clean.

use std::path::PathBuf;
use std::time::Duration;

use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, ffprobe_ok, wait_until};

/// One end-to-end run of a site.
pub struct SiteRun<'a> {
    /// Platform name (`[platforms.NAME]`, `srec list` column).
    pub platform: &'a str,
    /// The real-site URL the user adds (e.g. `https://www.twitch.tv/alice`).
    pub url: &'a str,
    /// Fake room id the site emulation maps that URL to.
    pub room: &'a str,
    /// Engine: `mesio`, `ffmpeg` or `streamlink`.
    pub engine: &'a str,
    /// More lines for the `[platforms.NAME]` section (quality, cookies...).
    pub extra: &'a str,
}

/// What a run left behind, for further checks.
pub struct SiteResult {
    pub srec: Srec,
    pub files: Vec<PathBuf>,
    pub session: sessions::Session,
}

fn db(s: &Srec) -> Db {
    Db::open(&s.db_path()).expect("db")
}

/// The config that points `platform` at the fake server's emulation.
pub fn site_config(fake: &Fake, platform: &str, engine: &str, extra: &str) -> String {
    format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nengine = \"{engine}\"\n\n\
         [platforms.{platform}]\napi_base = \"{}\"\n{extra}\n",
        fake.site_base(platform)
    )
}

/// add → offline → live → recorded → offline → session closed, files
/// ffprobe-clean. Panics with the daemon's log on any failure.
pub fn record_site(fake: &Fake, run: SiteRun<'_>) -> SiteResult {
    let room = fake.room(run.room);
    room.set_live(false);
    let s = Srec::new();
    s.write_config(&site_config(fake, run.platform, run.engine, run.extra));
    let added = s.ok(&["add", run.url]);
    assert!(
        added.contains(&format!("({}, ", run.platform)),
        "`srec add {}` chose another platform: {added}",
        run.url
    );
    let mut d = s.daemon();
    room.set_live(true);
    d.wait_for("segment opened", Duration::from_secs(30));
    let first_segment = || {
        db(&s)
            .with(|c| sessions::list_for(c, 1, 10))
            .ok()
            .and_then(|v| v.first().cloned())
    };
    // Let a few seconds of media reach the disk.
    assert!(wait_until(Duration::from_secs(30), || {
        s.json(&["status"])["recordings"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(|r| r["bytes"].as_i64())
            .is_some_and(|b| b > 150_000)
    }));
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(40), || first_segment()
            .is_some_and(|x| x.ended_at.is_some())),
        "session not closed after the room went offline"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
    let session = first_segment().expect("a session");
    let segs = db(&s)
        .with(|c| sessions::segments(c, session.id))
        .expect("segments");
    assert!(!segs.is_empty(), "no segment rows");
    let files: Vec<PathBuf> = segs.iter().map(|g| PathBuf::from(&g.path)).collect();
    for f in &files {
        assert!(f.exists(), "{} missing", f.display());
        ffprobe_ok(f);
    }
    SiteResult {
        srec: s,
        files,
        session,
    }
}
