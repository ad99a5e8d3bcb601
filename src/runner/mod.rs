//! Executing a suite: every case × provider × repeat, with per-provider concurrency, rate limits
//! and retries, each record appended to `records.jsonl` as soon as it completes (whatever has
//! completed goes out in one write), and `run.json` beside it. The runner prints nothing: it
//! reports what happens as `Event`s, from which the binary draws progress.
//!
//! `selection` says what runs, `target` makes one provider's calls, `job` turns a call into a
//! record, `lanes` schedules the workers and writes the records, `resume` reads back an
//! interrupted run, `manifest` writes `run.json`.

mod cassette;
mod job;
mod lanes;
mod limits;
pub mod manifest;
mod merge;
mod occupancy;
mod references;
mod resume;

/// `--resume`'s reading (and repair) of a records file, for the fuzz targets.
pub(crate) use resume::recover as recover_records;
mod selection;
mod target;

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Context;
use futures::FutureExt;
use tokio::sync::mpsc;

pub use cassette::Cassette;
pub use merge::merge;
pub use record::Shard;

use crate::error::{Error, Result};
use crate::lockin::workload::{self, WorkloadAudit};
use crate::record::{self, Manifest, ProviderInfo, RecordError, RunStatus};
use crate::score::Scorers;
use crate::suite::{Problem, Suite, SuiteSpec};
use lanes::LaneContext;
use selection::Selection;
use target::{Answers, Cassettes, Target};

/// What to run and where to put it.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub out: PathBuf,
    /// Only these providers (default: all of the suite's).
    pub providers: Option<Vec<String>>,
    /// Only the first N cases.
    pub limit: Option<usize>,
    /// Finish the run already in `out`: keep its records, run only what is missing.
    pub resume: bool,
    pub cassette: Option<CassetteMode>,
    /// `--shard I/N`: only every N-th case, starting with the I-th (1-based), so that N machines
    /// split a suite; `modelswap merge` joins their runs.
    pub shard: Option<Shard>,
}

/// `--cassette FILE --record` / `--replay`: applies to every provider of the run.
#[derive(Debug, Clone)]
pub enum CassetteMode {
    Record(PathBuf),
    Replay(PathBuf),
}

/// How a completed run went.
#[derive(Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    /// Records written by this invocation (a resumed run's earlier ones aside).
    pub records: usize,
    pub errors: usize,
}

/// What a run reports as it goes.
#[derive(Debug, Clone)]
pub enum Event {
    /// The calls start: `total` records expected, `done` of them recorded by an earlier,
    /// interrupted invocation.
    Started { total: u64, done: u64 },
    /// A record was written.
    Recorded {
        provider: String,
        case_id: String,
        error: Option<RecordError>,
    },
    /// Ctrl-C: the records completed so far are kept.
    Interrupted,
    /// No more records will come.
    Finished,
}

/// Where a run's events go; called from the run's tasks.
pub type Events = Arc<dyn Fn(Event) + Send + Sync>;

/// What the providers of a suite name that a run would find wrong: a local model folder that
/// does not open, a provider's cassette that is not one. For `suite::load_checked`, so that
/// `modelswap validate` reports them in the same pass as the suite's own problems.
pub fn problems(spec: &SuiteSpec, suite_dir: &Path) -> Vec<Problem> {
    let mut problems = crate::provider::onnx::folder_problems(spec, suite_dir);
    problems.extend(cassette::cassette_problems(spec, suite_dir));
    problems
}

/// What a run checks of a loaded suite before its first call, without making one: the
/// scorers' values (patterns compile, numbers parse, references embed).
pub fn check(suite: &Suite) -> Result<()> {
    Scorers::prepare(suite).map_err(|errs| Error::Input(errs.join("\n")))?;
    Ok(())
}

/// Everything a run needs, prepared before the first call.
struct Plan {
    selection: Selection,
    targets: Vec<(Arc<Target>, bool)>,
    scorers: Arc<Scorers>,
    references: Arc<references::Rendezvous>,
    done: resume::Done,
}

