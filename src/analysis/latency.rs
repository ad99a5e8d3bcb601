//! Latency distributions per provider (polars): p50/p95/p99 of the call duration and of the
//! time to first token, and the sorted durations a CDF is drawn from.

use polars::prelude::*;
use serde::Serialize;

use crate::record::{Manifest, Record};

#[derive(Debug, Clone, Serialize)]
pub struct ProviderLatency {
    pub id: String,
    /// Successful calls with a duration: a failed call has no comparable one.
    pub calls: usize,
    pub total_ms: Option<Percentiles>,
    pub ttft_ms: Option<Percentiles>,
    /// The calls' durations, ascending (for the CDF chart; report.json leaves them out).
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

/// One entry per provider of the manifest that has records, in its order.
pub fn summarize(manifest: &Manifest, records: &[Record]) -> PolarsResult<Vec<ProviderLatency>> {
    let ok: Vec<&Record> = records.iter().filter(|r| r.error.is_none()).collect();
    let frame = df!(
        "provider" => ok.iter().map(|r| r.provider.as_str()).collect::<Vec<_>>(),
        "total_ms" => ok.iter().map(|r| r.timing.total_ms).collect::<Vec<_>>(),
        "ttft_ms" => ok.iter().map(|r| r.timing.ttft_ms).collect::<Vec<_>>(),
    )?;
    let q = |name: &str, p: f64| {
        col(name)
            .quantile(lit(p), QuantileMethod::Linear)
            .alias(format!("{name}_{p}"))
    };
    let agg = frame
        .lazy()
        .group_by([col("provider")])
        .agg([
            q("total_ms", 0.5),
            q("total_ms", 0.95),
            q("total_ms", 0.99),
            q("ttft_ms", 0.5),
            q("ttft_ms", 0.95),
            q("ttft_ms", 0.99),
        ])
        .collect()?;
    let ids = agg.column("provider")?.str()?.clone();
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let percentiles = |name: &str| -> PolarsResult<Vec<Option<Percentiles>>> {
        let (p50, p95, p99) = (
            f(&format!("{name}_0.5"))?,
            f(&format!("{name}_0.95"))?,
            f(&format!("{name}_0.99"))?,
        );
        Ok((0..agg.height())
            .map(|i| {
                Some(Percentiles {
                    p50: p50.get(i)?,
                    p95: p95.get(i)?,
                    p99: p99.get(i)?,
                })
            })
            .collect())
    };
    let (total, ttft) = (percentiles("total_ms")?, percentiles("ttft_ms")?);
    Ok(manifest
        .providers
        .iter()
        .filter(|p| records.iter().any(|r| r.provider == p.id))
        .map(|p| {
            let i = (0..agg.height()).find(|&i| ids.get(i) == Some(p.id.as_str()));
            let mut sorted_total_ms: Vec<f64> = ok
                .iter()
                .filter(|r| r.provider == p.id)
                .filter_map(|r| r.timing.total_ms)
                .collect();
            sorted_total_ms.sort_by(f64::total_cmp);
            ProviderLatency {
                id: p.id.clone(),
                calls: sorted_total_ms.len(),
                total_ms: i.and_then(|i| total[i]),
                ttft_ms: i.and_then(|i| ttft[i]),
                sorted_total_ms,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
        let l = summarize(&manifest, &records).unwrap();
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
