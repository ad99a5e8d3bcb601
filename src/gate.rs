//! The CI gate: the suite's `gate` thresholds applied to a run, with every reason stated.

use serde::Serialize;

use crate::analysis::{self, Summary};
use crate::record::Record;
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
}

/// Why the gate could not be evaluated at all (exit code 2, not a failed gate).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GateError(pub String);

/// Applies `gate` to the run. `records` holds every provider's records (the baseline's possibly
/// from another run, see `--against`).
pub fn evaluate(
    gate: &GateConfig,
    summary: &Summary,
    records: &[Record],
) -> Result<Verdict, GateError> {
    let find = |id: &str| {
        summary.providers.iter().find(|p| p.id == id).ok_or_else(|| {
            GateError(format!(
                "the run has no records for `{id}`; run it (e.g. without --providers) or pass --against a run that has it"
            ))
        })
    };
    find(&gate.baseline)?;
    if let Some(limit) = gate.max_cost_per_1k_requests_usd {
        return Err(GateError(format!(
            "max_cost_per_1k_requests_usd ({limit}) cannot be checked: this version records no costs (cost_usd is null); remove the criterion"
        )));
    }
    let mut checks = Vec::new();
    for candidate in &gate.candidates {
        let summary = find(candidate)?;
        let mut check =
            |criterion: &str, limit: f64, actual: Option<f64>, passed: bool, reason: String| {
                checks.push(GateCheck {
                    candidate: candidate.clone(),
                    criterion: criterion.into(),
                    limit,
                    actual,
                    passed,
                    reason,
                })
            };
        if let Some(min) = gate.min_pass_rate {
            let rate = summary.pass_rate;
            let ok = rate >= min;
            let op = if ok { "≥" } else { "<" };
            check(
                "min_pass_rate",
                min,
                Some(rate),
                ok,
                format!(
                    "pass rate {} ({}/{}) {op} minimum {}",
                    pct(rate),
                    summary.passed,
                    summary.records,
                    pct(min)
                ),
            );
        }
        if let Some(max_drop) = gate.max_pass_rate_drop {
            let cmp = analysis::compare(records, &gate.baseline, candidate);
            let over = cmp.pass_rate_drop > max_drop + 1e-12;
            let base = format!(
                "pass rate {} vs baseline {} on {} shared cases: drop {} (max {})",
                pct(cmp.candidate_pass_rate),
                pct(cmp.baseline_pass_rate),
                cmp.pairs,
                pct(cmp.pass_rate_drop),
                pct(max_drop)
            );
            let discordant = format!(
                "{} only the baseline passed, {} only the candidate; exact McNemar p = {:.4}",
                cmp.only_baseline_passed, cmp.only_candidate_passed, cmp.mcnemar_p
            );
            let (ok, reason) = match (over, gate.significance) {
                (false, _) => (true, base),
                (true, None) => (false, format!("{base}; {discordant}")),
                (true, Some(alpha)) if cmp.mcnemar_p < alpha => {
                    (false, format!("{base}, significant at {alpha}: {discordant}"))
                }
                (true, Some(alpha)) => (
                    true,
                    format!("{base}, but not significant at {alpha} (a drop this size is within chance here): {discordant}"),
                ),
            };
            if cmp.pairs == 0 {
                return Err(GateError(format!(
                    "`{candidate}` and the baseline `{}` share no case, so their pass rates cannot be compared",
                    gate.baseline
                )));
            }
            check(
                "max_pass_rate_drop",
                max_drop,
                Some(cmp.pass_rate_drop),
                ok,
                reason,
            );
        }
        if let Some(max) = gate.max_p95_latency_ms {
            match summary.latency_p95_ms {
                Some(p95) => {
                    let ok = p95 <= max;
                    let op = if ok { "≤" } else { ">" };
                    check(
                        "max_p95_latency_ms",
                        max,
                        Some(p95),
                        ok,
                        format!("p95 latency {p95:.0} ms {op} maximum {max:.0} ms"),
                    );
                }
                None => check(
                    "max_p95_latency_ms",
                    max,
                    None,
                    false,
                    "no successful call, so no latency to check".into(),
                ),
            }
        }
    }
    Ok(Verdict {
        passed: checks.iter().all(|c| c.passed),
        baseline: gate.baseline.clone(),
        checks,
    })
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
