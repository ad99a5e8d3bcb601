//! The executive summary's recommendation for each gate candidate (switch, switch with caveats,
//! stay) with its reasons, from the gate's verdict, the cost figures and how the figures were got.

use serde::Serialize;

use crate::analysis::cost::{CostSummary, ProviderCost};
use crate::analysis::non_inferiority::Outcome;
use crate::analysis::RecordFrame;
use crate::analysis::{Comparison, Summary};
use crate::cost::Pricing;
use crate::gate::{self, Verdict};
use crate::record::Manifest;
use crate::suite::GateConfig;

/// The rule, as the report's methodology and the README state it.
pub const RULE: &str = "Stay when the gate fails the candidate on quality (its pass rate is below \
`min_pass_rate`, it drops more than `max_pass_rate_drop` below the baseline, significantly when the \
gate sets `significance`, or it is shown inferior beyond a non-inferiority margin). Switch with \
caveats when a non-inferiority test is inconclusive (not enough cases: how many more would settle \
it is given), a tag of its cases is shown inferior, quality holds but a latency or cost check fails, \
the candidate costs more than the baseline per request or its cost is unknown, a self-hosted \
candidate does not break even at the workload's volume, figures were replayed from a cassette \
rather than measured in this run, or the interval of the score difference is wide (it reaches a \
drop larger than `max_pass_rate_drop`, or 5 points when the gate sets none). Switch when all of \
these hold.";

/// The drop a quality interval is measured against when the gate sets no `max_pass_rate_drop`.
pub const DEFAULT_TOLERATED_DROP: f64 = 0.05;

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
    records: &RecordFrame,
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
    let verdict = match gate::evaluate(gate, summary, records, cost) {
        Ok(v) => v,
        Err(e) => {
            return Executive {
                verdict: None,
                unavailable: Some(format!("the gate could not be evaluated: {e:#}")),
                recommendations: Vec::new(),
            }
        }
    };
    let inputs = Inputs {
        manifest,
        summary,
        comparisons,
        cost,
        gate,
        verdict: &verdict,
    };
    let recommendations = gate
        .candidates
        .iter()
        .map(|c| inputs.recommendation(c))
        .collect();
    Executive {
        verdict: Some(verdict),
        unavailable: None,
        recommendations,
    }
}

/// What a recommendation weighs.
struct Inputs<'a> {
    manifest: &'a Manifest,
    summary: &'a Summary,
    comparisons: &'a [Comparison],
    cost: &'a CostSummary,
    gate: &'a GateConfig,
    verdict: &'a Verdict,
}

