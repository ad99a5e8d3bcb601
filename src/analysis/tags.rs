//! The per-tag breakdown (polars): for each provider and tag of the cases, records, pass rate,
//! latency and TTFT percentiles, decode rate and cost. A record counts under each of its tags.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use super::latency::{percentile_exprs, percentiles, Percentiles};
use super::RecordFrame;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagSummary {
    pub tag: String,
    pub records: usize,
    /// Records without a reference answer, left out of the pass rate and mean score.
    pub unscored: usize,
    pub passed: usize,
    pub pass_rate: f64,
    /// Mean score of the records that could be scored (with a reference: the agreement).
    pub score_mean: Option<f64>,
    /// Call duration of the successful calls, as the provider's own latency figures.
    pub latency_ms: Option<Percentiles>,
    /// Time to first token of the successful calls.
    pub ttft_ms: Option<Percentiles>,
    /// Median decode rate after the first token.
    pub tokens_per_s_median: Option<f64>,
    /// Records with a known `cost_usd`.
    pub priced: usize,
    /// The mean known cost per request × 1000; `None` when no record's cost is known.
    pub usd_per_1k_requests: Option<f64>,
}

/// Per provider and tag, its figures: one polars query, a row per (provider, tag) in order.
fn aggregate(records: &RecordFrame) -> PolarsResult<DataFrame> {
    records
        .lazy()
        .select([
            col("provider"),
            col("tags").alias("tag"),
            col("passed"),
            col("unscored"),
            col("score"),
            col("total_ms"),
            col("ttft_ms"),
            col("tokens_per_s"),
            col("cost_usd"),
        ])
        .explode(
            cols(["tag"]),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .group_by([col("provider"), col("tag")])
        .agg(
            [
                vec![
                    len().alias("records"),
                    col("passed").sum().alias("passed"),
                    col("unscored").sum().alias("unscored"),
                    col("score")
                        .filter(col("unscored").not())
                        .mean()
                        .alias("score_mean"),
                    col("tokens_per_s").median().alias("tokens_per_s_median"),
                    col("cost_usd").count().alias("priced"),
                    col("cost_usd").mean().alias("cost_mean"),
                ],
                percentile_exprs("total_ms"),
                percentile_exprs("ttft_ms"),
            ]
            .concat(),
        )
        .sort(["provider", "tag"], SortMultipleOptions::default())
        .collect()
}

/// Per provider, its tags in tag order.
pub fn summarize(records: &RecordFrame) -> PolarsResult<HashMap<String, Vec<TagSummary>>> {
    let agg = aggregate(records)?;
    let providers = agg.column("provider")?.str()?.clone();
    let tags = agg.column("tag")?.str()?.clone();
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let (unscored, score) = (f("unscored")?, f("score_mean")?);
    let (n, passed, tps, priced, cost) = (
        f("records")?,
        f("passed")?,
        f("tokens_per_s_median")?,
        f("priced")?,
        f("cost_mean")?,
    );
    let mut out: HashMap<String, Vec<TagSummary>> = HashMap::new();
    for i in 0..agg.height() {
        let count = |c: &Float64Chunked| c.get(i).unwrap_or(0.0) as usize;
        let (records, k, u) = (count(&n), count(&passed), count(&unscored));
        let graded = records - u;
        out.entry(providers.get(i).unwrap_or_default().to_string())
            .or_default()
            .push(TagSummary {
                tag: tags.get(i).unwrap_or_default().to_string(),
                records,
                unscored: u,
                passed: k,
                pass_rate: if graded == 0 {
                    0.0
                } else {
                    k as f64 / graded as f64
                },
                score_mean: score.get(i),
                latency_ms: percentiles(&agg, "total_ms", i)?,
                ttft_ms: percentiles(&agg, "ttft_ms", i)?,
                tokens_per_s_median: tps.get(i),
                priced: count(&priced),
                usd_per_1k_requests: cost.get(i).map(|c| c * 1e3),
            });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::analysis::frame::testing;
    use crate::record::Record;

    #[test]
    fn each_record_counts_under_each_of_its_tags() {
        // 100 records of `p` tagged "a" (1..=100 ms; every 4th failed its scorers, the 100th
        // its call), 10 of them also "b"; one of `q` tagged "b" with no known cost.
        let record = |provider: &str, i: u32, tags: &[&str]| -> Record {
            let error = i == 100;
            serde_json::from_value(json!({
                "run_id": "r", "case_id": format!("c{i}"), "provider": provider, "repeat": 0,
                "request_hash": "sha256:0", "output": "x", "finish_reason": null,
                "error": if error { json!({"kind": "timeout", "message": "slow"}) } else { json!(null) },
                "usage": {"input_tokens": 1, "output_tokens": 1},
                "timing": {"started_at": "t", "ttft_ms": f64::from(i) / 10.0, "total_ms": f64::from(i),
                           "tokens_per_s": f64::from(i), "attempts": 1, "retry_wait_ms": 0.0},
                "cost_usd": if provider == "p" { json!(0.002) } else { json!(null) },
                "scores": [], "passed": i % 4 != 0 && !error, "tags": tags
            }))
            .unwrap()
        };
        let mut records: Vec<Record> = (1..=100)
            .map(|i| record("p", i, if i <= 10 { &["a", "b"] } else { &["a"] }))
            .collect();
        records.push(record("q", 1, &["b"]));
        records.push(record("q", 2, &[]));
        let (_dir, _, frame) = testing::write(&records);
        let tags = summarize(&frame).unwrap();
        let p = &tags["p"];
        assert_eq!(
            p.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let a = &p[0];
        assert_eq!((a.records, a.passed, a.priced), (100, 75, 100));
        assert!((a.pass_rate - 0.75).abs() < 1e-12);
        // The failed call's 100 ms do not count: numpy.percentile(range(1, 100), [50, 95, 99]).
        let l = a.latency_ms.unwrap();
        assert!(
            (l.p50 - 50.0).abs() < 1e-9 && (l.p95 - 94.1).abs() < 1e-9,
            "{l:?}"
        );
        assert!((l.p99 - 98.02).abs() < 1e-9, "{l:?}");
        assert!((a.ttft_ms.unwrap().p50 - 5.0).abs() < 1e-9);
        assert!((a.usd_per_1k_requests.unwrap() - 2.0).abs() < 1e-12);
        let b = &p[1];
        assert_eq!((b.records, b.passed), (10, 8));
        assert_eq!(b.tokens_per_s_median, Some(5.5));
        let q = &tags["q"];
        assert_eq!(q.len(), 1, "an untagged record is under no tag");
        assert_eq!((q[0].priced, q[0].usd_per_1k_requests), (0, None));
    }
}
