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
    pub passed: usize,
    pub pass_rate: f64,
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

/// Per provider, its tags in tag order.
pub fn summarize(records: &RecordFrame) -> PolarsResult<HashMap<String, Vec<TagSummary>>> {
    let agg = records
        .lazy()
        .select([
            col("provider"),
            col("tags").alias("tag"),
            col("passed"),
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
        .collect()?;
    let providers = agg.column("provider")?.str()?.clone();
    let tags = agg.column("tag")?.str()?.clone();
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
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
        let (records, k) = (count(&n), count(&passed));
        out.entry(providers.get(i).unwrap_or_default().to_string())
            .or_default()
            .push(TagSummary {
                tag: tags.get(i).unwrap_or_default().to_string(),
                records,
                passed: k,
                pass_rate: if records == 0 {
                    0.0
                } else {
                    k as f64 / records as f64
                },
                latency_ms: percentiles(&agg, "total_ms", i)?,
                ttft_ms: percentiles(&agg, "ttft_ms", i)?,
                tokens_per_s_median: tps.get(i),
                priced: count(&priced),
                usd_per_1k_requests: cost.get(i).map(|c| c * 1e3),
            });
    }
    Ok(out)
}
