//! Analysis of a run's records (polars): per-provider quality (pass rate, mean score, their
//! intervals, per-scorer rates, flaky cases), latency and token figures, the per-tag breakdown,
//! and the paired comparison of each candidate with the baseline. Everything is computed from the
//! `RecordFrame`; the statistics themselves are in `crate::stats`.

pub mod cost;
pub mod frame;
pub mod latency;
pub mod non_inferiority;
pub mod pairs;
pub mod self_hosting;
pub mod tags;
pub mod throughput;

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use crate::record::{Manifest, Record};

use crate::stats;
pub use crate::stats::{Interval, MeanInterval};
pub use frame::RecordFrame;
pub use tags::TagSummary;

/// Confidence of the intervals the report shows for each provider.
pub const CONFIDENCE: f64 = 0.95;

/// The level a candidate's paired test is read at when the gate sets no `significance`.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Everything the reports and the gate need, computed from the records alone.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub run_id: String,
    pub suite: String,
    pub providers: Vec<ProviderSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderSummary {
    pub id: String,
    pub kind: String,
    pub model: String,
    pub label: Option<String>,
    pub records: usize,
    /// Distinct cases answered (with or without error).
    pub cases: usize,
    pub errors: usize,
    /// Records a scorer could not score for want of its reference answer (the reference's
    /// call failed, or it was not run or logged): left out of the pass rate, the mean score and
    /// the comparisons, and counted here.
    pub unscored: usize,
    pub passed: usize,
    /// `passed` over the records less `unscored`.
    pub pass_rate: f64,
    /// Wilson 95% interval of `pass_rate`; with repeats, its trials divided by the design effect
    /// of a case's repeats (`stats::wilson_clustered`).
    pub pass_rate_ci: Option<Interval>,
    /// Mean of the records' scores (`record_score`).
    pub score_mean: Option<f64>,
    /// 95% interval of `score_mean`, resampling cases with their repeats (`score_ci_method`).
    pub score_ci: Option<Interval>,
    pub score_ci_method: MeanInterval,
    /// Per scorer, over the records it scored (a failed call is scored by none).
    pub scorers: Vec<ScorerRate>,
    /// Per case, in case id order: how many of its repeats passed.
    pub per_case: Vec<CaseOutcome>,
    /// Cases that neither always passed nor always failed over their repeats.
    pub flaky_cases: usize,
    /// Cases with at least one record that did not pass.
    pub failed_cases: usize,
    /// Latency of successful calls only: a failed call has no comparable duration.
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub ttft_p50_ms: Option<f64>,
    pub tokens_per_s_median: Option<f64>,
    pub input_tokens_mean: Option<f64>,
    pub output_tokens_mean: Option<f64>,
    pub input_tokens_total: u64,
    pub output_tokens_total: u64,
    /// Records answered from a cassette (timings recorded earlier, not measured in this run).
    pub replayed: usize,
    /// Output tokens per second per stream and in aggregate, and the concurrency behind them.
    #[serde(flatten)]
    pub throughput: throughput::Throughput,
    /// The provider's configured `concurrency` (its default where the suite gives none): the
    /// most calls the run kept in flight.
    pub concurrency: usize,
    /// Per tag of the cases, in tag order; a record counts under each of its tags.
    pub per_tag: Vec<TagSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorerRate {
    pub scorer: String,
    /// What it compared with: `logged`, or the reference provider's id; absent for a `value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
    /// Records it scored, `unscored` ones included.
    pub scored: usize,
    pub passed: usize,
    /// Of `scored`, those without a reference answer.
    pub unscored: usize,
    /// `passed` over `scored` less `unscored`.
    pub pass_rate: f64,
    /// Mean score over the records it could score: with a reference, the agreement with it
    /// (tool-call F1, the share of JSON values reproduced, a pairwise judge's 1/0.5/0).
    pub score_mean: Option<f64>,
    /// Scores of 1 and of 0.5: a pairwise judge's wins and ties (losses are the rest).
    pub wins: usize,
    pub ties: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutcome {
    pub case_id: String,
    /// Records of the case (one per repeat).
    pub runs: usize,
    pub passed: usize,
    pub pass_fraction: f64,
    pub score_mean: f64,
    pub flaky: bool,
}

/// A candidate against the baseline on the (case, repeat) pairs both have.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub baseline: String,
    pub candidate: String,
    pub pairs: usize,
    pub baseline_pass_rate: f64,
    pub candidate_pass_rate: f64,
    /// baseline − candidate pass rate on the pairs (positive: the candidate is worse).
    pub pass_rate_drop: f64,
    /// Pairs the baseline passed and the candidate failed, and the other way round.
    pub only_baseline_passed: usize,
    pub only_candidate_passed: usize,
    /// Exact two-sided McNemar test on the discordant pairs.
    pub mcnemar_p: f64,
    /// Which test gave `mcnemar_p`.
    pub mcnemar_method: PairedTest,
    /// Mean of candidate − baseline score over the pairs (negative: the candidate is worse).
    pub score_diff: Option<f64>,
    /// Paired interval of `score_diff` at 1 − `alpha`, resampling cases (`score_diff_ci_method`).
    pub score_diff_ci: Option<Interval>,
    pub score_diff_ci_method: MeanInterval,
    /// The level the test is read at (the gate's `significance`, else 0.05).
    pub alpha: f64,
    /// `mcnemar_p < alpha`: the pass rates differ beyond chance (in either direction).
    pub significant: bool,
}

/// The paired test of pass rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairedTest {
    /// One pair per case: the exact two-sided McNemar test on the discordant pairs.
    ExactMcnemar,
    /// Repeats: Durkalski et al.'s (2003) McNemar test for clustered matched pairs.
    ClusteredMcnemar,
}

