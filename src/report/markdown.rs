//! The Markdown report: short enough for a PR comment, with every figure saying how it was measured.

mod agreement;
mod non_inferiority;

use std::collections::HashSet;
use std::fmt::Write;

use super::{comparison, Failure, Report};
use crate::analysis::{MeanInterval, ProviderSummary};
use crate::format::{interval, md_cell as cell, ms, num, pct0, pct1, truncate, usd};

/// Failed cases shown per provider, worst first; report.json has more, and every case's tally.
const FAILURES_SHOWN: usize = 5;
/// Tags shown in the per-tag table; report.json has them all.
const TAGS_SHOWN: usize = 20;
/// Flaky cases listed per provider.
const FLAKY_SHOWN: usize = 10;
/// Characters of a model output shown in a table cell.
const OUTPUT_CHARS: usize = 80;
/// Characters of a failure's reasons shown in a table cell.
const REASON_CHARS: usize = 160;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    recommendations(&mut out, report);
    quality(&mut out, report);
    comparisons(&mut out, report);
    non_inferiority::render(&mut out, report);
    agreement::render(&mut out, report);
    flaky(&mut out, report);
    worst_failures(&mut out, report);
    latency(&mut out, report);
    tags(&mut out, report);
    cost(&mut out, report);
    lockin(&mut out, report);
    out
}

/// The workload's needs against each provider, and the codebase scan when the report has one.
fn lockin(out: &mut String, report: &Report) {
    let l = &report.lockin;
    if l.workload.is_none() && l.code.is_none() {
        return;
    }
    out.push_str("\n## Lock-in\n\n");
    if let Some(code) = &l.code {
        let _ = writeln!(out, "{}\n", crate::lockin::effort_summary(code));
    }
    if let Some(w) = &l.workload {
        out.push_str(&crate::lockin::workload::markdown(w));
        out.push('\n');
    }
    if let Some(code) = &l.code {
        out.push_str(&crate::lockin::render(code, crate::lockin::Format::Md));
    }
}

fn header(out: &mut String, report: &Report) {
    let m = &report.manifest;
    let _ = writeln!(out, "# modelswap report: {}\n", cell(&m.suite.name));
    if let Some(d) = &m.suite.description {
        let _ = writeln!(out, "{}\n", cell(d));
    }
    let _ = writeln!(
        out,
        "Run `{}` ({}), {} cases × {} repeat(s), on {}; started {}{}.",
        m.run_id,
        m.status,
        m.cases,
        m.repeats,
        m.host.describe(),
        m.started_at,
        m.finished_at
            .as_deref()
            .map(|f| format!(", finished {f}"))
            .unwrap_or_default()
    );
}

fn quality(out: &mut String, report: &Report) {
    let meth = &report.methodology;
    let level = pct0(meth.confidence);
    out.push_str("\n## Quality\n\n");
    let _ = writeln!(
        out,
        "| provider | pass rate ({level} CI) | mean score ({level} CI) | per scorer | flaky cases |"
    );
    out.push_str("|---|---:|---:|---|---:|\n");
    for p in &report.summary.providers {
        let scorers: Vec<String> = p
            .scorers
            .iter()
            .map(|s| format!("{} {}/{}", cell(&s.scorer), s.passed, s.scored - s.unscored))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} ({}/{}) {} | {} {} | {} | {} of {} |",
            cell(&super::agreement::provider_name(&p.id, &p.kind)),
            pct1(p.pass_rate),
            p.passed,
            p.records - p.unscored,
            interval(p.pass_rate_ci, pct1),
            num(p.score_mean, 3),
            interval(p.score_ci, |x| format!("{x:.3}")),
            if scorers.is_empty() {
                "—".into()
            } else {
                scorers.join("; ")
            },
            p.flaky_cases,
            p.cases,
        );
    }
    let _ = writeln!(
        out,
        "\n*How measured:* a record passes when its call succeeded and every scorer that applies to it passed; \
         its score is the scorers' weighted mean in [0, 1] (a failed call scores 0). Pass rate: Wilson {level} interval \
         (with repeats, cluster-adjusted). Mean score: {level} percentile bootstrap interval, {} resamples of the cases (a case's \
         repeats are drawn together), seed {}. Per scorer: passed / records it scored (failed calls are scored by none). \
         A case is flaky when its repeats neither all passed nor all failed.",
        meth.bootstrap_resamples,
        meth.bootstrap_seed
    );
    for p in report.summary.providers.iter().filter(|p| p.unscored > 0) {
        let _ = writeln!(
            out,
            "{} of {}'s {} records are without a reference answer (its call failed, or it was not run or logged): counted apart, neither passed nor failed.",
            p.unscored,
            cell(&p.id),
            p.records
        );
    }
    let normal: Vec<String> = report
        .summary
        .providers
        .iter()
        .filter(|p| p.score_ci_method == MeanInterval::Normal)
        .map(|p| cell(&p.id))
        .collect();
    if !normal.is_empty() {
        let _ = writeln!(
            out,
            "Above {} cases ({}) the mean score's interval is the normal interval the bootstrap converges to: \
             the mean ± z × the standard error of the cases' score sums (their repeats together).",
            meth.bootstrap_max_cases,
            normal.join(", ")
        );
    }
    if report.manifest.repeats > 1 {
        out.push_str(
            "With repeats a case counts once: the Wilson interval divides its trials by the design effect of a case's \
             repeats (Rao–Scott), the paired test is Durkalski's McNemar test for clustered pairs, and the bootstrap \
             resamples cases.\n",
        );
    }
}

