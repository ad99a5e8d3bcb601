//! The non-inferiority tests on records as a run writes them, read back through the record
//! frame: outcomes, bounds (pinned in `stats::paired`'s tests against scripts/reference_stats.py),
//! Holm across candidates, repeats, tags, and what the gate and the recommendation make of them.

use serde_json::{json, Value};

use super::*;
use crate::analysis::frame::testing;
use crate::record::Record;

/// A record of `provider` on `case`, repeat `repeat`, passing or not, with `tags`.
fn record(provider: &str, case: usize, repeat: u32, passed: bool, tags: &[&str]) -> Record {
    serde_json::from_value(json!({
        "run_id": "r", "case_id": format!("c{case:03}"), "provider": provider, "repeat": repeat,
        "request_hash": "sha256:0", "output": "out", "finish_reason": "stop", "error": null,
        "usage": {"input_tokens": 10, "output_tokens": 2},
        "timing": {"started_at": "2026-12-04T00:00:00.000Z", "ttft_ms": 5.0, "total_ms": 9.0,
                   "tokens_per_s": null, "attempts": 1, "retry_wait_ms": 0.0},
        "cost_usd": null,
        "scores": [{"scorer": "equals", "score": if passed { 1.0 } else { 0.0 }, "passed": passed, "reason": ""}],
        "passed": passed, "score": if passed { 1.0 } else { 0.0 }, "tags": tags
    }))
    .unwrap()
}

/// `n` cases; the baseline fails the first `base_fails` ... as (b, c): `b` cases only the
/// baseline passes, `c` only `candidate` passes, the rest both pass.
fn paired(candidate: &str, n: usize, b: usize, c: usize) -> Vec<Record> {
    let mut out = Vec::new();
    for i in 0..n {
        let (base, cand) = if i < b {
            (true, false)
        } else if i < b + c {
            (false, true)
        } else {
            (true, true)
        };
        out.push(record("base", i, 0, base, &[]));
        out.push(record(candidate, i, 0, cand, &[]));
    }
    out
}

fn gate(candidates: &[&str], margin: f64) -> GateConfig {
    serde_json::from_value(json!({"baseline": "base", "candidates": candidates,
        "non_inferiority_margin": margin}))
    .unwrap()
}

fn assessed(records: &[Record], gate: &GateConfig, tags: &[&str]) -> Vec<Assessment> {
    let (_dir, _, frame) = testing::write(records);
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    assess(&frame, gate, &tags).unwrap()
}