impl PairedTest {
    pub fn label(self) -> &'static str {
        match self {
            Self::ExactMcnemar => "exact McNemar",
            Self::ClusteredMcnemar => "clustered McNemar (Durkalski)",
        }
    }
}

/// A record's score in [0, 1] (`record::score_of`; the record frame's `score` column follows
/// the same rule).
pub fn record_score(r: &Record) -> f64 {
    let scorers: Vec<Option<f64>> = r.scores.iter().map(|s| Some(s.score)).collect();
    crate::record::score_of(r.error.is_some(), r.score, r.passed, &scorers).unwrap_or(0.0)
}

/// Per-provider figures, in the manifest's provider order.
pub fn summarize(manifest: &Manifest, records: &RecordFrame) -> anyhow::Result<Summary> {
    let mut by_provider = if records.is_empty() {
        HashMap::new()
    } else {
        per_provider(records)?
    };
    let providers = manifest
        .providers
        .iter()
        .filter_map(|p| {
            let mut s = by_provider.remove(&p.id)?;
            s.kind = p.config.kind.as_str().to_string();
            s.model = p
                .config
                .model
                .clone()
                .or_else(|| p.config.path.as_ref().map(|x| x.display().to_string()))
                .unwrap_or_default();
            s.label = p.config.label.clone();
            s.concurrency = p.config.concurrency_or_default();
            Some(s)
        })
        .collect();
    Ok(Summary {
        run_id: manifest.run_id.clone(),
        suite: manifest.suite.name.clone(),
        providers,
    })
}

/// Each provider's aggregates, one polars query over the frame.
fn aggregate(records: &RecordFrame) -> anyhow::Result<DataFrame> {
    let q = |name: &str, p: f64, alias: &str| {
        col(name)
            .quantile(lit(p), QuantileMethod::Linear)
            .alias(alias)
    };
    Ok(records
        .lazy()
        .group_by([col("provider")])
        .agg([
            len().alias("records"),
            col("case_id").n_unique().alias("cases"),
            col("error").sum().alias("errors"),
            col("unscored").sum().alias("unscored"),
            col("passed").sum().alias("passed"),
            col("score")
                .filter(col("unscored").not())
                .mean()
                .alias("score_mean"),
            q("total_ms", 0.5, "latency_p50_ms"),
            q("total_ms", 0.95, "latency_p95_ms"),
            q("ttft_ms", 0.5, "ttft_p50_ms"),
            col("tokens_per_s").median().alias("tokens_per_s_median"),
            col("input_tokens").mean().alias("input_tokens_mean"),
            col("output_tokens").mean().alias("output_tokens_mean"),
            col("input_tokens").sum().alias("input_tokens_total"),
            col("output_tokens").sum().alias("output_tokens_total"),
            col("replayed").sum().alias("replayed"),
        ])
        .collect()?)
}

