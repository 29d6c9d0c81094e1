//! Pipeline processors on real media through the daemon: remux (ffprobe
//! reads the MP4), thumbnail, metadata, rclone upload to a `local` remote,
//! delete of local copies; the paired trigger with chat XML → ASS; and a
//! `kill -9` mid-DAG followed by a restart that completes it.

use std::process::Command;

use srec::db::outbox;
use srec::events::DanmuFinalised;

use crate::harness::{Srec, ffprobe_ok, tool_missing};
use crate::pipeline_support::{
    clip, daemon, daemon_from, db, have_ffmpeg, out_dir, segment, session, step, streamer,
    wait_jobs, wait_state,
};

fn have_rclone() -> bool {
    let ok = Command::new("rclone")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing("rclone is not installed; the upload processor is not tested");
    }
    ok
}

#[test]
fn remux_thumbnail_metadata_upload_then_delete_local() {
    if !have_ffmpeg() || !have_rclone() {
        return;
    }
    let s = Srec::new();
    let rec = out_dir(&s);
    let remote = s.dir.path().join("remote");
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "archive"
[pipelines.archive]
[[pipelines.archive.steps]]
id = "remux"
processor = "remux"
delete_source = true
[[pipelines.archive.steps]]
id = "thumb"
processor = "thumbnail"
depends_on = ["remux"]
[[pipelines.archive.steps]]
id = "meta"
processor = "metadata"
depends_on = ["remux"]
[[pipelines.archive.steps]]
id = "upload"
processor = "upload"
remote = "testlocal"
path = "{remote}/{{streamer}}"
depends_on = ["remux", "thumb", "meta"]
[[pipelines.archive.steps]]
id = "clean"
processor = "delete"
depends_on = ["upload"]
"#,
        rec = rec.display(),
        remote = remote.display()
    );
    s.write_config(&cfg);
    let mut cmd = s.daemon_command();
    cmd.env("RCLONE_CONFIG_TESTLOCAL_TYPE", "local")
        .env("SREC_PIPELINE_BACKOFF_MS", "100");
    let _d = daemon_from(&s, cmd);
    let id = streamer(&s, "dora");
    let sess = session(&s, id, "Evening stream");
    let file = rec.join("dora_000.flv");
    clip(&file, 2);
    segment(&s, id, sess, 0, &file);
    let job_id = wait_jobs(&s, 1)[0]["id"].as_i64().unwrap();
    let j = wait_state(&s, job_id, "succeeded");
    let mp4 = rec.join("dora_000.mp4");
    assert_eq!(
        step(&j, "remux")["outputs"],
        serde_json::json!([mp4.display().to_string()])
    );
    assert!(!file.exists(), "delete_source removed the FLV");
    let uploaded = remote.join("dora");
    for name in ["dora_000.mp4", "dora_000.jpg", "dora_000.meta.json"] {
        assert!(uploaded.join(name).exists(), "{name} uploaded: {j:#}");
        assert!(!rec.join(name).exists(), "{name} deleted locally");
    }
    ffprobe_ok(&uploaded.join("dora_000.mp4"));
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(uploaded.join("dora_000.meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["title"], "Evening stream");
    assert_eq!(meta["streamer"], "dora");
    assert_eq!(step(&j, "upload")["progress"], 1.0);
    let left: Vec<_> = std::fs::read_dir(&rec).unwrap().collect();
    assert!(left.is_empty(), "no temporary files left: {left:?}");
}

#[test]
fn paired_video_and_chat_make_subtitles() {
    if !have_ffmpeg() {
        return;
    }
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "subs"
[pipelines.subs]
trigger = "paired"
[[pipelines.subs.steps]]
id = "ass"
processor = "danmu_ass"
font_size = 30
"#,
        rec = rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "erin");
    let sess = session(&s, id, "t");
    let video = rec.join("erin_000.flv");
    clip(&video, 2);
    let xml = rec.join("erin_000.xml");
    std::fs::write(
        &xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<i>\n<d p=\"1.25,1,25,16777215,0,0,0,0\" user=\"u\">hi there</d>\n\
         <d p=\"9.5,1,25,16777215,0,0,0,0\" user=\"u\">after the end</d>\n</i>\n",
    )
    .unwrap();
    // Chat first, video second: the later one completes the pair.
    let ev = DanmuFinalised {
        session_id: sess,
        streamer_id: id,
        index: 0,
        path: xml.clone(),
        messages: 1,
        dropped: 0,
    };
    let chat_row = db(&s)
        .with(|c| {
            outbox::insert(
                c,
                Some(id),
                DanmuFinalised::KIND,
                &serde_json::to_string(&ev).unwrap(),
            )
        })
        .unwrap();
    // The pipeline's outbox position passed the chat row: it was handled first.
    assert!(crate::harness::wait_until(
        std::time::Duration::from_secs(20),
        || db(&s)
            .with(|c| Ok(c.query_row(
                "SELECT COALESCE(MAX(last_id), 0) FROM outbox_cursors WHERE consumer = 'pipeline'",
                [],
                |r| r.get::<_, i64>(0),
            )?))
            .unwrap()
            >= chat_row
    ));
    segment(&s, id, sess, 0, &video);
    let all = wait_jobs(&s, 1);
    assert_eq!(all[0]["trigger"], "paired");
    let j = wait_state(&s, all[0]["id"].as_i64().unwrap(), "succeeded");
    assert_eq!(
        j["inputs"],
        serde_json::json!([video.display().to_string(), xml.display().to_string()])
    );
    let ass = std::fs::read_to_string(rec.join("erin_000.ass")).unwrap();
    assert!(
        ass.contains("PlayResX: 320") && ass.contains("PlayResY: 240"),
        "the video's size: {ass}"
    );
    assert!(
        ass.contains("0:00:01.25") && ass.contains("hi there"),
        "{ass}"
    );
    assert!(
        !ass.contains("after the end"),
        "not longer than the video: {ass}"
    );
}

