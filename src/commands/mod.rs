//! One file per command: each turns its parsed arguments into calls of the library and prints
//! what the user asked for. Failures come back as `modelswap::Error`, whose kind decides the
//! exit code (`main`).

mod audit;
mod convert;
mod gate;
mod init;
mod load;
mod merge;
mod prices;
mod progress;
mod report;
mod run;
mod scan;
mod validate;

use modelswap::error::Result;

use crate::cli::Command;

pub fn execute(command: Command) -> Result<()> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Load(args) => load::run(args),
        Command::Merge { dirs, out } => merge::run(&dirs, &out),
        Command::Init { path } => init::run(&path),
        Command::Report {
            dir,
            format,
            scan,
            capacity,
            against,
        } => report::run(
            &dir,
            &format,
            scan.as_deref(),
            &capacity,
            against.as_deref(),
        ),
        Command::Gate { dir, against } => gate::run(&dir, against.as_deref()),
        Command::Audit { suite, format } => audit::run(&suite, format),
        Command::Validate { suite } => validate::run(&suite),
        Command::Scan(args) => scan::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Schema => print_json(&modelswap::suite::json_schema()),
        Command::Prices { model, format } => prices::run(model.as_deref(), format),
    }
}

/// Pretty JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    println!("{text}");
    Ok(())
}
