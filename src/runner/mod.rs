//! Executing a suite: every case × provider × repeat, with per-provider concurrency, rate limits
//! and retries, each record appended to `records.jsonl` as soon as it completes (whatever has
//! completed goes out in one write), and `run.json` beside it.

mod cassette;
mod limits;
mod merge;

use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{SecondsFormat, Utc};
use futures::FutureExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

pub use cassette::Cassette;
use limits::{Aimd, Pause, RateLimiter, RetryPolicy};
pub use merge::merge;

use crate::chat::{ChatRequest, Sampling};
use crate::cost::Pricing;
use crate::provider::{self, Completion, Endpoint, ErrorKind, Provider, ProviderError};
use crate::record::{self, Host, Manifest, ProviderInfo, Record, RecordError, SuiteInfo, Timing};
use crate::score::Scorers;
use crate::suite::{self, Suite};

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

pub use record::Shard;

/// `--cassette FILE --record` / `--replay`: applies to every provider of the run.
#[derive(Debug, Clone)]
pub enum CassetteMode {
    Record(PathBuf),
    Replay(PathBuf),
}

/// How a run ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub records: usize,
    pub errors: usize,
    pub interrupted: bool,
}

/// A problem with what the user asked for (as opposed to a failure while running).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

struct Lane {
    targets: Vec<Arc<Target>>,
}

/// Where a provider's answers come from.
enum Source {
    Live(Arc<dyn Provider>),
    /// A cassette: no network, the recorded timings.
    Replay(Arc<Cassette>),
}

/// One provider as the runner drives it.
struct Target {
    id: String,
    endpoint: Endpoint,
    source: Source,
    /// `--record`: every call's outcome is appended here.
    recorder: Option<Arc<Cassette>>,
    sampling: Sampling,
    concurrency: Aimd,
    retry: RetryPolicy,
    rate: Option<RateLimiter>,
    /// Set when the vendor's rate-limit headers say a limit is exhausted.
    pause: Pause,
    pricing: Pricing,
}

