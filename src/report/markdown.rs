//! The Markdown report: short enough for a PR comment, with every figure saying how it was measured.

use std::fmt::Write;

use super::Report;

/// Failed cases shown per provider; the JSON report has them all.
const FAILURES_SHOWN: usize = 10;

pub fn render(report: &Report) -> String {
    let m = &report.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "# modelswap report: {}\n", cell(&m.suite.name));
    if let Some(d) = &m.suite.description {
        let _ = writeln!(out, "{}\n", cell(d));
    }
    let _ = writeln!(
        out,
        "Run `{}` ({}), {} cases × {} repeat(s), on {} {} with {} CPUs; started {}{}.\n",
        m.run_id,
        m.status,
        m.cases,
        m.repeats,
        m.host.os,
        m.host.arch,
        m.host.cpus,
        m.started_at,
        m.finished_at
            .as_deref()
            .map(|f| format!(", finished {f}"))
            .unwrap_or_default()
    );

    out.push_str("| provider | kind | model | cases | pass rate | errors | p50 latency | p95 latency | p50 TTFT | tokens/s | tokens in / out (mean) |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for p in &report.summary.providers {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1}% ({}/{}) | {} | {} | {} | {} | {} | {} / {} |",
            cell(&p.id),
            p.kind,
            cell(&p.model),
            p.cases,
            p.pass_rate * 100.0,
            p.passed,
            p.records,
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
         the first token, median over calls. A case passes when its call succeeded and every scorer that applies to it passed.\n",
    );

    if !report.comparisons.is_empty() {
        out.push_str("\n## Candidates vs baseline\n\n");
        out.push_str("| candidate | baseline | shared cases | baseline pass | candidate pass | drop | only baseline passed | only candidate passed | McNemar p |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for c in &report.comparisons {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1}% | {:.1}% | {:+.1} pt | {} | {} | {:.4} |",
                cell(&c.candidate),
                cell(&c.baseline),
                c.pairs,
                c.baseline_pass_rate * 100.0,
                c.candidate_pass_rate * 100.0,
                c.pass_rate_drop * 100.0,
                c.only_baseline_passed,
                c.only_candidate_passed,
                c.mcnemar_p
            );
        }
        out.push_str("\n*Drop* is the baseline's pass rate minus the candidate's on the cases both ran; the exact McNemar test asks whether the discordant cases could split this way by chance.\n");
    }

    if !report.failures.is_empty() {
        out.push_str("\n## Failed cases\n");
        for p in &report.summary.providers {
            let failures: Vec<_> = report
                .failures
                .iter()
                .filter(|f| f.provider == p.id)
                .collect();
            if failures.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n### {} ({} failed)\n", cell(&p.id), failures.len());
            out.push_str("| case | output | why |\n|---|---|---|\n");
            for f in failures.iter().take(FAILURES_SHOWN) {
                let case = if report.manifest.repeats > 1 {
                    format!("{} #{}", f.case_id, f.repeat)
                } else {
                    f.case_id.clone()
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    cell(&case),
                    f.output
                        .as_deref()
                        .map(|o| format!("`{}`", code(&truncate(o, 100))))
                        .unwrap_or_else(|| "—".into()),
                    cell(&truncate(&f.reasons.join("; "), 200))
                );
            }
            if failures.len() > FAILURES_SHOWN {
                let _ = writeln!(
                    out,
                    "\n…and {} more (see report.json).",
                    failures.len() - FAILURES_SHOWN
                );
            }
        }
    }
    out
}

/// Text safe inside a table cell: no pipes, newlines or HTML.
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// Text safe inside inline code in a table cell.
fn code(s: &str) -> String {
    s.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\r', '\n'], "⏎")
}

fn truncate(s: &str, max: usize) -> String {
    let mut t: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        t.push('…');
    }
    t
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.0} ms"))
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b\n<script>"), "a\\|b &lt;script&gt;");
        assert_eq!(code("x`|\ny"), "x'\\|⏎y");
    }
}
