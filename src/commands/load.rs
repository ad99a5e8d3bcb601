//! `modelswap load SUITE --provider P`: the capacity sweep, with a progress bar per level on a
//! terminal and a plain line per level otherwise.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelswap::error::{Error, Result};
use modelswap::load::{self, Load, LoadEvent, LoadOptions, Span};
use modelswap::{format, suite};

use crate::cli::LoadArgs;

pub fn run(args: LoadArgs) -> Result<()> {
    let suite = suite::load(&args.suite)?;
    let out = (args.out.clone())
        .unwrap_or_else(|| super::run::default_out(&format!("{}-load", suite.spec.name)));
    let options = options(args, out.clone())?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let capacity = runtime.block_on(load::sweep(&suite, &options, progress()));
    runtime.shutdown_background();
    let capacity = capacity?;
    if capacity.levels.iter().all(|l| l.errors == l.requests) {
        return Err(Error::Incomplete(format!(
            "no level produced a successful request; {} says what failed",
            out.join(load::CAPACITY_FILE).display()
        )));
    }
    if let Some(g) = &capacity.goodput {
        eprintln!(
            "goodput: {:.1} output tokens/s ({:.2} requests/s) at level {} within the SLO",
            g.output_tokens_per_s,
            g.requests_per_s,
            g.level + 1
        );
    } else if capacity.slo.is_some() {
        eprintln!("goodput: no level met the SLO");
    }
    eprintln!("cost: {}", capacity.cost.explained);
    eprintln!(
        "wrote {} and {}",
        out.join(load::CAPACITY_FILE).display(),
        out.join(load::CAPACITY_CSV).display()
    );
    Ok(())
}

/// The sweep's options from the command line, each checked.
fn options(args: LoadArgs, out: PathBuf) -> Result<LoadOptions> {
    let seconds = |name: &str, s: f64| {
        (s >= 0.0 && Duration::try_from_secs_f64(s).is_ok())
            .then(|| Duration::from_secs_f64(s))
            .ok_or_else(|| Error::Input(format!("--{name}: must be a number of seconds, not {s}")))
    };
    let loads: Vec<Load> = if args.rate.is_empty() {
        args.concurrency
            .iter()
            .map(|&c| Load::Concurrency(c))
            .collect()
    } else {
        args.rate.iter().map(|&r| Load::Rate(r)).collect()
    };
    for load in &loads {
        match *load {
            Load::Concurrency(c) if c == 0 || c > 4096 => {
                return Err(Error::Input(format!(
                    "--concurrency {c}: must be between 1 and 4096"
                )))
            }
            Load::Rate(r) if !(r > 0.0 && r.is_finite()) => {
                return Err(Error::Input(format!(
                    "--rate {r}: must be a positive number of requests per second"
                )))
            }
            _ => {}
        }
    }
    let span = match args.requests {
        Some(0) => return Err(Error::Input("--requests: must be at least 1".into())),
        Some(n) => Span::Requests(n),
        None => Span::Seconds(
            seconds("duration", args.duration)?
                .as_secs_f64()
                .max(f64::MIN_POSITIVE),
        ),
    };
    if !(0.0..=1.0).contains(&args.max_error_rate) {
        return Err(Error::Input(
            "--max-error-rate: must be between 0 and 1".into(),
        ));
    }
    Ok(LoadOptions {
        provider: args.provider,
        loads,
        span,
        warmup: seconds("warmup", args.warmup)?,
        max_error_rate: args.max_error_rate,
        out,
        seed: args.seed,
    })
}

/// A bar of requests per level on a terminal; one line per finished level always.
fn progress() -> load::LoadEvents {
    let terminal = std::io::stderr().is_terminal();
    let bar = Mutex::new(None::<ProgressBar>);
    Arc::new(move |event| {
        let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            LoadEvent::LevelStarted { index, of, load } => {
                let name = match load {
                    Load::Concurrency(c) => format!("concurrency {c}"),
                    Load::Rate(r) => format!("{r} requests/s"),
                };
                if terminal {
                    let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                    b.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{elapsed_precise}] {msg}: {pos} requests",
                        )
                        .expect("a fixed template"),
                    );
                    b.set_message(format!("level {}/{of}, {name}", index + 1));
                    *bar = Some(b);
                } else {
                    eprintln!("level {}/{of}: {name}", index + 1);
                }
            }
            LoadEvent::Request => {
                if let Some(b) = bar.as_ref() {
                    b.inc(1);
                }
            }
            LoadEvent::LevelDone(level) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                let p95 = |p: Option<load::Percentiles>| format::ms(p.map(|p| p.p95));
                eprintln!(
                    "  {} requests ({} failed) in {:.1} s: {:.2} requests/s, {:.1} output tokens/s; p95 TTFT {}, ITL {}, e2e {}",
                    level.requests,
                    level.errors,
                    level.duration_s,
                    level.requests_per_s,
                    level.output_tokens_per_s,
                    p95(level.ttft_ms),
                    p95(level.itl_ms),
                    p95(level.e2e_ms),
                );
            }
            LoadEvent::Stopped(why) => eprintln!("sweep stopped: {why}"),
        }
    })
}