/// Runs the suite. Invalid options, providers that cannot start and an existing records file are
/// reported (as `InputError`) before any call is made.
pub async fn run(suite: &Suite, options: &RunOptions) -> anyhow::Result<RunOutcome> {
    let spec = &suite.spec;
    let selected: Vec<&String> = match &options.providers {
        None => spec.providers.keys().collect(),
        Some(names) => {
            for name in names {
                if !spec.providers.contains_key(name) {
                    let known: Vec<&str> = spec.providers.keys().map(String::as_str).collect();
                    return Err(InputError(format!(
                        "--providers: the suite has no provider `{name}` (it has: {})",
                        known.join(", ")
                    ))
                    .into());
                }
            }
            spec.providers
                .keys()
                .filter(|k| names.contains(k))
                .collect()
        }
    };
    let cases = Selection::new(&suite.cases, options)?;
    let mut scorers = Scorers::prepare(suite).map_err(|errs| InputError(errs.join("\n")))?;

    let records_path = options.out.join(record::RECORDS_FILE);
    let previous = if options.resume {
        let manifest = record::read_manifest(&options.out)
            .map_err(|e| InputError(format!("--resume: {e:#}")))?;
        if manifest.suite.sha256 != suite.sha256 {
            return Err(InputError(format!(
                "--resume: {} changed since the run in {} started (sha256 {} then, {} now); resume it with the same suite, or start a new run",
                suite.path.display(),
                options.out.display(),
                manifest.suite.sha256,
                suite.sha256
            ))
            .into());
        }
        let done = recover(&records_path)?;
        Some((manifest, done))
    } else {
        if records_path.exists() {
            return Err(InputError(format!(
                "{} already exists; choose another --out directory, or finish it with --resume (runs are never overwritten)",
                records_path.display()
            ))
            .into());
        }
        None
    };

    let base_dir = suite
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (replay_all, recorder) = match &options.cassette {
        None => (None, None),
        Some(CassetteMode::Replay(path)) => (Some(open_replay(path)?), None),
        Some(CassetteMode::Record(path)) => (None, Some(Arc::new(Cassette::record(path)?))),
    };
    let mut built = Vec::new();
    let mut infos = Vec::new();
    let repeats = spec.defaults.repeats;
    for id in &selected {
        let config = &spec.providers[*id];
        let target = Target::build(id, config, spec, &base_dir, &replay_all, &recorder)?;
        let model_files = match &target.source {
            Source::Live(provider) => hash_files(provider.model_files()).await?,
            Source::Replay(cassette) => {
                check_recorded(
                    cassette,
                    id,
                    &target.endpoint,
                    &cases,
                    &target.sampling,
                    repeats,
                )?;
                BTreeMap::new()
            }
        };
        infos.push(ProviderInfo {
            id: id.to_string(),
            config: config.clone(),
            sampling: target.sampling.clone(),
            model_files,
            replayed_from: match &target.source {
                Source::Replay(c) => Some(c.path().display().to_string()),
                Source::Live(_) => None,
            },
        });
        let local = config.kind.is_local() && matches!(target.source, Source::Live(_));
        built.push((Arc::new(target), local));
    }
    // A judge calls its provider through the same limits and retries, whether or not that
    // provider is being run.
    for id in scorers.judge_providers() {
        let target = match built.iter().find(|(t, _)| t.id == id) {
            Some((t, _)) => t.clone(),
            None => {
                let config = spec.providers.get(&id).ok_or_else(|| {
                    InputError(format!(
                        "a judge names `{id}`, which is not a provider of the suite"
                    ))
                })?;
                tracing::info!(provider = %id, "loading (judge)");
                Arc::new(Target::build(
                    &id,
                    config,
                    spec,
                    &base_dir,
                    &replay_all,
                    &recorder,
                )?)
            }
        };
        scorers.connect(&id, target);
    }
    let scorers = Arc::new(scorers);

    // Local models share this machine's cores: running two at once would make each one's latency
    // a measure of the other. They take turns in one lane; each remote provider gets its own.
    let mut lanes: Vec<Lane> = Vec::new();
    let mut local_lane = Lane {
        targets: Vec::new(),
    };
    for (target, local) in built {
        if local {
            local_lane.targets.push(target);
        } else {
            lanes.push(Lane {
                targets: vec![target],
            });
        }
    }
    let local = !local_lane.targets.is_empty();
    if local {
        lanes.insert(0, local_lane);
    }

    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    let (run_id, started_at, done) = match previous {
        Some((m, done)) => (m.run_id, m.started_at, done),
        None => (new_run_id(), now(), HashSet::new()),
    };
    let total = cases.len * selected.len() * repeats as usize;
    let mut manifest = Manifest {
        run_id: run_id.clone(),
        status: "running".into(),
        modelswap_version: env!("CARGO_PKG_VERSION").into(),
        started_at,
        finished_at: None,
        suite: SuiteInfo {
            path: suite.path.display().to_string(),
            sha256: suite.sha256.clone(),
            name: spec.name.clone(),
            description: spec.description.clone(),
        },
        providers: infos,
        cases: cases.len,
        repeats,
        records_expected: total,
        host: Host::current(),
        workload: spec.workload.clone(),
        gate: spec.gate.clone(),
        shard: options.shard,
    };
    write_manifest(&options.out, &manifest)?;
    // What the workload needs of each provider, for the report's lock-in section: one more pass
    // over the cases, made beside the remote calls rather than before them. A local model's
    // latency is measured on these cores, so with one the audit is done before it starts.
    let auditing = {
        let suite = suite.clone();
        tokio::task::spawn_blocking(move || crate::lockin::workload::audit(&suite))
    };
    let audit = if local {
        futures::future::ready(auditing.await).left_future()
    } else {
        auditing.right_future()
    };

    let file = OpenOptions::new()
        .create_new(!options.resume)
        .append(true)
        .open(&records_path)
        .with_context(|| format!("cannot create {}", records_path.display()))?;
    let already = done.len();
    let progress = Progress::new(total as u64);
    progress.bar.set_position(already as u64);
    let done = Arc::new(done);
    let (tx, rx) = mpsc::channel::<Record>(256);
    let writer = tokio::spawn(write_records(file, rx, progress.clone()));

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let failure = Arc::new(OnceLock::new());
    for lane in lanes {
        let ctx = LaneContext {
            run_id: run_id.clone(),
            cases: cases.clone(),
            scorers: scorers.clone(),
            repeats,
            done: done.clone(),
            tx: tx.clone(),
            failure: failure.clone(),
        };
        tasks.spawn(run_lane(lane, ctx));
    }
    drop(tx);

    let interrupted = tokio::select! {
        _ = async { while tasks.join_next().await.is_some() {} } => false,
        _ = tokio::signal::ctrl_c() => {
            progress.println("interrupted: keeping the records completed so far");
            tasks.abort_all();
            true
        }
    };
    // Aborted lanes drop their senders; the writer drains what was sent and stops.
    drop(tasks);
    let (written, errors) = writer.await.context("the records writer failed")??;
    progress.finish();

    let audit = audit.await.context("the lock-in audit failed")?;
    if let Ok(audit) = &audit {
        std::fs::write(
            options.out.join(record::LOCKIN_FILE),
            serde_json::to_vec_pretty(audit)?,
        )
        .with_context(|| format!("cannot write {}", record::LOCKIN_FILE))?;
    }
    let failure = failure.get().or(audit.as_ref().err());
    manifest.status = if interrupted || failure.is_some() {
        "interrupted"
    } else {
        "completed"
    }
    .into();
    manifest.finished_at = Some(now());
    write_manifest(&options.out, &manifest)?;
    if let Some(e) = failure {
        bail!(
            "the run stopped: {e}\n{} record(s) completed before it are kept in {}",
            already + written,
            options.out.display()
        );
    }
    if !interrupted && already + written != total {
        bail!("the run holds {} of {total} records", already + written);
    }
    tracing::info!(
        records = written,
        seconds = started.elapsed().as_secs_f64(),
        "run finished"
    );
    Ok(RunOutcome {
        dir: options.out.clone(),
        records: written,
        errors,
        interrupted,
    })
}

