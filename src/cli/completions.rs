//! `srec completions SHELL`: print a completion script to stdout.

use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsCmd {
    /// Target shell
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsCmd {
    pub fn run(self) -> anyhow::Result<()> {
        super::output::print(&render(self.shell))
    }
}

/// The completion script for one shell.
pub fn render(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut super::command(), "srec", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// File name conventionally used for each shell's script.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "srec.bash",
        Shell::Zsh => "_srec",
        Shell::Fish => "srec.fish",
        Shell::Elvish => "srec.elv",
        Shell::PowerShell => "_srec.ps1",
        _ => "srec.completion",
    }
}
