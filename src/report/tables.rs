//! The run as tables for spreadsheets and notebooks (polars): every record flattened to one row,
//! and one row of aggregates per provider; written as CSV or Parquet.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::Report;
use crate::analysis::record_score;
use crate::record;

/// A file format the tables are written in.
#[derive(Debug, Clone, Copy)]
pub enum TableFormat {
    Csv,
    Parquet,
}

/// `records.{csv,parquet}` (every record of the file at `records`) and
/// `aggregates.{csv,parquet}`: (file name, contents).
pub fn render(
    report: &Report,
    records: &Path,
    format: TableFormat,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let ext = match format {
        TableFormat::Csv => "csv",
        TableFormat::Parquet => "parquet",
    };
    [
        ("records", self::records(records)?),
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
/// Read one record at a time: only the columns are held.
fn records(path: &Path) -> anyhow::Result<DataFrame> {
    let mut c = Columns::default();
    record::for_each_record(path, |_, x| c.push(x))?;
    Ok(c.frame()?)
}

/// The records table's columns, filled a record at a time.
#[derive(Default)]
struct Columns {
    run_id: Vec<String>,
    provider: Vec<String>,
    case_id: Vec<String>,
    repeat: Vec<u32>,
    request_hash: Vec<String>,
    replayed: Vec<bool>,
    output: Vec<Option<String>>,
    finish_reason: Vec<Option<String>>,
    error_kind: Vec<Option<String>>,
    error_message: Vec<Option<String>>,
    input_tokens: Vec<u64>,
    cached_input_tokens: Vec<u64>,
    output_tokens: Vec<u64>,
    started_at: Vec<String>,
    ttft_ms: Vec<Option<f64>>,
    total_ms: Vec<Option<f64>>,
    tokens_per_s: Vec<Option<f64>>,
    attempts: Vec<u32>,
    retry_wait_ms: Vec<f64>,
    cost_usd: Vec<Option<f64>>,
    score: Vec<f64>,
    passed: Vec<bool>,
    scores: Vec<String>,
    tags: Vec<String>,
}

impl Columns {
    fn push(&mut self, x: record::Record) -> anyhow::Result<()> {
        let c = self;
        c.score.push(record_score(&x));
        c.scores.push(serde_json::to_string(&x.scores)?);
        c.tags.push(x.tags.join(","));
        c.run_id.push(x.run_id);
        c.provider.push(x.provider);
        c.case_id.push(x.case_id);
        c.repeat.push(x.repeat);
        c.request_hash.push(x.request_hash);
        c.replayed.push(x.replayed);
        c.output.push(x.output);
        c.finish_reason.push(x.finish_reason.map(String::from));
        c.error_kind
            .push(x.error.as_ref().map(|e| format!("{:?}", e.kind)));
        c.error_message.push(x.error.map(|e| e.message));
        c.input_tokens.push(x.usage.input_tokens);
        c.cached_input_tokens.push(x.usage.cached_input_tokens);
        c.output_tokens.push(x.usage.output_tokens);
        c.started_at.push(x.timing.started_at);
        c.ttft_ms.push(x.timing.ttft_ms);
        c.total_ms.push(x.timing.total_ms);
        c.tokens_per_s.push(x.timing.tokens_per_s);
        c.attempts.push(x.timing.attempts);
        c.retry_wait_ms.push(x.timing.retry_wait_ms);
        c.cost_usd.push(x.cost_usd);
        c.passed.push(x.passed);
        Ok(())
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        let c = self;
        df!(
            "run_id" => c.run_id,
            "provider" => c.provider,
            "case_id" => c.case_id,
            "repeat" => c.repeat,
            "request_hash" => c.request_hash,
            "replayed" => c.replayed,
            "output" => c.output,
            "finish_reason" => c.finish_reason,
            "error_kind" => c.error_kind,
            "error_message" => c.error_message,
            "input_tokens" => c.input_tokens,
            "cached_input_tokens" => c.cached_input_tokens,
            "output_tokens" => c.output_tokens,
            "started_at" => c.started_at,
            "ttft_ms" => c.ttft_ms,
            "total_ms" => c.total_ms,
            "tokens_per_s" => c.tokens_per_s,
            "attempts" => c.attempts,
            "retry_wait_ms" => c.retry_wait_ms,
            "cost_usd" => c.cost_usd,
            "score" => c.score,
            "passed" => c.passed,
            "scores" => c.scores,
            "tags" => c.tags,
        )
    }
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
        "stream_output_tokens_per_s" => ci(|s| s.throughput.stream_output_tokens_per_s),
        "aggregate_output_tokens_per_s" => ci(|s| s.throughput.aggregate_output_tokens_per_s),
        "mean_in_flight" => ci(|s| s.throughput.mean_in_flight),
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
