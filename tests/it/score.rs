//! Scorers on real files, the real embedding model and real processes; the judge through the
//! binary against a loopback OpenAI server; scorer errors refused before the run.

use std::path::Path;

use modelswap::record::{read_records, Record};
use modelswap::score::{Found, Scorers};
use modelswap::suite::{self, Suite};

use crate::common::{modelswap, stderr};
use crate::vendor_server::{openai_json, Reply, VendorServer};

/// A suite with one (never called) provider, `cases` and `scorers` (YAML list items).
fn suite(dir: &Path, cases: &str, scorers: &str) -> Suite {
    let text = format!(
        "version: 1\nname: score\nproviders:\n  p:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}scorers:\n{scorers}"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    suite::load(&path).unwrap()
}

/// A successful record answering `output` in `total_ms`, at `cost_usd`.
fn record(output: Option<&str>, total_ms: f64, cost_usd: Option<f64>) -> Record {
    serde_json::from_value(serde_json::json!({
        "run_id": "r", "case_id": "case-0001", "provider": "p", "repeat": 0,
        "request_hash": "sha256:00", "output": output, "finish_reason": "stop",
        "error": if output.is_some() { serde_json::Value::Null } else {
            serde_json::json!({"kind": "server", "message": "overloaded"}) },
        "usage": {"input_tokens": 12, "output_tokens": 4, "cached_input_tokens": 0},
        "timing": {"started_at": "2026-11-22T00:00:00.000Z", "ttft_ms": total_ms / 2.0,
                   "total_ms": total_ms, "tokens_per_s": null, "attempts": 1, "retry_wait_ms": 0.0},
        "cost_usd": cost_usd, "scores": [], "passed": false
    }))
    .unwrap()
}

/// The suite's first case.
fn first(suite: &Suite) -> suite::Case {
    suite.cases.iter().next().unwrap().unwrap()
}

async fn scored(suite: &Suite, output: &str) -> Record {
    let scorers = Scorers::prepare(suite).unwrap();
    let mut r = record(Some(output), 100.0, None);
    scorers.apply(&first(suite), &mut r, &Found::new()).await;
    r
}

const BILLING: &str =
    "  - vars: {q: ticket}\n    expect: {reference: The invoice was charged twice this month.}\n";

#[tokio::test]
async fn similarity_ranks_a_paraphrase_above_an_unrelated_sentence_and_matches_python() {
    let tmp = tempfile::tempdir().unwrap();
    let s = suite(
        tmp.path(),
        BILLING,
        "  - type: similarity\n    value: \"{{ expect.reference }}\"\n    threshold: 0.6\n",
    );
    let paraphrase = scored(&s, "I was billed two times for my subscription this month.").await;
    let unrelated = scored(&s, "The package arrived late and the box was damaged.").await;
    let (p, u) = (&paraphrase.scores[0], &unrelated.scores[0]);
    assert!(p.score > u.score + 0.3, "{p:?} / {u:?}");
    assert!(p.passed && !u.passed);
    // `.venv/bin/python scripts/reference_similarity.py models/all-minilm-l6-v2
    //  "The invoice was charged twice this month."
    //  "I was billed two times for my subscription this month."` (onnxruntime 1.31.1 and
    // tokenizers 0.23.3 from scripts/requirements.txt, the same model files) printed
    // 0.6820987462997437 on 2026-11-22; the unrelated sentence gave 0.22329160571098328. This
    // scorer gave 0.68209843… (batching and graph optimisations move the last float32 digits).
    assert!((p.score - 0.6820987462997437).abs() < 1e-5, "{}", p.score);
    assert!((u.score - 0.22329160571098328).abs() < 1e-5, "{}", u.score);
    assert_eq!(p.reason, "cosine 0.6821 ≥ threshold 0.6");
}

#[tokio::test]
async fn json_with_a_schema_names_the_failing_path() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("schemas")).unwrap();
    std::fs::write(
        tmp.path().join("schemas/ticket.json"),
        r#"{"type": "object", "required": ["queue"],
            "properties": {"queue": {"enum": ["billing", "technical"]}}}"#,
    )
    .unwrap();
    let s = suite(
        tmp.path(),
        "  - vars: {q: ticket}\n",
        "  - type: json\n    schema: schemas/ticket.json\n",
    );
    let good = scored(&s, "Sure:\n```json\n{\"queue\": \"billing\"}\n```").await;
    assert!(good.passed, "{:?}", good.scores);
    let bad = scored(&s, "{\"queue\": \"sales\"}").await;
    assert!(!bad.passed);
    assert!(
        bad.scores[0].reason.starts_with("at /queue: "),
        "{}",
        bad.scores[0].reason
    );
    let prose = scored(&s, "billing").await;
    assert!(prose.scores[0].reason.starts_with("not JSON"));
}

