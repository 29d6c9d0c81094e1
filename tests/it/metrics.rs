//! `GET /api/metrics` on the real binary during a fake-live recording: the
//! Prometheus text parses, every documented metric is there, and the
//! values move while the recording runs.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::http::{api_addr, get};

const EXIT: Duration = Duration::from_secs(35);

/// The value of the sample `name` (with its labels, exactly as printed).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (k, v) = l.rsplit_once(' ')?;
        (k == name).then(|| v.parse().ok())?
    })
}

#[test]
fn metrics_report_a_running_recording_and_move_with_it() {
    let fake = Fake::new();
    let room = fake.live_room("metered");
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\n\
         stream_format = \"flv\"\nmax_segment_duration = \"2s\"\noutput_dir = \"{}\"\n",
        s.dir.path().join("rec").display()
    ));
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    let addr = api_addr(&s);
    d.wait_for("segment opened", Duration::from_secs(20));
    let first = get(&addr, "/api/metrics");
    for name in [
        "srec_streamers{state=\"live\"}",
        "srec_active_recordings",
        "srec_recording_bytes",
        "srec_bytes_written_total",
        "srec_circuit_breakers{state=\"open\"}",
        "srec_check_latency_seconds_count",
        "srec_outbox_backlog",
        "srec_output_free_bytes",
    ] {
        assert!(sample(&first, name).is_some(), "{name} missing:\n{first}");
    }
    assert_eq!(sample(&first, "srec_streamers{state=\"live\"}"), Some(1.0));
    assert_eq!(sample(&first, "srec_active_recordings"), Some(1.0));
    assert!(first.trim_end().ends_with("# EOF"), "{first}");
    assert!(sample(&first, "srec_output_free_bytes").unwrap_or(0.0) > 0.0);
    let checks = sample(&first, "srec_check_latency_seconds_count").unwrap_or(0.0);
    let mut now = String::new();
    assert!(
        wait_until(Duration::from_secs(20), || {
            now = get(&addr, "/api/metrics");
            sample(&now, "srec_bytes_written_total").unwrap_or(0.0) > 0.0
                && sample(&now, "srec_recording_bytes") > sample(&first, "srec_recording_bytes")
                && sample(&now, "srec_check_latency_seconds_count").unwrap_or(0.0) > checks
        }),
        "metrics did not move:\n{first}\n---\n{now}"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
