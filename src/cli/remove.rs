//! `srec remove ID|URL|NAME`: stop monitoring a streamer. Its DB history is
//! deleted; recorded files on disk are never touched. Goes through the
//! running daemon's API when there is one, so it applies at once.

use clap::Args;

use super::client::with_daemon;
use super::{Ctx, output};
use crate::db::streamers;

#[derive(Debug, Args)]
pub struct RemoveCmd {
    /// Streamer id, URL or name
    pub streamer: String,
}

impl RemoveCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let db = ctx.open_db()?;
        let s = db.with(|c| streamers::find(c, &self.streamer))?;
        let path = format!("/api/streamers/{}", s.id);
        let via_api = with_daemon(ctx, |c| {
            c.call::<(), serde_json::Value>(reqwest::Method::DELETE, &path, None)
        })?;
        if via_api.is_none() {
            db.with(|c| streamers::delete(c, s.id))?;
        }
        output::print(&format!(
            "removed streamer {} `{}`; recorded files are kept\n",
            s.id, s.name
        ))
    }
}
