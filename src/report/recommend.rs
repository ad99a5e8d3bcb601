//! The executive summary's recommendation for each gate candidate (switch, switch with caveats,
//! stay) with its reasons, from the gate's verdict, the cost figures and how the figures were got.

use serde::Serialize;

use crate::analysis::cost::{CostSummary, ProviderCost};
use crate::analysis::{Comparison, Summary};
use crate::cost::Pricing;
use crate::gate::{self, Verdict};
use crate::record::{Manifest, Record};

/// The rule, as the report's methodology and the README state it.
pub const RULE: &str = "Stay when the gate fails the candidate on quality (its pass rate is below \
`min_pass_rate`, or it drops more than `max_pass_rate_drop` below the baseline, significantly when the \
gate sets `significance`). Switch with caveats when quality holds but a latency or cost check fails, \
the candidate costs more than the baseline or its cost is unknown, figures were replayed from a \
cassette rather than measured in this run, or the interval of the score difference is wide (it \
reaches a drop larger than `max_pass_rate_drop`, or 5 points when the gate sets none). Switch when \
all of these hold.";

/// The drop a quality interval is measured against when the gate sets no `max_pass_rate_drop`.
pub const DEFAULT_TOLERATED_DROP: f64 = 0.05;

/// The gate's criteria that judge quality; every other failed check is a caveat.
const QUALITY: [&str; 2] = ["min_pass_rate", "max_pass_rate_drop"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Switch,
    SwitchWithCaveats,
    Stay,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Self::Switch => "switch",
            Self::SwitchWithCaveats => "switch with caveats",
            Self::Stay => "stay",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub candidate: String,
    pub baseline: String,
    pub decision: Decision,
    /// What decided it first (failed quality checks, then caveats), then what holds.
    pub reasons: Vec<String>,
}

/// The gate's verdict and what follows from it.
#[derive(Debug, Clone, Serialize)]
pub struct Executive {
    /// `None` without a `gate` section, or when the gate could not be evaluated.
    pub verdict: Option<Verdict>,
    /// Why there is no recommendation, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    pub recommendations: Vec<Recommendation>,
}

pub fn recommend(
    manifest: &Manifest,
    summary: &Summary,
    comparisons: &[Comparison],
    cost: &CostSummary,
    records: &[Record],
) -> Executive {
    let Some(gate) = &manifest.gate else {
        return Executive {
            verdict: None,
            unavailable: Some(
                "the suite has no `gate` section, so there is no baseline and no candidate to recommend"
                    .into(),
            ),
            recommendations: Vec::new(),
        };
    };
    let verdict = match gate::evaluate(gate, summary, records) {
        Ok(v) => v,
        Err(e) => {
            return Executive {
                verdict: None,
                unavailable: Some(format!("the gate could not be evaluated: {e:#}")),
                recommendations: Vec::new(),
            }
        }
    };
    let tolerated = gate.max_pass_rate_drop.unwrap_or(DEFAULT_TOLERATED_DROP);
    let provider_cost = |id: &str| cost.providers.iter().find(|p| p.id == id);
    let recommendations = gate
        .candidates
        .iter()
        .map(|candidate| {
            let checks: Vec<_> = verdict
                .checks
                .iter()
                .filter(|c| &c.candidate == candidate)
                .collect();
            let is_quality = |c: &&gate::GateCheck| QUALITY.contains(&c.criterion.as_str());
            let mut failed = Vec::new();
            let mut caveats = Vec::new();
            let mut holds = Vec::new();
            for c in &checks {
                let line = format!("{}: {}", c.criterion, c.reason);
                match (c.passed, is_quality(c)) {
                    (false, true) => failed.push(line),
                    (false, false) => caveats.push(line),
                    (true, _) => holds.push(line),
                }
            }
            if !checks.iter().any(is_quality) {
                caveats.push("the gate checks no quality criterion (`min_pass_rate`, `max_pass_rate_drop`) for it".into());
            }
            // A wide interval qualifies quality that holds; a failed one needs no qualifying.
            if let (true, Some(c)) = (
                failed.is_empty(),
                comparisons.iter().find(|c| &c.candidate == candidate),
            ) {
                caveats.extend(wide_interval(c, tolerated));
            }
            for id in [candidate.as_str(), gate.baseline.as_str()] {
                caveats.extend(replayed(manifest, summary, id));
            }
            match (provider_cost(candidate), provider_cost(&gate.baseline)) {
                (Some(cand), Some(base)) => {
                    let (caveat, note) = cost_caveat(cand, base, cost.requests_per_month);
                    caveats.extend(caveat);
                    holds.extend(note);
                }
                _ => caveats.push("its cost or the baseline's is not in this run".into()),
            }
            let decision = if !failed.is_empty() {
                Decision::Stay
            } else if !caveats.is_empty() {
                Decision::SwitchWithCaveats
            } else {
                Decision::Switch
            };
            Recommendation {
                candidate: candidate.clone(),
                baseline: gate.baseline.clone(),
                decision,
                reasons: [failed, caveats, holds].concat(),
            }
        })
        .collect();
    Executive {
        verdict: Some(verdict),
        unavailable: None,
        recommendations,
    }
}

