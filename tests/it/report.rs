//! Repeats, flaky cases, the quality section and the significance-aware gate, end to end: a suite
//! run by the binary against loopback OpenAI servers, then `report` and `gate` on its directory.

use std::path::{Path, PathBuf};

use modelswap::record::Record;
use serde_json::Value;

use crate::common::{modelswap, run_suite, stderr, stdout};
use crate::vendor_server::{openai_json, Reply, VendorServer};

/// A suite with a `base` and a `cand` provider, each on its own server (one call at a time, so a
/// server answers the calls in the runner's order: case by case, each case's repeats in turn).
fn suite(
    dir: &Path,
    base: &VendorServer,
    cand: &VendorServer,
    cases: usize,
    extra: &str,
) -> PathBuf {
    let provider = |server: &VendorServer, concurrency: usize| {
        format!(
            "    kind: openai\n    model: gpt-4o-mini\n    base_url: {}/v1\n    api_key_env: TEST_VENDOR_KEY\n    stream: false\n    concurrency: {concurrency}\n",
            server.base
        )
    };
    let concurrency = if extra.contains("repeats") { 1 } else { 8 };
    let cases: String = (0..cases)
        .map(|i| format!("  - vars: {{q: question {i}}}\n    expect: {{a: hello}}\n"))
        .collect();
    let text = format!(
        "version: 1\nname: stats\nproviders:\n  base:\n{}  cand:\n{}{extra}\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}scorers:\n  - type: icontains\n    value: \"{{{{ expect.a }}}}\"\n\
         gate:\n  baseline: base\n  candidates: [cand]\n  max_pass_rate_drop: 0.1\n",
        provider(base, concurrency),
        provider(cand, concurrency),
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(dir: &Path, suite: &Path) -> (PathBuf, Vec<Record>) {
    let (out, records) = run_suite(dir, suite, Some("sk-test"));
    assert!(out.status.success(), "{}", stderr(&out));
    (dir.join("run"), records)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn set_gate(dir: &Path, gate: Value) {
    let path = dir.join("run.json");
    let mut m = json(&path);
    m["gate"] = gate;
    std::fs::write(&path, m.to_string()).unwrap();
}

fn reply(text: &str) -> Reply {
    Reply::json(openai_json(text, (12, 3, 0)))
}

#[test]
fn repeats_find_flaky_cases_and_the_gate_weighs_a_drop_by_its_significance() {
    let (base, cand) = (VendorServer::start(), VendorServer::start());
    base.otherwise(reply("Hello!"));
    // Four cases × three repeats. The candidate's answers vary per request: case 1 passes 2 of 3,
    // case 2 passes 1 of 3, case 3 always, case 4 never: 6 of 12 pairs lost, none won.
    for pass in [
        true, false, true, false, true, false, true, true, true, false, false, false,
    ] {
        cand.push(reply(if pass { "hello there" } else { "no idea" }));
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &base, &cand, 4, "defaults:\n  repeats: 3\n");
    let (dir, records) = run(tmp.path(), &suite);
    assert_eq!(records.len(), 24);
    assert_eq!(cand.received().len(), 12);
    for r in &records {
        assert_eq!(r.score, Some(if r.passed { 1.0 } else { 0.0 }), "{r:?}");
    }

    let out = modelswap(&["report", dir.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&dir.join("report.json"));
    let c = &report["summary"]["providers"][1];
    assert_eq!(
        (
            c["id"].as_str(),
            c["records"].as_u64(),
            c["passed"].as_u64()
        ),
        (Some("cand"), Some(12), Some(6))
    );
    // Cases are the unit: the passes per case (2, 1, 3, 0 of 3) have a design effect of 2.22, so
    // the Wilson interval of 6/12 is statsmodels' at 12 / 2.22 trials (scripts/reference_stats.py's
    // method), wider than counting every repeat (0.2538, 0.7462).
    let ci = &c["pass_rate_ci"];
    assert!(
        (ci["low"].as_f64().unwrap() - 0.17763504022913568).abs() < 1e-12,
        "{ci}"
    );
    assert!(
        (ci["high"].as_f64().unwrap() - 0.8223649597708643).abs() < 1e-12,
        "{ci}"
    );
    let per_case: Vec<(String, u64, bool)> = c["per_case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["case_id"].as_str().unwrap().to_string(),
                x["passed"].as_u64().unwrap(),
                x["flaky"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("case-0001", 2, true),
        ("case-0002", 1, true),
        ("case-0003", 3, false),
        ("case-0004", 0, false),
    ];
    assert_eq!(per_case, expected.map(|(c, p, f)| (c.to_string(), p, f)));
    assert_eq!(c["flaky_cases"], 2);
    assert_eq!(report["summary"]["providers"][0]["flaky_cases"], 0);

    let cmp = &report["comparisons"][0];
    assert_eq!(
        (
            cmp["pairs"].as_u64(),
            cmp["only_baseline_passed"].as_u64(),
            cmp["only_candidate_passed"].as_u64()
        ),
        (Some(12), Some(6), Some(0))
    );
    // Durkalski's clustered McNemar: per case 1, 2, 0 and 3 pairs lost, X² = 6² / 14, scipy
    // chi2.sf(36/14, 1) = 0.10880943004054605. Counting the 12 repeats as independent pairs, the
    // exact test would have said 2 · 0.5^6 = 0.03125: significant, on four cases.
    assert_eq!(cmp["mcnemar_method"], "clustered-mcnemar");
    assert!((cmp["mcnemar_p"].as_f64().unwrap() - 0.10880943004054605).abs() < 1e-12);
    assert_eq!(cmp["score_diff"], -0.5);
    // The paired bootstrap draws 4 cases whose summed differences are −1, −2, 0 and −3 (over 3
    // pairs each). Enumerating all 4^4 draws: P(mean ≤ −11/12) = 0.0195, P(mean ≤ −10/12) = 0.0586,
    // P(mean ≤ −3/12) = 0.9414, P(mean ≤ −2/12) = 0.9805; so the 2.5% and 97.5% points are −10/12
    // and −2/12, each more than 4 Monte Carlo standard deviations from the next atom.
    let ci = &cmp["score_diff_ci"];
    assert!(
        (ci["low"].as_f64().unwrap() + 10.0 / 12.0).abs() < 1e-12,
        "{ci}"
    );
    assert!(
        (ci["high"].as_f64().unwrap() + 2.0 / 12.0).abs() < 1e-12,
        "{ci}"
    );
    assert_eq!(report["methodology"]["bootstrap_resamples"], 10_000);

    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for needle in [
        "## Quality",
        "| cand | 50.0% (6/12) [17.8%, 82.2%] |",
        "| icontains 6/12 | 2 of 4 |",
        "## Flaky cases",
        "| cand | case-0001 | 2/3 (67%) |",
        "| cand | case-0002 | 1/3 (33%) |",
        "| 0.1088 | -0.500 [-0.833, -0.167] | no |",
        "| cand output | base output (baseline) | why |",
        "### cand (6 of 12 records failed, in 3 of 4 cases)",
        "| case-0004 #0 (3/3 failed) | 0.00 | `no idea` | ✓ `Hello!` |",
        "10000 resamples",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle:?}:\n{md}");
    }
    assert!(
        !md.contains("| base | case-"),
        "the baseline is not flaky:\n{md}"
    );

    // The drop (50 points) is over the limit (10); whether it fails depends on significance.
    let run = dir.to_str().unwrap();
    let gate = |significance: Option<f64>| {
        let mut g = serde_json::json!({"baseline": "base", "candidates": ["cand"], "max_pass_rate_drop": 0.1});
        if let Some(s) = significance {
            g["significance"] = s.into();
        }
        set_gate(&dir, g);
        let out = modelswap(&["gate", run], tmp.path());
        (
            out.status.code(),
            stdout(&out),
            json(&dir.join("verdict.json")),
        )
    };
    // Four cases cannot make the drop significant at 0.05 (the reason a margin is the better gate).
    let (code, text, verdict) = gate(Some(0.05));
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("PASS  cand  max_pass_rate_drop: pass rate 50.0% vs baseline 100.0% on 12 shared (case, repeat) pairs: drop 50.0% > max 10.0%, but not significant at α = 0.05"),
        "{text}"
    );
    assert!(
        text.contains("clustered McNemar (Durkalski) p = 0.1088"),
        "{text}"
    );
    assert!(
        text.contains("paired bootstrap 95% CI [-0.833, -0.167]"),
        "{text}"
    );
    let check = &verdict["checks"][0];
    assert_eq!(
        (check["actual"].as_f64(), check["limit"].as_f64()),
        (Some(0.5), Some(0.1))
    );
    assert_eq!(check["comparison"]["significant"], false);

    let (code, text, verdict) = gate(Some(0.2));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("FAIL  cand  max_pass_rate_drop") && text.contains("significant at α = 0.2"),
        "{text}"
    );
    assert!(text.contains("paired bootstrap 80% CI"), "{text}");
    assert_eq!(verdict["checks"][0]["comparison"]["significant"], true);

    let (code, text, _) = gate(None);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("(the gate sets no `significance`)"), "{text}");
}

#[test]
fn the_markdown_report_fits_a_pr_comment_whatever_the_models_say() {
    let (base, cand) = (VendorServer::start(), VendorServer::start());
    let hostile = format!(
        "<script>alert(1)</script> | col | ```\n# heading\r\n`tick` \\| {}",
        "long ".repeat(2000)
    );
    base.otherwise(reply(&hostile));
    cand.otherwise(reply(&format!("<img src=x onerror=alert(1)>|{hostile}")));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &base, &cand, 60, "");
    let (dir, records) = run(tmp.path(), &suite);
    assert_eq!(records.len(), 120);
    assert!(records.iter().all(|r| !r.passed));

    let out = modelswap(&["report", dir.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    // GitHub refuses comments over 65,536 characters.
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    // Model outputs sit in code spans, where `<` is text; anywhere else it would be HTML.
    for line in md.lines() {
        let mut in_code = false;
        let mut prev = ' ';
        let outside: String = line
            .chars()
            .filter(|&c| {
                let tick = c == '`' && prev != '\\';
                prev = c;
                in_code ^= tick;
                !in_code && !tick
            })
            .collect();
        assert!(!in_code, "a code span left open: {line}");
        assert!(!outside.contains('<'), "raw HTML outside code: {line}");
    }
    assert!(
        md.contains("…and 55 more failed cases (see report.json)."),
        "{md}"
    );
    // Every row of every table has as many cells as its header: no output broke out of its cell.
    let cells = |line: &str| {
        let bytes = line.as_bytes();
        (0..bytes.len())
            .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
            .count()
    };
    let mut header = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let n = cells(line);
        match header {
            None => header = Some(n),
            Some(h) => assert_eq!(n, h, "a row with other cells than its header: {line}"),
        }
    }
    // The JSON report keeps the whole output.
    let report = json(&dir.join("report.json"));
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 120);
    assert_eq!(failures[0]["output"].as_str().unwrap(), hostile);
}

/// The Markdown report of a fixed run, byte for byte: a change to the report shows up here as a
/// diff to review. `MODELSWAP_UPDATE_SNAPSHOTS=1 cargo test` rewrites the expected file.
#[test]
fn the_markdown_report_of_a_fixed_run_matches_its_snapshot() {
    let fixture = crate::common::repo().join("fixtures/report-snapshot");
    let tmp = tempfile::tempdir().unwrap();
    for file in ["run.json", "records.jsonl", "lockin.json"] {
        std::fs::copy(fixture.join(file), tmp.path().join(file)).unwrap();
    }
    let out = modelswap(&["report", ".", "--format", "md"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let actual = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    let expected_path = fixture.join("report.md");
    if std::env::var("MODELSWAP_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "report.md differs from {} from line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             (review the change; MODELSWAP_UPDATE_SNAPSHOTS=1 cargo test rewrites the snapshot)",
            expected_path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("(end of file)"),
            actual.lines().nth(line).unwrap_or("(end of file)")
        );
    }
}
