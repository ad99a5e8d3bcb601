//! The `modelswap` binary: parses the command line and maps outcomes to exit codes
//! (0 ok, 1 failure or failed gate, 2 invalid input, 130 interrupted).

mod cli;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use cli::{AuditFormat, Cli, Command, PricesFormat};
use modelswap::analysis::RecordFrame;
use modelswap::cost;
use modelswap::gate::{self, GateError};
use modelswap::lockin::{self, ScanError, ScanOptions};
use modelswap::record;
use modelswap::report::{self, Report};
use modelswap::runner::{self, CassetteMode, InputError, RunOptions};
use modelswap::suite::{self, ProviderKind, SuiteError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = ["warn", "info", "debug"][usize::from(cli.verbose.min(2))];
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();

    match execute(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            if is_input_error(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_input_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<SuiteError>() || e.is::<InputError>() || e.is::<GateError>() || e.is::<ScanError>()
    })
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run {
            suite,
            out,
            resume,
            providers,
            limit,
            cassette,
            record,
            replay: _,
            shard,
        } => {
            let suite = suite::load(&suite)?;
            let options = RunOptions {
                out: resume
                    .clone()
                    .or(out)
                    .unwrap_or_else(|| default_out(&suite.spec.name)),
                providers,
                limit,
                resume: resume.is_some(),
                // clap requires exactly one of --record / --replay with --cassette.
                shard,
                cassette: cassette.map(|path| {
                    if record {
                        CassetteMode::Record(path)
                    } else {
                        CassetteMode::Replay(path)
                    }
                }),
            };
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let outcome = runtime.block_on(runner::run(&suite, &options))?;
            let path = outcome.dir.join(record::RECORDS_FILE);
            eprintln!(
                "{} {} records ({} errors) to {}",
                if outcome.interrupted {
                    "interrupted: kept"
                } else {
                    "wrote"
                },
                outcome.records,
                outcome.errors,
                path.display()
            );
            // Don't let the runtime wait for blocking model threads a Ctrl-C abandoned.
            runtime.shutdown_background();
            Ok(if outcome.interrupted {
                ExitCode::from(130)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Merge { dirs, out } => {
            let n = runner::merge(&dirs, &out)?;
            eprintln!(
                "merged {n} records from {} runs into {}",
                dirs.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { path } => {
            suite::write_starter(&path).map_err(|e| InputError(format!("{e:#}")))?;
            eprintln!(
                "wrote {}; edit it, then: modelswap validate {}",
                path.display(),
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { dir, format, scan } => {
            let mut report = Report::load(&dir)?;
            if let Some(path) = scan {
                report.lockin.code = Some(lockin::scan(&path, &ScanOptions::default())?);
            }
            for path in report::write(&dir, &report, &format)? {
                eprintln!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gate { dir, against } => {
            let manifest = record::read_manifest(&dir).map_err(|e| InputError(format!("{e:#}")))?;
            let gate = manifest.gate.clone().ok_or_else(|| {
                GateError(format!(
                    "the suite of the run in {} has no `gate` section",
                    dir.display()
                ))
            })?;
            let mut manifest = manifest;
            let mut records = read_records(&dir)?;
            if let Some(base_dir) = against {
                // The baseline's records (and its configuration) come from the earlier run.
                let base =
                    record::read_manifest(&base_dir).map_err(|e| InputError(format!("{e:#}")))?;
                manifest.providers.retain(|p| p.id != gate.baseline);
                manifest
                    .providers
                    .extend(base.providers.into_iter().filter(|p| p.id == gate.baseline));
                records = records.with_provider_from(&gate.baseline, read_records(&base_dir)?)?;
            }
            let summary = modelswap::analysis::summarize(&manifest, &records)?;
            let verdict = gate::evaluate(&gate, &summary, &records)?;
            print!("{}", verdict.render());
            let path = dir.join("verdict.json");
            std::fs::write(&path, serde_json::to_vec_pretty(&verdict)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(if verdict.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Audit { suite, format } => {
            let audit = lockin::workload::audit(&suite::load(&suite)?)?;
            match format {
                AuditFormat::Md => print!("{}", lockin::workload::markdown(&audit)),
                AuditFormat::Json => println!("{}", serde_json::to_string_pretty(&audit)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { suite } => {
            let suite = suite::load(&suite)?;
            modelswap::score::Scorers::prepare(&suite)
                .map_err(|errs| InputError(errs.join("\n")))?;
            let base = suite.path.parent().unwrap_or(Path::new("."));
            for (id, p) in &suite.spec.providers {
                if let (ProviderKind::Onnx, Some(path)) = (p.kind, &p.path) {
                    modelswap::provider::onnx::ModelFolder::open(&base.join(path))
                        .map_err(|e| InputError(format!("provider `{id}`: {e}")))?;
                }
            }
            let spec = &suite.spec;
            println!(
                "{}: ok — {} cases × {} providers × {} repeat(s) = {} calls",
                suite.path.display(),
                suite.cases.len(),
                spec.providers.len(),
                spec.defaults.repeats,
                suite.cases.len() * spec.providers.len() * spec.defaults.repeats as usize
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan {
            path,
            format,
            out,
            hidden,
            max_file_size,
        } => {
            let format = format.into_iter().fold(Vec::new(), |mut seen, f| {
                if !seen.contains(&f) {
                    seen.push(f);
                }
                seen
            });
            if format.len() > 1 && out.is_none() {
                return Err(InputError("several formats need --out FILE".to_string()).into());
            }
            let options = ScanOptions {
                max_file_bytes: max_file_size,
                hidden,
                ..ScanOptions::default()
            };
            let scan = lockin::scan(&path, &options)?;
            match out {
                Some(out) => {
                    for path in lockin::write(&scan, &format, &out)? {
                        eprintln!("wrote {}", path.display());
                    }
                }
                None => print!("{}", lockin::render(&scan, format[0])),
            }
            eprintln!(
                "scanned {} files ({} bytes) in {} ms: {} findings in {} files, {} vendor packages, {} problems",
                scan.stats.files_scanned,
                scan.stats.bytes_scanned,
                scan.stats.duration_ms,
                scan.findings.len(),
                scan.files.len(),
                scan.dependencies.len(),
                scan.problems.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&suite::json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Prices { model, format } => {
            let needle = model.as_deref().unwrap_or_default().to_lowercase();
            let entries: Vec<&cost::Entry> = cost::table()
                .iter()
                .filter(|e| e.model.to_lowercase().contains(&needle))
                .collect();
            if entries.is_empty() {
                return Err(InputError(format!(
                    "no model in the price table contains `{needle}`; a suite's provider can still be priced with `price:`"
                ))
                .into());
            }
            let text = match format {
                PricesFormat::Table => cost::render(&entries),
                PricesFormat::Json => serde_json::to_string_pretty(&entries)? + "\n",
            };
            // `modelswap prices | head` closes the pipe early; that is not an error.
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

fn read_records(dir: &Path) -> anyhow::Result<RecordFrame> {
    RecordFrame::read(&dir.join(record::RECORDS_FILE))
        .map_err(|e| InputError(format!("{e:#}")).into())
}

fn default_out(suite_name: &str) -> PathBuf {
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
