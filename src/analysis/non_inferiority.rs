//! Non-inferiority: is each candidate shown not worse than the baseline by more than the gate's
//! margin? On the paired (case, repeat) results, the one-sided bounds of baseline − candidate at
//! the gate's confidence: the upper bound below the margin is non-inferior, the lower bound above
//! it inferior, anything else inconclusive — with the cases that would settle it. The pass rate is
//! tested with Tango's score interval (its counts deflated by the design effect of repeats), the
//! decision Holm-adjusted across the gate's candidates; the mean score with the paired interval
//! the comparison uses. Per tag, the same test, unadjusted.

use serde::Serialize;

use super::pairs::{self, CaseRow};
use super::RecordFrame;
use crate::stats::paired::{self, Pairs};
use crate::stats::{self, MeanInterval};
use crate::suite::GateConfig;

/// The confidence of the bounds when the gate sets none.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// The power "cases needed" is computed for.
pub const POWER: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    NonInferior,
    Inferior,
    Inconclusive,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::NonInferior => "non-inferior",
            Self::Inferior => "inferior",
            Self::Inconclusive => "inconclusive",
        }
    }
}

/// One test of baseline − candidate against a margin.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// `tango-score`, `tango-score-rao-scott` (repeats), or the mean score's interval method.
    pub method: String,
    pub cases: usize,
    pub pairs: usize,
    /// baseline − candidate (pass rate or mean score).
    pub difference: f64,
    /// One-sided bounds of the difference at `confidence`.
    pub lower: f64,
    pub upper: f64,
    pub margin: f64,
    pub confidence: f64,
    /// The pass rate's one-sided p-value of non-inferiority (H0: difference ≥ margin), and Holm's
    /// adjustment of it across the gate's candidates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_adjusted: Option<f64>,
    /// What a case's repeats are worth: the pairs count as `pairs / design_effect`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_effect: Option<f64>,
    pub outcome: Outcome,
    /// When inconclusive: the paired cases a test at the observed discordance would need for
    /// `POWER` (`None`: the observed difference is at or beyond the margin, and no number of
    /// cases would show non-inferiority), and how many more than this run has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases_needed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_cases: Option<usize>,
}

/// A candidate's tests.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub candidate: String,
    pub baseline: String,
    /// On the pass rate (`non_inferiority_margin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_rate: Option<Test>,
    /// On the mean score (`non_inferiority_score_margin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Test>,
    /// The pass-rate test on each tag's cases (unadjusted).
    pub per_tag: Vec<(String, Test)>,
}

/// Every candidate of `gate` tested against its margins; empty when it sets none.
pub fn assess(
    records: &RecordFrame,
    gate: &GateConfig,
    tags: &[String],
) -> anyhow::Result<Vec<Assessment>> {
    if gate.non_inferiority_margin.is_none() && gate.non_inferiority_score_margin.is_none() {
        return Ok(Vec::new());
    }
    let confidence = gate.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    let mut out = Vec::new();
    for candidate in &gate.candidates {
        let cases = pairs::by_case(records, &gate.baseline, candidate, None)?;
        let mut per_tag = Vec::new();
        if let Some(margin) = gate.non_inferiority_margin {
            for tag in tags {
                let cases = pairs::by_case(records, &gate.baseline, candidate, Some(tag))?;
                if !cases.is_empty() {
                    per_tag.push((tag.clone(), pass_rate(&cases, margin, confidence)));
                }
            }
        }
        out.push(Assessment {
            candidate: candidate.clone(),
            baseline: gate.baseline.clone(),
            pass_rate: gate
                .non_inferiority_margin
                .map(|m| pass_rate(&cases, m, confidence)),
            score: gate
                .non_inferiority_score_margin
                .map(|m| score(&cases, m, confidence)),
            per_tag,
        });
    }
    adjust(&mut out, confidence);
    Ok(out)
}

