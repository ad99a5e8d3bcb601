//! Latency: percentiles of the call and of time to first token, and their distribution.

use serde::Serialize;

use super::{Ctx, Table};
use crate::format::ms;
use crate::report::charts;

#[derive(Serialize)]
pub(super) struct LatencySection {
    table: Table,
    notes: Vec<String>,
    chart: Option<String>,
}

impl Ctx<'_> {
    pub(super) fn latency(&self) -> anyhow::Result<LatencySection> {
        let r = self.0;
        let mut table = Table::new(&[
            "provider",
            "#calls",
            "#p50",
            "#p95",
            "#p99",
            "#TTFT p50",
            "#TTFT p95",
            "#TTFT p99",
            "#decode tokens/s (median)",
        ]);
        for l in &r.latency {
            let (t, f) = (l.total_ms, l.ttft_ms);
            table.row(vec![
                l.id.clone(),
                l.calls.to_string(),
                ms(t.map(|x| x.p50)),
                ms(t.map(|x| x.p95)),
                ms(t.map(|x| x.p99)),
                ms(f.map(|x| x.p50)),
                ms(f.map(|x| x.p95)),
                ms(f.map(|x| x.p99)),
                r.summary
                    .providers
                    .iter()
                    .find(|p| p.id == l.id)
                    .and_then(|p| p.tokens_per_s_median)
                    .map_or("—".into(), |x| format!("{x:.1}")),
            ]);
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
            notes,
            chart: charts::latency_cdf(&series)?,
        })
    }
}
