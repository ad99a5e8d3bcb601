//! The non-inferiority tables, defined once for every format: each candidate's tests against the
//! gate's margins, and per tag. The figures are the gate's (`Verdict::non_inferiority`).

use super::rows::Rows;
use super::Report;
use crate::analysis::non_inferiority::{Assessment, Test};
use crate::format::{p_value, pts};

/// How the gate's non-inferiority margins are tested, in words every format prints.
pub const HOW_TESTED: &str = "On the paired (case, repeat) results, the one-sided bounds of \
baseline − candidate at the gate's `confidence` (default 95%): below the margin, non-inferior; \
above it, inferior; otherwise inconclusive. Pass rate: Tango's (1998) score interval for the \
difference of paired proportions, with repeats its counts divided by their design effect \
(Rao–Scott); the decision is Holm-adjusted across the gate's candidates. Mean score: the paired \
interval of the case-clustered mean difference (bootstrap, or its normal limit above 10,000 cases) \
at 2·confidence − 1, whose ends are the one-sided bounds. Cases needed (when inconclusive): Nam's \
(1997) sample size for the score test at the observed discordance and 80% power, grossed up by the \
design effect. Per tag: the same pass-rate test on the tag's cases, not adjusted for the number of \
tags.";

/// Each candidate's tests; empty without a margin.
pub fn rows(report: &Report) -> Rows {
    let mut rows = Vec::new();
    for a in assessments(report) {
        let tests = [("pass rate", &a.pass_rate), ("mean score", &a.score)];
        for (what, t) in tests {
            if let Some(t) = t {
                rows.push(row(&a.candidate, what, t));
            }
        }
    }
    Rows {
        head: &[
            "candidate",
            "on",
            "#baseline − candidate",
            "#one-sided bounds",
            "#margin",
            "outcome",
            "#p (Holm)",
            "#cases",
            "#cases needed",
            "method",
        ],
        rows,
    }
}

/// The pass-rate test on each tag's cases.
pub fn tag_rows(report: &Report) -> Rows {
    let mut rows = Vec::new();
    for a in assessments(report) {
        for (tag, t) in &a.per_tag {
            let mut r = row(&a.candidate, "pass rate", t);
            r[1] = tag.clone();
            r.truncate(9);
            rows.push(r);
        }
    }
    Rows {
        head: &[
            "candidate",
            "tag",
            "#baseline − candidate",
            "#one-sided bounds",
            "#margin",
            "outcome",
            "#p",
            "#cases",
            "#cases needed",
        ],
        rows,
    }
}

fn assessments(report: &Report) -> &[Assessment] {
    (report.executive.verdict.as_ref()).map_or(&[], |v| v.non_inferiority.as_slice())
}

fn row(candidate: &str, what: &str, t: &Test) -> Vec<String> {
    let p = match (t.p_value, t.p_adjusted) {
        (Some(p), Some(adj)) => format!("{} ({})", p_value(p), p_value(adj)),
        (Some(p), None) => p_value(p),
        _ => "—".into(),
    };
    let needed = match (t.cases_needed, t.more_cases) {
        (Some(n), Some(more)) => format!("{n} ({more} more)"),
        _ if t.outcome == crate::analysis::non_inferiority::Outcome::Inconclusive
            && t.p_value.is_some() =>
        {
            "none would do".into()
        }
        _ => "—".into(),
    };
    vec![
        candidate.to_string(),
        what.to_string(),
        pts(t.difference),
        format!("[{}, {}]", pts(t.lower), pts(t.upper)),
        pts(t.margin),
        t.outcome.label().to_string(),
        p,
        t.cases.to_string(),
        needed,
        crate::gate::non_inferiority_method(&t.method).to_string(),
    ]
}
