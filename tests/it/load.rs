//! `modelswap load` against the batching engine (`engine.rs`), whose law says what each level
//! must measure: each step takes base + per_sequence × active and gives every active sequence
//! one token. A request that arrives while a step runs joins the next one, so a slot is busy
//! between T of every T + 1 steps (the engine was stepping for others) and all of them (it was
//! idle, and the arrival started a step at once).

use std::path::Path;
use std::time::Duration;

use crate::common::{model, modelswap, stderr};
use crate::engine::{Engine, Law};

const TOKENS: f64 = 16.0;

fn law() -> Law {
    Law {
        base: Duration::from_millis(40),
        per_sequence: Duration::from_millis(2),
        batch: 64,
    }
}

/// What the law says of a closed loop of `c`: the sequences active in a step (at least, at
/// most), and the step's length in ms.
fn predicted(c: f64) -> ((f64, f64), f64) {
    let fewest = c * TOKENS / (TOKENS + 1.0);
    ((fewest, c), 40.0 + 2.0 * fewest)
}

fn suite(dir: &Path, provider: &str, extra: &str) {
    let rows: String = (0..40)
        .map(|i| format!("{{\"q\": \"question {i}\"}}\n"))
        .collect();
    std::fs::write(dir.join("cases.jsonl"), rows).unwrap();
    let text = format!(
        "version: 1\nname: t\nproviders:\n  engine: {provider}\ndefaults: {{max_tokens: {TOKENS}}}\n\
         prompt: {{user: \"{{{{ q }}}}\"}}\ncases:\n  - file: cases.jsonl\n{extra}"
    );
    std::fs::write(dir.join("s.yaml"), text).unwrap();
}

/// The batching engine, and a suite in a new folder whose provider `engine` it serves (with
/// `settings` added to its entry, `extra` at the end of the suite).
fn on_engine(settings: &str, extra: &str) -> (Engine, tempfile::TempDir) {
    let engine = Engine::start(law());
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "{{kind: openai-compatible, base_url: '{}', model: m{settings}}}",
        engine.base
    );
    suite(tmp.path(), &provider, extra);
    (engine, tmp)
}

/// `modelswap load s.yaml --provider engine ARGS --out cap` in `dir`.
fn load(dir: &Path, args: &[&str]) -> std::process::Output {
    let all = [
        &["load", "s.yaml", "--provider", "engine"][..],
        args,
        &["--out", "cap"],
    ]
    .concat();
    modelswap(&all, dir)
}

fn capacity(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("cap/capacity.json")).unwrap()).unwrap()
}

