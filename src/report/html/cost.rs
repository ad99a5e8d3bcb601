//! Cost: per request, per 1k and per month, the projection and quality-vs-cost charts, and for
//! self-hosted providers the cost per token with its assumptions.

use serde::Serialize;

use super::{Ctx, Table};
use crate::analysis::cost;
use crate::cost::Pricing;
use crate::format::usd;
use crate::report::charts;

#[derive(Serialize)]
pub(super) struct CostSection {
    table: Table,
    notes: Vec<String>,
    monthly_chart: Option<String>,
    monthly_caption: String,
    quality_chart: Option<String>,
    self_hosting: Vec<SelfHostView>,
}

#[derive(Serialize)]
pub(super) struct SelfHostView {
    id: String,
    explained: String,
    /// The throughput the figures rest on, and the concurrency it was measured at.
    basis: String,
    machines: Option<String>,
    sensitivity: Table,
    break_even: Option<Table>,
}

/// A chart's bar: label, USD, colour.
type Bar = (String, f64, usize);
/// A quality-vs-cost point: provider, USD per 1k requests, pass rate, colour.
type Point = (String, f64, f64, usize);

impl Ctx<'_> {
    pub(super) fn cost(&self) -> anyhow::Result<CostSection> {
        let r = self.0;
        let workload = r.cost.requests_per_month;
        let (table, mut notes) = self.cost_table();
        notes.extend(
            (r.cost.providers.iter()).filter_map(|c| Some(c.judging.as_ref()?.describe(&c.id))),
        );
        let (bars, points) = self.chart_data();
        let monthly_caption = match workload {
            Some(n) => format!(
                "Projected monthly cost at the workload's {n} requests a month (mean cost per request × volume). For self-hosted providers, a second bar: the whole machines that volume needs at the assumed utilization, paid whether busy or idle."
            ),
            None => "Cost per 1k requests (the suite sets no `workload.requests_per_month`, so there is no monthly projection).".into(),
        };
        let unit = match workload {
            Some(_) => "USD per month",
            None => "USD per 1k requests",
        };
        let front = cost::pareto_front(
            &points
                .iter()
                .map(|(_, c, q, _)| (*c, *q))
                .collect::<Vec<_>>(),
        );
        if !front.is_empty() {
            let names: Vec<&str> = front.iter().map(|&i| points[i].0.as_str()).collect();
            notes.push(format!(
                "On the Pareto front (no other provider is both cheaper per request and better on pass rate): {}.",
                names.join(", ")
            ));
        }
        Ok(CostSection {
            table,
            notes,
            monthly_chart: charts::usd_bars(unit, &bars)?,
            monthly_caption,
            quality_chart: charts::quality_vs_cost(&points, &front)?,
            self_hosting: (r.cost.providers.iter())
                .filter_map(|c| Some(self_hosting(&c.id, c.self_hosting.as_ref()?, workload)))
                .collect(),
        })
    }

    /// Per provider: what its records cost, per request, per 1k and per month; and notes on the
    /// providers whose cost is unknown or partly known.
    fn cost_table(&self) -> (Table, Vec<String>) {
        let monthly_head = self.monthly_head();
        let mut table = Table::new(&[
            "provider",
            "basis",
            "#priced records",
            "#known cost",
            "#per request",
            "#per 1k requests",
            &monthly_head,
        ]);
        let mut notes = Vec::new();
        for c in &self.0.cost.providers {
            let pr = c.projection.as_ref();
            table.row(vec![
                c.id.clone(),
                c.pricing.basis().into(),
                format!("{} of {}", c.records - c.unpriced, c.records),
                usd(c.known_total_usd),
                pr.map_or("unknown".into(), |x| usd(x.usd_per_request)),
                pr.map_or("unknown".into(), |x| usd(x.usd_per_1k_requests)),
                pr.and_then(|x| x.usd_per_month).map_or("—".into(), usd),
            ]);
            if let Pricing::Unknown { reason } = &c.pricing {
                notes.push(format!("{}: cost unknown: {reason}", c.id));
            } else if c.unpriced > 0 {
                notes.push(format!(
                    "{}: {} of {} records have no known cost; the figures are the mean of the others.",
                    c.id, c.unpriced, c.records
                ));
            }
        }
        (table, notes)
    }

    /// The monthly (or per 1k) cost bars, a self-hosted provider's whole machines beside its own,
    /// and the quality-vs-cost points.
    fn chart_data(&self) -> (Vec<Bar>, Vec<Point>) {
        let r = self.0;
        let (mut bars, mut points) = (Vec::new(), Vec::new());
        for c in &r.cost.providers {
            let Some(pr) = c.projection.as_ref() else {
                continue;
            };
            let value = match r.cost.requests_per_month {
                Some(_) => pr.usd_per_month.unwrap_or_default(),
                None => pr.usd_per_1k_requests,
            };
            bars.push((c.id.clone(), value, self.color(&c.id)));
            if let Some(mach) = c.self_hosting.as_ref().and_then(|h| h.machines.as_ref()) {
                let label = format!("{} ({} whole machine(s))", c.id, mach.count);
                bars.push((label, mach.usd_per_month, self.color(&c.id)));
            }
            if let Some(q) = r.summary.providers.iter().find(|p| p.id == c.id) {
                points.push((
                    c.id.clone(),
                    pr.usd_per_1k_requests,
                    q.pass_rate,
                    self.color(&c.id),
                ));
            }
        }
        (bars, points)
    }
}

/// A self-hosted provider's cost per token, sensitivity and break-even, as tables.
fn self_hosting(id: &str, h: &cost::SelfHostingCost, workload: Option<u64>) -> SelfHostView {
    let mut sensitivity = Table::new(&[
        "#utilization",
        "#USD per million output tokens",
        "#USD per 1k requests",
    ]);
    for x in &h.sensitivity {
        sensitivity.row(vec![
            format!("{:.0}%", x.utilization * 100.0),
            usd(x.usd_per_mtok),
            usd(x.usd_per_mtok * h.output_tokens_per_request / 1e3),
        ]);
    }
    let break_even = (!h.break_even.is_empty()).then(|| {
        let mut t = Table::new(&[
            "against",
            "#its cost per request",
            "#break-even requests / month",
            "#one machine serves at most",
            "verdict",
        ]);
        for b in &h.break_even {
            let be = &b.break_even;
            t.row(vec![
                b.baseline.clone(),
                usd(b.baseline_usd_per_request),
                be.requests_per_month
                    .map_or("never (it costs nothing)".into(), |n| format!("{n:.0}")),
                format!("{:.0}", be.capacity_requests_per_month),
                match (be.reachable, workload, be.requests_per_month) {
                    (false, ..) => "never within one machine".into(),
                    (true, Some(n), Some(v)) if (n as f64) >= v => {
                        format!("pays off at the workload's {n}")
                    }
                    (true, Some(n), _) => format!("not at the workload's {n}"),
                    (true, None, _) => "reachable".into(),
                },
            ]);
        }
        t
    });
    SelfHostView {
        id: id.to_string(),
        explained: h.explained.clone(),
        basis: h.throughput.explained.clone(),
        machines: h.machines.as_ref().zip(workload).map(|(mach, n)| {
            format!(
                "At {n} requests a month of {:.0} output tokens each: {} machine(s), {} a month.",
                h.output_tokens_per_request,
                mach.count,
                usd(mach.usd_per_month)
            )
        }),
        sensitivity,
        break_even,
    }
}