/// The summary of every provider with records, by id (its manifest fields left to fill).
fn per_provider(records: &RecordFrame) -> anyhow::Result<HashMap<String, ProviderSummary>> {
    let agg = aggregate(records)?;
    let ids = agg.column("provider")?.str()?.clone();
    let mut columns = HashMap::new();
    for name in agg
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != "provider")
    {
        columns.insert(name.to_string(), floats(&agg, name)?);
    }
    let mut cases = per_case(records)?;
    let mut scorers = per_scorer(records)?;
    let mut tags = tags::summarize(records)?;
    let mut throughput = throughput::per_provider(records)?;
    let mut out = HashMap::new();
    for i in 0..agg.height() {
        let id = ids.get(i).unwrap_or_default().to_string();
        let value = |name: &str| columns.get(name).and_then(|c: &Float64Chunked| c.get(i));
        let count = |name: &str| value(name).unwrap_or(0.0) as usize;
        let (unscored, passed) = (count("unscored"), count("passed"));
        // The pass rate's trials: the records whose quality could be judged.
        let n = count("records") - unscored;
        let (per_case, score_sums) = cases.remove(&id).unwrap_or_default();
        let summary = ProviderSummary {
            kind: String::new(),
            model: String::new(),
            label: None,
            records: count("records"),
            cases: count("cases"),
            errors: count("errors"),
            unscored,
            passed,
            pass_rate: if n == 0 {
                0.0
            } else {
                passed as f64 / n as f64
            },
            pass_rate_ci: stats::wilson_clustered(
                &per_case
                    .iter()
                    .map(|c| (c.passed, c.runs))
                    .collect::<Vec<_>>(),
            ),
            score_mean: value("score_mean"),
            score_ci: stats::mean_ci(&score_sums, CONFIDENCE),
            score_ci_method: MeanInterval::for_cases(score_sums.len()),
            scorers: scorers.remove(&id).unwrap_or_default(),
            flaky_cases: per_case.iter().filter(|c| c.flaky).count(),
            failed_cases: per_case.iter().filter(|c| c.passed < c.runs).count(),
            per_case,
            latency_p50_ms: value("latency_p50_ms"),
            latency_p95_ms: value("latency_p95_ms"),
            ttft_p50_ms: value("ttft_p50_ms"),
            tokens_per_s_median: value("tokens_per_s_median"),
            input_tokens_mean: value("input_tokens_mean"),
            output_tokens_mean: value("output_tokens_mean"),
            input_tokens_total: count("input_tokens_total") as u64,
            output_tokens_total: count("output_tokens_total") as u64,
            replayed: count("replayed"),
            throughput: throughput.remove(&id).unwrap_or_default(),
            concurrency: 0,
            per_tag: tags.remove(&id).unwrap_or_default(),
            id: id.clone(),
        };
        out.insert(id, summary);
    }
    Ok(out)
}

/// A numeric column as f64, whatever polars typed it (counts come back as integers).
fn floats(df: &DataFrame, name: &str) -> PolarsResult<Float64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
}

/// Per provider: each case's outcome over its repeats, and its (score sum, records): the cases
/// an interval of the mean score resamples.
type CaseTable = HashMap<String, (Vec<CaseOutcome>, Vec<(f64, usize)>)>;

fn per_case(records: &RecordFrame) -> PolarsResult<CaseTable> {
    // Cases in the order they first appear in the records (the run's, close to the suite's):
    // sorting a million case ids was a fifth of a large report's time.
    let agg = records
        .scored()
        .group_by_stable([col("provider"), col("case_id")])
        .agg([
            len().alias("runs"),
            col("passed").sum().alias("passed"),
            col("score").sum().alias("score_sum"),
        ])
        .collect()?;
    let providers = agg.column("provider")?.str()?.clone();
    let case_ids = agg.column("case_id")?.str()?.clone();
    let (runs, passed, sums) = (
        floats(&agg, "runs")?,
        floats(&agg, "passed")?,
        floats(&agg, "score_sum")?,
    );
    let mut out = CaseTable::new();
    let rows = providers
        .iter()
        .zip(case_ids.iter())
        .zip(runs.iter().zip(passed.iter()).zip(sums.iter()));
    for ((provider, case_id), ((n, k), sum)) in rows {
        let (n, k, sum) = (
            n.unwrap_or(0.0) as usize,
            k.unwrap_or(0.0) as usize,
            sum.unwrap_or(0.0),
        );
        let entry = out
            .entry(provider.unwrap_or_default().to_string())
            .or_default();
        entry.0.push(CaseOutcome {
            case_id: case_id.unwrap_or_default().to_string(),
            runs: n,
            passed: k,
            pass_fraction: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            score_mean: sum / n.max(1) as f64,
            flaky: 0 < k && k < n,
        });
        entry.1.push((sum, n));
    }
    Ok(out)
}