#[test]
fn each_level_measures_what_the_engine_delivers_and_goodput_lands_on_the_slo_level() {
    // Steps of 42, 47.5 and 70 ms at 1, 4 and 16 in flight: the ITL bound admits the first two.
    let hosting = ", hosting: {usd_per_hour: 3.6, utilization: 1.0}";
    let (_engine, tmp) = on_engine(hosting, "slo: {itl_p95_ms: 60}\n");
    let out = load(
        tmp.path(),
        &[
            "--concurrency",
            "1,4,16",
            "--duration",
            "4",
            "--warmup",
            "1.5",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cap = capacity(tmp.path());
    let levels = cap["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3, "{cap}");
    for (level, c) in levels.iter().zip([1.0, 4.0, 16.0]) {
        let ((fewest, most), step_ms) = predicted(c);
        // A step is never shorter than the law's; a busy machine's timers make it longer (the
        // engine's timer alone adds about a millisecond), so ITL may exceed it, not undercut it.
        let itl = level["itl_ms"]["p50"].as_f64().unwrap();
        assert!(
            itl > 0.97 * step_ms && itl < 1.15 * step_ms,
            "c={c}: ITL p50 {itl:.1} ms, the law says {step_ms:.1}"
        );
        // The throughput the law gives at the step length measured, within 3%.
        let (low, high) = (fewest / itl * 1e3, most / itl * 1e3);
        let got = level["output_tokens_per_s"].as_f64().unwrap();
        assert!(
            got > 0.97 * low && got < 1.03 * high,
            "c={c}: {got:.1} tokens/s, the law says {low:.1} to {high:.1} at ITL {itl:.1} ms"
        );
        assert_eq!(level["errors"], 0);
        assert!(level["requests"].as_u64().unwrap() > 0);
    }
    // Throughput still rose by more than 10% at every level: no knee yet.
    assert!(cap["knee"].is_null(), "{}", cap["knee"]);
    let goodput = &cap["goodput"];
    assert_eq!(goodput["concurrency"], 4, "{goodput}");
    let g = goodput["output_tokens_per_s"].as_f64().unwrap();
    assert_eq!(g, levels[1]["output_tokens_per_s"].as_f64().unwrap());
    // $3.60/h fully used = $0.001 per second at the goodput's rate.
    let usd = cap["cost"]["usd_per_mtok"].as_f64().unwrap();
    assert!(
        (usd - 1e6 * 0.001 / g).abs() < 1e-9 * usd,
        "{}",
        cap["cost"]
    );
    let csv = std::fs::read_to_string(tmp.path().join("cap/capacity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.starts_with("concurrency,rate,requests,errors,duration_s"),
        "{csv}"
    );
}

#[test]
fn poisson_arrivals_come_at_the_asked_rate_and_no_hosting_means_no_cost() {
    let (_engine, tmp) = on_engine("", "");
    let out = load(
        tmp.path(),
        &["--rate", "5", "--duration", "6", "--warmup", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cap = capacity(tmp.path());
    let level = &cap["levels"][0];
    assert_eq!(level["rate"], 5.0);
    let sent = level["requests"].as_f64().unwrap() / level["duration_s"].as_f64().unwrap();
    // 30 arrivals expected: a Poisson count's spread is about ±20%.
    assert!((2.5..7.5).contains(&sent), "{level}");
    assert!(cap["cost"]["usd_per_mtok"].is_null());
    assert!(
        cap["cost"]["explained"]
            .as_str()
            .unwrap()
            .contains("no `hosting:`"),
        "{}",
        cap["cost"]
    );
    assert!(stderr(&out).contains("no `hosting:`"), "{}", stderr(&out));
}

#[test]
fn a_level_where_every_call_fails_ends_the_sweep_and_says_why() {
    // Nothing listens on port 9.
    let tmp = tempfile::tempdir().unwrap();
    suite(
        tmp.path(),
        "{kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m, retries: 0}",
        "",
    );
    let out = load(
        tmp.path(),
        &["--concurrency", "1,2", "--requests", "3", "--warmup", "0"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("every request at this level failed (3 network)"),
        "{}",
        stderr(&out)
    );
    let cap = capacity(tmp.path());
    assert_eq!(cap["status"], "stopped");
    assert_eq!(cap["levels"].as_array().unwrap().len(), 1);
}

#[test]
fn vendor_apis_and_unknown_providers_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    suite(tmp.path(), "{kind: openai, model: gpt-4o-mini}", "");
    let out = modelswap(&["load", "s.yaml", "--provider", "engine"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("measures engines you run"),
        "{}",
        stderr(&out)
    );
    let out = modelswap(&["load", "s.yaml", "--provider", "nope"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no such provider (it has engine)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_keeps_the_finished_levels() {
    let (_engine, tmp) = on_engine("", "");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args([
            "load",
            "s.yaml",
            "--provider",
            "engine",
            "--concurrency",
            "1,2,4",
            "--duration",
            "1.5",
            "--warmup",
            "0",
            "--out",
            "cap",
        ])
        .current_dir(tmp.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first level ends after 1.5 s and its requests' drain; interrupt the second.
    let mut waited = 0;
    while !tmp.path().join("cap/capacity.json").exists() && waited < 200 {
        std::thread::sleep(Duration::from_millis(50));
        waited += 1;
    }
    std::thread::sleep(Duration::from_millis(300));
    // The shell's own `kill`: a minimal image may have no /bin/kill.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cap = capacity(tmp.path());
    assert_eq!(cap["status"], "interrupted");
    assert_eq!(cap["levels"].as_array().unwrap().len(), 1, "{cap}");
}

#[test]
fn a_local_model_is_swept_too() {
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "{{kind: onnx, path: {}}}",
        model("smollm2-135m-instruct").display()
    );
    std::fs::write(
        tmp.path().join("cases.jsonl"),
        "{\"q\": \"What is 2 + 2?\"}\n",
    )
    .unwrap();
    let text = format!(
        "version: 1\nname: t\nproviders:\n  engine: {provider}\ndefaults: {{max_tokens: 8}}\n\
         prompt: {{user: \"{{{{ q }}}}\"}}\ncases:\n  - file: cases.jsonl\n"
    );
    std::fs::write(tmp.path().join("s.yaml"), text).unwrap();
    let out = load(
        tmp.path(),
        &["--concurrency", "1", "--requests", "3", "--warmup", "0"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let level = &capacity(tmp.path())["levels"][0];
    assert_eq!(
        (level["requests"].as_u64(), level["errors"].as_u64()),
        (Some(3), Some(0))
    );
    assert!(
        level["output_tokens_per_s"].as_f64().unwrap() > 0.0,
        "{level}"
    );
    assert!(level["itl_ms"]["p50"].as_f64().unwrap() > 0.0, "{level}");
}

#[test]
fn a_sweep_in_the_run_directory_prices_self_hosting_for_the_report_and_the_gate() {
    let engine = Engine::start(law());
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "{{kind: openai-compatible, base_url: '{}', model: m, concurrency: 2, hosting: {{usd_per_hour: 3.6, utilization: 1.0}}}}\n  \
         base: {{kind: openai-compatible, base_url: '{}', model: m, price: {{input_per_mtok: 1.0, output_per_mtok: 2.0}}}}",
        engine.base, engine.base
    );
    let gate = "slo: {itl_p95_ms: 60}\ngate: {baseline: base, candidates: [engine], max_cost_per_1k_requests_usd: 100}\n";
    suite(tmp.path(), &provider, gate);
    let out = modelswap(
        &["run", "s.yaml", "--out", "run", "--limit", "6"],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = modelswap(
        &[
            "load",
            "s.yaml",
            "--provider",
            "engine",
            "--concurrency",
            "1,4,16",
            "--duration",
            "3",
            "--warmup",
            "1",
            "--out",
            "run",
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = modelswap(&["report", "run", "--format", "json,md,html"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));

    let cap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/capacity.json")).unwrap())
            .unwrap();
    let goodput = cap["goodput"]["output_tokens_per_s"].as_f64().unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/report.json")).unwrap())
            .unwrap();
    let engine_cost = &report["cost"]["providers"][0];
    let h = &engine_cost["self_hosting"];
    assert_eq!(h["throughput"]["source"], "capacity", "{h}");
    assert_eq!(
        h["throughput"]["output_tokens_per_s"].as_f64().unwrap(),
        goodput
    );
    assert_eq!(h["throughput"]["concurrency"], 4);
    // Per request: its 16 output tokens at the goodput's price per token.
    let per_mtok = h["usd_per_mtok"].as_f64().unwrap();
    assert!((per_mtok - 1e6 * 0.001 / goodput).abs() < 1e-9 * per_mtok);
    let per_1k = engine_cost["projection"]["usd_per_1k_requests"]
        .as_f64()
        .unwrap();
    assert!(
        (per_1k - 1e3 * TOKENS * per_mtok / 1e6).abs() < 1e-9 * per_1k,
        "{engine_cost}"
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(
        md.contains("**Capacity of engine**") && md.contains("Goodput:"),
        "{md}"
    );
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(
        html.contains("Capacity of engine") && html.contains("p95 inter-token latency"),
        "report.html"
    );

    // The gate reads the same cost per 1k requests.
    let out = modelswap(&["gate", "run"], tmp.path());
    let text = crate::common::stdout(&out) + &stderr(&out);
    let line = text
        .lines()
        .find(|l| l.contains("max_cost_per_1k_requests_usd"))
        .unwrap_or_default();
    assert!(
        line.contains(&format!("${per_1k:.4} per 1k")),
        "{line} / {per_1k}"
    );
}
