//! The Markdown report's agreement section: each candidate against the reference its scorers
//! compared with, per scorer and per tag, and the worst disagreements side by side.

use std::fmt::Write;

use super::super::agreement::{self, HOW_MEASURED};
use super::super::Report;
use super::{cell, code, table, FAILURES_SHOWN, OUTPUT_CHARS, REASON_CHARS, TAGS_SHOWN};
use crate::format::truncate;

pub(super) fn render(out: &mut String, report: &Report) {
    let scorers = agreement::scorer_rows(&report.summary);
    if scorers.rows.is_empty() {
        return;
    }
    out.push_str("\n## Agreement with the reference\n\n");
    let head = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    table(out, &head(scorers.head), scorers.rows.into_iter());
    let tags = agreement::tag_rows(&report.summary, TAGS_SHOWN);
    if tags.rows.len() > 1 {
        out.push_str("\nPer tag:\n\n");
        table(out, &head(tags.head), tags.rows.into_iter());
    }
    let _ = writeln!(out, "\n*How measured:* {HOW_MEASURED}");
    for p in &report.summary.providers {
        let worst: Vec<_> = (report.disagreements.iter())
            .filter(|d| d.provider == p.id)
            .collect();
        if worst.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n**{}**: where it disagreed with its reference (lowest scores first)\n",
            cell(&p.id)
        );
        out.push_str("| case | scorer | reference | output | why |\n|---|---|---|---|---|\n");
        for d in worst.iter().take(FAILURES_SHOWN) {
            let _ = writeln!(
                out,
                "| {} | {} {:.2} | {}: `{}` | `{}` | {} |",
                cell(&d.case_id),
                cell(&d.scorer),
                d.score,
                cell(&d.against),
                code(&truncate(&d.reference, OUTPUT_CHARS)),
                code(&truncate(&d.output, OUTPUT_CHARS)),
                cell(&truncate(&d.reason, REASON_CHARS))
            );
        }
    }
}