fn comparisons(out: &mut String, report: &Report) {
    if report.comparisons.is_empty() {
        return;
    }
    let meth = &report.methodology;
    out.push_str("\n## Candidates vs baseline\n\n");
    // A significant difference stands out in a PR comment.
    let rows = report.comparisons.iter().map(|c| {
        let mut cells = comparison::cells(c);
        if let (true, Some(s)) = (c.significant, cells.last_mut()) {
            *s = format!("**{s}**");
        }
        cells
    });
    table(out, &comparison::columns(meth.alpha), rows);
    let note = comparison::how_compared(meth.alpha, meth.bootstrap_max_cases);
    let _ = writeln!(out, "\n*How compared:* {note}");
}

/// A table of `columns` (a name starting with `#` is right-aligned) and `rows`, every cell made
/// safe for Markdown.
fn table(out: &mut String, columns: &[String], rows: impl Iterator<Item = Vec<String>>) {
    let names: Vec<String> = columns
        .iter()
        .map(|c| cell(c.trim_start_matches('#')))
        .collect();
    let rules: Vec<&str> = columns
        .iter()
        .map(|c| if c.starts_with('#') { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |\n|{}|", names.join(" | "), rules.join("|"));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

fn flaky(out: &mut String, report: &Report) {
    let flaky: Vec<&ProviderSummary> = report
        .summary
        .providers
        .iter()
        .filter(|p| p.flaky_cases > 0)
        .collect();
    if flaky.is_empty() {
        return;
    }
    out.push_str("\n## Flaky cases\n\n| provider | case | passed |\n|---|---|---:|\n");
    for p in flaky {
        let cases: Vec<_> = p.per_case.iter().filter(|c| c.flaky).collect();
        for c in cases.iter().take(FLAKY_SHOWN) {
            let _ = writeln!(
                out,
                "| {} | {} | {}/{} ({}) |",
                cell(&p.id),
                cell(&c.case_id),
                c.passed,
                c.runs,
                pct0(c.pass_fraction)
            );
        }
        if cases.len() > FLAKY_SHOWN {
            let _ = writeln!(
                out,
                "| {} | …and {} more (see report.json) | |",
                cell(&p.id),
                cases.len() - FLAKY_SHOWN
            );
        }
    }
}

fn worst_failures(out: &mut String, report: &Report) {
    if report.failures.is_empty() {
        return;
    }
    out.push_str("\n## Worst failures\n");
    let baseline = report.manifest.gate.as_ref().map(|g| g.baseline.as_str());
    for p in &report.summary.providers {
        let failures: Vec<&Failure> = report
            .failures
            .iter()
            .filter(|f| f.provider == p.id)
            .collect();
        if failures.is_empty() {
            continue;
        }
        // One row per case, its worst record (failures come worst first).
        let mut seen = HashSet::new();
        let cases: Vec<&Failure> = failures
            .iter()
            .copied()
            .filter(|f| seen.insert(f.case_id.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "\n### {} ({} of {} records failed, in {} of {} cases)\n",
            cell(&p.id),
            p.records - p.unscored - p.passed,
            p.records - p.unscored,
            p.failed_cases,
            p.cases
        );
        let side_by_side = failures.iter().any(|f| f.baseline.is_some());
        match (side_by_side, baseline) {
            (true, Some(b)) => {
                let _ = writeln!(
                    out,
                    "| case | score | {} output | {} output (baseline) | why |\n|---|---:|---|---|---|",
                    cell(&p.id),
                    cell(b)
                );
            }
            _ => out.push_str("| case | score | output | why |\n|---|---:|---|---|\n"),
        }
        let shown = cases.len().min(FAILURES_SHOWN);
        for f in &cases[..shown] {
            failure_row(out, p, f, side_by_side);
        }
        if p.failed_cases > shown {
            let _ = writeln!(
                out,
                "\n…and {} more failed cases (see report.json).",
                p.failed_cases - shown
            );
        }
    }
}

/// One failed case: its worst record's score, output and reasons, and the baseline's answer
/// beside it when `side_by_side`.
fn failure_row(out: &mut String, p: &ProviderSummary, f: &Failure, side_by_side: bool) {
    let outcome = p.per_case.iter().find(|c| c.case_id == f.case_id);
    let case = match outcome {
        Some(c) if c.runs > 1 => format!(
            "{} #{} ({}/{} failed)",
            f.case_id,
            f.repeat,
            c.runs - c.passed,
            c.runs
        ),
        _ => f.case_id.clone(),
    };
    let beside = if side_by_side {
        let b = f.baseline.as_ref().map_or_else(
            || "—".into(),
            |b| {
                let mark = if b.passed { "✓" } else { "✗" };
                format!("{mark} {}", output(b.output.as_deref()))
            },
        );
        format!(" {b} |")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "| {} | {:.2} | {} |{beside} {} |",
        cell(&case),
        f.score,
        output(f.output.as_deref()),
        cell(&truncate(&f.reasons.join("; "), REASON_CHARS))
    );
}

fn latency(out: &mut String, report: &Report) {
    out.push_str("\n## Latency and tokens\n\n");
    out.push_str("| provider | kind | model | cases | errors | p50 latency | p95 latency | p50 TTFT | tokens/s | tokens in / out (mean) |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for p in &report.summary.providers {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |",
            cell(&p.id),
            p.kind,
            cell(&p.model),
            p.cases,
            p.errors,
            ms(p.latency_p50_ms),
            ms(p.latency_p95_ms),
            ms(p.ttft_p50_ms),
            num(p.tokens_per_s_median, 1),
            num(p.input_tokens_mean, 0),
            num(p.output_tokens_mean, 0),
        );
    }
    out.push('\n');
    for p in &report.summary.providers {
        if let Some(label) = &p.label {
            let _ = writeln!(out, "- **{}**: {}", cell(&p.id), cell(label));
        }
        if p.replayed > 0 {
            let _ = writeln!(
                out,
                "- **{}**: {} of {} records were replayed from a cassette; their latency is as recorded, not measured in this run.",
                cell(&p.id),
                p.replayed,
                p.records
            );
        }
    }
    out.push_str(
        "\n*How measured:* latency is wall-clock per call on the host above, successful calls only; \
         TTFT is from sending (for local models: starting prefill) to the first output token; tokens/s is the decode rate after \
         the first token, median over calls.\n",
    );
    throughput(out, report);
}

/// Output tokens per second per stream and in aggregate (`analysis::throughput`).
fn throughput(out: &mut String, report: &Report) {
    out.push_str("\n| provider | calls measured | concurrency | in flight (mean) | output tokens/s per stream | output tokens/s in aggregate |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for p in &report.summary.providers {
        let t = &p.throughput;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&p.id),
            t.measured_calls,
            p.concurrency,
            num(t.mean_in_flight, 1),
            num(t.stream_output_tokens_per_s, 1),
            num(t.aggregate_output_tokens_per_s, 1),
        );
    }
    out.push_str(
        "\n*How measured:* per stream, output tokens over the calls' summed durations; in aggregate, over the time at least \
         one call was in flight: what an engine serving calls together delivers, and what self-hosting costs rest on. \
         Replayed calls are left out.\n",
    );
}

fn tags(out: &mut String, report: &Report) {
    let mut tags: Vec<&str> = report
        .summary
        .providers
        .iter()
        .flat_map(|p| p.per_tag.iter().map(|t| t.tag.as_str()))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    if tags.is_empty() {
        return;
    }
    out.push_str("\n## Per tag\n\n");
    out.push_str("| tag | provider | records | pass rate | p95 latency | p95 TTFT | tokens/s | per 1k requests |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for tag in tags.iter().take(TAGS_SHOWN) {
        for p in &report.summary.providers {
            let Some(t) = p.per_tag.iter().find(|t| t.tag == *tag) else {
                continue;
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} ({}/{}) | {} | {} | {} | {} |",
                cell(tag),
                cell(&p.id),
                t.records,
                pct1(t.pass_rate),
                t.passed,
                t.records - t.unscored,
                ms(t.latency_ms.map(|l| l.p95)),
                ms(t.ttft_ms.map(|l| l.p95)),
                num(t.tokens_per_s_median, 1),
                t.usd_per_1k_requests.map_or("unknown".into(), usd),
            );
        }
    }
    if tags.len() > TAGS_SHOWN {
        let _ = writeln!(
            out,
            "\n…and {} more tags (see report.json).",
            tags.len() - TAGS_SHOWN
        );
    }
    out.push_str(
        "\n*How measured:* a record counts under each tag of its case; latency and TTFT of its successful calls, \
         tokens/s the median decode rate, cost the mean known cost per request × 1000, as for the providers above.\n",
    );
}

