//! The CI gate: the suite's `gate` thresholds applied to a run, with every reason stated.

mod non_inferiority;

pub use non_inferiority::{method as non_inferiority_method, reason as non_inferiority_reason};

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::analysis::{self, Comparison, ProviderSummary, RecordFrame, Summary};
use crate::error::{Error, Result};
use crate::format::pct1;
use crate::record;
use crate::suite::GateConfig;

/// The gate's outcome, machine-readable (`verdict.json`) and printable.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub baseline: String,
    pub checks: Vec<GateCheck>,
    /// Each candidate's non-inferiority tests, per tag too (empty without a margin).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_inferiority: Vec<analysis::non_inferiority::Assessment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateCheck {
    pub candidate: String,
    pub criterion: Criterion,
    pub limit: f64,
    pub actual: Option<f64>,
    pub passed: bool,
    pub reason: String,
    /// For `max_pass_rate_drop`: the paired comparison (McNemar p, bootstrap interval of the
    /// score difference, significance at `alpha`). The gate consults `significant` only when the
    /// suite sets `significance`; otherwise it is read at 0.05 for information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// For the non-inferiority margins: the test, its bounds and outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_inferiority: Option<analysis::non_inferiority::Test>,
}

/// What a check tests: the suite's gate field it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    MinPassRate,
    MaxPassRateDrop,
    MaxP95LatencyMs,
    MaxCostPer1kRequestsUsd,
    NonInferiorityMargin,
    NonInferiorityScoreMargin,
}

impl Criterion {
    /// The suite's field name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MinPassRate => "min_pass_rate",
            Self::MaxPassRateDrop => "max_pass_rate_drop",
            Self::MaxP95LatencyMs => "max_p95_latency_ms",
            Self::MaxCostPer1kRequestsUsd => "max_cost_per_1k_requests_usd",
            Self::NonInferiorityMargin => "non_inferiority_margin",
            Self::NonInferiorityScoreMargin => "non_inferiority_score_margin",
        }
    }

    /// Whether it judges quality (rather than speed or cost).
    pub fn is_quality(self) -> bool {
        matches!(
            self,
            Self::MinPassRate
                | Self::MaxPassRateDrop
                | Self::NonInferiorityMargin
                | Self::NonInferiorityScoreMargin
        )
    }
}

/// The gate of the run in `dir`, applied to it; `against` takes the baseline's records (and its
/// configuration) from an earlier run instead.
pub fn judge(dir: &Path, against: Option<&Path>) -> Result<Verdict> {
    let mut manifest = record::read_manifest(dir).map_err(Error::input)?;
    let gate = manifest.gate.clone().ok_or_else(|| {
        Error::Input(format!(
            "the suite of the run in {} has no `gate` section",
            dir.display()
        ))
    })?;
    let records = match against {
        Some(base_dir) => {
            let combined = crate::against::combine(dir, base_dir)?;
            manifest = combined.manifest;
            combined.records
        }
        None => RecordFrame::read(&dir.join(record::RECORDS_FILE)).map_err(Error::input)?,
    };
    let summary = analysis::summarize(&manifest, &records).map_err(Error::input)?;
    let capacities = crate::load::capacity::in_dir(dir).map_err(Error::input)?;
    let cost = analysis::cost::summarize(&manifest, &records, &summary, &capacities)
        .map_err(Error::input)?;
    evaluate(&gate, &summary, &records, &cost)
}