#[test]
fn the_three_outcomes_with_their_bounds() {
    // 4 / 4 discordant of 200 at a 3-point margin: upper bound 2.655 pt, non-inferior.
    let a = assessed(&paired("cand", 200, 4, 4), &gate(&["cand"], 0.03), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!(
        (t.outcome, t.method.as_str(), t.pairs),
        (Outcome::NonInferior, "tango-score", 200)
    );
    assert!((t.upper - 0.02655008974735385).abs() < 1e-7, "{}", t.upper);
    assert!((t.p_value.unwrap() - 0.034776887885563615).abs() < 1e-7);
    assert_eq!((t.cases_needed, t.more_cases), (None, None));
    // 10 / 2 of 50 at 5 points: lower bound 5.16 pt above the margin, inferior.
    let a = assessed(&paired("cand", 50, 10, 2), &gate(&["cand"], 0.05), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!(t.outcome, Outcome::Inferior);
    assert!((t.lower - 0.051573743232384145).abs() < 1e-7, "{}", t.lower);
    // 3 / 1 of 20: a 10-point drop on 20 cases is inconclusive, not "no significant drop", and
    // Nam's n at the observed discordance says how many cases would settle it.
    let a = assessed(&paired("cand", 20, 3, 1), &gate(&["cand"], 0.15), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!(t.outcome, Outcome::Inconclusive);
    let n = paired::nam_pairs(0.15, 0.05, 0.15, 0.05, 0.8)
        .unwrap()
        .ceil() as usize;
    assert_eq!((t.cases_needed, t.more_cases), (Some(n), Some(n - 20)));
    // At or beyond the margin: no number of cases would do.
    let a = assessed(&paired("cand", 20, 3, 1), &gate(&["cand"], 0.05), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!((t.outcome, t.cases_needed), (Outcome::Inconclusive, None));
}

#[test]
fn no_discordant_pair_all_passing_and_one_case() {
    // Twenty cases both pass: the bound (11.9 pt) is not degenerate, so a 5-point margin is not
    // yet shown; 52 cases would show it.
    let a = assessed(&paired("cand", 20, 0, 0), &gate(&["cand"], 0.05), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!(t.outcome, Outcome::Inconclusive);
    assert!((t.upper - 0.119157837360974).abs() < 1e-7);
    assert_eq!((t.cases_needed, t.more_cases), (Some(52), Some(32)));
    // One case: nothing can be shown.
    let a = assessed(&paired("cand", 1, 1, 0), &gate(&["cand"], 0.05), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!((t.outcome, t.upper), (Outcome::Inconclusive, 1.0));
}

#[test]
fn holm_keeps_two_candidates_from_each_passing_by_chance() {
    // Alone, each would be non-inferior (p 0.0348); together Holm doubles the smaller p.
    let mut records = paired("a", 200, 4, 4);
    records.extend(
        paired("b", 200, 4, 4)
            .into_iter()
            .filter(|r| r.provider == "b"),
    );
    let a = assessed(&records, &gate(&["a", "b"], 0.03), &[]);
    for x in &a {
        let t = x.pass_rate.as_ref().unwrap();
        assert!((t.p_adjusted.unwrap() - 2.0 * 0.034776887885563615).abs() < 1e-7);
        assert_eq!(t.outcome, Outcome::Inconclusive, "{}", x.candidate);
    }
}

#[test]
fn repeats_count_as_their_case_through_the_design_effect() {
    // The reference script's clustered cases: eight cases of three repeats.
    let cases = [
        (3, 0),
        (0, 0),
        (0, 0),
        (1, 0),
        (0, 1),
        (0, 0),
        (2, 0),
        (0, 0),
    ];
    let mut records = Vec::new();
    for (i, (b, c)) in cases.into_iter().enumerate() {
        for r in 0..3u32 {
            let (base, cand) = if r < b {
                (true, false)
            } else if r < b + c {
                (false, true)
            } else {
                (true, true)
            };
            records.push(record("base", i, r, base, &[]));
            records.push(record("cand", i, r, cand, &[]));
        }
    }
    let a = assessed(&records, &gate(&["cand"], 0.05), &[]);
    let t = a[0].pass_rate.as_ref().unwrap();
    assert_eq!(t.method, "tango-score-rao-scott");
    assert!((t.design_effect.unwrap() - 2.2777222777222774).abs() < 1e-12);
    assert!((t.upper - 0.47846133212045727).abs() < 1e-7, "{}", t.upper);
    assert_eq!((t.cases, t.pairs), (8, 24));
}

#[test]
fn a_tag_shown_inferior_is_named_though_the_whole_holds() {
    // 2000 cases: 30 tagged `refunds`, where the candidate fails 10 the baseline passes; the
    // rest agree. The whole is non-inferior at 3 points; the tag is inferior.
    let mut records = Vec::new();
    for i in 0..2000 {
        let tag: &[&str] = if i < 30 { &["refunds"] } else { &["faq"] };
        let cand = i >= 10;
        records.push(record("base", i, 0, true, tag));
        records.push(record("cand", i, 0, cand, tag));
    }
    let a = assessed(&records, &gate(&["cand"], 0.03), &["faq", "refunds"]);
    assert_eq!(
        a[0].pass_rate.as_ref().unwrap().outcome,
        Outcome::NonInferior
    );
    let tags: Vec<(&str, Outcome)> = a[0]
        .per_tag
        .iter()
        .map(|(t, x)| (t.as_str(), x.outcome))
        .collect();
    assert_eq!(
        tags,
        [
            ("faq", Outcome::NonInferior),
            ("refunds", Outcome::Inferior)
        ]
    );
    let reason = crate::gate::non_inferiority_reason(&a[0].per_tag[1].1, "pass rate");
    assert!(
        reason.starts_with("inferior: baseline − candidate pass rate +33.3 pt"),
        "{reason}"
    );
    // The gate passes; the recommendation names the tag.
    let g = gate(&["cand"], 0.03);
    let (_dir, _, frame) = testing::write(&records);
    let manifest = crate::analysis::tests_support::manifest(&["base", "cand"], Some(&g));
    let summary = crate::analysis::summarize(&manifest, &frame).unwrap();
    let cost = crate::analysis::cost::summarize(&manifest, &frame, &summary, &[]).unwrap();
    assert!(
        crate::gate::evaluate(&g, &summary, &frame, &cost)
            .unwrap()
            .passed
    );
    let exec = crate::report::recommend::recommend(&manifest, &summary, &[], &cost, &frame);
    let rec = &exec.recommendations[0];
    assert_ne!(rec.decision, crate::report::Decision::Stay);
    assert!(
        rec.reasons.iter().any(|r| r
            .starts_with("on the cases tagged `refunds` alone, inferior: baseline − candidate")),
        "{:?}",
        rec.reasons
    );
}

#[test]
fn the_score_margin_uses_the_paired_interval() {
    let mut g = gate(&["cand"], 0.03);
    g.non_inferiority_margin = None;
    g.non_inferiority_score_margin = Some(0.1);
    let a = assessed(&paired("cand", 40, 1, 1), &g, &[]);
    let t = a[0].score.as_ref().unwrap();
    assert_eq!((t.method.as_str(), t.difference), ("bootstrap", 0.0));
    // A two-sided 90% bootstrap interval's ends are the one-sided 95% bounds.
    let diffs: Vec<(f64, usize)> = (0..40)
        .map(|i| {
            (
                match i {
                    0 => 1.0,
                    1 => -1.0,
                    _ => 0.0,
                },
                1,
            )
        })
        .collect();
    let ci = stats::mean_ci(&diffs, 0.9).unwrap();
    assert_eq!((t.lower, t.upper), (ci.low, ci.high));
    assert_eq!(t.outcome, Outcome::NonInferior);
    assert!(a[0].pass_rate.is_none());
}

#[test]
fn the_gate_fails_inconclusive_and_inferior_and_the_recommendation_tells_them_apart() {
    let value: Value =
        json!({"baseline": "base", "candidates": ["cand"], "non_inferiority_margin": 0.15});
    let g: GateConfig = serde_json::from_value(value).unwrap();
    let records = paired("cand", 20, 3, 1);
    let (_dir, _, frame) = testing::write(&records);
    let manifest = crate::analysis::tests_support::manifest(&["base", "cand"], Some(&g));
    let summary = crate::analysis::summarize(&manifest, &frame).unwrap();
    let cost = crate::analysis::cost::summarize(&manifest, &frame, &summary, &[]).unwrap();
    let verdict = crate::gate::evaluate(&g, &summary, &frame, &cost).unwrap();
    assert!(!verdict.passed);
    let check = &verdict.checks[0];
    assert_eq!(check.criterion.as_str(), "non_inferiority_margin");
    assert!(
        check
            .reason
            .starts_with("inconclusive: baseline − candidate pass rate +10.0 pt"),
        "{}",
        check.reason
    );
    assert!(
        check.reason.contains("more paired cases"),
        "{}",
        check.reason
    );
    let exec = crate::report::recommend::recommend(&manifest, &summary, &[], &cost, &frame);
    let rec = &exec.recommendations[0];
    assert_eq!(rec.decision, crate::report::Decision::SwitchWithCaveats);
    assert!(
        rec.reasons[0].starts_with(
            "not enough cases to show it as good — non_inferiority_margin: inconclusive"
        ),
        "{:?}",
        rec.reasons
    );
    // Inferior: stay.
    let records = paired("cand", 50, 10, 2);
    let (_dir, _, frame) = testing::write(&records);
    let mut g = g;
    g.non_inferiority_margin = Some(0.05);
    let manifest = crate::analysis::tests_support::manifest(&["base", "cand"], Some(&g));
    let summary = crate::analysis::summarize(&manifest, &frame).unwrap();
    let exec = crate::report::recommend::recommend(&manifest, &summary, &[], &cost, &frame);
    assert_eq!(
        exec.recommendations[0].decision,
        crate::report::Decision::Stay
    );
}

#[test]
fn a_candidate_without_pairs_shows_nothing_and_still_counts_in_holm() {
    // `a` never ran; `b` alone would be non-inferior (p 0.0348), but two candidates were tested.
    let records: Vec<Record> = paired("b", 200, 4, 4);
    let a = assessed(&records, &gate(&["a", "b"], 0.03), &[]);
    let (ta, tb) = (
        a[0].pass_rate.as_ref().unwrap(),
        a[1].pass_rate.as_ref().unwrap(),
    );
    assert_eq!(
        (ta.pairs, ta.outcome, ta.p_adjusted),
        (0, Outcome::Inconclusive, Some(1.0))
    );
    assert!((tb.p_adjusted.unwrap() - 2.0 * 0.034776887885563615).abs() < 1e-7);
    assert_eq!(tb.outcome, Outcome::Inconclusive);
}
