//! `rapport`: self-hosted social listening and engagement, as one binary.
//!
//! This is the edge of the program: it parses the command line, sets up logging and a tokio
//! runtime, and hands over to one module per command in [`commands`]. Errors become
//! `anyhow` reports here and nowhere deeper.

mod cli;
mod commands;
mod config;
mod data_dir;
mod progress;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the pipeline allocates and frees many small strings
/// per post (tokens, SQL parameters, JSON); `rapport bench import` measured the difference.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` sets the level (default: warnings, and info for rapport).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,rapport=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
