//! The rendezvous on its own: answers in either order, parked records released by the answer
//! they wait for, answers dropped once every record that needs them has had them, and what never
//! came settled at the end.

use super::*;
use crate::suite;

/// A suite of `base` and `cand` with an `equals` scorer against `base`, and its two cases.
fn setup() -> (tempfile::TempDir, Arc<Scorers>, Vec<Arc<Case>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.yaml");
    let engine = "{kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}";
    let text = format!(
        "version: 1\nname: t\nproviders:\n  base: {engine}\n  cand: {engine}\n  other: {engine}\n\
         prompt: {{user: hi}}\ncases:\n  - {{id: c1, vars: {{}}}}\n  - {{id: c2, vars: {{}}}}\n\
         scorers:\n  - type: equals\n    reference: base\n"
    );
    std::fs::write(&path, text).unwrap();
    let suite = suite::load(&path).unwrap();
    let scorers = Arc::new(Scorers::prepare(&suite).unwrap());
    let cases = suite.cases.iter().map(|c| Arc::new(c.unwrap())).collect();
    (dir, scorers, cases)
}

fn record(provider: &str, case: &str, output: Option<&str>) -> Record {
    serde_json::from_value(serde_json::json!({
        "run_id": "r", "case_id": case, "provider": provider, "repeat": 0,
        "request_hash": "h", "output": output, "finish_reason": null,
        "error": if output.is_some() { serde_json::Value::Null } else { serde_json::json!({"kind": "server", "message": "down"}) },
        "usage": {"input_tokens": 1, "output_tokens": 1, "cached_input_tokens": 0},
        "timing": {"started_at": "t", "ttft_ms": 1.0, "total_ms": 1.0, "tokens_per_s": null, "attempts": 1, "retry_wait_ms": 0.0},
        "cost_usd": null, "scores": [], "passed": false
    }))
    .unwrap()
}

fn ids(ready: &[Ready]) -> Vec<String> {
    ready
        .iter()
        .map(|(_, r, _)| format!("{}/{}", r.provider, r.case_id))
        .collect()
}

#[test]
fn either_order_and_the_answer_is_dropped_once_every_taker_has_it() {
    let (_dir, scorers, cases) = setup();
    let run = ["base", "cand", "other"].map(String::from).to_vec();
    let r = Rendezvous::new(scorers, run);
    // cand first: it waits.
    assert!(r
        .arrive(cases[0].clone(), record("cand", "c1", Some("x")))
        .is_empty());
    // base arrives: itself (no scorer against itself) and the parked cand are ready; `other`
    // still needs the answer, so it is kept.
    let ready = r.arrive(cases[0].clone(), record("base", "c1", Some("x")));
    assert_eq!(ids(&ready), ["cand/c1", "base/c1"]);
    assert_eq!(
        ready[0].2[&Reference::Provider("base".into())]
            .as_ref()
            .unwrap()
            .text,
        "x"
    );
    assert_eq!(r.held(), 1);
    // `other` takes it: nothing is held any more.
    assert_eq!(
        ids(&r.arrive(cases[0].clone(), record("other", "c1", Some("y")))),
        ["other/c1"]
    );
    assert_eq!(r.held(), 0);
    // A failed reference is an answer too: why there is none.
    r.arrive(cases[1].clone(), record("base", "c2", None));
    let ready = r.arrive(cases[1].clone(), record("cand", "c2", Some("z")));
    let why = ready[0].2[&Reference::Provider("base".into())]
        .clone()
        .unwrap_err();
    assert_eq!(why, "`base`'s call failed: down");
}

#[test]
fn what_never_came_is_settled_at_the_end() {
    let (_dir, scorers, cases) = setup();
    let r = Rendezvous::new(scorers, ["cand"].map(String::from).to_vec());
    assert!(r
        .arrive(cases[1].clone(), record("cand", "c2", Some("z")))
        .is_empty());
    let ready = r.finish();
    assert_eq!(ids(&ready), ["cand/c2"]);
    let why = ready[0].2[&Reference::Provider("base".into())]
        .clone()
        .unwrap_err();
    assert!(
        why.starts_with("`base` has no answer to this case in this run"),
        "{why}"
    );
    // base was not in the run: its answer would have had no taker and is not kept.
    let r = Rendezvous::new(
        Arc::new(Scorers::prepare(&suite::load(&_dir.path().join("s.yaml")).unwrap()).unwrap()),
        ["base"].map(String::from).to_vec(),
    );
    r.arrive(cases[0].clone(), record("base", "c1", Some("x")));
    assert_eq!(r.held(), 0);
}
