//! `srec list`: every streamer with its state; `--json` for scripts.

use clap::Args;

use super::{Ctx, output};
use crate::db::streamers;

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
        let db = ctx.open_db()?;
        let mut all = db.with(|c| streamers::list(c))?;
        if !self.show_secrets {
            for s in &mut all {
                s.overrides = s.overrides.redacted();
            }
        }
        if self.json {
            return output::print_json(&all);
        }
        if all.is_empty() {
            return output::print("no streamers yet; add one with `srec add URL`\n");
        }
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    s.name.clone(),
                    s.platform.clone(),
                    if s.enabled {
                        s.state.to_string()
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
        output::print(&output::table(
            &[
                "ID", "NAME", "PLATFORM", "STATE", "PRIORITY", "ERROR", "URL",
            ],
            &rows,
        ))
    }
}