#[test]
fn kill_9_mid_dag_then_restart_completes_it_without_partial_files() {
    if !have_ffmpeg() {
        return;
    }
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "p"
[pipelines.p]
[[pipelines.p.steps]]
id = "slow"
processor = "execute"
command = ["sleep", "3"]
[[pipelines.p.steps]]
id = "remux"
processor = "remux"
format = "mkv"
depends_on = ["slow"]
"#,
        rec = rec.display()
    );
    let mut d = daemon(&s, &cfg);
    let id = streamer(&s, "fred");
    let sess = session(&s, id, "t");
    let file = rec.join("fred_000.flv");
    clip(&file, 2);
    segment(&s, id, sess, 0, &file);
    let job_id = wait_jobs(&s, 1)[0]["id"].as_i64().unwrap();
    assert!(crate::harness::wait_until(
        crate::pipeline_support::WAIT,
        || step(&crate::pipeline_support::job(&s, job_id), "slow")["state"] == "running"
    ));
    d.signal("KILL");
    d.wait_exit(std::time::Duration::from_secs(10));
    let j = crate::pipeline_support::job(&s, job_id);
    assert_eq!(
        step(&j, "slow")["state"],
        "running",
        "left running by the crash"
    );
    let _d2 = daemon(&s, &cfg);
    let j = wait_state(&s, job_id, "succeeded");
    assert_eq!(step(&j, "slow")["attempts"], 2, "run again after the crash");
    let mkv = rec.join("fred_000.mkv");
    ffprobe_ok(&mkv);
    let parts: Vec<_> = std::fs::read_dir(&rec)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "no partial files: {parts:?}");
}

/// `kill -9` while ffmpeg is remuxing (a wrapper holds its first run open
/// after writing the temporary file): the restart stops what the crash
/// left running (the wrapper's own child included), runs the remux again,
/// the MKV plays, and no `.part` is left.
#[test]
fn kill_9_during_a_remux_then_restart_leaves_no_partial_file() {
    use std::os::unix::fs::PermissionsExt;
    if !have_ffmpeg() {
        return;
    }
    let s = Srec::new();
    let rec = out_dir(&s);
    let flag = s.dir.path().join("first-run-done");
    let wrapper = s.dir.path().join("slow-ffmpeg");
    // First run: remux for real, then hang before exiting (as a long remux
    // would, its output still under the temporary name). Later runs: ffmpeg.
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ -e '{flag}' ]; then exec ffmpeg \"$@\"; fi\ntouch '{flag}'\nffmpeg \"$@\"\nsleep 4244\n",
            flag = flag.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "p"
[engines.ffmpeg]
path = "{wrapper}"
[pipelines.p]
[[pipelines.p.steps]]
id = "remux"
processor = "remux"
format = "mkv"
"#,
        rec = rec.display(),
        wrapper = wrapper.display()
    );
    let mut d = daemon(&s, &cfg);
    let id = streamer(&s, "gina");
    let sess = session(&s, id, "t");
    let file = rec.join("gina_000.flv");
    clip(&file, 2);
    segment(&s, id, sess, 0, &file);
    let job_id = wait_jobs(&s, 1)[0]["id"].as_i64().unwrap();
    let temp = rec.join("gina_000.mkv.part");
    assert!(
        crate::harness::wait_until(crate::pipeline_support::WAIT, || flag.exists()
            && std::fs::metadata(&temp).is_ok_and(|m| m.len() > 0)),
        "the remux never got under way"
    );
    d.signal("KILL");
    d.wait_exit(std::time::Duration::from_secs(10));
    assert_eq!(
        step(&crate::pipeline_support::job(&s, job_id), "remux")["state"],
        "running",
        "left running by the crash"
    );
    assert!(temp.exists(), "the crash left the temporary file");
    let _d2 = daemon(&s, &cfg);
    let j = wait_state(&s, job_id, "succeeded");
    assert_eq!(
        step(&j, "remux")["attempts"],
        2,
        "run again after the crash"
    );
    ffprobe_ok(&rec.join("gina_000.mkv"));
    assert!(
        crate::harness::wait_until(std::time::Duration::from_secs(10), || {
            crate::harness::processes(&["sleep", "4244"]).is_empty()
        }),
        "a process of the crashed run outlived the restart"
    );
    assert!(!temp.exists(), "no partial file left");
}
