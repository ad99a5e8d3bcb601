//! How fast each provider produced output, two ways. Per stream: output tokens over the calls'
//! summed durations, the speed one user waits through. In aggregate: output tokens over the
//! time the provider was busy (the union of its calls' intervals), what an engine serving many
//! calls at once delivers, and the only figure a self-hosted machine's cost per token may rest
//! on (`cost::machine_time` says why). The two agree for calls made one at a time.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use super::RecordFrame;
use crate::cost::machine_time;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Throughput {
    /// Output tokens ÷ the calls' summed durations (time to first token included).
    pub stream_output_tokens_per_s: Option<f64>,
    /// Output tokens ÷ the seconds at least one call was in flight.
    pub aggregate_output_tokens_per_s: Option<f64>,
    /// The calls' summed durations ÷ the busy time: how many were in flight on average.
    pub mean_in_flight: Option<f64>,
    /// Seconds at least one call was in flight.
    pub busy_s: f64,
    /// The calls measured: successful, timed, not replayed (a cassette's timings were recorded
    /// by another run, at a concurrency this one cannot know).
    pub measured_calls: usize,
}

/// Per provider with records.
pub fn per_provider(records: &RecordFrame) -> PolarsResult<HashMap<String, Throughput>> {
    let measured = records
        .lazy()
        .filter(
            col("replayed")
                .not()
                .and(col("started_s").is_not_null())
                .and(col("total_ms").is_not_null()),
        )
        .select([
            col("provider"),
            col("started_s"),
            col("total_ms"),
            col("output_tokens").fill_null(lit(0u64)),
        ])
        .collect()?;
    let providers = measured.column("provider")?.str()?.clone();
    let starts = measured.column("started_s")?.f64()?.clone();
    let totals = measured.column("total_ms")?.f64()?.clone();
    let tokens = measured
        .column("output_tokens")?
        .cast(&DataType::Float64)?
        .f64()?
        .clone();
    let mut calls: HashMap<String, (Vec<machine_time::Interval>, f64)> = HashMap::new();
    for i in 0..measured.height() {
        let (Some(p), Some(s), Some(ms)) = (providers.get(i), starts.get(i), totals.get(i)) else {
            continue;
        };
        let entry = calls.entry(p.to_string()).or_default();
        entry.0.push((s, s + ms / 1e3));
        entry.1 += tokens.get(i).unwrap_or(0.0);
    }
    Ok(calls
        .into_iter()
        .map(|(id, (intervals, tokens))| (id, of(&intervals, tokens)))
        .collect())
}

/// The figures of calls over `intervals` (seconds) that produced `tokens` output tokens.
fn of(intervals: &[machine_time::Interval], tokens: f64) -> Throughput {
    let busy_s = machine_time::busy(intervals);
    let summed: f64 = intervals.iter().map(|(s, e)| e - s).sum();
    let rate = |seconds: f64| (tokens > 0.0 && seconds > 0.0).then(|| tokens / seconds);
    Throughput {
        stream_output_tokens_per_s: rate(summed),
        aggregate_output_tokens_per_s: rate(busy_s),
        mean_in_flight: machine_time::mean_in_flight(intervals),
        busy_s,
        measured_calls: intervals.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_served_together_deliver_their_tokens_over_the_busy_time_only() {
        // Four calls of 2 s each, all at once, 100 tokens each: one stream runs at 50 tokens/s,
        // the engine delivers 400 tokens in 2 s.
        let t = of(&[(0.0, 2.0); 4], 400.0);
        assert_eq!(t.stream_output_tokens_per_s, Some(50.0));
        assert_eq!(t.aggregate_output_tokens_per_s, Some(200.0));
        assert_eq!(t.mean_in_flight, Some(4.0));
        // One after another, the two figures agree.
        let t = of(&[(0.0, 2.0), (2.0, 4.0)], 200.0);
        assert_eq!(
            t.stream_output_tokens_per_s,
            t.aggregate_output_tokens_per_s
        );
        assert_eq!(of(&[], 0.0).aggregate_output_tokens_per_s, None);
    }
}
