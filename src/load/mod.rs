//! `modelswap load`: what a self-hosted engine delivers under load. One provider is sent the
//! suite's own requests (its real mix of prompt and output lengths, reused in order) at a series
//! of levels, closed loop (concurrency) or open loop (Poisson arrivals at a rate); each level
//! reports throughput and latency percentiles (`level`), the sweep stops early by the rules in
//! `stop_rule`, and goodput at the suite's `slo:` is the best level within it. The result is
//! `capacity.json` (`capacity`), which `report` uses to price self-hosting at the load planned
//! for rather than at whatever concurrency a quality run happened to use.

pub mod capacity;
mod level;

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

pub use capacity::{Capacity, Goodput, Level, Percentiles, CAPACITY_CSV, CAPACITY_FILE};
pub use level::{Load, Span};

use crate::error::{Error, Result};
use crate::suite::{ProviderConfig, ProviderKind, Suite};

/// The default sweep: concurrency doubling from 1 until a stop rule ends it.
pub const DEFAULT_CONCURRENCY: [usize; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

pub struct LoadOptions {
    pub provider: String,
    /// The levels, in order; `DEFAULT_CONCURRENCY` when empty.
    pub loads: Vec<Load>,
    pub span: Span,
    pub warmup: Duration,
    /// A level with a larger share of failed requests ends the sweep.
    pub max_error_rate: f64,
    pub out: PathBuf,
    pub seed: u64,
}

/// What a sweep reports as it goes.
pub enum LoadEvent {
    LevelStarted { index: usize, of: usize, load: Load },
    Request,
    LevelDone(Box<Level>),
    Stopped(String),
}

pub type LoadEvents = Arc<dyn Fn(LoadEvent) + Send + Sync>;

/// Runs the sweep, writing `capacity.json` and `capacity.csv` in `options.out` after every
/// level (so a kill keeps what was measured). Ctrl-C keeps the finished levels.
pub async fn sweep(suite: &Suite, options: &LoadOptions, events: LoadEvents) -> Result<Capacity> {
    let config = engine_config(suite, &options.provider)?;
    let driver = driver(suite, config, options, &events)?;
    let loads = if options.loads.is_empty() {
        DEFAULT_CONCURRENCY.map(Load::Concurrency).to_vec()
    } else {
        options.loads.clone()
    };
    let mut capacity = Capacity {
        provider: options.provider.clone(),
        kind: config.kind.as_str().into(),
        model: (config.model.clone())
            .or_else(|| config.path.as_ref().map(|p| p.display().to_string()))
            .unwrap_or_default(),
        suite: suite.path.display().to_string(),
        started_at: crate::runner::manifest::now(),
        status: "running".into(),
        stopped: None,
        host: crate::host::Host::current(),
        warmup_s: options.warmup.as_secs_f64(),
        levels: Vec::new(),
        slo: suite.spec.slo,
        goodput: None,
        knee: None,
        hosting: config.hosting.clone(),
        cost: capacity::cost_at(None, None, ""),
    };
    for (index, load) in loads.iter().enumerate() {
        events(LoadEvent::LevelStarted {
            index,
            of: loads.len(),
            load: *load,
        });
        let level = tokio::select! {
            level = driver.run(*load) => level,
            _ = tokio::signal::ctrl_c() => {
                capacity.status = "interrupted".into();
                finish(&mut capacity);
                capacity.write(&options.out)?;
                return Err(Error::LoadInterrupted { levels: capacity.levels.len(), dir: options.out.clone() });
            }
        };
        events(LoadEvent::LevelDone(Box::new(level.clone())));
        let stop = stop_rule(&capacity.levels, &level, options.max_error_rate);
        capacity.levels.push(level);
        finish(&mut capacity);
        if let Some(why) = stop {
            events(LoadEvent::Stopped(why.clone()));
            capacity.status = "stopped".into();
            capacity.stopped = Some(why);
            capacity.write(&options.out)?;
            return Ok(capacity);
        }
        capacity.write(&options.out)?;
    }
    capacity.status = "completed".into();
    capacity.write(&options.out)?;
    Ok(capacity)
}

/// The provider `id` of the suite, if it is an engine the team runs.
fn engine_config<'a>(suite: &'a Suite, id: &str) -> Result<&'a ProviderConfig> {
    let spec = &suite.spec;
    let config = spec.providers.get(id).ok_or_else(|| {
        let ids: Vec<&str> = spec.providers.keys().map(String::as_str).collect();
        Error::Input(format!(
            "--provider {id}: the suite has no such provider (it has {})",
            ids.join(", ")
        ))
    })?;
    if !matches!(
        config.kind,
        ProviderKind::OpenaiCompatible | ProviderKind::Onnx
    ) {
        return Err(Error::Input(format!(
            "--provider {id}: `load` measures engines you run (kind openai-compatible or onnx); a {} API is priced per token, and load-testing it spends money against its rate limits",
            config.kind.as_str()
        )));
    }
    Ok(config)
}