/// The cases this run makes calls for: `--limit`, then `--shard`, less the replayed requests it
/// cannot send yet.
#[derive(Clone)]
struct Selection {
    cases: suite::Cases,
    /// Only positions below this.
    limit: usize,
    shard: Option<Shard>,
    /// How many cases it takes.
    len: usize,
}

impl Selection {
    fn new(cases: &suite::Cases, options: &RunOptions) -> anyhow::Result<Self> {
        if let Some(shard) = options.shard {
            if shard.index == 0 || shard.index > shard.count {
                return Err(InputError(format!(
                    "--shard {}/{}: the shard number must be between 1 and {}",
                    shard.index, shard.count, shard.count
                ))
                .into());
            }
        }
        let mut selection = Selection {
            cases: cases.clone(),
            limit: options.limit.unwrap_or(usize::MAX).min(cases.len()),
            shard: options.shard,
            len: 0,
        };
        // Logged requests with image or audio inputs cannot be sent yet; sending their text alone
        // would compare answers to a question the workload never asked.
        let with_media = (cases.with_media().iter())
            .filter(|&&i| i < selection.limit && selection.in_shard(i))
            .count();
        if with_media > 0 {
            tracing::warn!(
                "{with_media} replayed request(s) carry image, audio or file inputs, which modelswap cannot send yet: left out of the run (the lock-in audit counts them)"
            );
        }
        selection.len = (0..selection.limit)
            .filter(|&i| selection.in_shard(i))
            .count()
            - with_media;
        Ok(selection)
    }

    fn in_shard(&self, position: usize) -> bool {
        self.shard.is_none_or(|s| position % s.count == s.index - 1)
    }

    /// The cases it takes, read one at a time.
    fn iter(
        &self,
    ) -> impl Iterator<Item = Result<suite::Case, suite::SuiteError>> + Send + 'static {
        let this = self.clone();
        self.cases
            .iter()
            .take(self.limit)
            .enumerate()
            .filter(move |(i, _)| {
                this.in_shard(*i) && this.cases.with_media().binary_search(i).is_err()
            })
            .map(|(_, case)| case)
    }
}

/// One provider's calls, handed to its workers one at a time: each case as it is read, then its
/// repeats. An error (a file of the suite changed during the run) ends them.
struct Calls {
    cases: Box<dyn Iterator<Item = Result<suite::Case, suite::SuiteError>> + Send>,
    /// The case being handed out and its next repeat.
    current: Option<(Arc<suite::Case>, u32)>,
    repeats: u32,
}

