//! The run as tables for spreadsheets and notebooks (polars): every record flattened to one row,
//! and one row of aggregates per provider; written as CSV or Parquet.

use std::io::Cursor;

use polars::prelude::*;

use super::Report;
use crate::analysis::record_score;

/// A file format the tables are written in.
#[derive(Debug, Clone, Copy)]
pub enum TableFormat {
    Csv,
    Parquet,
}

/// `records.{csv,parquet}` and `aggregates.{csv,parquet}`: (file name, contents).
pub fn render(report: &Report, format: TableFormat) -> PolarsResult<Vec<(String, Vec<u8>)>> {
    let ext = match format {
        TableFormat::Csv => "csv",
        TableFormat::Parquet => "parquet",
    };
    [
        ("records", records(report)?),
        ("aggregates", aggregates(report)?),
    ]
    .into_iter()
    .map(|(name, mut df)| {
        let mut buf = Cursor::new(Vec::new());
        match format {
            TableFormat::Csv => CsvWriter::new(&mut buf).finish(&mut df)?,
            TableFormat::Parquet => {
                ParquetWriter::new(&mut buf).finish(&mut df)?;
            }
        }
        Ok((format!("{name}.{ext}"), buf.into_inner()))
    })
    .collect()
}

/// One row per record, the record's fields flattened; `scores` is the scorers' list as JSON.
fn records(report: &Report) -> PolarsResult<DataFrame> {
    let r = &report.records;
    let s = |f: fn(&crate::record::Record) -> &str| r.iter().map(f).collect::<Vec<_>>();
    let scores: Vec<String> = r
        .iter()
        .map(|x| serde_json::to_string(&x.scores).unwrap_or_default())
        .collect();
    df!(
        "run_id" => s(|x| &x.run_id),
        "provider" => s(|x| &x.provider),
        "case_id" => s(|x| &x.case_id),
        "repeat" => r.iter().map(|x| x.repeat).collect::<Vec<_>>(),
        "request_hash" => s(|x| &x.request_hash),
        "replayed" => r.iter().map(|x| x.replayed).collect::<Vec<_>>(),
        "output" => r.iter().map(|x| x.output.as_deref()).collect::<Vec<_>>(),
        "finish_reason" => r.iter().map(|x| x.finish_reason.as_deref()).collect::<Vec<_>>(),
        "error_kind" => r.iter().map(|x| x.error.as_ref().map(|e| format!("{:?}", e.kind))).collect::<Vec<_>>(),
        "error_message" => r.iter().map(|x| x.error.as_ref().map(|e| e.message.as_str())).collect::<Vec<_>>(),
        "input_tokens" => r.iter().map(|x| x.usage.input_tokens).collect::<Vec<_>>(),
        "cached_input_tokens" => r.iter().map(|x| x.usage.cached_input_tokens).collect::<Vec<_>>(),
        "output_tokens" => r.iter().map(|x| x.usage.output_tokens).collect::<Vec<_>>(),
        "started_at" => s(|x| &x.timing.started_at),
        "ttft_ms" => r.iter().map(|x| x.timing.ttft_ms).collect::<Vec<_>>(),
        "total_ms" => r.iter().map(|x| x.timing.total_ms).collect::<Vec<_>>(),
        "tokens_per_s" => r.iter().map(|x| x.timing.tokens_per_s).collect::<Vec<_>>(),
        "attempts" => r.iter().map(|x| x.timing.attempts).collect::<Vec<_>>(),
        "retry_wait_ms" => r.iter().map(|x| x.timing.retry_wait_ms).collect::<Vec<_>>(),
        "cost_usd" => r.iter().map(|x| x.cost_usd).collect::<Vec<_>>(),
        "score" => r.iter().map(record_score).collect::<Vec<_>>(),
        "passed" => r.iter().map(|x| x.passed).collect::<Vec<_>>(),
        "scores" => scores,
        "tags" => r.iter().map(|x| x.tags.join(",")).collect::<Vec<_>>(),
    )
}