fn recommendations(out: &mut String, report: &Report) {
    let e = &report.executive;
    if let Some(why) = &e.unavailable {
        let _ = writeln!(out, "\n**No recommendation:** {}.", cell(why));
    }
    for r in &e.recommendations {
        let _ = writeln!(
            out,
            "\n**{} instead of {}: {}**\n",
            cell(&r.candidate),
            cell(&r.baseline),
            r.decision.label().to_uppercase()
        );
        for reason in &r.reasons {
            let _ = writeln!(out, "- {}", cell(reason));
        }
    }
}

fn cost(out: &mut String, report: &Report) {
    let c = &report.cost;
    let month = c
        .requests_per_month
        .map_or("per month".into(), |n| format!("per month at {n} requests"));
    out.push_str("\n## Cost\n\n");
    let _ = writeln!(
        out,
        "| provider | basis | priced records | per 1k requests | {month} |\n|---|---|---:|---:|---:|"
    );
    for p in &c.providers {
        let pr = p.projection.as_ref();
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {} |",
            cell(&p.id),
            p.pricing.basis(),
            p.records - p.unpriced,
            p.records,
            pr.map_or("unknown".into(), |x| usd(x.usd_per_1k_requests)),
            pr.and_then(|x| x.usd_per_month).map_or("—".into(), usd),
        );
    }
    out.push('\n');
    for p in &c.providers {
        if let Some(h) = &p.self_hosting {
            let _ = writeln!(
                out,
                "- **{}**: {}; throughput: {}.",
                cell(&p.id),
                cell(&h.explained),
                cell(&h.throughput.explained)
            );
        }
    }
    for p in &c.providers {
        if let Some(j) = &p.judging {
            let _ = writeln!(out, "- {}", cell(&j.describe(&p.id)));
        }
    }
    for c in &report.capacity {
        capacity(out, c);
    }
    out.push_str(
        "\n*How computed:* each record's usage at its price (cached input at the cached price), or for self-hosted \
         hardware its share of the machine's time (its duration divided among the calls in flight beside it) ÷ utilization, \
         and per token the aggregate output throughput; the mean over records with a known cost, never counting an \
         unknown one as $0. The HTML report has the utilization sensitivity and break-even volumes.\n",
    );
}