impl Calls {
    fn next(&mut self) -> Option<Result<(Arc<suite::Case>, u32), suite::SuiteError>> {
        loop {
            if let Some((case, repeat)) = &mut self.current {
                if *repeat < self.repeats {
                    *repeat += 1;
                    return Some(Ok((case.clone(), *repeat - 1)));
                }
            }
            match self.cases.next()? {
                Ok(case) => self.current = Some((Arc::new(case), 0)),
                Err(e) => {
                    self.cases = Box::new(std::iter::empty());
                    return Some(Err(e));
                }
            }
        }
    }
}

struct LaneContext {
    run_id: String,
    cases: Selection,
    scorers: Arc<Scorers>,
    repeats: u32,
    /// (provider, case, repeat) already recorded by the run being resumed.
    done: Arc<HashSet<(String, String, u32)>>,
    tx: mpsc::Sender<Record>,
    /// Why the run stopped early, set by the first worker that finds a case it cannot read.
    failure: Arc<OnceLock<suite::SuiteError>>,
}

/// The lane's providers one after another. Within a provider, as many workers as its
/// concurrency can reach each take the next call (case by case, each case's repeats in turn)
/// as soon as their last one is recorded; the adaptive limit holds back those above it.
async fn run_lane(lane: Lane, ctx: LaneContext) {
    let ctx = Arc::new(ctx);
    for target in lane.targets {
        let calls = Arc::new(Mutex::new(Calls {
            cases: Box::new(ctx.cases.iter()),
            current: None,
            repeats: ctx.repeats,
        }));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..target.concurrency.max() {
            workers.spawn(work(target.clone(), ctx.clone(), calls.clone()));
        }
        while workers.join_next().await.is_some() {}
    }
}

/// One worker: calls until none is left, or until the run stops taking records.
async fn work(target: Arc<Target>, ctx: Arc<LaneContext>, calls: Arc<Mutex<Calls>>) {
    loop {
        if ctx.failure.get().is_some() {
            return;
        }
        // Held while the next case is read and rendered: a few microseconds.
        let next = calls.lock().unwrap_or_else(|e| e.into_inner()).next();
        let (case, repeat) = match next {
            None => return,
            Some(Ok(call)) => call,
            Some(Err(e)) => {
                let _ = ctx.failure.set(e);
                return;
            }
        };
        if !ctx.done.is_empty() {
            let key = (target.id.clone(), case.id.clone(), repeat);
            if ctx.done.contains(&key) {
                continue;
            }
        }
        let job = Job {
            run_id: ctx.run_id.clone(),
            target: target.clone(),
            case,
            repeat,
            scorers: ctx.scorers.clone(),
        };
        let record = job.execute().await;
        // A closed channel means the run is stopping; the record is not wanted.
        if ctx.tx.send(record).await.is_err() {
            return;
        }
    }
}

impl Target {
    /// Slows down before the vendor has to refuse: at most as many calls in flight as it has
    /// requests left, and none until the reset once a limit is spent.
    fn respect(&self, quota: provider::http::Quota, next_tokens: u32) {
        if let Some(left) = quota.remaining_requests {
            self.concurrency.cap(left);
        }
        let spent = quota.remaining_requests == Some(0)
            || quota
                .remaining_tokens
                .is_some_and(|t| t < u64::from(next_tokens));
        if spent {
            let reset = quota.reset.unwrap_or(std::time::Duration::from_secs(1));
            tracing::debug!(provider = %self.id, ?reset, "vendor limit spent; holding new calls");
            self.pause.hold(reset);
        }
    }
}

struct Job {
    run_id: String,
    target: Arc<Target>,
    case: Arc<suite::Case>,
    repeat: u32,
    scorers: Arc<Scorers>,
}

impl Job {
    /// Calls the provider; the record keeps the last attempt's timing, so waiting on rate limits
    /// and retries never inflates the latency figures.
    async fn execute(self) -> Record {
        let case = &self.case;
        let t = &self.target;
        let request = case.request(&t.sampling, self.repeat);
        let request_hash = t.endpoint.request_hash(&request);
        let attempt = t.call(&request, self.repeat, &case.id).await;
        self.record(request_hash, attempt).await
    }