#[tokio::test]
async fn overlap_and_number_scorers_apply_their_thresholds() {
    let tmp = tempfile::tempdir().unwrap();
    let s = suite(
        tmp.path(),
        "  - vars: {q: x}\n    expect: {ref: the cat sat on the mat, n: \"42\"}\n",
        "  - type: rouge-l\n    value: \"{{ expect.ref }}\"\n    threshold: 0.8\n\
         \x20 - type: bleu\n    value: \"{{ expect.ref }}\"\n    threshold: 0.5\n\
         \x20 - type: number\n    value: \"{{ expect.n }}\"\n    tolerance: 0.5\n",
    );
    let r = scored(&s, "the cat sat on a mat, 42.3 of them").await;
    let by = |name: &str| r.scores.iter().find(|s| s.scorer == name).unwrap();
    // LCS 5 words of the reference's 6 and the output's 10 ("42.3" is two): P 1/2, R 5/6, F 5/8.
    assert!((by("rouge-l").score - 0.625).abs() < 1e-12);
    assert!(!by("rouge-l").passed);
    assert!(by("number").passed, "{:?}", by("number"));
    assert_eq!(
        by("number").reason,
        "the first number, 42.3, is 42 within 0.5"
    );
    // sacrebleu 2.6.0: sentence_bleu(output, [reference]).score / 100.
    assert!((by("bleu").score - 0.2777619034011791).abs() < 1e-12);
    assert!(!by("bleu").passed);
}

#[tokio::test]
async fn weights_make_the_mean_score_and_every_scorer_must_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let s = suite(
        tmp.path(),
        "  - vars: {q: x}\n    expect: {a: billing}\n",
        "  - type: equals\n    value: \"{{ expect.a }}\"\n    weight: 3\n\
         \x20 - type: contains\n    value: \"{{ expect.a }}\"\n",
    );
    let partly = scored(&s, "the billing queue").await;
    assert!(!partly.passed);
    assert_eq!(partly.score, Some(0.25));
    let fully = scored(&s, "billing").await;
    assert!(fully.passed);
    assert_eq!(fully.score, Some(1.0));

    let scorers = Scorers::prepare(&s).unwrap();
    let mut failed = record(None, 0.0, None);
    scorers.apply(&first(&s), &mut failed, &Found::new()).await;
    assert!(!failed.passed && failed.scores.is_empty());
    assert_eq!(failed.score, Some(0.0));
}

#[tokio::test]
async fn latency_and_cost_bounds_and_an_unknown_cost_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let s = suite(
        tmp.path(),
        "  - vars: {q: x}\n",
        "  - type: latency\n    max_ms: 500\n  - type: cost\n    max_usd: 0.002\n",
    );
    let scorers = Scorers::prepare(&s).unwrap();
    let mut within = record(Some("ok"), 420.0, Some(0.0015));
    scorers.apply(&first(&s), &mut within, &Found::new()).await;
    assert!(within.passed, "{:?}", within.scores);
    assert_eq!(within.scores[0].reason, "took 420.0 ms, within 500 ms");

    let mut slow_unpriced = record(Some("ok"), 650.0, None);
    scorers
        .apply(&first(&s), &mut slow_unpriced, &Found::new())
        .await;
    assert!(!slow_unpriced.scores[0].passed);
    let cost = &slow_unpriced.scores[1];
    assert!(!cost.passed);
    assert!(cost.reason.starts_with("cost unknown"), "{}", cost.reason);
}

