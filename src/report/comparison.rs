//! The candidates-vs-baseline table, defined once for every format: its columns and each
//! comparison's cells. The Markdown and HTML reports render the same cells in their own syntax.

use crate::analysis::Comparison;
use crate::format::{interval, p_value, pct0, pct1, pts};

/// The columns; a name starting with `#` holds numbers (right-aligned; the `#` is not shown).
pub(super) fn columns(alpha: f64) -> Vec<String> {
    let level = pct0(1.0 - alpha);
    [
        "candidate",
        "baseline",
        "#pairs",
        "#baseline pass",
        "#candidate pass",
        "#drop",
        "#only baseline / only candidate passed",
        "#McNemar p",
        &format!("#score diff ({level} CI)"),
        &format!("significant at α = {alpha}"),
    ]
    .map(str::to_string)
    .to_vec()
}

/// One comparison's cells, in the order of `columns`.
pub(super) fn cells(c: &Comparison) -> Vec<String> {
    vec![
        c.candidate.clone(),
        c.baseline.clone(),
        c.pairs.to_string(),
        pct1(c.baseline_pass_rate),
        pct1(c.candidate_pass_rate),
        pts(c.pass_rate_drop),
        format!("{} / {}", c.only_baseline_passed, c.only_candidate_passed),
        p_value(c.mcnemar_p),
        format!(
            "{} {}",
            c.score_diff
                .map_or_else(|| "—".into(), |d| format!("{d:+.3}")),
            interval(c.score_diff_ci, |x| format!("{x:+.3}"))
        ),
        (if c.significant { "yes" } else { "no" }).into(),
    ]
}

/// How the table's figures were computed.
pub(super) fn how_compared(alpha: f64, bootstrap_max_cases: usize) -> String {
    let level = pct0(1.0 - alpha);
    format!(
        "On the (case, repeat) pairs both providers ran. Drop is the baseline's pass rate minus the \
         candidate's; the exact two-sided McNemar test asks whether the pairs only one of them passed \
         could split this way by chance (with repeats, Durkalski's McNemar test for clustered pairs, a \
         case's repeats together). Score diff is the mean of candidate − baseline score, with a \
         {level} paired percentile bootstrap interval (cases resampled with their pairs; above \
         {bootstrap_max_cases} cases, the normal interval it converges to)."
    )
}
