//! The CI gate: the suite's `gate` thresholds applied to a run, with every reason stated.

use serde::Serialize;

use crate::analysis::{self, Comparison, RecordFrame, Summary};
use crate::suite::GateConfig;

/// The gate's outcome, machine-readable (`verdict.json`) and printable.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub baseline: String,
    pub checks: Vec<GateCheck>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateCheck {
    pub candidate: String,
    /// The suite's field name: `min_pass_rate`, `max_pass_rate_drop`, `max_p95_latency_ms`, …
    pub criterion: String,
    pub limit: f64,
    pub actual: Option<f64>,
    pub passed: bool,
    pub reason: String,
    /// For `max_pass_rate_drop`: the paired comparison (McNemar p, bootstrap interval of the
    /// score difference, significance at `alpha`). The gate consults `significant` only when the
    /// suite sets `significance`; otherwise it is read at 0.05 for information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// Why the gate could not be evaluated at all (exit code 2, not a failed gate).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateError(pub String);

/// Applies `gate` to the run. `records` holds every provider's records (the baseline's possibly
/// from another run, see `--against`). A gate that cannot be evaluated is a `GateError`.
pub fn evaluate(
    gate: &GateConfig,
    summary: &Summary,
    records: &RecordFrame,
) -> anyhow::Result<Verdict> {
    let find = |id: &str| {
        summary.providers.iter().find(|p| p.id == id).ok_or_else(|| {
            GateError(format!(
                "the run has no records for `{id}`; run it (e.g. without --providers) or pass --against a run that has it"
            ))
        })
    };
    find(&gate.baseline)?;
    let mut checks = Vec::new();
    for candidate in &gate.candidates {
        let summary = find(candidate)?;
        let check =
            |criterion: &str, limit: f64, actual: Option<f64>, passed: bool, reason| GateCheck {
                candidate: candidate.clone(),
                criterion: criterion.into(),
                limit,
                actual,
                passed,
                reason,
                comparison: None,
            };
        if let Some(min) = gate.min_pass_rate {
            let rate = summary.pass_rate;
            let ok = rate >= min;
            let op = if ok { "≥" } else { "<" };
            let interval = summary
                .pass_rate_ci
                .map(|ci| format!(", 95% CI {}–{}", pct(ci.low), pct(ci.high)))
                .unwrap_or_default();
            checks.push(check(
                "min_pass_rate",
                min,
                Some(rate),
                ok,
                format!(
                    "pass rate {} ({}/{}{interval}) {op} minimum {}",
                    pct(rate),
                    summary.passed,
                    summary.records,
                    pct(min)
                ),
            ));
        }
        if let Some(max_drop) = gate.max_pass_rate_drop {
            let alpha = gate.significance.unwrap_or(analysis::DEFAULT_ALPHA);
            let cmp = analysis::compare(records, &gate.baseline, candidate, alpha)?;
            if cmp.pairs == 0 {
                return Err(GateError(format!(
                    "`{candidate}` and the baseline `{}` share no case, so their pass rates cannot be compared",
                    gate.baseline
                ))
                .into());
            }
            let over = cmp.pass_rate_drop > max_drop + 1e-12;
            let (ok, verdict) = match (over, gate.significance) {
                (false, _) => (true, format!("≤ max {}", pct(max_drop))),
                (true, None) => (
                    false,
                    format!("> max {} (the gate sets no `significance`)", pct(max_drop)),
                ),
                (true, Some(_)) if cmp.significant => (
                    false,
                    format!("> max {}, significant at α = {alpha}", pct(max_drop)),
                ),
                (true, Some(_)) => (
                    true,
                    format!(
                        "> max {}, but not significant at α = {alpha} (within chance on these cases)",
                        pct(max_drop)
                    ),
                ),
            };
            let reason = format!(
                "pass rate {} vs baseline {} on {} shared (case, repeat) pairs: drop {} {verdict}; {}",
                pct(cmp.candidate_pass_rate),
                pct(cmp.baseline_pass_rate),
                cmp.pairs,
                pct(cmp.pass_rate_drop),
                evidence(&cmp)
            );
            let mut c = check(
                "max_pass_rate_drop",
                max_drop,
                Some(cmp.pass_rate_drop),
                ok,
                reason,
            );
            c.comparison = Some(cmp);
            checks.push(c);
        }
        if let Some(max) = gate.max_p95_latency_ms {
            checks.push(match summary.latency_p95_ms {
                Some(p95) => {
                    let ok = p95 <= max;
                    let op = if ok { "≤" } else { ">" };
                    check(
                        "max_p95_latency_ms",
                        max,
                        Some(p95),
                        ok,
                        format!("p95 latency {p95:.0} ms {op} maximum {max:.0} ms"),
                    )
                }
                None => check(
                    "max_p95_latency_ms",
                    max,
                    None,
                    false,
                    "no successful call, so no latency to check".into(),
                ),
            });
        }
        if let Some(max) = gate.max_cost_per_1k_requests_usd {
            checks.push(match analysis::cost::projection(records, candidate, None)? {
                Some(p) => {
                    let ok = p.usd_per_1k_requests <= max;
                    let op = if ok { "≤" } else { ">" };
                    let unpriced = match p.records - p.priced {
                        0 => String::new(),
                        n => format!(" ({n} of {} records have no known cost and are left out)", p.records),
                    };
                    check(
                        "max_cost_per_1k_requests_usd",
                        max,
                        Some(p.usd_per_1k_requests),
                        ok,
                        format!(
                            "${:.4} per 1k requests {op} maximum ${max:.4}{unpriced}",
                            p.usd_per_1k_requests
                        ),
                    )
                }
                // An unknown cost never passes a cost limit as if it were $0.
                None => check(
                    "max_cost_per_1k_requests_usd",
                    max,
                    None,
                    false,
                    "cost unknown: no record has a known cost; give the provider a `price:` (or `hosting:` for self-hosted hardware)".into(),
                ),
            });
        }
    }
    Ok(Verdict {
        passed: checks.iter().all(|c| c.passed),
        baseline: gate.baseline.clone(),
        checks,
    })
}

/// The paired test's figures in one clause: discordant pairs, McNemar p, the score difference.
fn evidence(c: &Comparison) -> String {
    let mut out = format!(
        "{} pairs only the baseline passed, {} only the candidate; exact McNemar p {}",
        c.only_baseline_passed,
        c.only_candidate_passed,
        match analysis::format_p(c.mcnemar_p) {
            p if p.starts_with('<') => p,
            p => format!("= {p}"),
        }
    );
    if let (Some(d), Some(ci)) = (c.score_diff, c.score_diff_ci) {
        out.push_str(&format!(
            "; score difference (candidate − baseline) {d:+.3}, paired {} {:.0}% CI [{:+.3}, {:+.3}]",
            c.score_diff_ci_method.label(),
            (1.0 - c.alpha) * 100.0,
            ci.low,
            ci.high
        ));
    }
    out
}

impl Verdict {
    /// One line per check, then the overall outcome.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.passed { "PASS" } else { "FAIL" };
            out.push_str(&format!(
                "{mark}  {}  {}: {}\n",
                c.candidate, c.criterion, c.reason
            ));
        }
        let failed = self.checks.iter().filter(|c| !c.passed).count();
        if self.checks.is_empty() {
            out.push_str("gate: PASSED (the gate sets no thresholds)\n");
        } else if failed == 0 {
            out.push_str(&format!(
                "gate: PASSED ({} checks against baseline `{}`)\n",
                self.checks.len(),
                self.baseline
            ));
        } else {
            out.push_str(&format!(
                "gate: FAILED ({failed} of {} checks against baseline `{}`)\n",
                self.checks.len(),
                self.baseline
            ));
        }
        out
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