/// Runs the suite. Invalid options, providers that cannot start and an existing records file are
/// reported as `Error::Input` before any call is made; Ctrl-C ends it as `Error::Interrupted`,
/// a suite file changed under it as `Error::Incomplete`, each keeping the records so far.
pub async fn run(suite: &Suite, options: &RunOptions, events: Events) -> Result<RunOutcome> {
    let (plan, mut manifest) = prepare(suite, options).await?;
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    manifest::write(&options.out, &manifest)?;
    // What the workload needs of each provider, for the report's lock-in section: one more pass
    // over the cases, made beside the remote calls rather than before them. A local model's
    // latency is measured on these cores, so with one the audit is done before it starts.
    let local = plan.targets.iter().any(|(_, local)| *local);
    let auditing = {
        let suite = suite.clone();
        tokio::task::spawn_blocking(move || workload::audit(&suite))
    };
    let audit = if local {
        futures::future::ready(auditing.await).left_future()
    } else {
        auditing.right_future()
    };

    let already = plan.done.len();
    let total = manifest.records_expected;
    let started = Instant::now();
    let calls = call_all(plan, &manifest, options, events).await?;
    let audit = audit.await.context("the lock-in audit failed")?;
    if let Ok(audit) = &audit {
        write_audit(&options.out, audit)?;
    }
    let failure = calls.failure.or(audit.err().map(|e| e.to_string()));
    let status = if calls.interrupted || failure.is_some() {
        RunStatus::Interrupted
    } else {
        RunStatus::Completed
    };
    manifest::finish(&options.out, &mut manifest, status)?;
    let kept = already + calls.written;
    if let Some(e) = failure {
        return Err(Error::Incomplete(format!(
            "the run stopped: {e}\n{kept} record(s) completed before it are kept in {}",
            options.out.display()
        )));
    }
    if calls.interrupted {
        return Err(Error::Interrupted {
            records: kept,
            dir: options.out.clone(),
        });
    }
    if kept != total {
        return Err(Error::Incomplete(format!(
            "the run holds {kept} of {total} records"
        )));
    }
    tracing::info!(
        records = calls.written,
        seconds = started.elapsed().as_secs_f64(),
        "run finished"
    );
    Ok(RunOutcome {
        dir: options.out.clone(),
        records: calls.written,
        errors: calls.errors,
    })
}

/// How the calls of a run ended.
struct Calls {
    written: usize,
    errors: usize,
    interrupted: bool,
    /// Why the run stopped before its last call (a suite file changed under it).
    failure: Option<String>,
}

/// Every call of the plan, lane beside lane, until the last is recorded or Ctrl-C.
async fn call_all(
    plan: Plan,
    manifest: &Manifest,
    options: &RunOptions,
    events: Events,
) -> Result<Calls> {
    let records_path = options.out.join(record::RECORDS_FILE);
    let file = OpenOptions::new()
        .create(true)
        .create_new(!options.resume)
        .append(true)
        .open(&records_path)
        .with_context(|| format!("cannot create {}", records_path.display()))?;
    events(Event::Started {
        total: manifest.records_expected as u64,
        done: plan.done.len() as u64,
    });
    let (tx, rx) = mpsc::channel(256);
    let writer = tokio::spawn(lanes::write_records(file, rx, events.clone()));
    let ctx = LaneContext {
        run_id: manifest.run_id.clone(),
        cases: plan.selection.clone(),
        scorers: plan.scorers.clone(),
        references: plan.references.clone(),
        repeats: manifest.repeats,
        done: Arc::new(plan.done),
        tx,
        failure: Arc::new(OnceLock::new()),
    };
    let ctx = Arc::new(ctx);
    let mut tasks = tokio::task::JoinSet::new();
    for lane in lanes::lanes(plan.targets) {
        tasks.spawn(lanes::run_lane(lane, ctx.clone()));
    }
    let interrupted = tokio::select! {
        // The records still waiting for a reference that never came are scored last.
        _ = async {
            while tasks.join_next().await.is_some() {}
            lanes::score_and_send(&ctx, ctx.references.finish()).await;
        } => false,
        _ = tokio::signal::ctrl_c() => {
            events(Event::Interrupted);
            tasks.abort_all();
            true
        }
    };
    let failure = ctx.failure.get().map(ToString::to_string);
    drop(ctx);
    // Aborted lanes drop their senders; the writer drains what was sent and stops.
    drop(tasks);
    let (written, errors) = writer.await.context("the records writer failed")??;
    events(Event::Finished);
    Ok(Calls {
        written,
        errors,
        interrupted,
        failure,
    })
}

