//! `modelswap run`, `report` and `gate` through the binary on the real model.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use modelswap::record::{read_records, Manifest};

use crate::common::{modelswap, smollm_suite, stderr, stdout};

const CASES: &str = "  - vars: {q: What is the capital of France?}\n    expect: {a: paris}\n\
                     \x20 - vars: {q: What is the capital of Japan?}\n    expect: {a: tokyo}\n\
                     \x20 - vars: {q: What is 12 plus 30?}\n    expect: {a: \"42\"}\n";

fn manifest(dir: &Path) -> Manifest {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

fn set_gate(dir: &Path, gate: serde_json::Value) {
    let path = dir.join("run.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["gate"] = gate;
    std::fs::write(&path, m.to_string()).unwrap();
}

#[test]
fn a_run_writes_one_valid_record_per_case_and_provider_then_reports_and_gates() {
    let tmp = tempfile::tempdir().unwrap();
    let gate = "gate:\n  baseline: fp32\n  candidates: [int8]\n  min_pass_rate: 0.5\n";
    let suite = smollm_suite(tmp.path(), CASES, gate);
    let out_dir = tmp.path().join("run");
    let out = modelswap(
        &[
            "run",
            suite.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let records = read_records(&out_dir.join("records.jsonl")).unwrap();
    assert_eq!(records.len(), 6);
    let keys: HashSet<_> = records
        .iter()
        .map(|r| (r.provider.clone(), r.case_id.clone(), r.repeat))
        .collect();
    assert_eq!(keys.len(), 6, "no duplicates");
    for r in &records {
        assert!(r.error.is_none(), "{r:?}");
        assert!(r.request_hash.starts_with("sha256:"));
        assert!(r.usage.input_tokens > 20 && r.usage.output_tokens > 0);
        let t = &r.timing;
        assert!(t.ttft_ms.unwrap() > 0.0 && t.ttft_ms <= t.total_ms);
        assert_eq!(t.attempts, 1);
        assert_eq!(r.scores.len(), 1);
        assert_eq!(r.passed, r.scores[0].passed);
    }
    // Raw lines carry the contract's field names.
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(out_dir.join("records.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    for field in [
        "run_id",
        "case_id",
        "provider",
        "repeat",
        "request_hash",
        "replayed",
        "output",
        "finish_reason",
        "error",
        "usage",
        "timing",
        "cost_usd",
        "scores",
        "passed",
    ] {
        assert!(first.get(field).is_some(), "record lacks {field}");
    }
    let fp32_paris = records
        .iter()
        .find(|r| r.provider == "fp32" && r.case_id == "case-0001")
        .unwrap();
    assert!(fp32_paris.output.as_deref().unwrap().contains("Paris"));
    assert!(fp32_paris.passed);

    let m = manifest(&out_dir);
    assert_eq!(m.status, modelswap::record::RunStatus::Completed);
    assert_eq!(m.records_expected, 6);
    assert_eq!(m.suite.sha256.len(), 64);
    assert_eq!(m.providers.len(), 2);
    assert_eq!(m.providers[0].model_files["model.onnx"].len(), 64);
    assert_ne!(
        m.providers[0].model_files["model.onnx"],
        m.providers[1].model_files["model.onnx"]
    );

    let out = modelswap(&["report", out_dir.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("| fp32 | onnx |"), "{md}");
    assert!(md.contains("## Candidates vs baseline"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let fp32 = &json["summary"]["providers"][0];
    assert_eq!(fp32["records"], 3);
    let passed = records
        .iter()
        .filter(|r| r.provider == "fp32" && r.passed)
        .count();
    assert_eq!(fp32["passed"], passed);

    // Gate: 0 when met, 1 when not, 2 when it cannot be evaluated.
    let run = out_dir.to_str().unwrap();
    let int8_rate = records
        .iter()
        .filter(|r| r.provider == "int8" && r.passed)
        .count() as f64
        / 3.0;
    set_gate(
        &out_dir,
        serde_json::json!({"baseline": "fp32", "candidates": ["int8"], "min_pass_rate": int8_rate}),
    );
    let out = modelswap(&["gate", run], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("PASS  int8  min_pass_rate"));
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("verdict.json")).unwrap())
            .unwrap();
    assert_eq!(verdict["passed"], true);

    set_gate(
        &out_dir,
        serde_json::json!({"baseline": "fp32", "candidates": ["int8"], "min_pass_rate": 1.0, "max_p95_latency_ms": 0.001}),
    );
    let out = modelswap(&["gate", run], tmp.path());
    if int8_rate < 1.0 {
        assert!(
            stdout(&out).contains("FAIL  int8  min_pass_rate"),
            "{}",
            stdout(&out)
        );
    }
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("FAIL  int8  max_p95_latency_ms"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("gate: FAILED"));

    set_gate(
        &out_dir,
        serde_json::json!({"baseline": "gpt", "candidates": ["int8"]}),
    );
    let out = modelswap(&["gate", run], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no records for `gpt`"),
        "{}",
        stderr(&out)
    );

    set_gate(&out_dir, serde_json::Value::Null);
    assert_eq!(modelswap(&["gate", run], tmp.path()).status.code(), Some(2));
    assert_eq!(
        modelswap(&["gate", "no-such-dir"], tmp.path())
            .status
            .code(),
        Some(2)
    );

    // The same directory is never overwritten.
    let out = modelswap(&["run", suite.to_str().unwrap(), "--out", run], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
}

#[test]
fn providers_and_limit_select_what_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = smollm_suite(tmp.path(), CASES, "");
    let out_dir = tmp.path().join("run");
    let args = [
        "run",
        suite.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--providers",
        "int8",
        "--limit",
        "1",
    ];
    let out = modelswap(&args, tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let records = read_records(&out_dir.join("records.jsonl")).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].provider.as_str(), records[0].case_id.as_str()),
        ("int8", "case-0001")
    );

    let out = modelswap(
        &["run", suite.to_str().unwrap(), "--providers", "int9"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no provider `int9`"));
}

#[test]
fn ctrl_c_leaves_a_valid_complete_so_far_records_file() {
    let tmp = tempfile::tempdir().unwrap();
    let many: String = (0..40)
        .map(|i| {
            format!(
                "  - vars: {{q: Count from {i} to {}.}}\n    expect: {{a: x}}\n",
                i + 50
            )
        })
        .collect();
    let suite = smollm_suite(tmp.path(), &many, "");
    let out_dir = tmp.path().join("run");
    let child = Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args([
            "run",
            suite.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let records_path = out_dir.join("records.jsonl");
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::fs::read_to_string(&records_path).map_or(0, |s| s.lines().count()) < 2 {
        assert!(Instant::now() < deadline, "no records appeared");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));

    let text = std::fs::read_to_string(&records_path).unwrap();
    assert!(text.ends_with('\n'));
    let records = read_records(&records_path).unwrap();
    assert!(
        records.len() >= 2 && records.len() < 80,
        "{}",
        records.len()
    );
    assert_eq!(
        text.lines().count(),
        records.len(),
        "every line is a whole record"
    );
    assert_eq!(
        manifest(&out_dir).status,
        modelswap::record::RunStatus::Interrupted
    );
}

#[test]
fn cases_running_at_once_on_one_model_give_the_sequential_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = smollm_suite(tmp.path(), CASES, "");
    let text = std::fs::read_to_string(&suite).unwrap();
    let outputs = |name: &str, yaml: &str| {
        let path = tmp.path().join(format!("{name}.yaml"));
        std::fs::write(&path, yaml).unwrap();
        let dir = tmp.path().join(name);
        let args = [
            "run",
            path.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--providers",
            "int8",
        ];
        let out = modelswap(&args, tmp.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let mut records = read_records(&dir.join("records.jsonl")).unwrap();
        records.sort_by(|a, b| a.case_id.cmp(&b.case_id));
        records
            .into_iter()
            .map(|r| (r.case_id, r.output.unwrap()))
            .collect::<Vec<_>>()
    };
    let sequential = outputs("one", &text);
    let concurrent = outputs(
        "three",
        &text.replace("  int8:\n", "  int8:\n    concurrency: 3\n"),
    );
    assert_eq!(sequential.len(), 3);
    assert_eq!(sequential, concurrent);
}

#[test]
fn a_missing_onnx_runtime_says_how_to_install_it() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = smollm_suite(tmp.path(), CASES, "");
    let out = Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(["run", suite.to_str().unwrap(), "--out", "x"])
        .current_dir(tmp.path())
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent/libonnxruntime.so.1.31.1") && err.contains("make setup"),
        "{err}"
    );
    assert!(!tmp.path().join("x/records.jsonl").exists(), "nothing runs");
}
