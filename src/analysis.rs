//! Analysis of a run's records (polars): per-provider quality, latency and token figures, and the
//! paired comparison of each candidate with the baseline on the cases both answered.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use crate::record::{Manifest, Record};

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
    pub passed: usize,
    pub pass_rate: f64,
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
}

/// Per-provider figures, in the manifest's provider order.
pub fn summarize(manifest: &Manifest, records: &[Record]) -> anyhow::Result<Summary> {
    let frame = frame(records)?;
    let mut by_provider: HashMap<String, ProviderSummary> = HashMap::new();
    if !records.is_empty() {
        let q = |name: &str, p: f64, alias: &str| {
            col(name)
                .quantile(lit(p), QuantileMethod::Linear)
                .alias(alias)
        };
        let agg = frame
            .lazy()
            .group_by([col("provider")])
            .agg([
                len().cast(DataType::Float64).alias("records"),
                col("case_id")
                    .n_unique()
                    .cast(DataType::Float64)
                    .alias("cases"),
                col("error").cast(DataType::Float64).sum().alias("errors"),
                col("passed").cast(DataType::Float64).sum().alias("passed"),
                col("passed")
                    .cast(DataType::Float64)
                    .mean()
                    .alias("pass_rate"),
                q("total_ms", 0.5, "latency_p50_ms"),
                q("total_ms", 0.95, "latency_p95_ms"),
                q("ttft_ms", 0.5, "ttft_p50_ms"),
                col("tokens_per_s").median().alias("tokens_per_s_median"),
                col("input_tokens").mean().alias("input_tokens_mean"),
                col("output_tokens").mean().alias("output_tokens_mean"),
                col("input_tokens").sum().alias("input_tokens_total"),
                col("output_tokens").sum().alias("output_tokens_total"),
                col("replayed")
                    .cast(DataType::Float64)
                    .sum()
                    .alias("replayed"),
            ])
            .collect()?;
        let ids = agg.column("provider")?.str()?.clone();
        let f = |name: &str| -> anyhow::Result<Float64Chunked> {
            Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
        };
        let (records_c, cases_c, errors_c, passed_c, rate_c) = (
            f("records")?,
            f("cases")?,
            f("errors")?,
            f("passed")?,
            f("pass_rate")?,
        );
        let (p50, p95, ttft, tps) = (
            f("latency_p50_ms")?,
            f("latency_p95_ms")?,
            f("ttft_p50_ms")?,
            f("tokens_per_s_median")?,
        );
        let (in_mean, out_mean, in_total, out_total, replayed) = (
            f("input_tokens_mean")?,
            f("output_tokens_mean")?,
            f("input_tokens_total")?,
            f("output_tokens_total")?,
            f("replayed")?,
        );
        for i in 0..agg.height() {
            let id = ids.get(i).unwrap_or_default().to_string();
            let count = |c: &Float64Chunked| c.get(i).unwrap_or(0.0) as usize;
            by_provider.insert(
                id.clone(),
                ProviderSummary {
                    id,
                    kind: String::new(),
                    model: String::new(),
                    label: None,
                    records: count(&records_c),
                    cases: count(&cases_c),
                    errors: count(&errors_c),
                    passed: count(&passed_c),
                    pass_rate: rate_c.get(i).unwrap_or(0.0),
                    latency_p50_ms: p50.get(i),
                    latency_p95_ms: p95.get(i),
                    ttft_p50_ms: ttft.get(i),
                    tokens_per_s_median: tps.get(i),
                    input_tokens_mean: in_mean.get(i),
                    output_tokens_mean: out_mean.get(i),
                    input_tokens_total: in_total.get(i).unwrap_or(0.0) as u64,
                    output_tokens_total: out_total.get(i).unwrap_or(0.0) as u64,
                    replayed: count(&replayed),
                },
            );
        }
    }
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
            Some(s)
        })
        .collect();
    Ok(Summary {
        run_id: manifest.run_id.clone(),
        suite: manifest.suite.name.clone(),
        providers,
    })
}