/// A caveat when the paired interval of the score difference reaches a drop beyond `tolerated`.
fn wide_interval(c: &Comparison, tolerated: f64) -> Option<String> {
    let ci = c.score_diff_ci?;
    (ci.low < -tolerated).then(|| {
        format!(
            "the {:.0}% interval of the score difference is wide: [{:+.3}, {:+.3}] on {} pairs reaches a drop larger than the tolerated {:.3}; more cases would narrow it",
            (1.0 - c.alpha) * 100.0,
            ci.low,
            ci.high,
            c.pairs,
            tolerated
        )
    })
}

/// A caveat when a provider's records were answered from a cassette.
fn replayed(manifest: &Manifest, summary: &Summary, id: &str) -> Option<String> {
    let s = summary.providers.iter().find(|p| p.id == id)?;
    (s.replayed > 0).then(|| {
        let info = manifest.providers.iter().find(|p| p.id == id);
        let from = info
            .and_then(|p| p.replayed_from.as_deref())
            .map(|c| format!(" from `{c}`"))
            .unwrap_or_default();
        let label = s
            .label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        format!(
            "`{id}`: {} of {} records were replayed{from}{label}: recorded earlier, not measured in this run",
            s.replayed, s.records
        )
    })
}

/// The cost comparison of a candidate with the baseline: a caveat when the candidate costs more
/// or its cost is unknown, otherwise a note of what it saves.
fn cost_caveat(
    cand: &ProviderCost,
    base: &ProviderCost,
    requests_per_month: Option<u64>,
) -> (Option<String>, Option<String>) {
    let (Some(c), Some(b)) = (&cand.projection, &base.projection) else {
        let unknown = if cand.projection.is_none() {
            &cand.id
        } else {
            &base.id
        };
        let why = [cand, base]
            .into_iter()
            .find(|p| &p.id == unknown)
            .and_then(|p| match &p.pricing {
                Pricing::Unknown { reason } => Some(format!(": {reason}")),
                _ => None,
            })
            .unwrap_or_default();
        return (
            Some(format!(
                "cost cannot be compared: `{unknown}` has no known cost{why}"
            )),
            None,
        );
    };
    let per_1k = format!(
        "${:.4} vs ${:.4} per 1k requests",
        c.usd_per_1k_requests, b.usd_per_1k_requests
    );
    if c.usd_per_1k_requests > b.usd_per_1k_requests {
        return (
            Some(format!(
                "`{}` costs more than `{}`: {per_1k}",
                cand.id, base.id
            )),
            None,
        );
    }
    // A machine is paid by the hour whether it serves or idles: at the workload's volume the
    // hardware must pay off, not only each request.
    if let (Some(h), Some(n)) = (&cand.self_hosting, requests_per_month) {
        if let Some(be) = h.break_even.iter().find(|v| v.baseline == base.id) {
            match be.break_even.requests_per_month {
                Some(volume) if !be.break_even.reachable => {
                    return (Some(format!(
                        "`{}` self-hosted never breaks even against `{}`: one machine would need {volume:.0} requests a month to pay off but serves at most {:.0}",
                        cand.id, base.id, be.break_even.capacity_requests_per_month
                    )), None)
                }
                Some(volume) if (n as f64) < volume => {
                    return (Some(format!(
                        "`{}` self-hosted pays off only above {volume:.0} requests a month against `{}`; the workload is {n}",
                        cand.id, base.id
                    )), None)
                }
                _ => {}
            }
        }
    }
    (None, Some(format!("cost: {per_1k}")))
}
