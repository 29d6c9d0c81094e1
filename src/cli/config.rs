//! `srec config path|show|check`: where the config lives, what is in effect
//! (optionally for one streamer, with the level each value came from), and
//! whether the file is valid.

use clap::{Args, Subcommand};

use super::{Ctx, output};
use crate::config::effective::FIELDS;
use std::collections::HashSet;

use crate::config::{ConfigFile, EffectiveConfig, EngineKind, Layers};
use crate::db::streamers;

#[derive(Debug, Args)]
pub struct ConfigCmd {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the config file path
    Path,
    /// Print the config file as loaded (keys it leaves unset take their defaults; see --effective)
    Show {
        /// Print the effective recording config of this streamer (id, URL or name)
        #[arg(long, value_name = "STREAMER")]
        effective: Option<String>,
        /// Print cookies, tokens, proxy passwords and credential headers as stored
        #[arg(long)]
        show_secrets: bool,
    },
    /// Validate the config file and report problems
    Check,
}

impl ConfigCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        match self.action {
            ConfigAction::Path => output::print(&format!("{}\n", ctx.paths.config_file.display())),
            ConfigAction::Show {
                effective: None,
                show_secrets,
            } => {
                let file = ctx.load_config()?;
                let file = if show_secrets { file } else { file.redacted() };
                let source = if ctx.paths.config_file.exists() {
                    ctx.paths.config_file.display().to_string()
                } else {
                    "no config file".to_string()
                };
                output::print(&format!(
                    "# {source}: keys not shown take their built-in defaults; \
                     `srec config show --effective STREAMER` prints merged values\n{}",
                    toml::to_string_pretty(&file)?
                ))
            }
            ConfigAction::Show {
                effective: Some(sel),
                show_secrets,
            } => show_effective(ctx, &sel, show_secrets),
            ConfigAction::Check => check(ctx),
        }
    }
}

fn show_effective(ctx: &Ctx, selector: &str, show_secrets: bool) -> anyhow::Result<()> {
    let file = ctx.load_config()?;
    let db = ctx.open_db()?;
    let s = db.with(|c| streamers::find(c, selector))?;
    let eff = EffectiveConfig::resolve(
        &file,
        ctx.paths.default_output_dir(),
        Layers {
            platform: &s.platform,
            template: s.template.as_deref(),
            streamer: Some(&s.overrides),
        },
    );
    let json = if show_secrets {
        serde_json::to_value(&eff)?
    } else {
        serde_json::to_value(eff.redacted())?
    };
    let mut out = format!(
        "# effective config of streamer {} `{}` (platform {}, template {})\n",
        s.id,
        s.name,
        s.platform,
        s.template.as_deref().unwrap_or("none")
    );
    for field in FIELDS {
        let source = eff.sources.get(field).map_or("default", String::as_str);
        match json.get(field) {
            Some(serde_json::Value::Null) | None => {
                out.push_str(&format!("# {field} is not set  (from {source})\n"))
            }
            Some(v) => {
                let tv = toml::Value::try_from(v)?;
                out.push_str(&format!("{field} = {tv}  # from {source}\n"));
            }
        }
    }
    output::print(&out)
}

/// Validates the file, the streamers' templates and the tools the engines
/// in use need. "config OK" is printed only when the exit status is 0.
fn check(ctx: &Ctx) -> anyhow::Result<()> {
    let path = &ctx.paths.config_file;
    let file = ctx.load_config()?;
    let db = ctx.open_db()?;
    let all = db.with(|c| streamers::list(c))?;
    let mut problems: Vec<String> = all
        .iter()
        .filter_map(|s| {
            let t = s.template.as_ref()?;
            (!file.templates.contains_key(t))
                .then(|| format!("streamer {} `{}` uses unknown template `{t}`", s.id, s.name))
        })
        .collect();
    let (tools, missing) = check_tools(&file, &all);
    problems.extend(missing);
    let source = if path.exists() {
        format!("{}", path.display())
    } else {
        format!(
            "no config file at {}; built-in defaults apply",
            path.display()
        )
    };
    let summary = format!(
        "{} platform section(s), {} template(s)\n{tools}",
        file.platforms.len(),
        file.templates.len()
    );
    if problems.is_empty() {
        return output::print(&format!("config OK: {source}\n{summary}"));
    }
    output::print(&format!("config has problems: {source}\n{summary}"))?;
    anyhow::bail!("{}", problems.join("; "))
}

/// Versions of the external tools, and the ones missing although an engine
/// in use (globally, per platform, template or streamer) needs them.
fn check_tools(file: &ConfigFile, all: &[crate::streamer::Streamer]) -> (String, Vec<String>) {
    use crate::download::tools::version;
    let mut used: HashSet<EngineKind> = HashSet::new();
    let levels = std::iter::once(&file.recording)
        .chain(file.platforms.values())
        .chain(file.templates.values())
        .chain(all.iter().map(|s| &s.overrides));
    used.extend(levels.map(|o| o.engine.unwrap_or_default()));
    let e = &file.engines;
    let tools = [
        (EngineKind::Ffmpeg, "ffmpeg", &e.ffmpeg.path, "-version"),
        (
            EngineKind::Streamlink,
            "streamlink",
            &e.streamlink.path,
            "--version",
        ),
        (
            EngineKind::Streamlink,
            "streamlink's ffmpeg",
            &e.streamlink.ffmpeg_path,
            "-version",
        ),
    ];
    let (mut out, mut missing) = (String::new(), Vec::new());
    for (kind, what, path, flag) in tools {
        let needed = used.contains(&kind);
        match version(path, flag) {
            Ok(v) => out.push_str(&format!("{what}: {v} ({})\n", path.display())),
            Err(msg) if needed => {
                out.push_str(&format!("{what}: MISSING: {msg}\n"));
                missing.push(format!(
                    "the {} engine is configured but {what} is unusable: {msg}",
                    format!("{kind:?}").to_ascii_lowercase()
                ));
            }
            Err(msg) => out.push_str(&format!(
                "{what}: not available ({msg}); engine not in use\n"
            )),
        }
    }
    (out, missing)
}
