//! The executive summary: the gate's verdict, a recommendation per candidate, the headline table.

use serde::Serialize;

use super::{Ctx, Table};
use crate::format::{interval, ms, pct1, usd};
use crate::report::junit::xml_text;
use crate::report::Decision;

#[derive(Serialize)]
pub(super) struct SummarySection {
    verdict: Option<String>,
    unavailable: Option<String>,
    recommendations: Vec<Rec>,
    headline: Table,
}

#[derive(Serialize)]
pub(super) struct Rec {
    candidate: String,
    baseline: String,
    decision: &'static str,
    class: &'static str,
    reasons: Vec<String>,
}

impl Ctx<'_> {
    pub(super) fn summary(&self) -> SummarySection {
        let r = self.0;
        let gate = r.manifest.gate.as_ref();
        let verdict = (r.executive.verdict.as_ref()).map(|v| format!("Gate: {}.", v.headline()));
        let recommendations = r
            .executive
            .recommendations
            .iter()
            .map(|x| Rec {
                candidate: x.candidate.clone(),
                baseline: x.baseline.clone(),
                decision: x.decision.label(),
                class: match x.decision {
                    Decision::Switch => "switch",
                    Decision::SwitchWithCaveats => "caveats",
                    Decision::Stay => "stay",
                },
                reasons: x.reasons.iter().map(|y| xml_text(y)).collect(),
            })
            .collect();
        let monthly_head = self.monthly_head();
        let mut headline = Table::new(&[
            "provider",
            "role",
            "#pass rate (95% CI)",
            "#p95 latency",
            "#cost / 1k requests",
            &monthly_head,
        ]);
        for p in &r.summary.providers {
            let projection = self.cost_of(&p.id).and_then(|c| c.projection.as_ref());
            let p95 = r.latency.iter().find(|l| l.id == p.id);
            headline.row(vec![
                p.id.clone(),
                match gate {
                    Some(g) if g.baseline == p.id => "baseline",
                    Some(g) if g.candidates.contains(&p.id) => "candidate",
                    _ => "",
                }
                .into(),
                format!(
                    "{} {}",
                    pct1(p.pass_rate),
                    interval(p.pass_rate_ci, |x| format!("{:.1}", x * 100.0))
                ),
                ms(p95.and_then(|l| l.total_ms).map(|t| t.p95)),
                projection.map_or("unknown".into(), |x| usd(x.usd_per_1k_requests)),
                projection
                    .and_then(|x| x.usd_per_month)
                    .map_or("—".into(), usd),
            ]);
        }
        SummarySection {
            verdict,
            unavailable: r.executive.unavailable.clone(),
            recommendations,
            headline,
        }
    }
}