/// The suite's requests, rendered for the provider, and the provider started.
fn driver(
    suite: &Suite,
    config: &ProviderConfig,
    options: &LoadOptions,
    events: &LoadEvents,
) -> Result<level::Driver> {
    let sampling = suite.spec.sampling_for(config);
    let mut requests = Vec::new();
    for case in suite.cases.iter() {
        requests.push(case?.request(&sampling, 0));
    }
    if requests.is_empty() {
        return Err(Error::Input(format!(
            "{}: no cases to send",
            suite.path.display()
        )));
    }
    let provider =
        crate::provider::build(&options.provider, config, &suite.dir()).map_err(Error::input)?;
    let on_request = Arc::clone(events);
    Ok(level::Driver {
        provider,
        requests: Arc::new(requests),
        cursor: Arc::new(AtomicUsize::new(0)),
        warmup: options.warmup,
        span: options.span,
        seed: options.seed,
        on_request: Arc::new(move || on_request(LoadEvent::Request)),
    })
}

/// Goodput and the cost at it, from the levels so far.
fn finish(capacity: &mut Capacity) {
    capacity.knee = capacity::knee(&capacity.levels);
    capacity.goodput = capacity
        .slo
        .as_ref()
        .and_then(|slo| capacity::goodput(&capacity.levels, slo));
    let best = capacity
        .levels
        .iter()
        .map(|l| l.output_tokens_per_s)
        .filter(|t| *t > 0.0)
        .max_by(f64::total_cmp);
    capacity.cost = match (&capacity.slo, &capacity.goodput) {
        (Some(_), Some(g)) => capacity::cost_at(
            capacity.hosting.as_ref(),
            Some(g.output_tokens_per_s),
            &format!(
                "the goodput ({:.1} output tokens/s within the SLO)",
                g.output_tokens_per_s
            ),
        ),
        (Some(_), None) => capacity::CostAtCapacity {
            usd_per_mtok: None,
            output_tokens_per_s: None,
            explained: "no cost: no level met the SLO".into(),
        },
        (None, _) => capacity::cost_at(
            capacity.hosting.as_ref(),
            best,
            "the best level's throughput (the suite sets no `slo:`, so latency bounds nothing)",
        ),
    };
}

