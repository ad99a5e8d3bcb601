//! `capacity.json` and `capacity.csv`, the public record of a load sweep (docs/design.md):
//! each level's throughput and latency percentiles, why the sweep stopped, and the goodput at
//! the suite's SLO. Built from the samples `level` collects; the percentiles interpolate
//! linearly between ranks, as everywhere in modelswap (`stats::quantile`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::provider::ErrorKind;
use crate::stats::quantile;
use crate::suite::{Hosting, Slo};

pub const CAPACITY_FILE: &str = "capacity.json";
pub const CAPACITY_CSV: &str = "capacity.csv";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Capacity {
    pub provider: String,
    pub kind: String,
    pub model: String,
    pub suite: String,
    pub started_at: String,
    /// `completed`, `stopped` (a stop rule ended it early: `stopped` says why), or
    /// `interrupted` (Ctrl-C: the levels finished so far).
    pub status: String,
    pub stopped: Option<String>,
    /// The machine the load was generated from, with its CPU (the engine's for `onnx`).
    pub host: crate::host::Host,
    pub warmup_s: f64,
    pub levels: Vec<Level>,
    pub slo: Option<Slo>,
    pub goodput: Option<Goodput>,
    /// The knee of the throughput curve (`knee`): the last level whose throughput still rose by
    /// `KNEE_GAIN` over the level before it; `None` when the curve never levelled off.
    #[serde(default)]
    pub knee: Option<usize>,
    /// The provider's `hosting:`, when it has one: what the cost at goodput rests on.
    pub hosting: Option<Hosting>,
    /// Per million output tokens at the goodput (or, without an SLO, at the best level), or
    /// why there is no figure.
    pub cost: CostAtCapacity,
}

/// One load level: its offered load, what it delivered, and its latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Closed loop: this many requests in flight at all times.
    pub concurrency: Option<usize>,
    /// Open loop: requests arriving at this mean rate per second (Poisson arrivals).
    pub rate: Option<f64>,
    /// Requests started in the measured window (after the warm-up).
    pub requests: usize,
    pub errors: usize,
    pub errors_by_kind: BTreeMap<String, usize>,
    /// The measured window: from the end of the warm-up to the last request sent.
    pub duration_s: f64,
    /// Requests completed, and output tokens produced, within the window, per second.
    pub requests_per_s: f64,
    pub output_tokens_per_s: f64,
    pub ttft_ms: Option<Percentiles>,
    /// Gaps between a response's consecutive streamed chunks (one token each from vLLM, TGI,
    /// llama.cpp and Ollama), every gap of every request.
    pub itl_ms: Option<Percentiles>,
    /// Time per output token after the first: (e2e − ttft) / (output tokens − 1), per request.
    pub tpot_ms: Option<Percentiles>,
    pub e2e_ms: Option<Percentiles>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Percentiles {
    /// `None` without values.
    pub fn of(mut xs: Vec<f64>) -> Option<Self> {
        if xs.is_empty() {
            return None;
        }
        xs.sort_by(f64::total_cmp);
        Some(Self {
            p50: quantile(&xs, 0.5),
            p90: quantile(&xs, 0.9),
            p95: quantile(&xs, 0.95),
            p99: quantile(&xs, 0.99),
        })
    }
}

/// The highest throughput the provider sustained within the SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goodput {
    pub slo: Slo,
    pub output_tokens_per_s: f64,
    pub requests_per_s: f64,
    /// The level it rests on (its `concurrency` or `rate`), by position in `levels`.
    pub level: usize,
    pub concurrency: Option<usize>,
    pub rate: Option<f64>,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostAtCapacity {
    pub usd_per_mtok: Option<f64>,
    pub output_tokens_per_s: Option<f64>,
    pub explained: String,
}

/// How goodput is read from the levels; written into `capacity.json` beside the figure.
pub const GOODPUT_METHOD: &str = "the highest output tokens/s among the measured levels whose \
     95th percentiles all meet the SLO; no interpolation between levels, so the true goodput lies \
     between it and the next level up, which missed the SLO or was not measured";

impl Level {
    /// Whether every bound the SLO gives holds at this level (a bound on a figure the level
    /// lacks, say ITL without streaming, does not hold).
    pub fn meets(&self, slo: &Slo) -> bool {
        let within = |bound: Option<f64>, p: Option<Percentiles>| match bound {
            None => true,
            Some(b) => p.is_some_and(|p| p.p95 <= b),
        };
        self.errors < self.requests
            && within(slo.ttft_p95_ms, self.ttft_ms)
            && within(slo.itl_p95_ms, self.itl_ms)
            && within(slo.e2e_p95_ms, self.e2e_ms)
    }
}

