//! `srec list`: every streamer with its state; `--json` for scripts.
//! Without a daemon the states are the last ones it recorded: the table
//! says so above it (`live (last known)`), and every JSON object carries
//! `daemon_running`.

use clap::Args;
use serde::Serialize;

use super::status::{last_known, last_known_at, no_daemon_line};
use super::{Ctx, output};
use crate::db::streamers;
use crate::model::streamer::Streamer;

/// One streamer in `--json`: its row plus whether a daemon is running
/// (when not, `state` is the last one recorded).
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    streamer: &'a Streamer,
    daemon_running: bool,
}

#[derive(Debug, Args)]
pub struct ListCmd {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Print cookies, tokens and credential headers in overrides as stored
    #[arg(long)]
    pub show_secrets: bool,
}

impl ListCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let running = crate::app::lock::probe(&ctx.paths.lock_file()).is_some();
        let db = ctx.open_db()?;
        let mut all = db.with(|c| streamers::list(c))?;
        if !self.show_secrets {
            for s in &mut all {
                s.overrides = s.overrides.redacted();
            }
        }
        if self.json {
            let rows: Vec<Row<'_>> = all
                .iter()
                .map(|streamer| Row {
                    streamer,
                    daemon_running: running,
                })
                .collect();
            return output::print_json(&rows);
        }
        if all.is_empty() {
            return output::print("no streamers yet; add one with `srec add URL`\n");
        }
        let banner = if running {
            String::new()
        } else {
            no_daemon_line(last_known_at(&db)?)
        };
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    s.name.clone(),
                    s.platform.clone(),
                    if s.enabled {
                        last_known(s.state.as_str(), running)
                    } else {
                        "disabled".into()
                    },
                    s.priority.to_string(),
                    s.last_error
                        .clone()
                        .filter(|_| s.consecutive_errors > 0)
                        .unwrap_or_default(),
                    s.url.clone(),
                ]
            })
            .collect();
        let table = output::table(
            &[
                "ID", "NAME", "PLATFORM", "STATE", "PRIORITY", "ERROR", "URL",
            ],
            &rows,
        );
        output::print(&format!("{banner}{table}"))
    }
}
