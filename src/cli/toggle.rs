//! `srec enable` / `srec disable`: switch monitoring on or off, through the
//! running daemon's API when there is one (applies at once), else in the
//! database.

use clap::Args;

use super::client::with_daemon;
use super::{Ctx, output};
use crate::api::dto::{StreamerDto, UpdateStreamerReq};
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
    let s = db.with(|c| streamers::find(c, selector))?;
    let changed = s.enabled != enabled;
    let path = format!("/api/streamers/{}", s.id);
    let body = UpdateStreamerReq {
        enabled: Some(enabled),
        ..Default::default()
    };
    let via_api = with_daemon(ctx, |c| {
        c.call::<_, StreamerDto>(reqwest::Method::PATCH, &path, Some(&body))
    })?;
    if via_api.is_none() {
        db.with(|c| streamers::set_enabled(c, s.id, enabled))?;
    }
    let word = if enabled { "enabled" } else { "disabled" };
    let msg = if changed {
        format!("{word} streamer {} `{}`\n", s.id, s.name)
    } else {
        format!("streamer {} `{}` is already {word}\n", s.id, s.name)
    };
    output::print(&msg)
}
