//! The scan as Markdown, sized for a pull-request comment.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Estimate, Feature, Finding, Rating, Scan, Vendor};

/// GitHub cuts comments at 65,536 characters; past this many findings the detail table stops
/// and points to the JSON or SARIF output, which list everything.
const MAX_FINDING_ROWS: usize = 200;
const MAX_FILE_ROWS: usize = 25;

pub(crate) fn render(scan: &Scan) -> String {
    let mut md = String::new();
    let s = &scan.stats;
    let _ = writeln!(
        md,
        "## Vendor lock-in scan: `{}`\n",
        scan.root.replace('`', "'")
    );
    let _ = writeln!(
        md,
        "Scanned {} files ({}) in {:.2} s; skipped {} binary, {} too large, {} symlinks; {} files of other types.\n",
        s.files_scanned,
        size(s.bytes_scanned),
        s.duration_ms as f64 / 1000.0,
        s.skipped_binary,
        s.skipped_large,
        s.skipped_symlinks,
        s.files_other,
    );
    if scan.findings.is_empty() && scan.dependencies.is_empty() {
        md.push_str("**No dependency on a closed AI vendor found.**\n");
    } else {
        summary(&mut md, scan);
        integration_points(&mut md, scan);
        files(&mut md, scan);
        features(&mut md, &scan.findings);
        findings(&mut md, &scan.findings);
        dependencies(&mut md, scan);
    }
    if !scan.problems.is_empty() {
        let _ = writeln!(md, "\n### Not scanned ({})\n", scan.problems.len());
        for p in &scan.problems {
            let place = match (&p.file, p.line) {
                (Some(f), Some(l)) => format!("`{f}:{l}`: "),
                (Some(f), None) => format!("`{f}`: "),
                _ => String::new(),
            };
            let _ = writeln!(md, "- {place}{}", cell(&p.message));
        }
    }
    skipped(&mut md, scan);
    md
}

/// The files passed over, by name: the large ones first (they may hold vendor code the findings
/// miss), a screenful at most (the JSON output lists them all).
fn skipped(md: &mut String, scan: &Scan) {
    const SHOWN: usize = 30;
    if scan.skipped.is_empty() {
        return;
    }
    let mut listed: Vec<_> = scan.skipped.iter().collect();
    listed.sort_by_key(|s| !s.reason.starts_with("larger than"));
    let _ = writeln!(md, "\n### Skipped files ({})\n", listed.len());
    for s in listed.iter().take(SHOWN) {
        let _ = writeln!(md, "- {}: {}", code(&s.file), cell(&s.reason));
    }
    if listed.len() > SHOWN {
        let _ = writeln!(
            md,
            "- … and {} more (all of them in the JSON output's `skipped`)",
            listed.len() - SHOWN
        );
    }
}

fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

fn count_by<K: Ord + Copy>(items: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for k in items {
        *counts.entry(k).or_insert(0) += 1;
    }
    counts
}

fn summary(md: &mut String, scan: &Scan) {
    let ratings = count_by(scan.findings.iter().map(|f| f.rating));
    let rated = |r: Rating| ratings.get(&r).copied().unwrap_or(0);
    let _ = writeln!(
        md,
        "**{} findings in {} files**: {} vendor-only, {} portable with work, {} portable. {} vendor packages in manifests.\n",
        scan.findings.len(),
        scan.files.len(),
        rated(Rating::VendorOnly),
        rated(Rating::PortableWithWork),
        rated(Rating::Portable),
        scan.dependencies.len(),
    );
    let vendors = count_by(
        scan.findings
            .iter()
            .map(|f| f.vendor)
            .chain(scan.dependencies.iter().map(|d| d.vendor)),
    );
    let list: Vec<String> = vendors
        .iter()
        .map(|(v, n)| format!("{} ({n})", v.label()))
        .collect();
    let _ = writeln!(md, "Vendors: {}.\n", list.join(", "));
    classes(md, scan);
}

/// The estimate: integration points of production code by rating, and what is reported apart.
fn classes(md: &mut String, scan: &Scan) {
    md.push_str(&Estimate::of(&scan.integration_points).sentence());
    md.push_str("\n\n");
}