    /// The record of this job's call, scored.
    async fn record(self, request_hash: String, attempt: Attempt) -> Record {
        let case = self.case.clone();
        let Attempt {
            started_at,
            attempts,
            waited,
            replayed,
            result,
        } = attempt;
        let (output, tool_calls, finish_reason, error, usage, ttft, total) = match result {
            Ok(c) => (
                Some(c.text),
                c.tool_calls,
                Some(c.finish_reason),
                None,
                c.usage,
                Some(c.ttft_ms),
                Some(c.total_ms),
            ),
            Err(e) => {
                let error = RecordError {
                    kind: e.kind,
                    message: e.message,
                };
                (
                    None,
                    Vec::new(),
                    None,
                    Some(error),
                    Default::default(),
                    None,
                    None,
                )
            }
        };
        let tokens_per_s = match (ttft, total) {
            (Some(t), Some(total)) => Timing::decode_rate(usage.output_tokens, t, total),
            _ => None,
        };
        let mut record = Record {
            run_id: self.run_id,
            case_id: case.id.clone(),
            provider: self.target.id.clone(),
            repeat: self.repeat,
            request_hash,
            replayed,
            output,
            tool_calls,
            finish_reason,
            error,
            usage,
            timing: Timing {
                started_at,
                ttft_ms: ttft,
                total_ms: total,
                tokens_per_s,
                attempts,
                retry_wait_ms: waited.as_secs_f64() * 1e3,
            },
            cost_usd: self.target.pricing.of(&usage, total),
            scores: Vec::new(),
            passed: false,
            score: None,
            tags: case.tags.clone(),
        };
        // Scored last, when output, usage, timing and cost are known (`cost` reads cost_usd).
        self.scorers.apply(&case, &mut record).await;
        record
    }
}

/// A call as the runner made it: the last attempt's outcome, and what it took to get there.
struct Attempt {
    started_at: String,
    attempts: u32,
    waited: std::time::Duration,
    /// Answered from a cassette (its timings were recorded, not measured).
    replayed: bool,
    result: Result<Completion, ProviderError>,
}

impl Target {
    /// The provider as the run drives it: live, or answered from a cassette (`--replay`, or
    /// its own `cassette:` while its key is not set), recording into `recorder` if given.
    fn build(
        id: &str,
        config: &suite::ProviderConfig,
        spec: &suite::SuiteSpec,
        base_dir: &Path,
        replay_all: &Option<Arc<Cassette>>,
        recorder: &Option<Arc<Cassette>>,
    ) -> anyhow::Result<Self> {
        // A provider's own cassette stands in for it while its key is not set: the demo and CI
        // run offline, and the same suite runs live wherever the key exists.
        let stand_in = match (&config.cassette, provider::api_key_var(config)) {
            (Some(path), Some(var)) if provider::lookup_env(&var).is_none() => {
                let path = base_dir.join(path);
                tracing::warn!(provider = %id, "{var} is not set: answering from the recording in {} (recorded, not measured)", path.display());
                Some(open_replay(&path)?)
            }
            _ => None,
        };
        let source = match replay_all.clone().or(stand_in) {
            Some(cassette) => Source::Replay(cassette),
            None => {
                tracing::info!(provider = %id, "loading");
                Source::Live(
                    provider::build(id, config, base_dir)
                        .map_err(|e| InputError(format!("{e:#}")))?,
                )
            }
        };
        let local = config.kind.is_local();
        let rate = config.rate_limit.as_ref();
        Ok(Self {
            id: id.to_string(),
            endpoint: Endpoint::of(config),
            source,
            recorder: recorder.clone(),
            sampling: spec.sampling_for(config),
            concurrency: Aimd::new(config.concurrency.unwrap_or(if local { 1 } else { 4 })),
            // A local model's failure is deterministic: trying again gives the same error.
            retry: RetryPolicy::new(if local {
                0
            } else {
                config.retries.unwrap_or(4)
            }),
            rate: rate.and_then(|r| RateLimiter::new(r.requests_per_minute, r.tokens_per_minute)),
            pause: Pause::default(),
            pricing: Pricing::for_provider(id, config),
        })
    }