/// Per provider: each scorer's pass rate over the records it scored, scorers in the order they
/// first appear.
fn per_scorer(records: &RecordFrame) -> PolarsResult<HashMap<String, Vec<ScorerRate>>> {
    let agg = records.scorers();
    let providers = agg.column("provider")?.str()?.clone();
    let scorers = agg.column("scorer")?.str()?.clone();
    let against = agg.column("against")?.str()?.clone();
    let counts =
        ["scored", "passed", "unscored", "score_sum", "wins", "ties"].map(|c| floats(agg, c));
    let [scored, passed, unscored, sums, wins, ties] = counts;
    let (scored, passed, unscored, sums, wins, ties) =
        (scored?, passed?, unscored?, sums?, wins?, ties?);
    let mut out: HashMap<String, Vec<ScorerRate>> = HashMap::new();
    for i in 0..agg.height() {
        let count = |c: &Float64Chunked| c.get(i).unwrap_or(0.0) as usize;
        let (n, k, u) = (count(&scored), count(&passed), count(&unscored));
        let graded = n - u;
        out.entry(providers.get(i).unwrap_or_default().to_string())
            .or_default()
            .push(ScorerRate {
                scorer: scorers.get(i).unwrap_or_default().to_string(),
                against: against.get(i).map(str::to_string),
                scored: n,
                passed: k,
                unscored: u,
                pass_rate: if graded == 0 {
                    0.0
                } else {
                    k as f64 / graded as f64
                },
                score_mean: (graded > 0).then(|| sums.get(i).unwrap_or(0.0) / graded as f64),
                wins: count(&wins),
                ties: count(&ties),
            });
    }
    Ok(out)
}

/// `candidate` against `baseline` on the (case, repeat) pairs present for both, its test read at
/// level `alpha` (and its interval at 1 − `alpha`). With one pair per case the test is the exact
/// McNemar test; with repeats, Durkalski's clustered McNemar test (a case's repeats together).
pub fn compare(
    records: &RecordFrame,
    baseline: &str,
    candidate: &str,
    alpha: f64,
) -> anyhow::Result<Comparison> {
    let cases = pairs::by_case(records, baseline, candidate, None)?;
    let sum = |f: fn(&pairs::CaseRow) -> usize| cases.iter().map(f).sum::<usize>();
    let pairs = sum(|c| c.pairs);
    // The pairs grouped by case: an interval resamples a case with all its repeats.
    let diffs: Vec<(f64, usize)> = cases.iter().map(|c| (c.score_diff, c.pairs)).collect();
    let rate = |n: usize| {
        if pairs == 0 {
            0.0
        } else {
            n as f64 / pairs as f64
        }
    };
    let (baseline_pass_rate, candidate_pass_rate) =
        (rate(sum(|c| c.base_passed)), rate(sum(|c| c.cand_passed)));
    let (b, c) = (sum(|c| c.only_base), sum(|c| c.only_cand));
    let clustered = cases.iter().any(|c| c.pairs > 1);
    let mcnemar_p = if clustered {
        let counts: Vec<_> = cases.iter().map(pairs::CaseRow::counts).collect();
        stats::paired::clustered_mcnemar(&counts)
    } else {
        stats::mcnemar_exact(b, c)
    };
    Ok(Comparison {
        baseline: baseline.to_string(),
        candidate: candidate.to_string(),
        pairs,
        baseline_pass_rate,
        candidate_pass_rate,
        pass_rate_drop: baseline_pass_rate - candidate_pass_rate,
        only_baseline_passed: b,
        only_candidate_passed: c,
        mcnemar_p,
        mcnemar_method: if clustered {
            PairedTest::ClusteredMcnemar
        } else {
            PairedTest::ExactMcnemar
        },
        score_diff: (pairs > 0).then(|| diffs.iter().map(|d| d.0).sum::<f64>() / pairs as f64),
        score_diff_ci: stats::mean_ci(&diffs, 1.0 - alpha),
        score_diff_ci_method: MeanInterval::for_cases(diffs.len()),
        alpha,
        significant: mcnemar_p < alpha,
    })
}

#[cfg(test)]
mod tests;

/// What the tests of the modules that read a run need of one.
#[cfg(test)]
pub(crate) mod tests_support {
    use serde_json::json;

    use crate::record::Manifest;
    use crate::suite::GateConfig;

    /// A run of `providers` (each an OpenAI model the price table lacks), with `gate` if any.
    pub fn manifest(providers: &[&str], gate: Option<&GateConfig>) -> Manifest {
        let providers: Vec<_> = (providers.iter())
            .map(|id| {
                json!({"id": id, "config": {"kind": "openai", "model": "m"},
                "sampling": {"temperature": 0.0, "max_tokens": 8}})
            })
            .collect();
        serde_json::from_value(json!({
            "run_id": "r", "status": "completed", "modelswap_version": "0", "started_at": "t",
            "finished_at": null, "suite": {"path": "s.yaml", "sha256": "0", "name": "s", "description": null},
            "providers": providers, "cases": 0, "repeats": 1, "records_expected": 0,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2}, "workload": null, "gate": gate
        }))
        .unwrap()
    }
}
