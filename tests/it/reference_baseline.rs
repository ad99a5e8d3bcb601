//! Scoring against another provider's answers through the binary: the baseline's answer waited
//! for and its failure counted apart, Batch output files, a pairwise judge's position bias
//! cancelled, reference mistakes refused, local models taking turns, an earlier run's answers,
//! and a resumed run.

use std::path::{Path, PathBuf};

use modelswap::record::Record;
use serde_json::json;

use crate::common::{modelswap, run_suite as run, stderr};
use crate::reference::{by, provider, report_json, traffic};
use crate::vendor_server::{openai_json, Reply, VendorServer};

/// The candidate's answers in the pair suites: right on q1, wrong on q2 and q3.
const CANDIDATE: [(&str, Option<&str>); 3] = [
    ("q1", Some("Paris")),
    ("q2", Some("Madrid")),
    ("q3", Some("Oslo")),
];

/// A baseline that answers q1 and q2 and fails on q3.
const BASELINE_FAILING_Q3: [(&str, Option<&str>); 3] =
    [("q1", Some("Paris")), ("q2", Some("Rome")), ("q3", None)];

/// An OpenAI-compatible engine at `server` answering each case's user message from `answers`
/// (message → reply), with `delay`, or failing with 400 where the answer is `None`.
fn engine(
    server: &VendorServer,
    answers: &'static [(&'static str, Option<&'static str>)],
    delay_ms: u64,
) {
    server.respond(move |r| {
        let (_, answer) = answers
            .iter()
            .find(|(q, _)| r.body.contains(&format!("\"{q}\"")))
            .expect("a known question");
        let reply = match answer {
            Some(a) => Reply::json(openai_json(a, (10, 2, 0))),
            None => Reply::Status(
                400,
                Vec::new(),
                r#"{"error": {"message": "context too long"}}"#.into(),
            ),
        };
        Reply::Delayed(std::time::Duration::from_millis(delay_ms), Box::new(reply))
    });
}