/// Each place the code reaches a vendor, the least portable first.
fn integration_points(md: &mut String, scan: &Scan) {
    if scan.integration_points.is_empty() {
        return;
    }
    md.push_str("### Integration points\n\n");
    md.push_str("One per client object, with every call made through it in whatever file (where the syntax tree says: Python, JavaScript, TypeScript), else one per file and vendor; rated by its least portable finding.\n\n");
    md.push_str(
        "| where | class | vendor | client | rating | findings | features |\n|---|---|---|---|---|---:|---|\n",
    );
    for p in scan.integration_points.iter().take(MAX_FILE_ROWS) {
        let features: Vec<&str> = p.features.iter().map(|f| f.label()).collect();
        let client = match (&p.client, p.call_sites.len()) {
            (None, _) => String::new(),
            (Some(name), 0) => code(name),
            (Some(name), n) => format!("{}, called from {n} other file(s)", code(name)),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {client} | {} | {} | {} |",
            code(&match p.cell {
                Some(cell) => format!("{} cell {cell}:{}", p.file, p.line),
                None => format!("{}:{}", p.file, p.line),
            }),
            p.class.label(),
            p.vendor.label(),
            p.rating.label(),
            p.findings,
            features.join(", ")
        );
    }
    if scan.integration_points.len() > MAX_FILE_ROWS {
        let _ = writeln!(
            md,
            "\n…and {} more.",
            scan.integration_points.len() - MAX_FILE_ROWS
        );
    }
    md.push('\n');
}

fn files(md: &mut String, scan: &Scan) {
    if scan.files.is_empty() {
        return;
    }
    md.push_str("### Files by migration effort\n\n");
    md.push_str("Effort points: 3 per vendor-only finding, 1 per portable-with-work finding, 0 per portable one.\n\n");
    md.push_str("| file | class | effort | vendor-only | with work | portable | vendors |\n|---|---|---:|---:|---:|---:|---|\n");
    for f in scan.files.iter().take(MAX_FILE_ROWS) {
        let vendors: Vec<&str> = f.vendors.iter().map(|v| v.label()).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(&f.file),
            f.class.label(),
            f.effort,
            f.vendor_only,
            f.portable_with_work,
            f.portable,
            vendors.join(", ")
        );
    }
    if scan.files.len() > MAX_FILE_ROWS {
        let _ = writeln!(
            md,
            "\n…and {} more files.",
            scan.files.len() - MAX_FILE_ROWS
        );
    }
    md.push('\n');
}

/// One row per (vendor, feature): the rating, why, what to do, and how often.
fn features(md: &mut String, findings: &[Finding]) {
    let mut rows: BTreeMap<(std::cmp::Reverse<Rating>, Vendor, Feature), (&Finding, usize)> =
        BTreeMap::new();
    for f in findings {
        rows.entry((std::cmp::Reverse(f.rating), f.vendor, f.feature))
            .or_insert((f, 0))
            .1 += 1;
    }
    md.push_str("### Features in use\n\n| rating | vendor | feature | uses | why | how to move |\n|---|---|---|---:|---|---|\n");
    for ((rating, vendor, feature), (f, n)) in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {n} | {} | {} |",
            rating.0.label(),
            vendor.label(),
            feature.label(),
            cell(&f.reason),
            f.hint.as_deref().map_or(String::new(), cell)
        );
    }
    md.push('\n');
}

fn findings(md: &mut String, findings: &[Finding]) {
    let _ = writeln!(
        md,
        "<details><summary>All {} findings</summary>\n\n| place | rating | vendor | feature | matched |\n|---|---|---|---|---|",
        findings.len()
    );
    for f in findings.iter().take(MAX_FINDING_ROWS) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            code(&match f.cell {
                Some(cell) => format!("{} cell {cell}:{}", f.file, f.line),
                None => format!("{}:{}", f.file, f.line),
            }),
            f.rating.label(),
            f.vendor.label(),
            f.feature.label(),
            code(&f.matched)
        );
    }
    if findings.len() > MAX_FINDING_ROWS {
        let _ = writeln!(
            md,
            "\n…and {} more: `--format json` or `sarif` lists them all.",
            findings.len() - MAX_FINDING_ROWS
        );
    }
    md.push_str("\n</details>\n");
}

fn dependencies(md: &mut String, scan: &Scan) {
    if scan.dependencies.is_empty() {
        return;
    }
    md.push_str("\n### Vendor packages\n\n| manifest | package | version | vendor | rating |\n|---|---|---|---|---|\n");
    for d in &scan.dependencies {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            code(&format!("{}:{}", d.file, d.line)),
            code(&d.name),
            d.version.as_deref().map_or("(any)".to_string(), code),
            d.vendor.label(),
            d.rating.label()
        );
    }
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A code span in a table cell, fenced with more backticks than the text holds.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", cell(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("gpt-4o"), "`gpt-4o`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x|y`"), "`` `x\\|y` ``");
    }
}
