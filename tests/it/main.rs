//! Integration tests: drive the real `srec` binary and the real services
//! over temp dirs and loopback.

mod cli_config;
mod cli_streamers;
mod daemon;
mod engines;
mod engines_faults;
mod fake;
mod generated;
mod harness;
mod recording;