/// One row per provider: quality, latency, tokens and cost, as the report shows them.
fn aggregates(report: &Report) -> PolarsResult<DataFrame> {
    let p = &report.summary.providers;
    let latency = |id: &str| report.latency.iter().find(|l| l.id == id);
    let cost = |id: &str| report.cost.providers.iter().find(|c| c.id == id);
    let lat = |f: fn(&crate::analysis::latency::ProviderLatency) -> Option<f64>| {
        p.iter()
            .map(|s| latency(&s.id).and_then(f))
            .collect::<Vec<_>>()
    };
    let projection = |f: fn(&crate::cost::Projection) -> Option<f64>| {
        p.iter()
            .map(|s| cost(&s.id).and_then(|c| c.projection.as_ref()).and_then(f))
            .collect::<Vec<_>>()
    };
    let ci = |f: fn(&crate::analysis::ProviderSummary) -> Option<f64>| {
        p.iter().map(f).collect::<Vec<_>>()
    };
    df!(
        "provider" => p.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        "kind" => p.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        "model" => p.iter().map(|s| s.model.as_str()).collect::<Vec<_>>(),
        "records" => p.iter().map(|s| s.records as u64).collect::<Vec<_>>(),
        "cases" => p.iter().map(|s| s.cases as u64).collect::<Vec<_>>(),
        "errors" => p.iter().map(|s| s.errors as u64).collect::<Vec<_>>(),
        "replayed" => p.iter().map(|s| s.replayed as u64).collect::<Vec<_>>(),
        "passed" => p.iter().map(|s| s.passed as u64).collect::<Vec<_>>(),
        "pass_rate" => p.iter().map(|s| s.pass_rate).collect::<Vec<_>>(),
        "pass_rate_ci_low" => ci(|s| s.pass_rate_ci.map(|c| c.low)),
        "pass_rate_ci_high" => ci(|s| s.pass_rate_ci.map(|c| c.high)),
        "score_mean" => ci(|s| s.score_mean),
        "score_ci_low" => ci(|s| s.score_ci.map(|c| c.low)),
        "score_ci_high" => ci(|s| s.score_ci.map(|c| c.high)),
        "flaky_cases" => p.iter().map(|s| s.flaky_cases as u64).collect::<Vec<_>>(),
        "latency_p50_ms" => lat(|l| l.total_ms.map(|x| x.p50)),
        "latency_p95_ms" => lat(|l| l.total_ms.map(|x| x.p95)),
        "latency_p99_ms" => lat(|l| l.total_ms.map(|x| x.p99)),
        "ttft_p50_ms" => lat(|l| l.ttft_ms.map(|x| x.p50)),
        "ttft_p95_ms" => lat(|l| l.ttft_ms.map(|x| x.p95)),
        "ttft_p99_ms" => lat(|l| l.ttft_ms.map(|x| x.p99)),
        "tokens_per_s_median" => ci(|s| s.tokens_per_s_median),
        "input_tokens_total" => p.iter().map(|s| s.input_tokens_total).collect::<Vec<_>>(),
        "output_tokens_total" => p.iter().map(|s| s.output_tokens_total).collect::<Vec<_>>(),
        "pricing" => p.iter().map(|s| cost(&s.id).map(|c| c.pricing.basis())).collect::<Vec<_>>(),
        "unpriced_records" => p.iter().map(|s| cost(&s.id).map(|c| c.unpriced as u64)).collect::<Vec<_>>(),
        "known_cost_usd" => p.iter().map(|s| cost(&s.id).map(|c| c.known_total_usd)).collect::<Vec<_>>(),
        "usd_per_request" => projection(|x| Some(x.usd_per_request)),
        "usd_per_1k_requests" => projection(|x| Some(x.usd_per_1k_requests)),
        "usd_per_month" => projection(|x| x.usd_per_month),
        "self_hosted_usd_per_mtok" => p.iter().map(|s| cost(&s.id).and_then(|c| c.self_hosting.as_ref()).map(|h| h.usd_per_mtok)).collect::<Vec<_>>(),
    )
}