#[tokio::test]
async fn command_gets_the_record_on_stdin_and_its_score_exit_status_and_stderr_count() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("checks")).unwrap();
    std::fs::write(
        tmp.path().join("checks/policy.py"),
        "import json, sys\n\
         r = json.load(sys.stdin)\n\
         assert 'scores' not in r and r['usage']['input_tokens'] == 12, r\n\
         if r['output'] == r['expect']['a']:\n    print('checking...')\n    print('0.75')\n    sys.exit(0)\n\
         print('wrong answer: ' + r['output'], file=sys.stderr)\n\
         sys.exit(3)\n",
    )
    .unwrap();
    let s = suite(
        tmp.path(),
        "  - vars: {q: x}\n    expect: {a: yes}\n",
        "  - type: command\n    run: [python3, checks/policy.py]\n",
    );
    let good = scored(&s, "yes").await;
    assert_eq!(
        (good.scores[0].score, good.scores[0].passed),
        (0.75, true),
        "{:?}",
        good.scores
    );
    assert_eq!(good.scores[0].reason, "exit 0, score 0.75");
    let bad = scored(&s, "no").await;
    assert!(!bad.passed);
    assert_eq!(
        bad.scores[0].reason, "exit 3; stderr: wrong answer: no",
        "{:?}",
        bad.scores
    );

    let slow = suite(
        tmp.path(),
        "  - vars: {q: x}\n",
        "  - type: command\n    run: [python3, -c, \"import time; time.sleep(30)\"]\n    timeout_s: 0.5\n",
    );
    let started = std::time::Instant::now();
    let r = scored(&slow, "anything").await;
    assert!(!r.passed);
    assert_eq!(r.scores[0].reason, "timed out after 0.5 s and was killed");
    assert!(
        started.elapsed().as_secs() < 20,
        "the program was not killed"
    );
}