/// Checks everything and starts every provider before the first call: the options, the
/// scorers, the run directory (or the run being resumed), each provider (a cassette must hold
/// all its calls), the judges.
async fn prepare(suite: &Suite, options: &RunOptions) -> Result<(Plan, Manifest)> {
    let spec = &suite.spec;
    let selected = selection::providers(spec, options.providers.as_deref())?;
    let selection = Selection::new(&suite.cases, options)?;
    let mut scorers = Scorers::prepare(suite).map_err(|errs| Error::Input(errs.join("\n")))?;
    let previous = if options.resume {
        Some(resume::previous(&options.out, suite)?)
    } else {
        let records = options.out.join(record::RECORDS_FILE);
        if records.exists() {
            return Err(Error::Input(format!(
                "{} already exists; choose another --out directory, or finish it with --resume (runs are never overwritten)",
                records.display()
            )));
        }
        None
    };
    let cassettes = Cassettes::open(options.cassette.as_ref())?;
    let (targets, infos) = start_providers(suite, &selected, &selection, &cassettes).await?;
    // A judge calls its provider through the same limits and retries, whether or not that
    // provider is being run.
    for id in scorers.judge_providers() {
        let target = match targets.iter().find(|(t, _)| t.id == id) {
            Some((t, _)) => t.clone(),
            None => {
                let config = spec.providers.get(&id).ok_or_else(|| {
                    Error::Input(format!(
                        "a judge names `{id}`, which is not a provider of the suite"
                    ))
                })?;
                tracing::info!(provider = %id, "loading (judge)");
                Arc::new(Target::build(&id, config, spec, &suite.dir(), &cassettes)?)
            }
        };
        scorers.connect(&id, target);
    }
    let mut manifest = manifest::new(suite, infos, selection.len, options.shard);
    let done = match previous {
        // A resumed run keeps its id and start; what it covers is what this invocation asks.
        Some((m, done)) => {
            (manifest.run_id, manifest.started_at) = (m.run_id, m.started_at);
            done
        }
        None => resume::Done::new(),
    };
    let scorers = Arc::new(scorers);
    let run_ids = targets.iter().map(|(t, _)| t.id.clone()).collect();
    let references = Arc::new(references::Rendezvous::new(scorers.clone(), run_ids));
    if options.resume && !done.is_empty() && references.waits() {
        // The reference answers recorded before the interruption, for the records still to come.
        let path = options.out.join(record::RECORDS_FILE);
        record::for_each_record(&path, |_, r| {
            references.remember(&r);
            Ok(())
        })
        .map_err(|e| Error::Input(format!("--resume: {e:#}")))?;
    }
    let plan = Plan {
        selection,
        targets,
        scorers,
        references,
        done,
    };
    Ok((plan, manifest))
}

/// The selected providers started (a local model loaded, a cassette checked to hold every call
/// it will answer), each with what `run.json` says of it, and whether it runs on this machine.
async fn start_providers(
    suite: &Suite,
    selected: &[&String],
    selection: &Selection,
    cassettes: &Cassettes,
) -> Result<(Vec<(Arc<Target>, bool)>, Vec<ProviderInfo>)> {
    let spec = &suite.spec;
    let repeats = spec.defaults.repeats;
    let (mut targets, mut infos) = (Vec::new(), Vec::new());
    for id in selected {
        let config = &spec.providers[*id];
        let target = Target::build(id, config, spec, &suite.dir(), cassettes)?;
        let engine = match &target.answers {
            Answers::Live(provider) => provider.local_engine(),
            _ => None,
        };
        let (model_files, replayed_from) = match &target.answers {
            Answers::Live(provider) => (manifest::hash_files(provider.model_files()).await?, None),
            Answers::Logged => (BTreeMap::new(), None),
            Answers::Replay(cassette) => {
                let (cases, endpoint) = (selection.iter(), &target.endpoint);
                cassette::check_recorded(cassette, id, endpoint, cases, &target.sampling, repeats)?;
                (BTreeMap::new(), Some(cassette.path().display().to_string()))
            }
        };
        infos.push(ProviderInfo {
            id: id.to_string(),
            config: config.without_credentials(),
            sampling: target.sampling.clone(),
            model_files,
            replayed_from,
            engine,
        });
        let local = config.kind.is_local() && matches!(target.answers, Answers::Live(_));
        targets.push((Arc::new(target), local));
    }
    Ok((targets, infos))
}

fn write_audit(dir: &Path, audit: &WorkloadAudit) -> anyhow::Result<()> {
    std::fs::write(
        dir.join(record::LOCKIN_FILE),
        serde_json::to_vec_pretty(audit)?,
    )
    .with_context(|| format!("cannot write {}", record::LOCKIN_FILE))
}
