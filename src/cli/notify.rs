//! `srec notify`: send a test notification, list dead letters, and ask for
//! them to be sent again. Retries are flags in the database: a running
//! daemon's channel task picks them up within a second; without a daemon
//! they go out at its next start.

use clap::{Args, Subcommand};

use super::{Ctx, SilentExit, output};
use crate::db::notify as store;

#[derive(Debug, Args)]
pub struct NotifyCmd {
    #[command(subcommand)]
    pub action: NotifyAction,
}

#[derive(Debug, Subcommand)]
pub enum NotifyAction {
    /// Send a test event to a channel and print the receiver's answer
    Test {
        /// Channel id (`[notify.channels.<id>]`)
        channel: String,
    },
    /// List notifications that were given up on after max_attempts
    DeadLetters {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Send dead letters again (the daemon delivers them)
    Retry {
        /// Dead letter id (see `srec notify dead-letters`)
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Retry every dead letter
        #[arg(long)]
        all: bool,
    },
}

impl NotifyCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        match self.action {
            NotifyAction::Test { channel } => test(ctx, &channel),
            NotifyAction::DeadLetters { json } => dead_letters(ctx, json),
            NotifyAction::Retry { id, all } => retry(ctx, if all { None } else { id }),
        }
    }
}

fn test(ctx: &Ctx, channel: &str) -> anyhow::Result<()> {
    let file = ctx.load_config()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match rt.block_on(crate::notify::test_send(&file.notify, channel))? {
        Ok(sent) => {
            let status = sent.status.map(|s| s.to_string()).unwrap_or_default();
            output::print(&format!(
                "sent to {channel}: {status} {}\n",
                sent.response.trim()
            ))
        }
        Err(f) => {
            eprintln!("error: {channel}: {}", f.message);
            Err(SilentExit(1).into())
        }
    }
}

fn dead_letters(ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    let db = ctx.open_db()?;
    let all = db.with(|c| store::list(c))?;
    if json {
        return output::print_json(&all);
    }
    if all.is_empty() {
        return output::print("no dead letters\n");
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                d.channel.clone(),
                d.event_id.to_string(),
                d.kind.clone(),
                d.attempts.to_string(),
                output::local_time(d.created_at),
                if d.retry_at.is_some() {
                    "retry asked".into()
                } else {
                    String::new()
                },
                d.last_error.chars().take(80).collect(),
            ]
        })
        .collect();
    output::print(&output::table(
        &[
            "ID",
            "CHANNEL",
            "EVENT",
            "KIND",
            "ATTEMPTS",
            "DEAD SINCE",
            "STATE",
            "LAST ERROR",
        ],
        &rows,
    ))
}

fn retry(ctx: &Ctx, id: Option<i64>) -> anyhow::Result<()> {
    let db = ctx.open_db()?;
    let n = db.with(|c| store::request_retry(c, id))?;
    match (id, n) {
        (Some(id), 0) => anyhow::bail!("no dead letter {id} (see `srec notify dead-letters`)"),
        _ => output::print(&format!(
            "{n} dead letter(s) queued for delivery{}\n",
            if crate::app::lock::probe(&ctx.paths.lock_file()).is_some() {
                ""
            } else {
                " (no daemon is running: they go out at its next start)"
            }
        )),
    }
}