/// Holm across the candidates: a candidate is non-inferior on its pass rate only when its
/// adjusted p-value is below 1 − confidence.
fn adjust(assessments: &mut [Assessment], confidence: f64) {
    // A test without pairs has shown nothing: p = 1.
    let p: Vec<f64> = (assessments.iter())
        .filter_map(|a| Some(a.pass_rate.as_ref()?.p_value.unwrap_or(1.0)))
        .collect();
    let adjusted = paired::holm(&p);
    let tests = assessments.iter_mut().filter_map(|a| a.pass_rate.as_mut());
    for (t, p_adj) in tests.zip(adjusted) {
        t.p_adjusted = Some(p_adj);
        if t.outcome == Outcome::NonInferior && p_adj >= 1.0 - confidence {
            t.outcome = Outcome::Inconclusive;
        }
    }
}

/// The pass rate's test: Tango's one-sided bounds on the pairs, deflated by the design effect
/// when cases have repeats.
fn pass_rate(cases: &[CaseRow], margin: f64, confidence: f64) -> Test {
    let counts: Vec<_> = cases.iter().map(CaseRow::counts).collect();
    let raw = paired::total(&counts);
    let deff = paired::design_effect(&counts);
    let clustered = cases.iter().any(|c| c.pairs > 1);
    let p = raw.deflated(deff);
    let (lower, upper) = if p.n > 0.0 {
        (
            paired::tango_bound(p, confidence, false),
            paired::tango_bound(p, confidence, true),
        )
    } else {
        (-1.0, 1.0)
    };
    let outcome = outcome(lower, upper, margin);
    let mut t = Test {
        method: if clustered {
            "tango-score-rao-scott"
        } else {
            "tango-score"
        }
        .into(),
        cases: cases.len(),
        pairs: raw.n as usize,
        difference: raw.difference(),
        lower,
        upper,
        margin,
        confidence,
        p_value: (p.n > 0.0).then(|| paired::non_inferiority_p(p, margin)),
        p_adjusted: None,
        design_effect: clustered.then_some(deff),
        outcome,
        cases_needed: None,
        more_cases: None,
    };
    if outcome == Outcome::Inconclusive {
        t.cases_needed = cases_needed(raw, deff, cases.len(), margin, confidence);
        t.more_cases = t.cases_needed.map(|n| n.saturating_sub(cases.len()));
    }
    t
}

/// Paired cases for `POWER` at the observed discordance (Nam), the pairs grossed up by the design
/// effect and shared among a case's repeats as in this run.
fn cases_needed(
    raw: Pairs,
    deff: f64,
    cases: usize,
    margin: f64,
    confidence: f64,
) -> Option<usize> {
    if raw.n <= 0.0 || cases == 0 {
        return None;
    }
    let (p10, p01) = (raw.b / raw.n, raw.c / raw.n);
    let pairs = paired::nam_pairs(p10, p01, margin, 1.0 - confidence, POWER)?;
    let per_case = raw.n / cases as f64;
    Some((pairs * deff / per_case).ceil() as usize)
}

/// The mean score's test: the paired interval of the case-clustered mean difference (bootstrap,
/// or its normal limit on many cases) at 2·confidence − 1, whose ends are the one-sided bounds.
fn score(cases: &[CaseRow], margin: f64, confidence: f64) -> Test {
    // baseline − candidate, per case.
    let diffs: Vec<(f64, usize)> = cases.iter().map(|c| (-c.score_diff, c.pairs)).collect();
    let pairs: usize = cases.iter().map(|c| c.pairs).sum();
    let difference = if pairs == 0 {
        0.0
    } else {
        diffs.iter().map(|d| d.0).sum::<f64>() / pairs as f64
    };
    let (lower, upper) =
        stats::mean_ci(&diffs, 2.0 * confidence - 1.0).map_or((-1.0, 1.0), |i| (i.low, i.high));
    Test {
        method: MeanInterval::for_cases(cases.len()).label().to_string(),
        cases: cases.len(),
        pairs,
        difference,
        lower,
        upper,
        margin,
        confidence,
        p_value: None,
        p_adjusted: None,
        design_effect: None,
        outcome: outcome(lower, upper, margin),
        cases_needed: None,
        more_cases: None,
    }
}

fn outcome(lower: f64, upper: f64, margin: f64) -> Outcome {
    if upper < margin {
        Outcome::NonInferior
    } else if lower > margin {
        Outcome::Inferior
    } else {
        Outcome::Inconclusive
    }
}

#[cfg(test)]
mod tests;