    /// Calls the provider (or its cassette), retrying what a retry may fix; `label` names the
    /// call in logs, `repeat` tells repeats of one request apart in cassettes.
    async fn call(&self, request: &ChatRequest, repeat: u32, label: &str) -> Attempt {
        let provider = match &self.source {
            Source::Live(provider) => provider,
            Source::Replay(cassette) => {
                let result = cassette
                    .answer(&self.endpoint, request, repeat)
                    .unwrap_or_else(|| {
                        // The run's own calls are checked before it starts; a judge's may be missing.
                        Err(ProviderError::new(
                            ErrorKind::BadRequest,
                            format!(
                                "{label}: cassette {} has no recording of this call",
                                cassette.path().display()
                            ),
                        ))
                    });
                return Attempt {
                    started_at: now(),
                    attempts: 1,
                    waited: std::time::Duration::ZERO,
                    replayed: true,
                    result,
                };
            }
        };
        let estimated_tokens = request
            .messages
            .iter()
            .map(|m| m.content.len() as u32 / 4)
            .sum::<u32>()
            + request.sampling.max_tokens;
        let mut attempts = 0;
        let mut waited = std::time::Duration::ZERO;
        let (started_at, result) = loop {
            attempts += 1;
            self.pause.wait().await;
            if let Some(rate) = &self.rate {
                rate.acquire(estimated_tokens).await;
            }
            let slot = self.concurrency.acquire().await;
            let started_at = now();
            let result = provider.complete(request).await;
            drop(slot);
            match result {
                Ok(c) => {
                    self.concurrency.on_success();
                    if let Some(quota) = c.quota {
                        self.respect(quota, estimated_tokens);
                    }
                    break (started_at, Ok(c));
                }
                Err(e) if e.kind.is_retryable() && attempts <= self.retry.retries => {
                    if e.kind == ErrorKind::RateLimited {
                        self.concurrency.on_rate_limited();
                    }
                    let delay = self.retry.delay(attempts, e.retry_after);
                    tracing::debug!(provider = %self.id, call = %label, attempt = attempts, ?delay, error = %e, "retrying");
                    waited += delay;
                    tokio::time::sleep(delay).await;
                }
                Err(e) => break (started_at, Err(e)),
            }
        };
        if let Some(recorder) = &self.recorder {
            if let Err(e) = recorder.store(&self.endpoint, request, repeat, &result) {
                tracing::error!("{e:#}");
            }
        }
        Attempt {
            started_at,
            attempts,
            waited,
            replayed: false,
            result,
        }
    }
}

/// A judge's calls go through the provider's limits and retries, like the run's own.
#[async_trait::async_trait]
impl crate::score::Call for Target {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        self.call(request, 0, "judge").await.result
    }
}

/// Appends each record as one line with a single write, so a crash can cut at most the last line.
async fn write_records(
    mut file: File,
    mut rx: mpsc::Receiver<Record>,
    progress: Progress,
) -> anyhow::Result<(usize, usize)> {
    let mut written = 0;
    let mut errors = 0;
    // Whatever has arrived goes out in one write: a fast provider finishes hundreds of calls
    // between two wake-ups, and a write per record would cost a system call each.
    let (mut batch, mut lines) = (Vec::with_capacity(256), Vec::new());
    while rx.recv_many(&mut batch, 256).await > 0 {
        lines.clear();
        for record in batch.drain(..) {
            serde_json::to_writer(&mut lines, &record)?;
            lines.push(b'\n');
            written += 1;
            if let Some(e) = &record.error {
                errors += 1;
                progress.println(&format!(
                    "{} {}: error ({:?}): {}",
                    record.provider, record.case_id, e.kind, e.message
                ));
            }
            progress.inc(&record);
        }
        file.write_all(&lines)
            .context("cannot append to records.jsonl")?;
    }
    file.sync_data().ok();
    Ok((written, errors))
}

/// A bar on a terminal; plain lines (every 10%) otherwise.
#[derive(Clone)]
struct Progress {
    bar: ProgressBar,
    plain: bool,
}