/// The share by which a level's throughput must exceed the previous level's for more load to
/// still count as buying throughput.
pub const KNEE_GAIN: f64 = 0.10;

/// The knee of a sweep's throughput curve, in sweep order: the last level before which each step
/// up in load still raised output tokens/s by at least `KNEE_GAIN`, provided a later level did
/// not (past the knee, more load buys latency, not throughput). `None` when throughput kept
/// rising to the last level, or with fewer than two levels.
pub fn knee(levels: &[Level]) -> Option<usize> {
    let rose = |i: usize| {
        levels[i].output_tokens_per_s >= (1.0 + KNEE_GAIN) * levels[i - 1].output_tokens_per_s
    };
    let flat = (1..levels.len()).find(|&i| !rose(i))?;
    Some(flat - 1)
}

/// Goodput at `slo` over `levels`; `None` when no level meets it.
pub fn goodput(levels: &[Level], slo: &Slo) -> Option<Goodput> {
    let (i, best) = levels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.meets(slo))
        .max_by(|a, b| a.1.output_tokens_per_s.total_cmp(&b.1.output_tokens_per_s))?;
    Some(Goodput {
        slo: *slo,
        output_tokens_per_s: best.output_tokens_per_s,
        requests_per_s: best.requests_per_s,
        level: i,
        concurrency: best.concurrency,
        rate: best.rate,
        method: GOODPUT_METHOD.into(),
    })
}

/// Cost per million output tokens at `tokens_per_s` on `hosting`, or why there is none.
pub fn cost_at(
    hosting: Option<&Hosting>,
    tokens_per_s: Option<f64>,
    basis: &str,
) -> CostAtCapacity {
    let box_ = hosting
        .zip(tokens_per_s)
        .and_then(|(h, tps)| crate::cost::SelfHosting::new(h, tps));
    match (hosting, box_) {
        (_, Some(b)) => CostAtCapacity {
            usd_per_mtok: Some(b.usd_per_mtok()),
            output_tokens_per_s: tokens_per_s,
            explained: format!("at {basis}: {b}"),
        },
        (None, _) => CostAtCapacity {
            usd_per_mtok: None,
            output_tokens_per_s: tokens_per_s,
            explained: "no cost: the provider has no `hosting:` (what its machine costs an hour)"
                .into(),
        },
        (Some(_), None) => CostAtCapacity {
            usd_per_mtok: None,
            output_tokens_per_s: tokens_per_s,
            explained: "no cost: no level produced output".into(),
        },
    }
}

impl Capacity {
    /// Writes `capacity.json` (through a temporary file: a kill never leaves half of one) and
    /// `capacity.csv` (one row per level) in `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = dir.join(".capacity.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        let path = dir.join(CAPACITY_FILE);
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        let path = dir.join(CAPACITY_CSV);
        let mut csv = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let figures = ["ttft_ms", "itl_ms", "tpot_ms", "e2e_ms"];
        let mut head: Vec<String> = [
            "concurrency",
            "rate",
            "requests",
            "errors",
            "duration_s",
            "requests_per_s",
            "output_tokens_per_s",
        ]
        .map(String::from)
        .to_vec();
        for f in figures {
            for p in ["p50", "p90", "p95", "p99"] {
                head.push(format!("{f}_{p}"));
            }
        }
        csv.write_record(&head)?;
        for l in &self.levels {
            let mut row = vec![
                l.concurrency.map(|c| c.to_string()).unwrap_or_default(),
                l.rate.map(|r| r.to_string()).unwrap_or_default(),
                l.requests.to_string(),
                l.errors.to_string(),
                l.duration_s.to_string(),
                l.requests_per_s.to_string(),
                l.output_tokens_per_s.to_string(),
            ];
            for p in [l.ttft_ms, l.itl_ms, l.tpot_ms, l.e2e_ms] {
                for v in p.map_or([None; 4], |p| {
                    [Some(p.p50), Some(p.p90), Some(p.p95), Some(p.p99)]
                }) {
                    row.push(v.map(|v| v.to_string()).unwrap_or_default());
                }
            }
            csv.write_record(&row)?;
        }
        csv.flush()?;
        Ok(())
    }

    /// Reads a `capacity.json`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let bytes = crate::input::read(path, crate::input::SUITE_MAX_BYTES)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: not a capacity.json", path.display()))
    }
}

/// The load sweep kept in a run directory (`load --out DIR` into it), if there is one.
pub fn in_dir(dir: &Path) -> anyhow::Result<Vec<Capacity>> {
    let path = dir.join(CAPACITY_FILE);
    if path.exists() {
        Ok(vec![Capacity::read(&path)?])
    } else {
        Ok(Vec::new())
    }
}

/// An error kind as `capacity.json` names it (as records do).
pub fn kind_name(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| format!("{kind:?}"))
}
