//! Scheduler: one [`actor::streamer_actor`] per enabled streamer, one
//! [`actor::platform_actor`] per batch group, all under a [`Supervisor`] that
//! restarts crashed actors. It follows `ConfigUpdateEvent`s so adding,
//! removing, enabling, disabling or reconfiguring a streamer applies without
//! a restart.

pub mod actor;
pub mod supervisor;
pub mod timing;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

pub use actor::ActorCtx;
use actor::{Members, platform_actor, streamer_actor};
pub use supervisor::{Supervisor, SupervisorEvent};

use crate::events::ConfigUpdateEvent;

/// Identity of a supervised actor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActorKey {
    Streamer(i64),
    Batch(String),
}

/// Handle used by the API/TUI to poke actors.
pub struct Scheduler {
    ctx: ActorCtx,
    pokes: Mutex<HashMap<i64, Arc<Notify>>>,
}

/// The scheduler task's own bookkeeping.
#[derive(Default)]
struct Running {
    singles: HashMap<i64, Arc<Notify>>,
    batches: HashMap<String, (Arc<watch::Sender<Members>>, Arc<Notify>)>,
}

impl Scheduler {
    pub fn new(ctx: ActorCtx) -> Arc<Self> {
        Arc::new(Self {
            ctx,
            pokes: Mutex::new(HashMap::new()),
        })
    }

    /// Makes the streamer's actor check now; false if it has none
    /// (disabled or unknown).
    pub fn check_now(&self, id: i64) -> bool {
        let pokes = self.pokes.lock().unwrap_or_else(|p| p.into_inner());
        pokes.get(&id).map(|p| p.notify_one()).is_some()
    }

    /// Runs until cancelled; stops every actor before returning.
    pub async fn run(
        self: Arc<Self>,
        mut events: broadcast::Receiver<ConfigUpdateEvent>,
        cancel: CancellationToken,
    ) {
        let mut sup = Supervisor::new(cancel.clone());
        let mut running = Running::default();
        self.reconcile(&mut sup, &mut running);
        loop {
            enum Ev {
                Stop,
                Config(Result<ConfigUpdateEvent, broadcast::error::RecvError>),
                Sup(SupervisorEvent<ActorKey>),
            }
            let ev = tokio::select! {
                _ = cancel.cancelled() => Ev::Stop,
                e = events.recv() => Ev::Config(e),
                e = sup.next() => Ev::Sup(e),
            };
            match ev {
                Ev::Stop | Ev::Config(Err(broadcast::error::RecvError::Closed)) => break,
                Ev::Config(Err(broadcast::error::RecvError::Lagged(n))) => {
                    tracing::warn!("scheduler missed {n} config events; resynchronising");
                    self.reconcile(&mut sup, &mut running);
                }
                Ev::Config(Ok(e)) => self.on_config(e, &mut sup, &mut running).await,
                Ev::Sup(SupervisorEvent::Crashed {
                    key,
                    restart_in,
                    restarts,
                }) => {
                    tracing::error!(
                        ?key,
                        restarts,
                        "actor crashed; restarting in {restart_in:?}"
                    )
                }
                Ev::Sup(SupervisorEvent::Restarted { key }) => {
                    tracing::info!(?key, "actor restarted")
                }
                Ev::Sup(SupervisorEvent::Ended { key }) => tracing::debug!(?key, "actor ended"),
            }
        }
        sup.shutdown().await;
    }

    async fn on_config(
        &self,
        e: ConfigUpdateEvent,
        sup: &mut Supervisor<ActorKey>,
        running: &mut Running,
    ) {
        match &e {
            ConfigUpdateEvent::StreamerRemoved { id } => self.end_session(*id, "removed").await,
            ConfigUpdateEvent::StreamerUpdated { id }
                if self.ctx.streamers.get(*id).is_some_and(|s| !s.enabled) =>
            {
                self.end_session(*id, "disabled").await;
            }
            _ => {}
        }
        self.reconcile(sup, running);
        // A changed interval or template applies at once.
        if let ConfigUpdateEvent::StreamerUpdated { id } = e {
            self.check_now(id);
        }
    }

    async fn end_session(&self, id: i64, reason: &str) {
        if let Err(e) = self.ctx.monitor.end_session_for(id, reason).await {
            tracing::error!(streamer = id, "cannot close the session: {e}");
        }
    }

    /// Starts and stops actors so that exactly the enabled streamers are
    /// watched, batch-capable ones through their group's actor.
    fn reconcile(&self, sup: &mut Supervisor<ActorKey>, running: &mut Running) {
        let mut singles = HashSet::new();
        let mut batches: HashMap<String, Members> = HashMap::new();
        for s in self.ctx.streamers.list().into_iter().filter(|s| s.enabled) {
            match self.ctx.monitor.batch_group(&s) {
                Some(g) => batches.entry(g.key).or_default().push((s.id, g.id)),
                None => {
                    singles.insert(s.id);
                }
            }
        }
        running.singles.retain(|id, _| {
            let keep = singles.contains(id);
            if !keep {
                sup.stop(&ActorKey::Streamer(*id));
            }
            keep
        });
        for id in singles {
            if running.singles.contains_key(&id) {
                continue;
            }
            let poke = Arc::new(Notify::new());
            let (ctx, p) = (self.ctx.clone(), poke.clone());
            sup.start(ActorKey::Streamer(id), move |cancel| {
                streamer_actor(ctx.clone(), id, p.clone(), cancel)
            });
            running.singles.insert(id, poke);
        }
        running.batches.retain(|key, _| {
            let keep = batches.contains_key(key);
            if !keep {
                sup.stop(&ActorKey::Batch(key.clone()));
            }
            keep
        });
        for (key, members) in batches {
            if let Some((tx, _)) = running.batches.get(&key) {
                tx.send_if_modified(|m| {
                    let changed = *m != members;
                    *m = members;
                    changed
                });
                continue;
            }
            let tx = Arc::new(watch::channel(members).0);
            let poke = Arc::new(Notify::new());
            let (ctx, t, p, k) = (self.ctx.clone(), tx.clone(), poke.clone(), key.clone());
            sup.start(ActorKey::Batch(key.clone()), move |cancel| {
                platform_actor(ctx.clone(), k.clone(), t.subscribe(), p.clone(), cancel)
            });
            running.batches.insert(key, (tx, poke));
        }
        let mut pokes = HashMap::new();
        for (id, p) in &running.singles {
            pokes.insert(*id, p.clone());
        }
        for (tx, p) in running.batches.values() {
            for (id, _) in tx.borrow().iter() {
                pokes.insert(*id, p.clone());
            }
        }
        *self.pokes.lock().unwrap_or_else(|p| p.into_inner()) = pokes;
    }
}
