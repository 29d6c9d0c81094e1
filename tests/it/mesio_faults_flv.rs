//! Every FLV fault knob of the fake platform against mesio (the HLS ones
//! and the shared checks are in `mesio_faults`): drop (the manager's
//! restart continues in a new file), stall, garbage, timestamp jumps
//! (repaired in place), variant switch.

use std::time::Duration;

use fake_live::{Fault, HlsMode};
use futures::FutureExt;
use futures::future::BoxFuture;
use srec::events::SplitReason::*;
use srec::platform::StreamFormat;

use crate::mesio_faults::{AT, CLEAN, Expect, MEDIA_MS, Timeline, check};
use crate::mesio_probe::{Probe, tools};
use crate::mesio_record::flv_expected;
use crate::mesio_support::{Plan, record, run_cases, source_with};

/// `backlog`: how far behind the live edge each connection starts (s);
/// `reconnects`: connections after the first, each starting again up to
/// `backlog` + one GOP back, so that much may be recorded twice.
async fn flv(speed: f64, plan: Plan, expect: Expect, backlog: f64, reconnects: f64) -> Vec<Probe> {
    let src = source_with(speed, HlsMode::Ts, false, Duration::from_secs_f64(backlog)).await;
    let run = record(&src, plan).await;
    let probes = {
        // The first connection starts at the keyframe before the start
        // (less the backlog): 0-1 s more.
        let sent = flv_expected(&run) - 0.5 + backlog;
        let rewinds = reconnects * (backlog + 1.0);
        check(&run, &expect, (sent, sent + 1.0 + rewinds), Timeline::Flv)
    };
    for f in &run.files {
        crate::mesio_record::check_keyframe_index(&f.path);
    }
    eprintln!(
        "{:?} in {:?}; failures {:?}",
        run.reasons(),
        run.wall,
        run.failures
    );
    probes
}

fn flv_plan() -> Plan {
    Plan::new(StreamFormat::Flv, MEDIA_MS)
}

/// A timestamp jump of `jump_ms` is repaired in place: one clean file.
fn jump(jump_ms: i64) -> BoxFuture<'static, ()> {
    let fault = Fault::TimestampJump {
        jump_ms,
        at_ms: None,
    };
    flv(2.0, flv_plan().fault(AT, fault, None), CLEAN, 0.0, 0.0)
        .map(drop)
        .boxed()
}

/// FLV: drop (the manager's restart continues in a new file), stall,
/// garbage, timestamp jumps (repaired in place), variant switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_flv_fault_knobs() {
    if !tools("mesio_flv_fault_knobs") {
        return;
    }
    let mut drop_plan = flv_plan().fault(
        0,
        Fault::FlvDrop {
            after_bytes: 150_000,
        },
        Some(1),
    );
    drop_plan.restart = true;
    run_cases(vec![
        (
            "flv-drop",
            // The new connection starts 3 s behind the edge (a CDN's GOP
            // cache): up to 4 s is recorded twice (once per file), never
            // lost, as long as the restart (immediate here, 0.5 s in the
            // manager) takes less than 3 s. With a one-GOP cache, a loaded
            // CI machine once took longer than 1 s and lost a second.
            flv(
                1.0,
                drop_plan,
                Expect {
                    reasons: &[Error, EndOfStream],
                    ..CLEAN
                },
                3.0,
                1.0,
            )
            .map(drop)
            .boxed(),
        ),
        (
            "flv-stall",
            flv(
                2.0,
                flv_plan().fault(
                    0,
                    Fault::FlvStall {
                        after_bytes: 100_000,
                        secs: 1.0,
                    },
                    None,
                ),
                CLEAN,
                0.0,
                0.0,
            )
            .map(drop)
            .boxed(),
        ),
        (
            "flv-garbage",
            flv(
                2.0,
                flv_plan().fault(
                    0,
                    Fault::FlvGarbage {
                        after_bytes: 250_000,
                        len: 4096,
                    },
                    None,
                ),
                CLEAN,
                0.0,
                0.0,
            )
            .map(drop)
            .boxed(),
        ),
        ("flv-timestamp-jump-forward", jump(60_000)),
        ("flv-timestamp-jump-back", jump(-5_000)),
        (
            "flv-variant-switch",
            flv(
                2.0,
                flv_plan().fault(AT, Fault::VariantSwitch { at_ms: None }, None),
                Expect {
                    reasons: &[HeaderChange, EndOfStream],
                    ..CLEAN
                },
                0.0,
                0.0,
            )
            .map(|p| assert_ne!(p[0].width, p[1].width, "resolution changed"))
            .boxed(),
        ),
    ])
    .await;
}