impl Inputs<'_> {
    /// The decision for one candidate: failed quality checks (stay), then caveats (switch with
    /// caveats), then what holds.
    fn recommendation(&self, candidate: &String) -> Recommendation {
        let gate = self.gate;
        let checks: Vec<_> = (self.verdict.checks.iter())
            .filter(|c| &c.candidate == candidate)
            .collect();
        let (mut failed, mut caveats, mut holds) = (Vec::new(), Vec::new(), Vec::new());
        for c in &checks {
            let line = format!("{}: {}", c.criterion.as_str(), c.reason);
            let inconclusive =
                (c.non_inferiority.as_ref()).is_some_and(|t| t.outcome == Outcome::Inconclusive);
            match (c.passed, c.criterion.is_quality()) {
                (false, true) if inconclusive => {
                    caveats.push(format!("not enough cases to show it as good — {line}"));
                }
                (false, true) => failed.push(line),
                (false, false) => caveats.push(line),
                (true, _) => holds.push(line),
            }
        }
        caveats.extend(inferior_tags(self.verdict, candidate));
        if !checks.iter().any(|c| c.criterion.is_quality()) {
            caveats.push("the gate checks no quality criterion (`non_inferiority_margin`, `min_pass_rate`, `max_pass_rate_drop`) for it".into());
        }
        // A wide interval qualifies quality that holds; a failed one needs no qualifying.
        let comparison = self.comparisons.iter().find(|c| &c.candidate == candidate);
        if let (true, Some(c)) = (failed.is_empty(), comparison) {
            let tolerated = gate.max_pass_rate_drop.unwrap_or(DEFAULT_TOLERATED_DROP);
            caveats.extend(wide_interval(c, tolerated));
        }
        for id in [candidate.as_str(), gate.baseline.as_str()] {
            caveats.extend(replayed(self.manifest, self.summary, id));
        }
        let provider_cost = |id: &str| self.cost.providers.iter().find(|p| p.id == id);
        match (provider_cost(candidate), provider_cost(&gate.baseline)) {
            (Some(cand), Some(base)) => {
                let (caveat, note) = cost_caveat(cand, base, self.cost.requests_per_month);
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
    }
}

/// A caveat for each tag on whose cases the candidate is shown inferior (even when the whole
/// holds): the per-tag tests are not adjusted for their number.
fn inferior_tags(verdict: &Verdict, candidate: &str) -> Vec<String> {
    let Some(a) = verdict
        .non_inferiority
        .iter()
        .find(|a| a.candidate == candidate)
    else {
        return Vec::new();
    };
    (a.per_tag.iter())
        .filter(|(_, t)| t.outcome == Outcome::Inferior)
        .map(|(tag, t)| {
            format!(
                "on the cases tagged `{tag}` alone, {} (the per-tag tests are not adjusted for their number)",
                gate::non_inferiority_reason(t, "pass rate")
            )
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::record::Record;
    use crate::report::Report;

    /// A run of `base` (gpt-4o-mini, priced by the table) and `cand` (priced per token by the
    /// suite) on 30 cases; `cand_passes` says which cases the candidate passes.
    fn report(gate: Value, cand_passes: impl Fn(usize) -> bool, base_replayed: bool) -> Report {
        let provider = |id: &str, config: Value| json!({"id": id, "config": config, "sampling": {"temperature": 0.0, "max_tokens": 8}});
        let mut base = provider("base", json!({"kind": "openai", "model": "gpt-4o-mini"}));
        if base_replayed {
            base["replayed_from"] = json!("fixtures/cassettes/base.jsonl");
        }
        let manifest = serde_json::from_value(json!({
            "run_id": "r", "status": "completed", "modelswap_version": "0", "started_at": "t",
            "finished_at": null,
            "suite": {"path": "s.yaml", "sha256": "0", "name": "s", "description": null},
            "providers": [base, provider("cand", json!({"kind": "openai-compatible", "model": "m",
                "base_url": "http://h/v1", "price": {"input_per_mtok": 0.01, "output_per_mtok": 0.01}}))],
            "cases": 30, "repeats": 1, "records_expected": 60,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2},
            "workload": {"requests_per_month": 1000}, "gate": gate
        }))
        .unwrap();
        let record = |provider: &str, case: usize, passed: bool, ms: f64, cost: f64| {
            serde_json::from_value(json!({
                "run_id": "r", "case_id": format!("c{case:02}"), "provider": provider, "repeat": 0,
                "request_hash": "sha256:0", "replayed": provider == "base" && base_replayed,
                "output": "x", "finish_reason": "stop", "error": null,
                "usage": {"input_tokens": 10, "output_tokens": 2},
                "timing": {"started_at": "t", "ttft_ms": 1.0, "total_ms": ms, "tokens_per_s": null,
                           "attempts": 1, "retry_wait_ms": 0.0},
                "cost_usd": cost,
                "scores": [{"scorer": "equals", "score": f64::from(u8::from(passed)), "passed": passed, "reason": "r"}],
                "passed": passed
            }))
            .unwrap()
        };
        let records: Vec<Record> = (0..30)
            .flat_map(|i| {
                [
                    record("base", i, true, 500.0, 0.001),
                    record("cand", i, cand_passes(i), 800.0, 0.0001),
                ]
            })
            .collect();
        let (_dir, path, frame) = crate::analysis::frame::testing::write(&records);
        Report::build(manifest, &frame, &path, Vec::new()).unwrap()
    }

    fn gate(extra: Value) -> Value {
        let mut g = json!({"baseline": "base", "candidates": ["cand"], "min_pass_rate": 0.8,
                           "max_pass_rate_drop": 0.1, "significance": 0.05});
        g.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        g
    }

    fn only(r: &Report) -> &Recommendation {
        assert_eq!(r.executive.recommendations.len(), 1, "{:?}", r.executive);
        &r.executive.recommendations[0]
    }

    #[test]
    fn switch_when_quality_latency_and_cost_hold_on_measured_figures() {
        let r = report(gate(json!({"max_p95_latency_ms": 1000})), |_| true, false);
        let rec = only(&r);
        assert_eq!(rec.decision, Decision::Switch, "{:?}", rec.reasons);
        assert!(
            rec.reasons
                .iter()
                .any(|x| x.starts_with("cost: $0.1000 vs $1.0000 per 1k")),
            "{:?}",
            rec.reasons
        );
        assert!(rec.reasons.iter().any(|x| x.starts_with("min_pass_rate: ")));
        assert!(r.executive.verdict.as_ref().unwrap().passed);
    }

    #[test]
    fn caveats_when_latency_fails_figures_were_replayed_or_the_interval_is_wide() {
        let r = report(gate(json!({"max_p95_latency_ms": 600})), |_| true, false);
        let rec = only(&r);
        assert_eq!(rec.decision, Decision::SwitchWithCaveats);
        assert!(
            rec.reasons[0].starts_with("max_p95_latency_ms: p95 latency 800 ms"),
            "{:?}",
            rec.reasons
        );

        let r = report(gate(json!({})), |_| true, true);
        let rec = only(&r);
        assert_eq!(rec.decision, Decision::SwitchWithCaveats);
        assert!(
            rec.reasons[0].contains(
                "`base`: 30 of 30 records were replayed from `fixtures/cassettes/base.jsonl`"
            ),
            "{:?}",
            rec.reasons
        );

        // Three failures in 30: a drop of 10%, within the gate's 10%, so the gate passes; but the
        // paired interval of the score difference reaches further than the tolerated 10 points.
        let r = report(gate(json!({})), |i| i >= 3, false);
        let rec = only(&r);
        assert_eq!(
            rec.decision,
            Decision::SwitchWithCaveats,
            "{:?}",
            rec.reasons
        );
        assert!(
            rec.reasons[0].contains("interval of the score difference is wide"),
            "{:?}",
            rec.reasons
        );
    }

    #[test]
    fn stay_when_the_gate_fails_on_quality() {
        let r = report(gate(json!({})), |i| i % 2 == 0, false);
        let rec = only(&r);
        assert_eq!(rec.decision, Decision::Stay);
        assert!(
            rec.reasons[0].starts_with("min_pass_rate: pass rate 50.0%"),
            "{:?}",
            rec.reasons
        );
        assert!(
            rec.reasons[1].starts_with("max_pass_rate_drop: "),
            "{:?}",
            rec.reasons
        );
        // A failed quality check is not qualified by a wide interval.
        assert!(!rec.reasons.iter().any(|x| x.contains("is wide")));
    }

    #[test]
    fn no_recommendation_without_a_gate_or_when_it_cannot_be_evaluated() {
        let r = report(Value::Null, |_| true, false);
        assert!(r.executive.recommendations.is_empty());
        assert!(r
            .executive
            .unavailable
            .as_deref()
            .unwrap()
            .contains("no `gate` section"));

        let r = report(
            json!({"baseline": "nobody", "candidates": ["cand"]}),
            |_| true,
            false,
        );
        assert!(r.executive.recommendations.is_empty());
        let why = r.executive.unavailable.as_deref().unwrap();
        assert!(
            why.starts_with("the gate could not be evaluated: ") && why.contains("`nobody`"),
            "{why}"
        );
    }
}
