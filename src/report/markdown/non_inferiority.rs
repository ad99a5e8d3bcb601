//! The Markdown report's non-inferiority section.

use std::fmt::Write;

use super::super::non_inferiority::{self, HOW_TESTED};
use super::super::Report;
use super::table;

pub(super) fn render(out: &mut String, report: &Report) {
    let rows = non_inferiority::rows(report);
    if rows.rows.is_empty() {
        return;
    }
    out.push_str("\n## Non-inferiority\n\n");
    let head = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    table(out, &head(rows.head), rows.rows.into_iter());
    let tags = non_inferiority::tag_rows(report);
    if !tags.rows.is_empty() {
        out.push_str("\nPer tag:\n\n");
        table(out, &head(tags.head), tags.rows.into_iter());
    }
    let _ = writeln!(out, "\n*How tested:* {HOW_TESTED}");
}
