//! `modelswap run SUITE`: every case against every provider, records streamed to disk.

use std::path::PathBuf;

use anyhow::Context;
use modelswap::error::Result;
use modelswap::runner::{self, CassetteMode, RunOptions};
use modelswap::{record, suite};

use crate::cli::RunArgs;

pub fn run(args: RunArgs) -> Result<()> {
    let suite = suite::load(&args.suite)?;
    let options = RunOptions {
        out: (args.resume.clone().or(args.out)).unwrap_or_else(|| default_out(&suite.spec.name)),
        providers: args.providers,
        limit: args.limit,
        resume: args.resume.is_some(),
        shard: args.shard,
        // clap requires exactly one of --record / --replay with --cassette.
        cassette: args.cassette.map(|path| {
            if args.record {
                CassetteMode::Record(path)
            } else {
                CassetteMode::Replay(path)
            }
        }),
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let outcome = runtime.block_on(runner::run(&suite, &options, super::progress::events()));
    // Don't let the runtime wait for blocking model threads a Ctrl-C abandoned.
    runtime.shutdown_background();
    let outcome = outcome?;
    eprintln!(
        "wrote {} records ({} errors) to {}",
        outcome.records,
        outcome.errors,
        outcome.dir.join(record::RECORDS_FILE).display()
    );
    Ok(())
}

/// `reports/<suite name>-<UTC time>`.
pub(super) fn default_out(suite_name: &str) -> PathBuf {
    let slug: String = suite_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    PathBuf::from("reports").join(format!(
        "{slug}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    ))
}
