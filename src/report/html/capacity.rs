//! Capacity: each load sweep of a self-hosted provider (`modelswap load`) as a throughput–latency
//! curve with the SLO and the goodput, and its levels as a table.

use serde::Serialize;

use super::{Ctx, Table};
use crate::format::{ms, num};
use crate::load::{Capacity, Level, Percentiles};
use crate::report::charts;

#[derive(Serialize)]
pub(super) struct CapacityView {
    provider: String,
    chart: Option<String>,
    caption: String,
    levels: Table,
    notes: Vec<String>,
}

impl Ctx<'_> {
    pub(super) fn capacity(&self) -> anyhow::Result<Vec<CapacityView>> {
        self.0.capacity.iter().map(view).collect()
    }
}

fn view(c: &Capacity) -> anyhow::Result<CapacityView> {
    // The curve plots the SLO's figure when it bounds one, else the end-to-end latency.
    let (metric, pick, bound): (&str, fn(&Level) -> Option<Percentiles>, _) = match c.slo {
        Some(s) if s.itl_p95_ms.is_some() => {
            ("p95 inter-token latency", |l| l.itl_ms, s.itl_p95_ms)
        }
        Some(s) if s.ttft_p95_ms.is_some() => {
            ("p95 time to first token", |l| l.ttft_ms, s.ttft_p95_ms)
        }
        Some(s) => ("p95 end-to-end latency", |l| l.e2e_ms, s.e2e_p95_ms),
        None => ("p95 end-to-end latency", |l| l.e2e_ms, None),
    };
    let label = |l: &Level| match (l.concurrency, l.rate) {
        (Some(n), _) => format!("{n} in flight"),
        (None, Some(r)) => format!("{r}/s"),
        _ => String::new(),
    };
    let points: Vec<(String, f64, f64)> = (c.levels.iter())
        .filter_map(|l| Some((label(l), l.output_tokens_per_s, pick(l)?.p95)))
        .collect();
    let at = |i: usize| points.iter().position(|p| p.0 == label(&c.levels[i]));
    let goodput = c.goodput.as_ref().and_then(|g| at(g.level));
    let knee = c.knee.and_then(at);
    let levels = levels(c, label);
    let notes = notes(c, label);
    Ok(CapacityView {
        provider: c.provider.clone(),
        chart: charts::capacity_curve(&points, metric, bound, (goodput, knee))?,
        caption: format!(
            "{metric} against the output throughput {} delivered at each load level; the curve turns up at the knee, where more load buys latency rather than throughput.",
            c.provider
        ),
        levels,
        notes,
    })
}

/// Each level's load, throughput and p95 latencies.
fn levels(c: &Capacity, label: impl Fn(&Level) -> String) -> Table {
    let mut table = Table::new(&[
        "load",
        "#requests",
        "#errors",
        "#requests/s",
        "#output tokens/s",
        "#TTFT p95",
        "#ITL p95",
        "#TPOT p95",
        "#e2e p95",
    ]);
    for l in &c.levels {
        let p95 = |p: Option<Percentiles>| ms(p.map(|p| p.p95));
        table.row(vec![
            label(l),
            l.requests.to_string(),
            l.errors.to_string(),
            num(Some(l.requests_per_s), 2),
            num(Some(l.output_tokens_per_s), 1),
            p95(l.ttft_ms),
            p95(l.itl_ms),
            p95(l.tpot_ms),
            p95(l.e2e_ms),
        ]);
    }
    table
}

/// Goodput, knee, why the sweep stopped, the cost, and where it was measured from.
fn notes(c: &Capacity, label: impl Fn(&Level) -> String) -> Vec<String> {
    let mut notes = Vec::new();
    notes.push(match &c.goodput {
        Some(g) => format!(
            "Goodput: {:.1} output tokens/s ({:.2} requests/s) at {}; {}.",
            g.output_tokens_per_s,
            g.requests_per_s,
            label(&c.levels[g.level]),
            g.method
        ),
        None if c.slo.is_some() => "No level met the SLO.".into(),
        None => "The suite sets no `slo:`: the cost rests on the best level's throughput.".into(),
    });
    notes.push(match c.knee {
        Some(i) => format!(
            "Knee: at {}, the last level whose throughput still rose by {:.0}% or more over the one before; past it, more load bought latency, not throughput.",
            label(&c.levels[i]),
            crate::load::capacity::KNEE_GAIN * 100.0
        ),
        None => "No knee: throughput still rose with every level; the engine may deliver more under more load.".into(),
    });
    if let Some(why) = &c.stopped {
        notes.push(format!("The sweep stopped early: {why}."));
    }
    notes.push(format!("Cost: {}.", c.cost.explained));
    notes.push(format!(
        "Measured from {} ({}), started {}, {} s warm-up per level.",
        c.host.describe(),
        c.suite,
        c.started_at,
        c.warmup_s
    ));
    notes
}
