//! Quality: pass rates and scores with their intervals, the comparison with the baseline, flaky
//! cases, the per-tag table.

use serde::Serialize;

use super::{latency_cells, Ctx, Table, FLAKY_SHOWN, LATENCY_COLUMNS};
use crate::analysis::MeanInterval;
use crate::format::{interval, pct1, usd};
use crate::report::comparison;

#[derive(Serialize)]
pub(super) struct QualitySection {
    table: Table,
    comparisons: Option<Table>,
    flaky: Option<Table>,
    /// Flaky cases not listed.
    flaky_more: usize,
    tags: Option<Table>,
}

impl Ctx<'_> {
    pub(super) fn quality(&self) -> QualitySection {
        let r = self.0;
        let comparisons = (!r.comparisons.is_empty()).then(|| {
            let columns = comparison::columns(r.methodology.alpha);
            let mut t = Table::new(&columns.iter().map(String::as_str).collect::<Vec<_>>());
            for c in &r.comparisons {
                t.row(comparison::cells(c));
            }
            t
        });
        let (flaky, flaky_more) = self.flaky();
        let tags = self.tags();
        QualitySection {
            table: self.quality_table(),
            comparisons,
            flaky,
            flaky_more,
            tags: (!tags.rows.is_empty()).then_some(tags),
        }
    }

    /// Per provider: pass rate and mean score with their intervals, per scorer, flaky cases.
    fn quality_table(&self) -> Table {
        let r = self.0;
        let mut table = Table::new(&[
            "provider",
            "#pass rate (95% CI)",
            "#mean score (95% CI)",
            "per scorer (passed / scored)",
            "#flaky cases",
        ]);
        for p in &r.summary.providers {
            table.row(vec![
                crate::report::agreement::provider_name(&p.id, &p.kind),
                format!(
                    "{} ({}/{}) {}",
                    pct1(p.pass_rate),
                    p.passed,
                    p.records - p.unscored,
                    interval(p.pass_rate_ci, |x| format!("{:.1}", x * 100.0))
                ),
                format!(
                    "{} {}",
                    p.score_mean.map_or("—".into(), |x| format!("{x:.3}")),
                    p.score_ci
                        .map_or(String::new(), |c| format!("[{:.3}, {:.3}]", c.low, c.high))
                ),
                p.scorers
                    .iter()
                    .map(|x| format!("{} {}/{}", x.scorer, x.passed, x.scored - x.unscored))
                    .collect::<Vec<_>>()
                    .join("; "),
                format!("{} of {}", p.flaky_cases, p.cases),
            ]);
        }
        table
    }

    /// The flaky cases shown (the first `FLAKY_SHOWN`), and how many more there are.
    fn flaky(&self) -> (Option<Table>, usize) {
        let r = self.0;
        let flaky_cases = r
            .summary
            .providers
            .iter()
            .flat_map(|p| p.per_case.iter().filter(|c| c.flaky).map(move |c| (p, c)));
        let flaky_total: usize = r.summary.providers.iter().map(|p| p.flaky_cases).sum();
        let flaky = (flaky_total > 0).then(|| {
            let mut t = Table::new(&["provider", "case", "#passed"]);
            for (p, c) in flaky_cases.take(FLAKY_SHOWN) {
                t.row(vec![
                    p.id.clone(),
                    c.case_id.clone(),
                    format!("{}/{} ({})", c.passed, c.runs, pct1(c.pass_fraction)),
                ]);
            }
            t
        });
        (flaky, flaky_total.saturating_sub(FLAKY_SHOWN))
    }

    /// Per tag of the cases and provider: records, pass rate, latency, decode rate and cost.
    fn tags(&self) -> Table {
        let r = self.0;
        let head = ["tag", "provider", "#records", "#pass rate"];
        let mut tags =
            Table::new(&[&head[..], &LATENCY_COLUMNS, &["#cost / 1k requests"]].concat());
        let mut per_tag: Vec<_> = r
            .summary
            .providers
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.per_tag.iter().map(move |t| (&t.tag, i, &p.id, t)))
            .collect();
        per_tag.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, id, t) in per_tag {
            let mut row = vec![
                t.tag.clone(),
                id.clone(),
                t.records.to_string(),
                format!(
                    "{} ({}/{})",
                    pct1(t.pass_rate),
                    t.passed,
                    t.records - t.unscored
                ),
            ];
            row.extend(latency_cells(
                t.latency_ms,
                t.ttft_ms,
                t.tokens_per_s_median,
            ));
            row.push(t.usd_per_1k_requests.map_or("unknown".into(), usd));
            tags.row(row);
        }
        tags
    }

    /// Which intervals took the normal approximation, as a sentence; empty when none did.
    pub(super) fn normal_intervals(&self) -> String {
        let r = self.0;
        let mut which: Vec<String> = r
            .summary
            .providers
            .iter()
            .filter(|p| p.score_ci_method == MeanInterval::Normal)
            .map(|p| format!("{}'s mean score", p.id))
            .collect();
        which.extend(
            r.comparisons
                .iter()
                .filter(|c| c.score_diff_ci_method == MeanInterval::Normal)
                .map(|c| format!("{} − {}", c.candidate, c.baseline)),
        );
        if which.is_empty() {
            String::new()
        } else {
            format!(
                " Normal intervals (over {} cases) in this report: {}.",
                r.methodology.bootstrap_max_cases,
                which.join(", ")
            )
        }
    }
}
