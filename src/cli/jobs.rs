//! `srec jobs`: post-processing runs. `list`, `show` and `logs` read the
//! database; `retry` and `cancel` go through the running daemon's API
//! (which also stops running processes) and fall back to the database,
//! where the daemon notices a cancel within a second.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::client::with_daemon;
use super::{Ctx, output};
use crate::db::jobs;
use crate::db::jobs_query::{self, JobDetail, JobFilter};
use crate::db::streamers;

#[derive(Debug, Args)]
pub struct JobsCmd {
    #[command(subcommand)]
    pub action: JobsAction,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// List pipeline runs, newest first
    List(ListArgs),
    /// Show one run: steps, inputs, outputs, attempts, log tail
    Show(IdArgs),
    /// Print a run's log (-f follows it until the run ends)
    Logs(LogsArgs),
    /// Run a failed or cancelled run again from its failed steps
    Retry(IdArgs),
    /// Cancel a run (running processes get SIGTERM, then a kill)
    Cancel(IdArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only runs in this state
    #[arg(long, value_parser = ["waiting", "running", "succeeded", "failed", "cancelled"])]
    pub state: Option<String>,
    /// Only runs of this streamer (id, URL or name)
    #[arg(long)]
    pub streamer: Option<String>,
    /// At most this many runs
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// Run (job) id
    pub id: i64,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Run (job) id
    pub id: i64,
    /// Keep printing new lines until the run ends
    #[arg(short, long)]
    pub follow: bool,
}

impl JobsCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        match self.action {
            JobsAction::List(a) => list(ctx, a),
            JobsAction::Show(a) => show(ctx, a.id, a.json),
            JobsAction::Logs(a) => logs(ctx, a),
            JobsAction::Retry(a) => change(ctx, a, "retry"),
            JobsAction::Cancel(a) => change(ctx, a, "cancel"),
        }
    }
}

fn list(ctx: &Ctx, a: ListArgs) -> anyhow::Result<()> {
    let db = ctx.open_db()?;
    let streamer_id = match &a.streamer {
        Some(s) => Some(db.with(|c| streamers::find(c, s))?.id),
        None => None,
    };
    let filter = JobFilter {
        state: a.state,
        streamer_id,
        limit: a.limit,
    };
    let rows = db.with(|c| jobs_query::list(c, &filter))?;
    if a.json {
        return output::print_json(&rows);
    }
    if rows.is_empty() {
        return output::print("no pipeline jobs\n");
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|j| {
            vec![
                j.id.to_string(),
                j.pipeline.clone(),
                j.trigger.clone(),
                j.state.clone(),
                j.streamer.clone().unwrap_or_default(),
                format!("{}/{}", j.steps_done, j.steps_total),
                output::local_time(j.created_at),
                j.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::print(&output::table(
        &[
            "ID", "PIPELINE", "TRIGGER", "STATE", "STREAMER", "STEPS", "CREATED", "ERROR",
        ],
        &table,
    ))
}

fn load(ctx: &Ctx, id: i64) -> anyhow::Result<JobDetail> {
    ctx.open_db()?
        .with(|c| jobs_query::get(c, id))?
        .ok_or_else(|| anyhow::anyhow!("no job with id {id}"))
}

fn show(ctx: &Ctx, id: i64, json: bool) -> anyhow::Result<()> {
    let d = load(ctx, id)?;
    if json {
        return output::print_json(&d);
    }
    let j = &d.job;
    let mut text = format!(
        "job {} · pipeline {} · {} trigger · {}\nstreamer: {}  session: {}  segment: {}\ninputs: {}\n",
        j.id,
        j.pipeline,
        j.trigger,
        j.state,
        j.streamer.as_deref().unwrap_or("-"),
        j.session_id.map_or("-".into(), |s| s.to_string()),
        j.seg_index.map_or("-".into(), |s| s.to_string()),
        d.inputs.join(", "),
    );
    if let Some(e) = &j.error {
        text.push_str(&format!("error: {e}\n"));
    }
    let rows: Vec<Vec<String>> = d
        .steps
        .iter()
        .map(|s| {
            vec![
                s.step_id.clone(),
                s.processor.clone(),
                s.state.clone(),
                format!("{}/{}", s.attempts, s.max_attempts),
                s.depends_on.join(","),
                s.outputs.join(", "),
                s.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    text.push('\n');
    text.push_str(&output::table(
        &[
            "STEP",
            "PROCESSOR",
            "STATE",
            "ATTEMPTS",
            "AFTER",
            "OUTPUTS",
            "ERROR",
        ],
        &rows,
    ));
    let db = ctx.open_db()?;
    let lines = db.with(|c| jobs_query::logs(c, id, 0, 100_000))?;
    let tail = &lines[lines.len().saturating_sub(10)..];
    if !tail.is_empty() {
        text.push_str("\nlog tail:\n");
        for l in tail {
            text.push_str(&format!("  [{}] {}: {}\n", l.step, l.stream, l.line));
        }
    }
    output::print(&text)
}

fn logs(ctx: &Ctx, a: LogsArgs) -> anyhow::Result<()> {
    let db = ctx.open_db()?;
    load(ctx, a.id)?;
    let mut after = 0;
    loop {
        let lines = db.with(|c| jobs_query::logs(c, a.id, after, 1000))?;
        let mut text = String::new();
        for l in &lines {
            text.push_str(&format!(
                "[{}#{}] {}: {}\n",
                l.step, l.attempt, l.stream, l.line
            ));
            after = l.id;
        }
        if !text.is_empty() {
            output::print(&text)?;
        }
        if !a.follow {
            return Ok(());
        }
        if lines.is_empty() {
            let state = load(ctx, a.id)?.job.state;
            if !matches!(state.as_str(), "running" | "waiting") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

fn change(ctx: &Ctx, a: IdArgs, what: &str) -> anyhow::Result<()> {
    let path = format!("/api/jobs/{}/{what}", a.id);
    let via_api = with_daemon(ctx, |c| {
        c.call::<(), JobDetail>(reqwest::Method::POST, &path, None)
    })?;
    if via_api.is_none() {
        let db = ctx.open_db()?;
        let id = a.id;
        if what == "retry" {
            match db.with(|c| jobs::retry(c, id))? {
                None => anyhow::bail!("no job with id {id}"),
                Some(false) => anyhow::bail!(
                    "job {id} is still running or waiting; only failed or cancelled jobs can be retried"
                ),
                Some(true) => {}
            }
        } else if db.with(|c| jobs::cancel(c, id))?.is_none() {
            anyhow::bail!("no job with id {id}");
        }
    }
    let d = load(ctx, a.id)?;
    if a.json {
        return output::print_json(&d);
    }
    let word = if what == "retry" {
        "queued again"
    } else {
        "cancelled"
    };
    output::print(&format!("job {} {word} (state {})\n", a.id, d.job.state))
}