fn frame(records: &[Record]) -> PolarsResult<DataFrame> {
    let provider: Vec<&str> = records.iter().map(|r| r.provider.as_str()).collect();
    let case_id: Vec<&str> = records.iter().map(|r| r.case_id.as_str()).collect();
    let passed: Vec<bool> = records.iter().map(|r| r.passed).collect();
    let error: Vec<bool> = records.iter().map(|r| r.error.is_some()).collect();
    let ok = |r: &&Record| r.error.is_none();
    let total_ms: Vec<Option<f64>> = records
        .iter()
        .map(|r| ok(&r).then_some(r.timing.total_ms).flatten())
        .collect();
    let ttft_ms: Vec<Option<f64>> = records
        .iter()
        .map(|r| ok(&r).then_some(r.timing.ttft_ms).flatten())
        .collect();
    let tokens_per_s: Vec<Option<f64>> = records.iter().map(|r| r.timing.tokens_per_s).collect();
    let input_tokens: Vec<Option<u64>> = records
        .iter()
        .map(|r| ok(&r).then_some(r.usage.input_tokens))
        .collect();
    let output_tokens: Vec<Option<u64>> = records
        .iter()
        .map(|r| ok(&r).then_some(r.usage.output_tokens))
        .collect();
    let replayed: Vec<bool> = records.iter().map(|r| r.replayed).collect();
    df!(
        "provider" => provider,
        "case_id" => case_id,
        "passed" => passed,
        "error" => error,
        "total_ms" => total_ms,
        "ttft_ms" => ttft_ms,
        "tokens_per_s" => tokens_per_s,
        "input_tokens" => input_tokens,
        "output_tokens" => output_tokens,
        "replayed" => replayed,
    )
}

/// `candidate` against `baseline` on the (case, repeat) pairs present for both.
pub fn compare(records: &[Record], baseline: &str, candidate: &str) -> Comparison {
    let outcomes = |provider: &str| -> HashMap<(&str, u32), bool> {
        records
            .iter()
            .filter(|r| r.provider == provider)
            .map(|r| ((r.case_id.as_str(), r.repeat), r.passed))
            .collect()
    };
    let base = outcomes(baseline);
    let cand = outcomes(candidate);
    let (mut pairs, mut base_pass, mut cand_pass, mut b, mut c) = (0, 0, 0, 0, 0);
    for (key, &bp) in &base {
        let Some(&cp) = cand.get(key) else { continue };
        pairs += 1;
        base_pass += bp as usize;
        cand_pass += cp as usize;
        match (bp, cp) {
            (true, false) => b += 1,
            (false, true) => c += 1,
            _ => {}
        }
    }
    let rate = |n: usize| {
        if pairs == 0 {
            0.0
        } else {
            n as f64 / pairs as f64
        }
    };
    Comparison {
        baseline: baseline.to_string(),
        candidate: candidate.to_string(),
        pairs,
        baseline_pass_rate: rate(base_pass),
        candidate_pass_rate: rate(cand_pass),
        pass_rate_drop: rate(base_pass) - rate(cand_pass),
        only_baseline_passed: b,
        only_candidate_passed: c,
        mcnemar_p: mcnemar_exact(b, c),
    }
}

/// Exact two-sided McNemar p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1.
pub fn mcnemar_exact(b: usize, c: usize) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // Sum the binomial pmf in log space so large n neither overflows nor underflows early.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_matches_binomial_tails_computed_by_hand() {
        // No discordant pairs: no evidence of a difference.
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // b=5, c=0: 2 · 0.5^5 = 0.0625.
        assert!((mcnemar_exact(5, 0) - 0.0625).abs() < 1e-12);
        // b=1, c=9: 2 · (1 + 10) / 1024 = 0.021484375 (scipy.stats.binomtest(1, 10).pvalue).
        assert!((mcnemar_exact(1, 9) - 0.021484375).abs() < 1e-12);
        assert!((mcnemar_exact(9, 1) - 0.021484375).abs() < 1e-12);
        // Balanced: the cap at 1.
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        // Large n stays finite: b=400, c=600 is overwhelming evidence.
        let p = mcnemar_exact(400, 600);
        assert!(p > 0.0 && p < 1e-9, "{p}");
    }
}
