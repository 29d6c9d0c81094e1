//! Unit tests of the circuit breakers: thresholds, cooldown, keying per
//! streamer and host, and restoring persisted breakers at start.

use super::*;

fn breakers() -> Breakers {
    Breakers::new(BreakerSettings {
        failures: 3,
        cooldown: Duration::from_secs(10),
    })
}

#[test]
fn opens_after_k_failures_half_opens_after_cooldown_and_closes_on_success() {
    let mut b = breakers();
    let k = vec!["host:cdn".to_string()];
    for i in 0..2 {
        b.failure(&k, "HTTP 500", i);
        assert!(b.admit(&k, i).is_ok(), "below threshold");
    }
    let ch = b.failure(&k, "HTTP 500", 2);
    assert_eq!(ch[0].state, BreakerState::Open);
    assert_eq!(ch[0].retry_at, Some(10_002));
    let r = b.admit(&k, 5_002).unwrap_err();
    assert_eq!(r.retry_in, Duration::from_secs(5));
    assert!(r.to_string().contains("HTTP 500"));
    // Cooldown over: exactly one trial.
    assert_eq!(
        b.admit(&k, 10_002).unwrap()[0].state,
        BreakerState::HalfOpen
    );
    assert!(b.admit(&k, 10_003).is_err(), "second trial refused");
    assert_eq!(b.success(&k)[0].state, BreakerState::Closed);
    assert_eq!(b.state("host:cdn"), BreakerState::Closed);
    assert!(b.admit(&k, 10_004).is_ok());
}

#[test]
fn failed_trial_reopens_for_a_full_cooldown() {
    let mut b = breakers();
    let k = vec!["engine:ffmpeg@1".to_string()];
    for i in 0..3 {
        b.failure(&k, "boom", i);
    }
    b.admit(&k, 20_000).unwrap();
    let ch = b.failure(&k, "boom", 20_500);
    assert_eq!(ch[0].state, BreakerState::Open);
    assert_eq!(ch[0].retry_at, Some(30_500));
    assert!(b.admit(&k, 30_000).is_err());
}

#[test]
fn disabled_and_keys() {
    let mut b = Breakers::new(BreakerSettings {
        failures: 0,
        cooldown: Duration::from_secs(1),
    });
    let k = vec!["x".to_string()];
    for i in 0..10 {
        assert!(b.failure(&k, "e", i).is_empty());
    }
    assert!(b.admit(&k, 10).is_ok());
    let e = EnginesSettings::default();
    let keys = keys(EngineKind::Ffmpeg, &e, 7, "http://127.0.0.1:8080/live.m3u8");
    assert!(keys[0].starts_with("engine:ffmpeg@"), "{keys:?}");
    assert!(keys[0].ends_with(":streamer7"), "per streamer: {keys:?}");
    assert_eq!(keys[1], "host:127.0.0.1:8080");
}

#[test]
fn engine_keys_differ_per_streamer_and_host_keys_are_shared() {
    let e = EnginesSettings::default();
    let a = keys(EngineKind::Mesio, &e, 1, "http://cdn.test/a.flv");
    let b = keys(EngineKind::Mesio, &e, 2, "http://cdn.test/b.flv");
    assert_ne!(a[0], b[0], "engine breakers are per streamer");
    assert_eq!(a[1], b[1], "the host breaker is shared");
    let mut br = breakers();
    for i in 0..3 {
        br.failure(&a[..1], "HTTP 403", i);
    }
    assert!(br.admit(&a, 10).is_err(), "streamer 1 waits");
    assert!(br.admit(&b, 10).is_ok(), "streamer 2 records");
}

#[test]
fn url_specific_statuses_do_not_count_against_the_host() {
    for status in [401, 403, 404, 410] {
        assert!(!counts_against("host:cdn.test", Some(status)), "{status}");
        assert!(counts_against("engine:mesio@1:streamer1", Some(status)));
    }
    for status in [None, Some(500), Some(503), Some(429)] {
        assert!(counts_against("host:cdn.test", status), "{status:?}");
    }
}

