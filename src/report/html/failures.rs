//! The worst failures, side by side with the baseline's answer to the same case.

use serde::Serialize;

use super::{output, Ctx, FAILURES_SHOWN};
use crate::report::junit::xml_text;
use crate::report::Failure;

#[derive(Serialize)]
pub(super) struct FailureGroup {
    provider: String,
    baseline: Option<String>,
    summary: String,
    rows: Vec<FailureRow>,
    more: usize,
}

#[derive(Serialize)]
pub(super) struct FailureRow {
    case: String,
    score: String,
    output: String,
    baseline: Option<String>,
    baseline_passed: Option<bool>,
    why: Vec<String>,
}

impl Ctx<'_> {
    pub(super) fn failures(&self) -> Vec<FailureGroup> {
        let r = self.0;
        let gate = r.manifest.gate.as_ref();
        r.summary
            .providers
            .iter()
            .filter_map(|p| {
                let all: Vec<&Failure> = r.failures.iter().filter(|f| f.provider == p.id).collect();
                if all.is_empty() {
                    return None;
                }
                let beside = all.iter().any(|f| f.baseline.is_some());
                let scored = p.records - p.unscored;
                let failed = scored - p.passed;
                Some(FailureGroup {
                    provider: p.id.clone(),
                    baseline: gate.filter(|_| beside).map(|g| g.baseline.clone()),
                    summary: format!("{failed} of {scored} records failed"),
                    more: failed.saturating_sub(FAILURES_SHOWN),
                    rows: all
                        .iter()
                        .take(FAILURES_SHOWN)
                        .map(|f| FailureRow {
                            case: if r.manifest.repeats > 1 {
                                format!("{} #{}", f.case_id, f.repeat)
                            } else {
                                f.case_id.clone()
                            },
                            score: format!("{:.2}", f.score),
                            output: output(f.output.as_deref()),
                            baseline: f.baseline.as_ref().map(|b| output(b.output.as_deref())),
                            baseline_passed: f.baseline.as_ref().map(|b| b.passed),
                            why: f.reasons.iter().map(|x| xml_text(x)).collect(),
                        })
                        .collect(),
                })
            })
            .collect()
    }
}
