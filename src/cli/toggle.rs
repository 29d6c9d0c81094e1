//! `srec enable` / `srec disable`: switch monitoring on or off.

use clap::Args;

use super::{Ctx, output};
use crate::db::streamers;

#[derive(Debug, Args)]
pub struct EnableCmd {
    /// Streamer id, URL or name
    pub streamer: String,
}

#[derive(Debug, Args)]
pub struct DisableCmd {
    /// Streamer id, URL or name
    pub streamer: String,
}

impl EnableCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        set(ctx, &self.streamer, true)
    }
}

impl DisableCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        set(ctx, &self.streamer, false)
    }
}

fn set(ctx: &Ctx, selector: &str, enabled: bool) -> anyhow::Result<()> {
    let db = ctx.open_db()?;
    let (s, changed) = db.with(|c| {
        let s = streamers::find(c, selector)?;
        let changed = streamers::set_enabled(c, s.id, enabled)?;
        Ok((s, changed))
    })?;
    let word = if enabled { "enabled" } else { "disabled" };
    let msg = if changed {
        format!("{word} streamer {} `{}`\n", s.id, s.name)
    } else {
        format!("streamer {} `{}` is already {word}\n", s.id, s.name)
    };
    output::print(&msg)
}