impl Progress {
    fn new(total: u64) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(
            Some(total),
            if terminal {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            )
            .expect("a fixed template")
            .progress_chars("=> "),
        );
        Self {
            bar,
            plain: !terminal,
        }
    }

    fn inc(&self, record: &Record) {
        self.bar
            .set_message(format!("{} {}", record.provider, record.case_id));
        self.bar.inc(1);
        if self.plain {
            let (pos, len) = (self.bar.position(), self.bar.length().unwrap_or(0));
            let step = (len / 10).max(1);
            if pos % step == 0 || pos == len {
                eprintln!(
                    "progress: {pos}/{len} records ({} {})",
                    record.provider, record.case_id
                );
            }
        }
    }

    fn println(&self, line: &str) {
        if self.plain {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The records of an interrupted run: a last line cut off mid-write is removed from the file (it
/// will be redone); every other line must be a whole record.
fn recover(path: &Path) -> anyhow::Result<HashSet<(String, String, u32)>> {
    let cannot =
        |e: std::io::Error| InputError(format!("--resume: cannot read {}: {e}", path.display()));
    // Read a line at a time: a large run's records file can be bigger than memory.
    let mut reader = std::io::BufReader::with_capacity(1 << 20, File::open(path).map_err(cannot)?);
    let mut done = HashSet::new();
    let (mut line, mut whole, mut n) = (Vec::new(), 0u64, 0);
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(cannot)?;
        if read == 0 {
            break;
        }
        n += 1;
        if line.last() != Some(&b'\n') {
            tracing::warn!(
                "{}: discarding a record cut off mid-write ({read} bytes)",
                path.display()
            );
            let file = OpenOptions::new().write(true).open(path)?;
            file.set_len(whole)?;
            file.sync_all()?;
            break;
        }
        whole += read as u64;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r: Record = serde_json::from_slice(&line).map_err(|e| {
            InputError(format!(
                "--resume: {}:{n}: not a valid record: {e}",
                path.display()
            ))
        })?;
        done.insert((r.provider, r.case_id, r.repeat));
    }
    Ok(done)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    // Written aside and renamed, so a reader never sees half a manifest.
    let path = dir.join(record::MANIFEST_FILE);
    let tmp = dir.join(".run.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(manifest)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn hash_files(files: Vec<PathBuf>) -> anyhow::Result<BTreeMap<String, String>> {
    tokio::task::spawn_blocking(move || {
        let mut out = BTreeMap::new();
        for path in files {
            let mut file =
                File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.insert(name, format!("{:x}", hasher.finalize()));
        }
        Ok(out)
    })
    .await?
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn new_run_id() -> String {
    let t = Utc::now();
    let nanos = t.timestamp_subsec_nanos();
    format!(
        "{}-{:04x}{:04x}",
        t.format("%Y%m%dT%H%M%SZ"),
        std::process::id() & 0xffff,
        nanos & 0xffff
    )
}

fn open_replay(path: &Path) -> anyhow::Result<Arc<Cassette>> {
    Cassette::replay(path)
        .map(Arc::new)
        .map_err(|e| InputError(format!("{e:#}")).into())
}

/// A replayed provider must find every call it will make in the cassette; the misses are
/// reported before the run starts, naming the cases.
fn check_recorded(
    cassette: &Cassette,
    provider: &str,
    endpoint: &Endpoint,
    cases: &Selection,
    sampling: &Sampling,
    repeats: u32,
) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for case in cases.iter() {
        let case = case?;
        for repeat in 0..repeats {
            let request = case.request(sampling, repeat);
            if cassette.answer(endpoint, &request, repeat).is_none() {
                missing.push(if repeats > 1 {
                    format!("{} (repeat {repeat})", case.id)
                } else {
                    case.id.clone()
                });
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let shown = missing
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = missing.len().saturating_sub(5);
    Err(InputError(format!(
        "cassette {} has no recording for provider `{provider}` ({} {}) on case {shown}{}; \
         record it with `--cassette {} --record`, or check that the suite's prompts, sampling and the provider's model are those recorded",
        cassette.path().display(),
        endpoint.kind,
        endpoint.model.as_deref().unwrap_or("-"),
        if more > 0 { format!(" and {more} more") } else { String::new() },
        cassette.path().display(),
    ))
    .into())
}