/// A load sweep's levels, goodput and cost (`modelswap load`).
fn capacity(out: &mut String, c: &crate::load::Capacity) {
    let _ = writeln!(
        out,
        "\n**Capacity of {}** (load sweep started {}):\n",
        cell(&c.provider),
        c.started_at
    );
    out.push_str("| load | requests | errors | requests/s | output tokens/s | TTFT p95 | ITL p95 | e2e p95 |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for l in &c.levels {
        let p95 = |p: Option<crate::load::Percentiles>| ms(p.map(|p| p.p95));
        let load = match (l.concurrency, l.rate) {
            (Some(n), _) => format!("{n} in flight"),
            (None, Some(r)) => format!("{r}/s"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {load} | {} | {} | {:.2} | {:.1} | {} | {} | {} |",
            l.requests,
            l.errors,
            l.requests_per_s,
            l.output_tokens_per_s,
            p95(l.ttft_ms),
            p95(l.itl_ms),
            p95(l.e2e_ms)
        );
    }
    if let Some(g) = &c.goodput {
        let _ = writeln!(
            out,
            "\nGoodput: {:.1} output tokens/s ({:.2} requests/s) within the SLO, at level {}.",
            g.output_tokens_per_s,
            g.requests_per_s,
            g.level + 1
        );
    }
    if let Some(i) = c.knee {
        let _ = writeln!(
            out,
            "\nKnee: level {} (past it, more load bought latency rather than throughput).",
            i + 1
        );
    }
    if let Some(why) = &c.stopped {
        let _ = writeln!(out, "\nThe sweep stopped early: {}.", cell(why));
    }
    let _ = writeln!(out, "\nCost: {}.", cell(&c.cost.explained));
}

/// A model output as inline code in a table cell, cut to `OUTPUT_CHARS`.
fn output(o: Option<&str>) -> String {
    match o {
        None => "—".into(),
        Some(o) if o.trim().is_empty() => "(empty)".into(),
        Some(o) => format!("`{}`", code(&truncate(o, OUTPUT_CHARS))),
    }
}

/// Text safe inside inline code in a table cell (code spans show `<` and `&` literally).
fn code(s: &str) -> String {
    s.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\r', '\n'], "⏎")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(code("x`|\ny"), "x'\\|⏎y");
        assert_eq!(output(Some("  \n")), "(empty)");
        assert_eq!(
            output(Some(&"ab|".repeat(40))),
            format!("`{}…`", "ab\\|".repeat(26) + "ab")
        );
    }
}