/// `suite.yaml` in `dir`: two engines (`incumbent`, `cand`), three cases (c1, c2, c3 asking q1,
/// q2, q3), an `equals` scorer with `reference`, and `extra` YAML (a gate).
fn pair_suite(
    dir: &Path,
    (incumbent, cand): (&VendorServer, &VendorServer),
    reference: &str,
    extra: &str,
) -> PathBuf {
    let provider = |s: &VendorServer| {
        format!("    kind: openai-compatible\n    model: m\n    base_url: {}/v1\n    stream: false\n    retries: 0\n", s.base)
    };
    let text = format!(
        "version: 1\nname: pair\nproviders:\n  incumbent:\n{}  cand:\n{}\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - {{id: c1, vars: {{q: q1}}}}\n  - {{id: c2, vars: {{q: q2}}}}\n  - {{id: c3, vars: {{q: q3}}}}\n\
         scorers:\n  - type: equals\n    reference: {reference}\n{extra}",
        provider(incumbent),
        provider(cand)
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_baselines_answer_is_waited_for_and_its_failure_counted_apart() {
    let (incumbent, cand) = (VendorServer::start(), VendorServer::start());
    // The baseline answers late (the candidate's records wait for it) and fails on one case.
    engine(&incumbent, &BASELINE_FAILING_Q3, 300);
    engine(&cand, &CANDIDATE, 0);
    let tmp = tempfile::tempdir().unwrap();
    let suite = pair_suite(
        tmp.path(),
        (&incumbent, &cand),
        "baseline",
        "gate:\n  baseline: incumbent\n  candidates: [cand]\n",
    );
    let (out, records) = run(tmp.path(), &suite, None);
    assert!(out.status.success(), "{}", stderr(&out));

    let c1 = by(&records, "cand", "c1");
    assert_eq!(
        (c1.passed, c1.scores[0].against.as_deref()),
        (true, Some("incumbent"))
    );
    let c2 = by(&records, "cand", "c2");
    assert!(!c2.passed);
    assert_eq!(
        c2.scores[0].reason,
        "output \"Madrid\" does not equal \"Rome\""
    );
    let c3 = by(&records, "cand", "c3");
    assert!(c3.scores[0].no_reference, "{:?}", c3.scores);
    assert!(
        c3.scores[0]
            .reason
            .starts_with("not scored: no reference answer (incumbent): `incumbent`'s call failed"),
        "{}",
        c3.scores[0].reason
    );
    // The baseline is not scored against itself.
    assert!(records
        .iter()
        .filter(|r| r.provider == "incumbent")
        .all(|r| r.scores.is_empty()));

    let report = report_json(tmp.path(), "run", &["--format", "json,md"]);
    let cand = provider(&report, "cand");
    // c3 counts apart: 1 of the 2 records that could be scored passed.
    assert_eq!(
        (
            cand["records"].as_u64(),
            cand["unscored"].as_u64(),
            cand["passed"].as_u64()
        ),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(cand["pass_rate"].as_f64(), Some(0.5));
    let scorer = &cand["scorers"][0];
    assert_eq!(
        (scorer["against"].as_str(), scorer["unscored"].as_u64()),
        (Some("incumbent"), Some(1))
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(md.contains("without a reference answer"), "{md}");
    // Not a failure either: the worst failures and JUnit leave it out of the failed.
    assert!(
        md.contains("### cand (1 of 2 records failed, in 1 of 3 cases)"),
        "{md}"
    );
    let failed: Vec<&str> = (report["failures"].as_array().unwrap().iter())
        .filter(|f| f["provider"] == "cand")
        .map(|f| f["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["c2"]);
    let out = modelswap(&["report", "run", "--format", "junit"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let junit = std::fs::read_to_string(tmp.path().join("run/junit.xml")).unwrap();
    let cand_suite = &junit[junit.find("<testsuite name=\"cand\"").unwrap()..];
    assert!(
        cand_suite.starts_with(
            "<testsuite name=\"cand\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""
        ),
        "{cand_suite}"
    );
    assert!(cand_suite.contains("<testcase name=\"c3\""), "{junit}");
    assert!(
        cand_suite.contains("<skipped message=\"not scored: no reference answer (incumbent)"),
        "{junit}"
    );
}

#[test]
fn batch_outputs_are_the_logged_answers_and_a_failed_one_is_counted_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let body =
        |q: &str| json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": q}]});
    let input: String = [("r1", "q1"), ("r2", "q2"), ("r3", "q3")]
        .iter()
        .map(|(id, q)| {
            json!({"custom_id": id, "method": "POST", "url": "/v1/chat/completions", "body": body(q)})
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(tmp.path().join("in.jsonl"), input).unwrap();
    let ok = |id: &str, text: &str| {
        json!({"id": "batch_req_1", "custom_id": id, "error": null,
            "response": {"status_code": 200, "request_id": "x", "body": openai_json(text, (30, 8, 0))}})
        .to_string()
    };
    // Out of order, as the Batch API writes them; r3 failed in production.
    let output = [
        ok(
            "r2",
            r#"{"city": "Rome", "population": 2.87, "tags": ["capital", "old"]}"#,
        ),
        json!({"id": "batch_req_3", "custom_id": "r3", "response": null,
            "error": {"code": "server_error", "message": "the model is overloaded"}})
        .to_string(),
        ok(
            "r1",
            r#"{"city": "Paris", "population": 2.1, "tags": ["capital"]}"#,
        ),
    ]
    .join("\n");
    std::fs::write(tmp.path().join("out.jsonl"), output).unwrap();
    let cand = VendorServer::start();
    cand.respond(|r| {
        let text = if r.body.contains("\"q1\"") {
            "```json\n{\"tags\": [\"capital\"], \"city\": \"Paris\", \"population\": 2.1}\n```"
        } else {
            r#"{"city": "Roma", "population": 2.9, "tags": ["old", "capital"]}"#
        };
        Reply::json(openai_json(text, (10, 5, 0)))
    });
    let text = format!(
        "version: 1\nname: batch\nproviders:\n  cand:\n    kind: openai-compatible\n    model: m\n    base_url: {}/v1\n    stream: false\n\
         prompt:\n  user: unused\ncases:\n  - replay: {{requests: in.jsonl, responses: out.jsonl}}\n\
         scorers:\n  - type: json-match\n    reference: logged\n    ordered: false\n    tolerance: 0.05\n    threshold: 0.6\n",
        cand.base
    );
    let suite = tmp.path().join("suite.yaml");
    std::fs::write(&suite, text).unwrap();
    let (out, records) = run(tmp.path(), &suite, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = |case: &str| by(&records, "cand", case).scores[0].clone();
    // A fenced answer with its keys reordered reproduces all four values.
    assert_eq!((s("r1").score, s("r1").passed), (1.0, true));
    // Rome: city differs; 2.9 is 0.03 from 2.87; the tags match as a multiset: 3 of 4.
    assert_eq!((s("r2").score, s("r2").passed), (0.75, true));
    assert_eq!(
        s("r2").reason,
        "3 of 4 reference values reproduced (0.7500 ≥ threshold 0.6); differs at /city (got \"Roma\")"
    );
    assert!(s("r3").no_reference);
    assert_eq!(
        s("r3").reason,
        "not scored: no reference answer (logged): the logged request failed: the model is overloaded"
    );
}

#[test]
fn a_pairwise_judge_that_always_prefers_the_first_answer_gives_ties_not_wins() {
    let (cand, judge) = (VendorServer::start(), VendorServer::start());
    cand.otherwise(Reply::json(openai_json("Refunds take 5 days.", (10, 5, 0))));
    // A judge with position bias: whatever it is shown first wins.
    judge.otherwise(Reply::json(openai_json(
        r#"{"winner": "A", "reason": "A is better"}"#,
        (200, 10, 0),
    )));
    let tmp = tempfile::tempdir().unwrap();
    traffic(tmp.path());
    let text = format!(
        "version: 1\nname: pairwise\nproviders:\n  cand:\n    kind: openai-compatible\n    model: m\n    base_url: {}/v1\n    stream: false\n\
         \x20 grader:\n    kind: openai-compatible\n    model: judge\n    base_url: {}/v1\n    stream: false\n    price: {{input_per_mtok: 1.0, output_per_mtok: 2.0}}\n\
         prompt:\n  user: unused\ncases:\n  - replay: traffic.jsonl\n\
         scorers:\n  - type: judge\n    mode: pairwise\n    provider: grader\n    rubric: Resolves the customer's request.\n    reference: logged\n    threshold: 1\n",
        cand.base, judge.base
    );
    let suite = tmp.path().join("suite.yaml");
    std::fs::write(&suite, text).unwrap();
    let (out, records) = run_only(tmp.path(), &suite, "cand");
    assert!(out.status.success(), "{}", stderr(&out));
    for r in &records {
        let s = &r.scores[0];
        assert_eq!(
            (s.scorer.as_str(), s.score, s.passed),
            ("judge-pairwise", 0.5, false),
            "{s:?}"
        );
        assert!(s.reason.starts_with("pairwise tie against the reference (0.5 < threshold 1; reference first: loss — A is better; candidate first: win — A is better)"), "{}", s.reason);
        let calls = s.judge.as_ref().unwrap();
        // Both orders asked, each priced at the judge's price.
        assert_eq!(calls.calls, 2);
        assert!((calls.cost_usd.unwrap() - 2.0 * (200.0 * 1.0 + 10.0 * 2.0) / 1e6).abs() < 1e-12);
    }
    // Each request showed the two answers in the other order.
    let asked: Vec<String> = (judge.received().iter())
        .map(|r| {
            r.json()["messages"][1]["content"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .filter(|q| q.contains("user: case same\n"))
        .collect();
    let (first, second) = (&asked[0], &asked[1]);
    assert!(
        first.contains("<answer_a>\n[tool calls: refund("),
        "{first}"
    );
    assert!(
        second.contains("<answer_a>\nRefunds take 5 days.\n</answer_a>"),
        "{second}"
    );
    let out = modelswap(&["report", "run", "--format", "md"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(md.contains("| cand | judge-pairwise | the logged answers (logged, not measured) | 0.500 | 0 of 5 | 0 | 0 / 5 / 0 |"), "{md}");
}

/// `modelswap run` of `provider` alone.
fn run_only(dir: &Path, suite: &Path, provider: &str) -> (std::process::Output, Vec<Record>) {
    let out = modelswap(
        &[
            "run",
            suite.to_str().unwrap(),
            "--out",
            "run",
            "--providers",
            provider,
        ],
        dir,
    );
    let records =
        modelswap::record::read_records(&dir.join("run/records.jsonl")).unwrap_or_default();
    (out, records)
}

#[test]
fn reference_mistakes_are_refused_with_the_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |scorer: &str, gate: &str, expected: &str| {
        let text = format!(
            "version: 1\nname: bad\nproviders:\n  a:\n    kind: openai-compatible\n    model: m\n    base_url: http://127.0.0.1:9/v1\n\
             \x20 prod:\n    kind: logged\nprompt:\n  user: hi\ncases:\n  - vars: {{}}\nscorers:\n{scorer}{gate}"
        );
        let path = tmp.path().join("suite.yaml");
        std::fs::write(&path, text).unwrap();
        let out = modelswap(&["validate", path.to_str().unwrap()], tmp.path());
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    };
    check("  - type: equals\n    reference: baseline\n", "", "suite.yaml:16:5: scorers[0].reference: `reference: baseline` names the gate's baseline, and the suite has no `gate`");
    check(
        "  - type: equals\n    reference: b\n",
        "",
        "scorers[0].reference: no provider named `b`",
    );
    check(
        "  - type: equals\n    reference: a\n    value: x\n",
        "",
        "give `value` or `reference`, not both",
    );
    check(
        "  - type: regex\n    reference: a\n",
        "",
        "a reference answer is text, not a pattern",
    );
    check(
        "  - type: json-match\n    reference: logged\n    ignore: [id]\n",
        "",
        "scorers[0].ignore[0]: `id` is not a JSON Pointer",
    );
    check(
        "  - type: judge\n    provider: prod\n    rubric: r\n",
        "",
        "`prod` is a logged provider: it answers nothing, and cannot judge",
    );
    check(
        "  - type: judge\n    mode: pairwise\n    provider: a\n    rubric: r\n",
        "",
        "a pairwise judge needs `reference` or `value`",
    );
    check(
        "  - type: tool-call\n    value: '{\"name\": \"f\"}'\n",
        "",
        "`value` must be a JSON list of {name, arguments}",
    );
    check(
        "  - type: contains\n    ordered: true\n    value: x\n",
        "",
        "`ordered` does not apply to type `contains`",
    );
    check("  - type: equals\n    name: same\n    value: x\n  - type: contains\n    name: same\n    value: x\n", "", "another scorer is named `same`");
}

#[test]
fn local_models_taking_turns_can_reference_the_one_that_runs_second() {
    use crate::common::model;
    let tmp = tempfile::tempdir().unwrap();
    // One lane, fp32 first: its records wait for int8's answers, which come only after it.
    let text = format!(
        "version: 1\nname: local\nproviders:\n  fp32:\n    kind: onnx\n    path: {}\n  int8:\n    kind: onnx\n    path: {}\n\
         defaults:\n  max_tokens: 8\nprompt:\n  user: \"{{{{ q }}}}\"\n\
         cases:\n  - {{id: a, vars: {{q: What is the capital of France?}}}}\n  - {{id: b, vars: {{q: Name a colour.}}}}\n\
         scorers:\n  - type: equals\n    reference: int8\n",
        model("smollm2-135m-instruct").display(),
        model("smollm2-135m-instruct-int8").display(),
    );
    let suite = tmp.path().join("suite.yaml");
    std::fs::write(&suite, text).unwrap();
    let (out, records) = run(tmp.path(), &suite, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 4);
    for case in ["a", "b"] {
        let (fp32, int8) = (by(&records, "fp32", case), by(&records, "int8", case));
        assert!(
            int8.scores.is_empty(),
            "the reference is not scored against itself"
        );
        let s = &fp32.scores[0];
        assert_eq!(s.against.as_deref(), Some("int8"));
        assert!(!s.no_reference, "{s:?}");
        // Compared with int8's own answer to the case.
        assert_eq!(s.passed, fp32.output == int8.output, "{s:?}");
        let shown = |r: &Record| format!("{:?}", r.output.as_deref().unwrap());
        if !s.passed {
            assert!(
                s.reason
                    .ends_with(&format!("does not equal {}", shown(&int8))),
                "{s:?}"
            );
        }
    }
}

#[test]
fn against_an_earlier_run_the_baselines_answers_come_from_it() {
    let (incumbent, cand) = (VendorServer::start(), VendorServer::start());
    engine(&incumbent, &BASELINE_FAILING_Q3, 0);
    engine(&cand, &CANDIDATE, 0);
    let tmp = tempfile::tempdir().unwrap();
    pair_suite(
        tmp.path(),
        (&incumbent, &cand),
        "baseline",
        "gate:\n  baseline: incumbent\n  candidates: [cand]\n  min_pass_rate: 0.5\n",
    );
    let run = |out: &str, provider: &str| {
        let o = modelswap(
            &["run", "suite.yaml", "--out", out, "--providers", provider],
            tmp.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run("base", "incumbent");
    run("cand", "cand");
    let records = modelswap::record::read_records(&tmp.path().join("cand/records.jsonl")).unwrap();
    // Alone, the candidate has no reference to compare with: nothing is scored, nothing passes.
    assert!(
        records.iter().all(|r| r.scores[0].no_reference),
        "{records:?}"
    );
    let before = std::fs::read(tmp.path().join("cand/records.jsonl")).unwrap();
    let alone = modelswap(&["gate", "cand", "--against", "base"], tmp.path());
    // c1 equals, c2 does not, c3's baseline failed (counted apart): 1 of 2 passes, ≥ 0.5.
    assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
    let report = report_json(
        tmp.path(),
        "cand",
        &["--against", "base", "--format", "json"],
    );
    let c = provider(&report, "cand");
    assert_eq!(
        (
            c["passed"].as_u64(),
            c["unscored"].as_u64(),
            c["pass_rate"].as_f64()
        ),
        (Some(1), Some(1), Some(0.5))
    );
    let d = &report["disagreements"][0];
    assert_eq!(
        (
            d["case_id"].as_str(),
            d["reference"].as_str(),
            d["output"].as_str()
        ),
        (Some("c2"), Some("Rome"), Some("Madrid"))
    );
    // The run's own records are left as they were.
    assert_eq!(
        std::fs::read(tmp.path().join("cand/records.jsonl")).unwrap(),
        before
    );
}

#[test]
fn a_resumed_run_scores_against_the_reference_answers_recorded_before_it_stopped() {
    let (incumbent, cand) = (VendorServer::start(), VendorServer::start());
    engine(
        &incumbent,
        &[
            ("q1", Some("Paris")),
            ("q2", Some("Rome")),
            ("q3", Some("Oslo")),
        ],
        0,
    );
    engine(&cand, &CANDIDATE, 0);
    let tmp = tempfile::tempdir().unwrap();
    pair_suite(tmp.path(), (&incumbent, &cand), "incumbent", "");
    let out = modelswap(&["run", "suite.yaml", "--out", "run"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // As if the run had stopped once the incumbent was done: the candidate's records are gone.
    let path = tmp.path().join("run/records.jsonl");
    let kept: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"provider\":\"incumbent\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, kept).unwrap();
    let calls_before = incumbent.received().len();
    let out = modelswap(&["run", "suite.yaml", "--resume", "run"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        incumbent.received().len(),
        calls_before,
        "the incumbent is not asked again"
    );
    let records = modelswap::record::read_records(&path).unwrap();
    let passed: Vec<(String, bool, bool)> = (records.iter())
        .filter(|r| r.provider == "cand")
        .map(|r| (r.case_id.clone(), r.passed, r.scores[0].no_reference))
        .collect();
    assert_eq!(passed.len(), 3);
    for (case, ok, missing) in passed {
        assert!(
            !missing,
            "{case}: the recorded reference answer was not found"
        );
        assert_eq!(ok, case != "c2", "{case}");
    }
}