/// A suite whose candidate answers from `answers` and whose judge is `grader` at `judge`.
fn judge_suite(dir: &Path, answers: &VendorServer, judge: &VendorServer) -> std::path::PathBuf {
    let text = format!(
        "version: 1\nname: judged\nproviders:\n  cand:\n    kind: openai-compatible\n    base_url: {}/v1\n    model: small\n    stream: false\n\
         \x20 grader:\n    kind: openai\n    model: gpt-4o-mini\n    base_url: {}/v1\n    api_key_env: TEST_JUDGE_KEY\n    stream: false\n    retries: 2\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - vars: {{q: I was charged twice}}\n    expect: {{queue: billing}}\n\
         scorers:\n  - type: judge\n    provider: grader\n    rubric: The answer names the billing queue.\n    value: \"{{{{ expect.queue }}}}\"\n",
        answers.base, judge.base
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_candidate(dir: &Path, suite: &Path) -> (std::process::Output, Vec<Record>) {
    let out_dir = dir.join("run");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args([
            "run",
            suite.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .args(["--providers", "cand"])
        .current_dir(dir)
        .env("TEST_JUDGE_KEY", "sk-judge")
        .output()
        .unwrap();
    let records = read_records(&out_dir.join("records.jsonl")).unwrap_or_default();
    (out, records)
}

#[test]
fn judge_retries_an_unparseable_verdict_once_and_records_its_tokens_and_cost_apart() {
    let answers = VendorServer::start();
    answers.otherwise(Reply::json(openai_json("billing", (10, 1, 0))));
    let judge = VendorServer::start();
    // A server error (retried by the runner's policy, like any call), prose without a verdict,
    // then the verdict in a fence with prose around it.
    judge.push(Reply::Status(
        503,
        vec![("retry-after", "0".into())],
        r#"{"error":{"message":"overloaded"}}"#.into(),
    ));
    judge.push(Reply::json(openai_json(
        "The answer looks right to me.",
        (50, 6, 0),
    )));
    judge.push(Reply::json(openai_json(
        "Verdict:\n```json\n{\"pass\": true, \"score\": 0.9, \"reason\": \"names billing\"}\n```\nDone.",
        (70, 20, 10),
    )));
    let tmp = tempfile::tempdir().unwrap();
    let suite = judge_suite(tmp.path(), &answers, &judge);
    let (out, records) = run_candidate(tmp.path(), &suite);
    assert!(out.status.success(), "{}", stderr(&out));

    assert_eq!(records.len(), 1, "the judge is not run as a candidate");
    let r = &records[0];
    let s = &r.scores[0];
    assert_eq!(
        (s.scorer.as_str(), s.passed, s.score, s.reason.as_str()),
        ("judge", true, 0.9, "judge: names billing")
    );
    let calls = s.judge.as_ref().unwrap();
    assert_eq!((calls.provider.as_str(), calls.calls), ("grader", 2));
    assert_eq!(
        (
            calls.usage.input_tokens,
            calls.usage.output_tokens,
            calls.usage.cached_input_tokens
        ),
        (120, 26, 10)
    );
    // Priced as the grader's own calls (gpt-4o-mini: $0.15 in, $0.075 cached, $0.60 out per
    // million): 50 × 0.15 + 6 × 0.60, then 60 × 0.15 + 10 × 0.075 + 20 × 0.60 = 32.85 millionths.
    let cost = calls.cost_usd.unwrap();
    assert!((cost - 32.85e-6).abs() < 1e-12, "{cost}");
    // The report totals it per judged provider, apart from the provider's own cost.
    let out = modelswap(&["report", "run", "--format", "json,md"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/report.json")).unwrap())
            .unwrap();
    let judging = &report["cost"]["providers"][0]["judging"];
    assert_eq!(
        (judging["records"].as_u64(), judging["calls"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(
        (judging["known_usd"].as_f64().unwrap() - 32.85e-6).abs() < 1e-12,
        "{judging}"
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(
        md.contains("Judging cand's answers took 2 judge call(s) over 1 record(s)"),
        "{md}"
    );
    // The judged provider's own usage is untouched.
    assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (10, 1));
    assert_eq!(r.score, Some(0.9));

    let got = judge.received();
    assert_eq!(got.len(), 3);
    let first = got[1].json();
    assert_eq!(
        first["response_format"],
        serde_json::json!({"type": "json_object"})
    );
    assert_eq!(first["temperature"], 0.0);
    let question = first["messages"][1]["content"].as_str().unwrap();
    for part in [
        "user: I was charged twice",
        "<reference>\nbilling\n</reference>",
        "<answer>\nbilling\n</answer>",
        "The answer names the billing queue.",
    ] {
        assert!(question.contains(part), "{part:?} in {question}");
    }
    let again = got[2].json();
    let messages = again["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["content"], "The answer looks right to me.");
    assert!(messages[3]["content"]
        .as_str()
        .unwrap()
        .starts_with("That was not the verdict asked for."));
}

#[test]
fn a_judge_that_never_gives_a_verdict_fails_the_case() {
    let answers = VendorServer::start();
    answers.otherwise(Reply::json(openai_json("billing", (10, 1, 0))));
    let judge = VendorServer::start();
    judge.otherwise(Reply::json(openai_json("Looks fine {maybe}.", (40, 5, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let suite = judge_suite(tmp.path(), &answers, &judge);
    let (out, records) = run_candidate(tmp.path(), &suite);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = &records[0].scores[0];
    assert!(!s.passed && !records[0].passed);
    assert_eq!(
        s.reason,
        "the judge gave no verdict twice; last answer: \"Looks fine {maybe}.\""
    );
    assert_eq!(s.judge.as_ref().unwrap().calls, 2);
    assert_eq!(judge.received().len(), 2);
}

fn validate(scorers: &str, files: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let yaml = format!(
        "version: 1\nname: t\nproviders:\n  judge-model:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n\
         prompt:\n  user: hi\ncases:\n  - vars: {{}}\n    expect: {{a: \"1\"}}\nscorers:\n{scorers}"
    );
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let out = modelswap(&["validate", "s.yaml"], dir.path());
    (out.status.code().unwrap(), stderr(&out))
}

#[test]
fn scorer_fields_are_checked_against_their_type_with_lines() {
    // Line 14 is the first scorer's first line.
    let (code, err) = validate(
        "  - type: equals\n    value: x\n    threshold: 0.5\n  - type: latency\n  - type: similarity\n    value: x\n    threshold: 1.5\n",
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "s.yaml:16:5: scorers[0].threshold: `threshold` does not apply to type `equals`"
        ),
        "{err}"
    );
    assert!(
        err.contains("s.yaml:17:5: scorers[1]: scorer `latency` needs `max_ms`"),
        "{err}"
    );
    assert!(
        err.contains("s.yaml:20:5: scorers[2].threshold: must be in [0, 1]"),
        "{err}"
    );
    assert!(err.contains("3 problems in the suite"), "{err}");
}

#[test]
fn what_a_scorer_needs_to_run_is_checked_before_the_run() {
    let (code, err) = validate(
        "  - type: json\n    schema: missing.json\n\
         \x20 - type: json\n    schema: bad.json\n\
         \x20 - type: similarity\n    value: x\n    threshold: 0.5\n    model: no-model\n\
         \x20 - type: judge\n    provider: judge-modle\n    rubric: r\n\
         \x20 - type: command\n    run: [no-such-program-xyz]\n\
         \x20 - type: command\n    run: [checks/absent.py]\n",
        &[("bad.json", r#"{"type": "strnig"}"#)],
    );
    assert_eq!(code, 2, "{err}");
    for expected in [
        "s.yaml:15:5: scorers[0].schema: cannot read the schema ",
        "s.yaml:17:5: scorers[1].schema: ",
        "bad.json is not a valid JSON Schema (at /type: ",
        "s.yaml:21:5: scorers[2].model: embedding model folder ",
        "s.yaml:23:5: scorers[3].provider: no provider named `judge-modle`",
        "did you mean `judge-model`?",
        "s.yaml:26:11: scorers[4].run[0]: program `no-such-program-xyz` is not on PATH",
        "s.yaml:28:11: scorers[5].run[0]: program ",
        "checks/absent.py does not exist or is not executable",
        "6 problems in the suite",
    ] {
        assert!(err.contains(expected), "{expected:?} in\n{err}");
    }
}

#[test]
fn a_template_value_that_is_not_a_number_names_the_case() {
    let (code, err) = validate(
        "  - type: number\n    value: \"{{ expect.a }} apples\"\n",
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "s.yaml:11: case case-0001: scorers[0] (number): `value` \"1 apples\" is not a number"
        ),
        "{err}"
    );
}

#[test]
fn a_pattern_that_does_not_compile_is_named_with_its_case_when_it_varies() {
    // The same for every case: checked once, named by the suite and scorer.
    let (code, err) = validate("  - type: regex\n    value: \"(billing\"\n", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.yaml:14: scorers[0] (regex): regex parse error"),
        "{err}"
    );
    assert!(!err.contains("case-0001"), "{err}");
    // Rendered per case: named by the case that made it.
    let (code, err) = validate("  - type: regex\n    value: \"({{ expect.a }}\"\n", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.yaml:11: case case-0001: scorers[0] (regex): regex parse error"),
        "{err}"
    );
}
