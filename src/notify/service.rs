//! The NotificationService: one [`Worker`] task per configured channel (a
//! slow channel never holds another back), restarted when `[notify]`
//! changes on a config reload, and a periodic prune of outbox rows every
//! consumer has passed and that are older than `notify.retention`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::channel::{Channel, http_client};
use super::worker::{Worker, consumer_name};
use crate::config::ConfigService;
use crate::config::notify::NotifySettings;
use crate::db::{Db, notify as store, now_ms, outbox};
use crate::monitor::follow::{Follower, Start};

/// How often old outbox rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Runs until `cancel` fires.
pub async fn run(
    db: Db,
    config: Arc<ConfigService>,
    feed: watch::Sender<i64>,
    cancel: CancellationToken,
) {
    let mut rx = config.subscribe();
    let mut settings = rx.borrow_and_update().notify.clone();
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    loop {
        let generation = cancel.child_token();
        let mut tasks = spawn_all(&db, &settings, &feed, &generation).await;
        let reload = loop {
            tokio::select! {
                _ = cancel.cancelled() => break false,
                changed = rx.changed() => {
                    if changed.is_err() {
                        break false;
                    }
                    let next = rx.borrow_and_update().notify.clone();
                    if next != settings {
                        settings = next;
                        break true;
                    }
                }
                _ = prune.tick() => prune_outbox(&db, settings.retention).await,
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Err(e) = done {
                        tracing::error!("a notification channel task ended abnormally: {e}");
                    }
                }
            }
        };
        generation.cancel();
        while tasks.join_next().await.is_some() {}
        if !reload {
            return;
        }
        tracing::info!("notification channels reloaded");
    }
}

async fn spawn_all(
    db: &Db,
    settings: &NotifySettings,
    feed: &watch::Sender<i64>,
    cancel: &CancellationToken,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    let keep: Vec<String> = settings.channels.keys().map(|k| consumer_name(k)).collect();
    if let Err(e) = db.call(move |c| store::drop_stale_cursors(c, &keep)).await {
        tracing::warn!("cannot drop cursors of removed channels: {e}");
    }
    if settings.channels.is_empty() {
        return tasks;
    }
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("notifications disabled: {e}");
            return tasks;
        }
    };
    for (id, cfg) in &settings.channels {
        let channel = match Channel::build(id, cfg, &http) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("{e}");
                continue;
            }
        };
        // A new channel starts with what happens from now on, not with
        // the retained history.
        let follower = match Follower::open(
            db.clone(),
            &consumer_name(id),
            Start::Now,
            feed.subscribe(),
        )
        .await
        {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(channel = %id, "cannot open the delivery cursor: {e}");
                continue;
            }
        };
        let worker = Worker::new(
            id.clone(),
            cfg.clone(),
            channel,
            db.clone(),
            settings.debounce,
        );
        tasks.spawn(worker.run(follower, cancel.clone()));
    }
    tasks
}

/// Waits until every channel's position reached `id` (at shutdown, so
/// `daemon_stopping` goes out before the channels stop), at most `within`.
pub async fn wait_delivered(db: &Db, id: i64, within: Duration) -> bool {
    let end = tokio::time::Instant::now() + within;
    loop {
        match db.call(move |c| store::channels_behind(c, id)).await {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("cannot read the notification positions: {e}");
                return false;
            }
        }
        if tokio::time::Instant::now() >= end {
            tracing::info!("notification channels did not catch up before shutdown");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn prune_outbox(db: &Db, retention: Duration) {
    let before = now_ms() - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX / 2);
    match db.call(move |c| outbox::prune(c, before)).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!("pruned {n} delivered outbox rows"),
        Err(e) => tracing::warn!("cannot prune the outbox: {e}"),
    }
}
