//! Latency distributions per provider (polars): p50/p95/p99 of the call duration and of the
//! time to first token, and the points of the CDF chart.

use polars::prelude::*;
use serde::Serialize;

use super::RecordFrame;
use crate::record::Manifest;

/// Points of a provider's CDF chart at most: more would only add bytes to the page, not detail.
const CDF_POINTS: usize = 1_000;

#[derive(Debug, Clone, Serialize)]
pub struct ProviderLatency {
    pub id: String,
    /// Successful calls with a duration: a failed call has no comparable one.
    pub calls: usize,
    pub total_ms: Option<Percentiles>,
    pub ttft_ms: Option<Percentiles>,
    /// Call durations ascending, for the CDF chart: every one up to `CDF_POINTS` calls, else
    /// `CDF_POINTS` of them at evenly spaced ranks, each standing for an equal share of the calls
    /// (report.json leaves them out).
    #[serde(skip)]
    pub sorted_total_ms: Vec<f64>,
}

/// Linear interpolation between closest ranks, as numpy's default percentile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

const LEVELS: [(f64, &str); 3] = [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")];

/// The aggregations giving a column's percentiles, for `percentiles` to read back.
pub(crate) fn percentile_exprs(name: &str) -> Vec<Expr> {
    LEVELS
        .iter()
        .map(|(p, label)| {
            col(name)
                .quantile(lit(*p), QuantileMethod::Linear)
                .alias(format!("{name}_{label}"))
        })
        .collect()
}

/// Row `i`'s percentiles of `name`, aggregated by `percentile_exprs`; `None` without values.
pub(crate) fn percentiles(
    agg: &DataFrame,
    name: &str,
    i: usize,
) -> PolarsResult<Option<Percentiles>> {
    let mut at = [0.0; 3];
    for (slot, (_, label)) in at.iter_mut().zip(LEVELS) {
        let c = agg
            .column(&format!("{name}_{label}"))?
            .cast(&DataType::Float64)?;
        match c.f64()?.get(i) {
            Some(v) => *slot = v,
            None => return Ok(None),
        }
    }
    Ok(Some(Percentiles {
        p50: at[0],
        p95: at[1],
        p99: at[2],
    }))
}

/// One entry per provider of the manifest that has records, in its order.
pub fn summarize(manifest: &Manifest, records: &RecordFrame) -> PolarsResult<Vec<ProviderLatency>> {
    let agg = records
        .lazy()
        .group_by([col("provider")])
        .agg([percentile_exprs("total_ms"), percentile_exprs("ttft_ms")].concat())
        .collect()?;
    let ids = agg.column("provider")?.str()?.clone();
    let mut out = Vec::new();
    for p in &manifest.providers {
        let Some(i) = (0..agg.height()).find(|&i| ids.get(i) == Some(p.id.as_str())) else {
            continue;
        };
        let durations = records
            .lazy()
            .filter(col("provider").eq(lit(p.id.clone())))
            .select([col("total_ms").drop_nulls().sort(SortOptions::default())])
            .collect()?;
        let sorted: Vec<f64> = durations
            .column("total_ms")?
            .f64()?
            .into_no_null_iter()
            .collect();
        out.push(ProviderLatency {
            id: p.id.clone(),
            calls: sorted.len(),
            total_ms: percentiles(&agg, "total_ms", i)?,
            ttft_ms: percentiles(&agg, "ttft_ms", i)?,
            sorted_total_ms: cdf_points(sorted),
        });
    }
    Ok(out)
}

/// At most `CDF_POINTS` of `sorted`: the values at ranks ⌈k·n/m⌉ − 1, k = 1..m, so the last
/// is the maximum and each stands for n/m calls.
fn cdf_points(sorted: Vec<f64>) -> Vec<f64> {
    let n = sorted.len();
    if n <= CDF_POINTS {
        return sorted;
    }
    (1..=CDF_POINTS)
        .map(|k| sorted[(k * n).div_ceil(CDF_POINTS) - 1])
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::Record;

    #[test]
    fn percentiles_interpolate_between_ranks_and_skip_failed_calls() {
        let manifest: Manifest = serde_json::from_value(json!({
            "run_id": "r", "status": "completed", "modelswap_version": "0", "started_at": "t",
            "finished_at": null,
            "suite": {"path": "s.yaml", "sha256": "0", "name": "s", "description": null},
            "providers": [
                {"id": "idle", "config": {"kind": "openai", "model": "m"},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}},
                {"id": "p", "config": {"kind": "openai", "model": "m"},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}},
                {"id": "broken", "config": {"kind": "openai", "model": "m"},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}}
            ],
            "cases": 0, "repeats": 1, "records_expected": 0,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2}, "workload": null, "gate": null
        }))
        .unwrap();
        let record = |provider: &str, ms: f64, failed: bool| -> Record {
            serde_json::from_value(json!({
                "run_id": "r", "case_id": format!("c{ms}"), "provider": provider, "repeat": 0,
                "request_hash": "sha256:0", "output": if failed { json!(null) } else { json!("x") },
                "finish_reason": null,
                "error": if failed { json!({"kind": "server", "message": "boom"}) } else { json!(null) },
                "usage": {"input_tokens": 1, "output_tokens": 1},
                "timing": {"started_at": "t", "ttft_ms": ms / 10.0, "total_ms": ms,
                           "tokens_per_s": null, "attempts": 1, "retry_wait_ms": 0.0},
                "cost_usd": null, "scores": [], "passed": !failed
            }))
            .unwrap()
        };
        // 1..=100 ms in a shuffled order, plus a failed call that must not count.
        let mut records: Vec<Record> = (1..=100)
            .map(|i| record("p", ((i * 37) % 100 + 1) as f64, false))
            .collect();
        records.push(record("p", 5000.0, true));
        records.push(record("broken", 10.0, true));
        let (_dir, _, frame) = super::super::frame::testing::write(&records);
        let l = summarize(&manifest, &frame).unwrap();
        let ids: Vec<_> = l.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p", "broken"]);
        let p = &l[0];
        assert_eq!(p.calls, 100);
        // numpy.percentile(range(1, 101), [50, 95, 99]) = 50.5, 95.05, 99.01.
        let t = p.total_ms.unwrap();
        assert!((t.p50 - 50.5).abs() < 1e-9, "{t:?}");
        assert!((t.p95 - 95.05).abs() < 1e-9, "{t:?}");
        assert!((t.p99 - 99.01).abs() < 1e-9, "{t:?}");
        assert!((p.ttft_ms.unwrap().p50 - 5.05).abs() < 1e-9);
        assert_eq!(p.sorted_total_ms.first(), Some(&1.0));
        assert_eq!(p.sorted_total_ms.last(), Some(&100.0));
        assert!(p.sorted_total_ms.is_sorted());
        // Only failed calls: no percentiles, no CDF.
        assert_eq!((l[1].calls, l[1].total_ms, l[1].ttft_ms), (0, None, None));
    }
}
