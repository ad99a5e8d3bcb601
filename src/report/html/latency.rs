//! Latency: percentiles of the call and of time to first token, and their distribution.

use serde::Serialize;

use super::{latency_cells, Ctx, Table, LATENCY_COLUMNS};
use crate::report::charts;

#[derive(Serialize)]
pub(super) struct LatencySection {
    table: Table,
    throughput: Table,
    notes: Vec<String>,
    chart: Option<String>,
}

impl Ctx<'_> {
    /// Output tokens per second per stream and in aggregate, with the concurrency behind them.
    fn throughput(&self) -> Table {
        let mut table = Table::new(&[
            "provider",
            "#calls measured",
            "#concurrency",
            "#in flight (mean)",
            "#output tokens/s per stream",
            "#output tokens/s in aggregate",
        ]);
        for p in &self.0.summary.providers {
            let t = &p.throughput;
            table.row(vec![
                p.id.clone(),
                t.measured_calls.to_string(),
                p.concurrency.to_string(),
                crate::format::num(t.mean_in_flight, 1),
                crate::format::num(t.stream_output_tokens_per_s, 1),
                crate::format::num(t.aggregate_output_tokens_per_s, 1),
            ]);
        }
        table
    }

    pub(super) fn latency(&self) -> anyhow::Result<LatencySection> {
        let r = self.0;
        let mut table = Table::new(&[&["provider", "#calls"][..], &LATENCY_COLUMNS].concat());
        for l in &r.latency {
            let summary = r.summary.providers.iter().find(|p| p.id == l.id);
            let decode = summary.and_then(|p| p.tokens_per_s_median);
            let mut row = vec![l.id.clone(), l.calls.to_string()];
            row.extend(latency_cells(l.total_ms, l.ttft_ms, decode));
            table.row(row);
        }
        let notes = r
            .summary
            .providers
            .iter()
            .filter(|p| p.replayed > 0)
            .map(|p| format!(
                "{}: {} of {} calls were replayed from a cassette; their latency is as recorded, not measured in this run.",
                p.id, p.replayed, p.records
            ))
            .collect();
        let series: Vec<(String, Vec<f64>, usize)> = r
            .latency
            .iter()
            .map(|l| (l.id.clone(), l.sorted_total_ms.clone(), self.color(&l.id)))
            .collect();
        Ok(LatencySection {
            table,
            throughput: self.throughput(),
            notes,
            chart: charts::latency_cdf(&series)?,
        })
    }
}