/// Why the sweep ends after `level`, if it does: every request failed; more failed than
/// `max_error_rate`; or the median time to first token grew past ten times the first level's,
/// the sign of requests queueing in a saturated engine (each further level only queues more).
fn stop_rule(before: &[Level], level: &Level, max_error_rate: f64) -> Option<String> {
    if level.requests > 0 && level.errors == level.requests {
        let kinds: Vec<String> = level
            .errors_by_kind
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        return Some(format!(
            "every request at this level failed ({})",
            kinds.join(", ")
        ));
    }
    let share = level.errors as f64 / level.requests.max(1) as f64;
    if share > max_error_rate {
        return Some(format!(
            "{:.1}% of requests failed, more than --max-error-rate {:.1}%",
            share * 100.0,
            max_error_rate * 100.0
        ));
    }
    let first = before.first().unwrap_or(level).ttft_ms?.p50;
    let now = level.ttft_ms?.p50;
    (now > 10.0 * first).then(|| {
        format!(
            "median time to first token {now:.0} ms is more than 10× the first level's {first:.0} ms: requests are queueing, the provider is past saturation"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(c: usize, tokens_per_s: f64, itl_p95: f64, ttft_p50: f64, errors: usize) -> Level {
        let p = |v: f64| {
            Some(Percentiles {
                p50: v,
                p90: v,
                p95: v,
                p99: v,
            })
        };
        Level {
            concurrency: Some(c),
            rate: None,
            requests: 10,
            errors,
            errors_by_kind: Default::default(),
            duration_s: 10.0,
            requests_per_s: 1.0,
            output_tokens_per_s: tokens_per_s,
            ttft_ms: p(ttft_p50),
            itl_ms: p(itl_p95),
            tpot_ms: p(itl_p95),
            e2e_ms: p(1000.0),
        }
    }

    #[test]
    fn goodput_is_the_best_level_within_every_bound_and_never_one_outside() {
        let levels = [
            level(1, 20.0, 40.0, 50.0, 0),
            level(4, 70.0, 48.0, 60.0, 0),
            // More throughput, but past the ITL bound.
            level(16, 200.0, 72.0, 90.0, 0),
            // Within the bound but every request failed.
            level(32, 0.0, 10.0, 10.0, 10),
        ];
        let slo = crate::suite::Slo {
            itl_p95_ms: Some(60.0),
            ..Default::default()
        };
        let g = capacity::goodput(&levels, &slo).unwrap();
        assert_eq!(
            (g.level, g.concurrency, g.output_tokens_per_s),
            (1, Some(4), 70.0)
        );
        // A bound on a figure no level has holds nowhere.
        let none = capacity::goodput(
            &[Level {
                itl_ms: None,
                ..levels[0].clone()
            }],
            &slo,
        );
        assert!(none.is_none());
    }

    #[test]
    fn the_knee_is_the_last_level_that_still_bought_throughput() {
        let curve = |tps: &[f64]| -> Vec<Level> {
            tps.iter()
                .enumerate()
                .map(|(i, t)| level(1 << i, *t, 1.0, 1.0, 0))
                .collect()
        };
        // 20 → 70 → 200 (each +10% or more), then 210 (+5%): the knee is the third level.
        assert_eq!(
            capacity::knee(&curve(&[20.0, 70.0, 200.0, 210.0, 205.0])),
            Some(2)
        );
        assert_eq!(capacity::knee(&curve(&[20.0, 70.0, 200.0])), None);
        assert_eq!(capacity::knee(&curve(&[20.0, 20.5])), Some(0));
        assert_eq!(capacity::knee(&curve(&[20.0])), None);
    }

    #[test]
    fn the_sweep_stops_on_failures_and_on_queueing() {
        let first = level(1, 20.0, 40.0, 50.0, 0);
        assert_eq!(stop_rule(&[], &first, 0.1), None);
        assert!(stop_rule(
            std::slice::from_ref(&first),
            &level(2, 0.0, 1.0, 1.0, 10),
            0.1
        )
        .unwrap()
        .starts_with("every request at this level failed"));
        assert!(stop_rule(
            std::slice::from_ref(&first),
            &level(2, 30.0, 40.0, 50.0, 2),
            0.1
        )
        .unwrap()
        .contains("20.0% of requests failed"));
        assert_eq!(
            stop_rule(
                std::slice::from_ref(&first),
                &level(2, 30.0, 40.0, 500.0, 0),
                0.1
            ),
            None
        );
        assert!(stop_rule(&[first], &level(2, 30.0, 40.0, 501.0, 0), 0.1)
            .unwrap()
            .contains("past saturation"));
    }
}
