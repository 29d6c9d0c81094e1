//! The `srec` binary: parse, dispatch, and turn errors into one readable
//! line and exit code 1 (clap exits 2 on usage errors; a command may
//! choose another status with [`srec::cli::SilentExit`]).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = srec::cli::Cli::parse();
    match srec::cli::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(srec::cli::SilentExit(code)) = e.downcast_ref() {
                return ExitCode::from(*code);
            }
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
