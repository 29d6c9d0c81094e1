//! `srec add URL`: register a streamer. With a daemon running it goes
//! through the daemon's REST API and applies at once; otherwise it writes
//! the database (a daemon started later, or one without the API, picks the
//! row up; see `app::db_watch`).

use clap::Args;

use super::client::with_daemon;
use super::{Ctx, output};
use crate::api::dto::{NewStreamerReq, StreamerDto};
use crate::db::streamers;
use crate::streamer::{NewStreamer, Priority};

#[derive(Debug, Args)]
pub struct AddCmd {
    /// Channel page or direct stream URL (http/https)
    pub url: String,
    /// Display name [default: derived from the URL]
    #[arg(long)]
    pub name: Option<String>,
    /// Scheduling priority; high may use reserved download slots
    #[arg(long, value_enum, default_value_t = Priority::Normal)]
    pub priority: Priority,
    /// Apply a `[templates.NAME]` section from the config
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Add without monitoring it yet
    #[arg(long)]
    pub disabled: bool,
    /// Print the created streamer as JSON
    #[arg(long)]
    pub json: bool,
}

impl AddCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let name = self.name.as_deref();
        if name.is_some_and(|n| n.trim().is_empty()) {
            anyhow::bail!("--name must not be empty");
        }
        let admitted = crate::streamer::admission::admit(&self.url, name)?;
        if let Some(t) = &self.template {
            let config = ctx.load_config()?;
            if !config.templates.contains_key(t) {
                let known: Vec<&str> = config.templates.keys().map(String::as_str).collect();
                let hint = crate::config::load::suggest(t, &known)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                anyhow::bail!(
                    "unknown template `{t}`{hint}; templates in {}: {}",
                    ctx.paths.config_file.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        let name = admitted.name;
        let req = NewStreamerReq {
            url: admitted.resolved.url.clone(),
            name: Some(name.clone()),
            priority: Some(self.priority),
            enabled: Some(!self.disabled),
            template: self.template.clone(),
            overrides: None,
        };
        let via_api = with_daemon(ctx, |c| {
            let s: Option<StreamerDto> =
                c.call(reqwest::Method::POST, "/api/streamers", Some(&req))?;
            Ok((s, c.pid()))
        })?;
        if let Some((Some(s), pid)) = via_api {
            if self.json {
                return output::print_json(&s);
            }
            return output::print(&format!(
                "{}applied by the running daemon (pid {pid}) through its API\n",
                added(s.id, &s.name, &s.platform, s.priority, s.enabled, &s.url)
            ));
        }
        // Without a daemon the admission step (streamlink for sites srec has
        // no extractor for) runs here; the daemon's API runs it otherwise.
        let binary = ctx
            .load_config()
            .map(|c| c.engines.streamlink.path)
            .unwrap_or_else(|_| "streamlink".into());
        let sl = crate::platform::streamlink::admit::admit(admitted.resolved, &binary);
        let resolved = sl.resolved;
        if let Some(hint) = &sl.hint {
            eprintln!("note: {hint}");
        }
        let new = NewStreamer {
            url: resolved.url,
            name,
            platform: resolved.platform.to_string(),
            priority: self.priority,
            enabled: !self.disabled,
            template: self.template,
            overrides: Default::default(),
        };
        let db = ctx.open_db()?;
        let s = db.with(|c| streamers::insert(c, &new))?;
        if self.json {
            return output::print_json(&s);
        }
        let mut msg = added(s.id, &s.name, &s.platform, s.priority, s.enabled, &s.url);
        if crate::app::lock::probe(&ctx.paths.lock_file()).is_some() {
            msg.push_str("the running daemon picks it up within a second\n");
        }
        output::print(&msg)
    }
}

fn added(
    id: i64,
    name: &str,
    platform: &str,
    priority: Priority,
    enabled: bool,
    url: &str,
) -> String {
    format!(
        "added streamer {id} `{name}` ({platform}, {priority} priority{}) {url}\n",
        if enabled { "" } else { ", disabled" },
    )
}
