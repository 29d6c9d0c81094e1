//! `srec remove ID|URL|NAME`: stop monitoring a streamer. Its DB history is
//! deleted; recorded files on disk are never touched.

use clap::Args;

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
        let s = db.with(|c| {
            let s = streamers::find(c, &self.streamer)?;
            streamers::delete(c, s.id)?;
            Ok(s)
        })?;
        output::print(&format!(
            "removed streamer {} `{}`; recorded files are kept\n",
            s.id, s.name
        ))
    }
}
