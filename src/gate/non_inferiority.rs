//! The gate's non-inferiority checks: a candidate passes only when it is shown non-inferior;
//! inferior and inconclusive both fail, the reason saying which, with the bounds, the margin,
//! the method and — when inconclusive — how many more paired cases would settle it.

use super::{Criterion, GateCheck};
use crate::analysis::non_inferiority::{Assessment, Outcome, Test};
use crate::format::{p_value, pts};

/// The checks of one candidate's assessment.
pub(super) fn checks(a: &Assessment) -> Vec<GateCheck> {
    let mut out = Vec::new();
    if let Some(t) = &a.pass_rate {
        out.push(check(a, Criterion::NonInferiorityMargin, t, "pass rate"));
    }
    if let Some(t) = &a.score {
        out.push(check(
            a,
            Criterion::NonInferiorityScoreMargin,
            t,
            "mean score",
        ));
    }
    out
}

fn check(a: &Assessment, criterion: Criterion, t: &Test, what: &str) -> GateCheck {
    GateCheck {
        candidate: a.candidate.clone(),
        criterion,
        limit: t.margin,
        actual: Some(t.upper),
        passed: t.outcome == Outcome::NonInferior,
        reason: reason(t, what),
        comparison: None,
        non_inferiority: Some(t.clone()),
    }
}

/// "inconclusive: baseline − candidate pass rate +2.0 pt, one-sided 95% bounds [−3.1, +7.9] pt
/// against a margin of 5.0 pt (Tango score interval, 40 paired cases); 112 more paired cases
/// would settle it at the observed discordance (80% power)".
pub fn reason(t: &Test, what: &str) -> String {
    let level = format!("{:.0}%", t.confidence * 100.0);
    let mut s = format!(
        "{}: baseline − candidate {what} {}, one-sided {level} bounds [{}, {}] against a margin of {} ({}, {} paired cases",
        t.outcome.label(),
        pts(t.difference),
        pts(t.lower),
        pts(t.upper),
        pts(t.margin),
        method(&t.method),
        t.cases
    );
    if let Some(d) = t.design_effect {
        s.push_str(&format!(", design effect of repeats {d:.2}"));
    }
    if let (Some(p), Some(adj)) = (t.p_value, t.p_adjusted) {
        s.push_str(&format!(
            "; p {}, Holm-adjusted {}",
            p_value(p),
            p_value(adj)
        ));
    }
    s.push(')');
    if t.outcome == Outcome::Inconclusive {
        s.push_str(&match (t.cases_needed, t.more_cases) {
            (Some(_), Some(0)) => "; the run already has the cases a test at the observed discordance needs for 80% power: this is the chance the power leaves, and more cases would settle it".into(),
            (Some(n), Some(more)) => format!("; {more} more paired cases ({n} in all) would settle it at the observed discordance (80% power)"),
            _ if t.p_value.is_some() => "; the observed difference is at or beyond the margin: more cases of the same kind would not show non-inferiority".into(),
            _ => String::new(),
        });
    }
    s
}

/// A test's method in words.
pub fn method(m: &str) -> &'static str {
    match m {
        "tango-score" => "Tango score interval",
        "tango-score-rao-scott" => {
            "Tango score interval, repeats weighed by their design effect (Rao–Scott)"
        }
        "bootstrap" => "paired bootstrap over cases",
        _ => "paired normal interval over cases",
    }
}