fn row(key: &str, state: BreakerState, retry_at: i64) -> Change {
    Change {
        key: key.into(),
        state,
        failures: 3,
        opened_at: Some(retry_at - 10_000),
        retry_at: Some(retry_at),
        last_error: Some("HTTP 403".into()),
    }
}

#[test]
fn restore_keeps_open_breakers_with_their_remaining_cooldown() {
    let mut b = breakers();
    let now = 1_000_000;
    let ch = b.restore(vec![row("engine:x", BreakerState::Open, now + 4_000)], now);
    assert_eq!(ch[0].state, BreakerState::Open);
    assert_eq!(ch[0].retry_at, Some(now + 4_000));
    let k = vec!["engine:x".to_string()];
    let r = b.admit(&k, now + 1_000).unwrap_err();
    assert_eq!(r.retry_in, Duration::from_secs(3), "remaining cooldown");
    assert!(r.last_error.contains("403"));
    // After the cooldown: one trial, and its success closes the breaker.
    assert_eq!(
        b.admit(&k, now + 4_000).unwrap()[0].state,
        BreakerState::HalfOpen
    );
    assert!(b.admit(&k, now + 4_001).is_err(), "one trial at a time");
    assert_eq!(b.success(&k)[0].state, BreakerState::Closed);
}

#[test]
fn restore_turns_a_dead_trial_into_a_fresh_one() {
    let mut b = breakers();
    let now = 1_000_000;
    let ch = b.restore(
        vec![row("host:h", BreakerState::HalfOpen, now - 2_000)],
        now,
    );
    assert_eq!(ch[0].state, BreakerState::Open, "the old trial died");
    let k = vec!["host:h".to_string()];
    assert_eq!(b.admit(&k, now).unwrap()[0].state, BreakerState::HalfOpen);
    // The new trial fails: open again for a full cooldown.
    assert_eq!(
        b.failure(&k, "HTTP 500", now)[0].retry_at,
        Some(now + 10_000)
    );
}

#[test]
fn restore_drops_long_expired_closed_and_disabled_breakers() {
    let now = 1_000_000;
    let mut closed = row("engine:counting", BreakerState::Closed, now);
    closed.opened_at = None;
    closed.retry_at = None;
    let rows = vec![
        row("host:stale", BreakerState::Open, now - 10_001),
        row("host:recent", BreakerState::Open, now - 9_000),
        closed,
    ];
    let mut b = breakers();
    let ch = b.restore(rows.clone(), now);
    let states: Vec<_> = ch.iter().map(|c| (c.key.as_str(), c.state)).collect();
    assert_eq!(
        states,
        [
            ("host:stale", BreakerState::Closed),
            ("host:recent", BreakerState::Open),
            ("engine:counting", BreakerState::Closed),
        ]
    );
    assert!(ch[0].failures == 0 && ch[2].failures == 0, "rows deleted");
    assert_eq!(b.state("host:stale"), BreakerState::Closed);
    assert_eq!(b.state("host:recent"), BreakerState::Open);
    // A clock step back must not hold a breaker for longer than a cooldown.
    let ch = b.restore(vec![row("engine:y", BreakerState::Open, now + 99_000)], now);
    assert_eq!(ch[0].retry_at, Some(now + 10_000));
    let mut off = Breakers::new(BreakerSettings {
        failures: 0,
        cooldown: Duration::from_secs(10),
    });
    let ch = off.restore(rows, now);
    assert!(ch.iter().all(|c| c.state == BreakerState::Closed));
}

#[test]
fn a_trial_ended_by_a_url_error_frees_the_host_for_the_next_trial() {
    let mut b = breakers();
    let k = vec!["host:h".to_string()];
    for i in 0..3 {
        b.failure(&k, "HTTP 500", i);
    }
    b.admit(&k, 20_000).unwrap();
    assert!(b.admit(&k, 20_001).is_err(), "trial running");
    assert_eq!(b.no_verdict(&k)[0].state, BreakerState::Open);
    assert!(
        b.admit(&k, 20_002).is_ok(),
        "the next download is the trial"
    );
    assert!(b.no_verdict(&["host:unknown".to_string()]).is_empty());
}
