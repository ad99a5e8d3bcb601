//! The `modelswap` binary: parses the command line, runs the command (`commands`), and maps its
//! outcome to the documented exit codes (`modelswap::Error::exit_code`).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use modelswap::error::Error;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let level = ["warn", "info", "debug"][usize::from(cli.verbose.min(2))];
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();

    // A panic `input::contain` catches inside a library becomes the error that names the file.
    let report_panic = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|at| modelswap::input::contained(at.file()))
        {
            tracing::debug!("{info}");
        } else {
            report_panic(info);
        }
    }));

    match commands::execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match &err {
                // The verdict has said why.
                Error::GateFailed { .. } => {}
                Error::Interrupted { .. } => eprintln!("{err}"),
                _ => eprintln!("error: {err:#}"),
            }
            ExitCode::from(err.exit_code())
        }
    }
}
