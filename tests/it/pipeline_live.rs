//! The pipeline on a real recording: the fake live server streams with
//! chat, srec records two or more segments with mesio and their chat XML,
//! every finalised segment gets a remux DAG whose MP4 plays, every video
//! and chat pair gets a subtitles DAG, and the closed session gets one DAG
//! over all its files in order.

use std::time::Duration;

use crate::harness::{Srec, ffprobe_ok, wait_until};
use crate::pipeline_support::{daemon, have_ffmpeg, job, jobs, step, wait_state};

#[test]
fn a_live_session_gets_segment_dags_and_a_session_dag() {
    if !have_ffmpeg() {
        return;
    }
    let fake = crate::danmu_e2e::chatty_server();
    let room = fake.room("pipe");
    room.set_live(false);
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    let list = s.dir.path().join("session.txt");
    let cfg = format!(
        r#"[recording]
check_interval = "1s"
offline_confirmations = 2
stream_format = "flv"
max_segment_duration = "3s"
output_dir = "{out}"
record_danmu = true
pipeline = ["seg", "whole", "subs"]
[pipelines.subs]
trigger = "paired"
[[pipelines.subs.steps]]
id = "ass"
processor = "danmu_ass"
[pipelines.seg]
[[pipelines.seg.steps]]
id = "remux"
processor = "remux"
[pipelines.whole]
trigger = "session"
[[pipelines.whole.steps]]
id = "list"
processor = "execute"
command = ["cp", "/dev/null", "{list}"]
[[pipelines.whole.steps]]
id = "meta"
processor = "metadata"
"#,
        out = out.display(),
        list = list.display()
    );
    let mut d = daemon(&s, &cfg);
    s.ok(&["add", &room.page_url()]);
    room.set_live(true);
    let segment_jobs = || {
        jobs(&s)
            .into_iter()
            .filter(|j| j["pipeline"] == "seg")
            .count()
    };
    assert!(
        wait_until(Duration::from_secs(40), || segment_jobs() >= 2),
        "two segments finalised; log:\n{}",
        d.seen.join("\n")
    );
    room.set_live(false);
    assert!(wait_until(Duration::from_secs(40), || jobs(&s)
        .iter()
        .any(|j| j["pipeline"] == "whole")));
    let all = jobs(&s);
    let mut remuxed = 0;
    for j in all.iter().filter(|j| j["pipeline"] == "seg") {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        let mp4 = step(&j, "remux")["outputs"][0]
            .as_str()
            .unwrap()
            .to_string();
        assert!(mp4.ends_with(".mp4"), "{j:#}");
        ffprobe_ok(std::path::Path::new(&mp4));
        remuxed += 1;
    }
    assert!(remuxed >= 2);
    // Every closed video + chat pair of the session: subtitles beside it.
    let pairs: Vec<_> = all.iter().filter(|j| j["pipeline"] == "subs").collect();
    assert!(pairs.len() >= 2, "paired DAGs: {all:#?}");
    for j in pairs {
        assert_eq!(j["trigger"], "paired");
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        let inputs = j["inputs"].as_array().unwrap();
        let (video, chat) = (inputs[0].as_str().unwrap(), inputs[1].as_str().unwrap());
        assert!(video.ends_with(".flv") && chat.ends_with(".xml"), "{j:#}");
        assert_eq!(
            std::path::Path::new(video).with_extension(""),
            std::path::Path::new(chat).with_extension(""),
            "one pair: same base name"
        );
        let ass = step(&j, "ass")["outputs"][0].as_str().unwrap().to_string();
        let text = std::fs::read_to_string(&ass).unwrap();
        assert!(
            text.contains("[Events]") && text.contains("Dialogue:"),
            "{ass}: {text}"
        );
    }
    let whole = all.iter().find(|j| j["pipeline"] == "whole").unwrap();
    let w = wait_state(&s, whole["id"].as_i64().unwrap(), "succeeded");
    let files: Vec<String> = w["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(files.len() >= 2, "all files of the session: {w:#}");
    let session = w["session_id"].as_i64().unwrap();
    let rows = crate::pipeline_support::db(&s)
        .with(|c| srec::db::sessions::segments(c, session))
        .unwrap();
    let in_order: Vec<String> = rows
        .iter()
        .map(|g| g.path.clone())
        .filter(|p| std::path::Path::new(p).exists())
        .collect();
    assert_eq!(files, in_order, "in index order");
    let meta = step(&w, "meta")["outputs"][0].as_str().unwrap().to_string();
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    assert_eq!(m["files"].as_array().unwrap().len(), files.len());
    for f in m["files"].as_array().unwrap() {
        assert!(f["duration_ms"].as_u64().is_some_and(|d| d > 0), "{m:#}");
        assert!(f["bytes"].as_u64().is_some_and(|b| b > 0), "{m:#}");
    }
    let titles = m["titles"].as_array().expect("title history");
    assert!(!titles.is_empty(), "{m:#}");
    assert_eq!(titles.last().unwrap()["title"], m["title"], "{m:#}");
    assert!(list.exists());
    assert_eq!(job(&s, whole["id"].as_i64().unwrap())["trigger"], "session");
    d.signal("TERM");
    d.wait_exit(Duration::from_secs(30));
}
