//! Command-line interface: global options, one module per subcommand, and
//! dispatch. Each module has a clap `Args` struct with `run(self, ctx)`.

pub mod add;
pub mod client;
pub mod completions;
pub mod config;
pub mod jobs;
pub mod list;
pub mod man;
pub mod notify;
pub mod output;
pub mod probe;
pub mod remove;
pub mod run;
pub mod status;
pub mod toggle;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{ConfigFile, Paths, load_file};
use crate::db::Db;

/// srec watches live streamers and records them the moment they go live.
#[derive(Debug, Parser)]
#[command(name = "srec", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/srec/config.toml]
    #[arg(long, global = true, env = "SREC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory holding srec.db and logs/ [default: $XDG_DATA_HOME/srec]
    #[arg(long, global = true, env = "SREC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output (-v info, -vv debug, -vvv trace); SREC_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less log output (-q errors only, -qq nothing)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a streamer to monitor
    Add(add::AddCmd),
    /// List monitored streamers
    List(list::ListCmd),
    /// Remove a streamer (recorded files are kept)
    Remove(remove::RemoveCmd),
    /// Enable a disabled streamer
    Enable(toggle::EnableCmd),
    /// Disable a streamer (it is no longer checked or recorded)
    Disable(toggle::DisableCmd),
    /// Show what a live check sees now: platform, live, streams, the pick
    Probe(probe::ProbeCmd),
    /// Show the daemon, streamer states and active recordings
    Status(status::StatusCmd),
    /// Inspect and check the configuration
    Config(config::ConfigCmd),
    /// Post-processing jobs: list, show, logs, retry, cancel
    Jobs(jobs::JobsCmd),
    /// Print a shell completion script
    Completions(completions::CompletionsCmd),
    /// Print or write the manual pages
    Man(man::ManCmd),
    /// Test notification channels and manage dead letters
    Notify(notify::NotifyCmd),
    /// Run the recorder (dashboard, or headless with --no-tui)
    Run(run::RunCmd),
}

/// An error that only sets the exit status: the command already said
/// what happened (e.g. `srec probe` exits 3 for an offline room).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct SilentExit(pub u8);

/// What every subcommand gets.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub paths: Paths,
    pub verbose: u8,
    pub quiet: u8,
}

impl Ctx {
    /// Opens (and migrates) the database.
    pub fn open_db(&self) -> anyhow::Result<Db> {
        Ok(Db::open(&self.paths.db_file())?)
    }

    /// Loads and validates the config file (defaults when absent).
    pub fn load_config(&self) -> anyhow::Result<ConfigFile> {
        Ok(load_file(&self.paths.config_file)?)
    }
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    // A file named on purpose (flag or SREC_CONFIG) must be there: silently
    // falling back to defaults would run with settings nobody chose. Only
    // the default XDG location may be missing.
    let needs_config = !matches!(
        cli.command,
        Command::Completions(_)
            | Command::Man(_)
            | Command::Config(config::ConfigCmd {
                action: config::ConfigAction::Path
            })
    );
    if let Some(file) = cli.config.as_deref().filter(|_| needs_config)
        && !file.exists()
    {
        anyhow::bail!(
            "config file {} does not exist (named by --config or SREC_CONFIG); create it \
             (it may be empty) or leave both unset to use the default location",
            file.display()
        );
    }
    let paths = Paths::resolve(cli.config, cli.data_dir)?;
    let ctx = Ctx {
        paths,
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    if !matches!(cli.command, Command::Run(_)) {
        crate::logging::init_cli(ctx.verbose, ctx.quiet);
    }
    match cli.command {
        Command::Add(c) => c.run(&ctx),
        Command::List(c) => c.run(&ctx),
        Command::Remove(c) => c.run(&ctx),
        Command::Enable(c) => c.run(&ctx),
        Command::Disable(c) => c.run(&ctx),
        Command::Status(c) => c.run(&ctx),
        Command::Probe(c) => c.run(&ctx),
        Command::Config(c) => c.run(&ctx),
        Command::Jobs(c) => c.run(&ctx),
        Command::Completions(c) => c.run(),
        Command::Man(c) => c.run(),
        Command::Notify(c) => c.run(&ctx),
        Command::Run(c) => c.run(&ctx),
    }
}

/// The clap command tree (completions, man pages).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