/// `verdict.json` in the run directory.
pub fn write_verdict(dir: &Path, verdict: &Verdict) -> Result<()> {
    let path = dir.join("verdict.json");
    let json = serde_json::to_vec_pretty(verdict).context("a verdict is plain JSON")?;
    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Applies `gate` to the run. `records` holds every provider's records (the baseline's possibly
/// from another run, see `--against`). A gate that cannot be evaluated is an input error.
pub fn evaluate(
    gate: &GateConfig,
    summary: &Summary,
    records: &RecordFrame,
    cost: &analysis::cost::CostSummary,
) -> Result<Verdict> {
    let find = |id: &str| {
        summary.providers.iter().find(|p| p.id == id).ok_or_else(|| {
            Error::Input(format!(
                "the run has no records for `{id}`; run it (e.g. without --providers) or pass --against a run that has it"
            ))
        })
    };
    find(&gate.baseline)?;
    let mut checks = Vec::new();
    for candidate in &gate.candidates {
        let summary = find(candidate)?;
        let c = Candidate {
            id: candidate,
            summary,
        };
        checks.extend(gate.min_pass_rate.map(|min| c.min_pass_rate(min)));
        if let Some(max) = gate.max_pass_rate_drop {
            checks.push(c.max_pass_rate_drop(gate, max, records)?);
        }
        checks.extend(gate.max_p95_latency_ms.map(|max| c.max_p95_latency(max)));
        if let Some(max) = gate.max_cost_per_1k_requests_usd {
            checks.push(c.max_cost(max, cost));
        }
    }
    let tags: Vec<String> = (summary.providers.iter())
        .filter(|p| gate.candidates.contains(&p.id))
        .flat_map(|p| p.per_tag.iter().map(|t| t.tag.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let assessments =
        analysis::non_inferiority::assess(records, gate, &tags).map_err(Error::input)?;
    for a in &assessments {
        checks.extend(non_inferiority::checks(a));
    }
    Ok(Verdict {
        passed: checks.iter().all(|c| c.passed),
        baseline: gate.baseline.clone(),
        checks,
        non_inferiority: assessments,
    })
}

/// One candidate's checks.
struct Candidate<'a> {
    id: &'a str,
    summary: &'a ProviderSummary,
}

impl Candidate<'_> {
    fn check(
        &self,
        criterion: Criterion,
        limit: f64,
        actual: Option<f64>,
        passed: bool,
        reason: String,
    ) -> GateCheck {
        GateCheck {
            candidate: self.id.to_string(),
            criterion,
            limit,
            actual,
            passed,
            reason,
            comparison: None,
            non_inferiority: None,
        }
    }

    fn min_pass_rate(&self, min: f64) -> GateCheck {
        let s = self.summary;
        let ok = s.pass_rate >= min;
        let op = if ok { "≥" } else { "<" };
        let interval = s
            .pass_rate_ci
            .map(|ci| format!(", 95% CI {}–{}", pct1(ci.low), pct1(ci.high)))
            .unwrap_or_default();
        let graded = s.records - s.unscored;
        let apart = match s.unscored {
            0 => String::new(),
            n => format!("; {n} without a reference answer, counted apart"),
        };
        if graded == 0 {
            let reason = format!("no record could be scored{apart}");
            return self.check(Criterion::MinPassRate, min, None, false, reason);
        }
        let reason = format!(
            "pass rate {} ({}/{graded}{interval}{apart}) {op} minimum {}",
            pct1(s.pass_rate),
            s.passed,
            pct1(min)
        );
        self.check(Criterion::MinPassRate, min, Some(s.pass_rate), ok, reason)
    }

    fn max_pass_rate_drop(
        &self,
        gate: &GateConfig,
        max_drop: f64,
        records: &RecordFrame,
    ) -> Result<GateCheck> {
        let alpha = gate.significance.unwrap_or(analysis::DEFAULT_ALPHA);
        let cmp =
            analysis::compare(records, &gate.baseline, self.id, alpha).map_err(Error::input)?;
        if cmp.pairs == 0 {
            return Err(Error::Input(format!(
                "`{}` and the baseline `{}` share no case, so their pass rates cannot be compared",
                self.id, gate.baseline
            )));
        }
        let over = cmp.pass_rate_drop > max_drop + 1e-12;
        let (ok, verdict) = match (over, gate.significance) {
            (false, _) => (true, format!("≤ max {}", pct1(max_drop))),
            (true, None) => (
                false,
                format!("> max {} (the gate sets no `significance`)", pct1(max_drop)),
            ),
            (true, Some(_)) if cmp.significant => (
                false,
                format!("> max {}, significant at α = {alpha}", pct1(max_drop)),
            ),
            (true, Some(_)) => (
                true,
                format!(
                    "> max {}, but not significant at α = {alpha} (within chance on these cases)",
                    pct1(max_drop)
                ),
            ),
        };
        let reason = format!(
            "pass rate {} vs baseline {} on {} shared (case, repeat) pairs: drop {} {verdict}; {}",
            pct1(cmp.candidate_pass_rate),
            pct1(cmp.baseline_pass_rate),
            cmp.pairs,
            pct1(cmp.pass_rate_drop),
            evidence(&cmp)
        );
        let mut c = self.check(
            Criterion::MaxPassRateDrop,
            max_drop,
            Some(cmp.pass_rate_drop),
            ok,
            reason,
        );
        c.comparison = Some(cmp);
        Ok(c)
    }

    fn max_p95_latency(&self, max: f64) -> GateCheck {
        let criterion = Criterion::MaxP95LatencyMs;
        match self.summary.latency_p95_ms {
            Some(p95) => {
                let ok = p95 <= max;
                let op = if ok { "≤" } else { ">" };
                let reason = format!("p95 latency {p95:.0} ms {op} maximum {max:.0} ms");
                self.check(criterion, max, Some(p95), ok, reason)
            }
            None => self.check(
                criterion,
                max,
                None,
                false,
                "no successful call, so no latency to check".into(),
            ),
        }
    }

    /// The cost per 1k requests the report shows (`analysis::cost::summarize`: a self-hosted
    /// provider's at a load sweep's goodput when the run has one).
    fn max_cost(&self, max: f64, cost: &analysis::cost::CostSummary) -> GateCheck {
        let criterion = Criterion::MaxCostPer1kRequestsUsd;
        let projection = (cost.providers.iter())
            .find(|p| p.id == self.id)
            .and_then(|p| p.projection.as_ref());
        match projection {
            Some(p) => {
                let ok = p.usd_per_1k_requests <= max;
                let op = if ok { "≤" } else { ">" };
                let unpriced = match p.records - p.priced {
                    0 => String::new(),
                    n => format!(" ({n} of {} records have no known cost and are left out)", p.records),
                };
                let reason = format!("${:.4} per 1k requests {op} maximum ${max:.4}{unpriced}", p.usd_per_1k_requests);
                self.check(criterion, max, Some(p.usd_per_1k_requests), ok, reason)
            }
            // An unknown cost never passes a cost limit as if it were $0.
            None => self.check(
                criterion,
                max,
                None,
                false,
                "cost unknown: no record has a known cost; give the provider a `price:` (or `hosting:` for self-hosted hardware)".into(),
            ),
        }
    }
}

/// The paired test's figures in one clause: discordant pairs, McNemar p, the score difference.
fn evidence(c: &Comparison) -> String {
    let mut out = format!(
        "{} pairs only the baseline passed, {} only the candidate; {} p {}",
        c.only_baseline_passed,
        c.only_candidate_passed,
        c.mcnemar_method.label(),
        match crate::format::p_value(c.mcnemar_p) {
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
                c.candidate,
                c.criterion.as_str(),
                c.reason
            ));
        }
        out.push_str(&format!("gate: {}\n", self.headline()));
        out
    }

    /// The outcome in a few words, as the gate prints it and the reports quote it.
    pub fn headline(&self) -> String {
        let failed = self.checks.iter().filter(|c| !c.passed).count();
        let (n, baseline) = (self.checks.len(), &self.baseline);
        if n == 0 {
            "PASSED (the gate sets no thresholds)".into()
        } else if failed == 0 {
            format!("PASSED ({n} checks against baseline `{baseline}`)")
        } else {
            format!("FAILED ({failed} of {n} checks against baseline `{baseline}`)")
        }
    }
}
