use serde_json::json;

use super::*;

fn manifest(providers: &[&str]) -> Manifest {
    tests_support::manifest(providers, None)
}

/// A record as a run writes it; `outcome` is the score of each scorer (`None`: the call
/// failed). `score` is left out, as in records written before it existed, when `with_score`
/// is false.
fn record(
    provider: &str,
    case: &str,
    repeat: u32,
    outcome: Option<&[f64]>,
    with_score: bool,
) -> Record {
    let scores: Vec<_> = outcome
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"scorer": format!("s{i}"), "score": s, "passed": *s >= 1.0, "reason": ""}))
        .collect();
    let passed = outcome.is_some_and(|o| o.iter().all(|s| *s >= 1.0));
    let mut r = json!({
        "run_id": "r", "case_id": case, "provider": provider, "repeat": repeat,
        "request_hash": "sha256:0", "output": outcome.map(|_| "out"), "finish_reason": null,
        "error": if outcome.is_none() { json!({"kind": "server", "message": "boom"}) } else { json!(null) },
        "usage": {"input_tokens": 10, "output_tokens": 2},
        "timing": {"started_at": "t", "ttft_ms": 5.0, "total_ms": 9.0, "tokens_per_s": null,
                   "attempts": 1, "retry_wait_ms": 0.0},
        "cost_usd": null, "scores": scores, "passed": passed
    });
    if let (true, Some(o)) = (with_score, outcome) {
        r["score"] = json!(o.iter().sum::<f64>() / o.len().max(1) as f64);
    }
    serde_json::from_value(r).unwrap()
}

const PASS: Option<&[f64]> = Some(&[1.0, 1.0]);
const HALF: Option<&[f64]> = Some(&[1.0, 0.0]);
const FAIL: Option<&[f64]> = Some(&[0.0, 0.0]);

#[test]
fn repeats_give_pass_fractions_flaky_cases_and_intervals() {
    // Three cases × three repeats: always, sometimes and never passing.
    let plan = [
        ("a", [PASS, PASS, PASS]),
        ("b", [PASS, HALF, PASS]),
        ("c", [FAIL, None, HALF]),
    ];
    let records: Vec<Record> = plan
        .iter()
        .flat_map(|(case, runs)| {
            runs.iter()
                .enumerate()
                .map(|(i, o)| record("p", case, i as u32, *o, true))
        })
        .collect();
    let (_dir, _, frame) = frame::testing::write(&records);
    let s = summarize(&manifest(&["p"]), &frame).unwrap();
    let p = &s.providers[0];
    assert_eq!((p.records, p.cases, p.passed, p.errors), (9, 3, 5, 1));
    // With repeats the interval counts cases: the Wilson interval at 9 / deff trials.
    assert_eq!(
        p.pass_rate_ci,
        stats::wilson_clustered(&[(3, 3), (2, 3), (0, 3)])
    );
    assert!(
        p.pass_rate_ci.unwrap().high - p.pass_rate_ci.unwrap().low > {
            let plain = stats::wilson(5, 9).unwrap();
            plain.high - plain.low
        }
    );
    // Scores: a 1, 1, 1; b 1, 0.5, 1; c 0, 0 (failed call), 0.5.
    assert!((p.score_mean.unwrap() - 6.0 / 9.0).abs() < 1e-12);
    let cases = [(3.0, 3), (2.5, 3), (0.5, 3)];
    assert_eq!(p.score_ci, stats::mean_ci(&cases, CONFIDENCE));
    assert_eq!(p.score_ci_method, MeanInterval::PercentileBootstrap);
    assert_eq!((p.flaky_cases, p.failed_cases), (1, 2));
    let fractions: Vec<_> = p
        .per_case
        .iter()
        .map(|c| (c.case_id.as_str(), c.passed, c.runs, c.flaky))
        .collect();
    assert_eq!(
        fractions,
        [("a", 3, 3, false), ("b", 2, 3, true), ("c", 0, 3, false)]
    );
    assert_eq!(p.flaky_cases, 1);
    // s0 passed everywhere it ran (8 records; the failed call was scored by none), s1 in 5.
    let scorers: Vec<_> = p
        .scorers
        .iter()
        .map(|s| (s.scorer.as_str(), s.passed, s.scored))
        .collect();
    assert_eq!(scorers, [("s0", 7, 8), ("s1", 5, 8)]);
}

