//! The `srec` binary: parse, dispatch, and turn errors into one readable
//! line and exit code 1 (clap exits 2 on usage errors).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = srec::cli::Cli::parse();
    match srec::cli::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