#[test]
fn records_without_a_score_fall_back_to_their_scorers_then_to_passed() {
    assert_eq!(record_score(&record("p", "a", 0, HALF, false)), 0.5);
    assert_eq!(record_score(&record("p", "a", 0, HALF, true)), 0.5);
    assert_eq!(record_score(&record("p", "a", 0, None, false)), 0.0);
    let mut no_scorers = record("p", "a", 0, Some(&[]), false);
    assert_eq!(record_score(&no_scorers), 1.0);
    no_scorers.passed = false;
    assert_eq!(record_score(&no_scorers), 0.0);
    // The recorded score wins over the fallback.
    let mut r = record("p", "a", 0, HALF, false);
    r.score = Some(0.9);
    assert_eq!(record_score(&r), 0.9);

    // The record frame's `score` follows the same rule, record by record.
    let records = vec![
        record("p", "a", 0, HALF, false),
        record("p", "b", 0, HALF, true),
        record("p", "c", 0, None, false),
        record("p", "d", 0, Some(&[]), false),
        no_scorers,
        r,
    ];
    let (_dir, _, frame) = frame::testing::write(&records);
    let scores = frame.lazy().select([col("score")]).collect().unwrap();
    let got: Vec<f64> = scores
        .column("score")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let want: Vec<f64> = records.iter().map(record_score).collect();
    assert_eq!(got, want);
}

#[test]
fn compare_pairs_on_case_and_repeat() {
    let mut records = Vec::new();
    // Baseline passes all 6 pairs; the candidate fails 5 of them and has one unpaired record.
    for case in ["a", "b", "c"] {
        for repeat in 0..2 {
            records.push(record("base", case, repeat, PASS, true));
            let o = if (case, repeat) == ("a", 0) {
                PASS
            } else {
                FAIL
            };
            records.push(record("cand", case, repeat, o, true));
        }
    }
    records.push(record("cand", "d", 0, FAIL, true));
    let (_dir, _, records) = frame::testing::write(&records);
    let c = compare(&records, "base", "cand", 0.05).unwrap();
    assert_eq!(c.pairs, 6);
    assert_eq!((c.only_baseline_passed, c.only_candidate_passed), (5, 0));
    assert!((c.pass_rate_drop - 5.0 / 6.0).abs() < 1e-12);
    // Two repeats a case: Durkalski's clustered test, X² = (1 + 2 + 2)² / (1 + 4 + 4) = 25/9
    // (scipy chi2.sf(25/9, 1) = 0.09558070454562939), where the exact test counting every
    // repeat as a pair would say 2 · 0.5^5 = 0.0625: not significant at 0.05 ...
    assert_eq!(c.mcnemar_method, PairedTest::ClusteredMcnemar);
    assert!(
        (c.mcnemar_p - 0.09558070454562939).abs() < 1e-12,
        "{}",
        c.mcnemar_p
    );
    assert!(!c.significant);
    // ... but at 0.1 it is, and the interval widens to 90%.
    assert!(compare(&records, "base", "cand", 0.1).unwrap().significant);
    assert_eq!(crate::format::p_value(c.mcnemar_p), "0.0956");
    assert_eq!(
        crate::format::p_value(stats::mcnemar_exact(400, 600)),
        "< 0.0001"
    );
    assert!((c.score_diff.unwrap() + 5.0 / 6.0).abs() < 1e-12);
    let ci = c.score_diff_ci.unwrap();
    assert!(
        ci.low < -5.0 / 6.0 && -5.0 / 6.0 < ci.high && ci.high <= -0.5 && ci.low >= -1.0,
        "{ci:?}"
    );
}

#[test]
fn compare_without_discordant_pairs_or_shared_cases() {
    let records = vec![
        record("base", "a", 0, PASS, true),
        record("cand", "a", 0, PASS, true),
        record("cand", "b", 0, FAIL, true),
    ];
    let (_dir, _, records) = frame::testing::write(&records);
    let c = compare(&records, "base", "cand", 0.05).unwrap();
    assert_eq!((c.pairs, c.mcnemar_p, c.significant), (1, 1.0, false));
    assert_eq!(c.score_diff, Some(0.0));
    assert_eq!(
        c.score_diff_ci,
        Some(Interval {
            low: 0.0,
            high: 0.0
        })
    );

    let c = compare(&records, "base", "nobody", 0.05).unwrap();
    assert_eq!(
        (c.pairs, c.mcnemar_p, c.score_diff, c.score_diff_ci),
        (0, 1.0, None, None)
    );
    let (_dir, _, none) = frame::testing::write(&[]);
    let c = compare(&none, "base", "cand", 0.05).unwrap();
    assert_eq!(c.pairs, 0);
}
