//! Costs end to end: `modelswap prices`, price checks in suites, and the `cost_usd` of every
//! record of real runs (loopback vendor server, and the real local model on hosted hardware).

use std::path::{Path, PathBuf};

use modelswap::analysis::{self, RecordFrame};
use modelswap::cost::{self, SelfHosting};
use modelswap::record::Record;
use modelswap::suite::Hosting;

use crate::common::{model, modelswap, run_suite, stderr, stdout};
use crate::vendor_server::{openai_json, Reply, VendorServer};

/// A suite with `providers` (the YAML body of the `providers:` map) and `n` cases.
fn suite(dir: &Path, providers: &str, n: usize, max_tokens: u32) -> PathBuf {
    let cases: String = (0..n)
        .map(|i| format!("  - vars: {{q: \"What is {i} plus 1?\"}}\n"))
        .collect();
    let text = format!(
        "version: 1\nname: cost\nworkload:\n  requests_per_month: 1000000\nproviders:\n{providers}\
         defaults:\n  max_tokens: {max_tokens}\nprompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The test servers' key.
const KEY: Option<&str> = Some("sk-test");

fn costs(records: &[Record], provider: &str) -> Vec<Option<f64>> {
    records
        .iter()
        .filter(|r| r.provider == provider)
        .map(|r| r.cost_usd)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-6)
}

#[test]
fn prices_lists_the_table_with_sources_and_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let out = modelswap(&["prices", "--model", "GPT-4O-MINI"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| gpt-4o-mini"))
        .collect();
    // OpenAI and Azure, alias and snapshot: four rows, each with its source and date.
    assert_eq!(rows.len(), 4, "{text}");
    for row in rows {
        assert!(
            row.contains("litellm 1.109.1 model_prices_and_context_window_backup.json"),
            "{row}"
        );
        assert!(row.contains("2026-11-22"), "{row}");
        assert!(row.contains("0.15") && row.contains("0.075"), "{row}");
    }

    let out = modelswap(&["prices", "--format", "json"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(all.len(), cost::table().len());
    for vendor in ["openai", "anthropic", "gemini", "azure-openai"] {
        assert!(all.iter().any(|e| e["vendor"] == vendor), "{vendor}");
    }
    assert!(all
        .iter()
        .all(|e| e["source"].is_string() && e["read_on"].is_string()));

    let out = modelswap(&["prices", "--model", "no-such-model"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no model in the price table contains `no-such-model`"));
}

#[test]
fn a_bad_price_is_refused_with_its_field() {
    let tmp = tempfile::tempdir().unwrap();
    let providers = "  a:\n    kind: openai\n    model: gpt-4o-mini\n    price: {input_per_mtok: -1, output_per_mtok: 2, long_context: {above_input_tokens: 0, input_per_mtok: 1, output_per_mtok: .nan}}\n\
                     \x20 b:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n    price: {input_per_mtok: 1, output_per_mtok: 2}\n    hosting: {usd_per_hour: 1}\n";
    let path = suite(tmp.path(), providers, 1, 4);
    let out = modelswap(&["validate", path.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needle in [
        "providers.a.price.input_per_mtok",
        "providers.a.price.long_context.above_input_tokens",
        "providers.a.price.long_context.output_per_mtok",
        "providers.b.price",
        "not both",
    ] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    assert!(!err.contains("providers.a.price.output_per_mtok"), "{err}");
}

#[test]
fn vendor_records_cost_their_usage_at_the_table_or_suite_price_and_unknown_is_null() {
    let server = VendorServer::start();
    // Every call: 1000 input tokens of which 400 cached, 200 output.
    server.otherwise(Reply::json(openai_json("2", (1000, 200, 400))));
    let endpoint = |kind_and_model: &str, extra: &str| {
        format!(
            "    {kind_and_model}\n    base_url: {}/v1\n    api_key_env: TEST_VENDOR_KEY\n    stream: false\n{extra}",
            server.base
        )
    };
    let providers = format!(
        "  table:\n{}  override:\n{}  unknown:\n{}  azure:\n    kind: azure-openai\n    base_url: {}\n    deployment: prod\n    api_key_env: TEST_VENDOR_KEY\n    stream: false\n",
        endpoint("kind: openai\n    model: gpt-4o-mini", ""),
        endpoint(
            "kind: openai\n    model: gpt-4o-mini",
            "    price: {input_per_mtok: 1, output_per_mtok: 2, cached_input_per_mtok: 0.5}\n"
        ),
        endpoint("kind: openai\n    model: gpt-4o-mini-2099-01-01", ""),
        server.base,
    );
    let tmp = tempfile::tempdir().unwrap();
    let (out, records) = run_suite(tmp.path(), &suite(tmp.path(), &providers, 3, 8), KEY);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(records.len(), 12);

    // Table (gpt-4o-mini $0.15 in, $0.075 cached, $0.60 out per million):
    // 600 × 0.15 + 400 × 0.075 + 200 × 0.60 = 240 per million.
    for c in costs(&records, "table") {
        assert!(close(c.unwrap(), 0.000_24), "{c:?}");
    }
    // The suite's price wins: 600 × 1 + 400 × 0.5 + 200 × 2 = 1200 per million.
    for c in costs(&records, "override") {
        assert!(close(c.unwrap(), 0.001_2), "{c:?}");
    }
    // Unknown: null, never 0, in the file as written.
    assert_eq!(costs(&records, "unknown"), vec![None; 3]);
    assert_eq!(costs(&records, "azure"), vec![None; 3]);
    let raw = std::fs::read_to_string(tmp.path().join("run/records.jsonl")).unwrap();
    let line = raw.lines().find(|l| l.contains("\"unknown\"")).unwrap();
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value.get("cost_usd"), Some(&serde_json::Value::Null));

    // One warning per unpriced provider, naming it and the fix; none for the priced ones.
    assert_eq!(
        err.matches("provider `unknown`: cost unknown").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("`gpt-4o-mini-2099-01-01` is not in the built-in price table"),
        "{err}"
    );
    assert!(err.contains("add `price:"), "{err}");
    assert_eq!(
        err.matches("provider `azure`: cost unknown").count(),
        1,
        "{err}"
    );
    assert!(err.contains("deployment `prod` names no model"), "{err}");
    assert!(
        !err.contains("provider `table`") && !err.contains("provider `override`"),
        "{err}"
    );

    // The projection the report and the gate read, from the run's records file.
    let frame = RecordFrame::read(&tmp.path().join("run/records.jsonl")).unwrap();
    let manifest = modelswap::record::read_manifest(&tmp.path().join("run")).unwrap();
    let per_provider = analysis::summarize(&manifest, &frame).unwrap();
    let summary = analysis::cost::summarize(&manifest, &frame, &per_provider, &[]).unwrap();
    let projection = |provider: &str| {
        (summary.providers.iter())
            .find(|p| p.id == provider)
            .and_then(|p| p.projection.clone())
    };
    let table = projection("table").unwrap();
    assert_eq!((table.records, table.priced), (3, 3));
    assert!(close(table.usd_per_1k_requests, 0.24));
    assert!(close(table.usd_per_request * 1e6, 240.0));
    assert_eq!(projection("unknown"), None);
}

#[test]
fn anthropic_cache_reads_are_charged_at_the_cached_price() {
    let server = VendorServer::start();
    server.otherwise(Reply::json(serde_json::json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "2"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 500, "cache_read_input_tokens": 2500,
                  "cache_creation_input_tokens": 0, "output_tokens": 300}
    })));
    let providers = format!(
        "  haiku:\n    kind: anthropic\n    model: claude-haiku-4-5\n    base_url: {}\n    api_key_env: TEST_VENDOR_KEY\n    stream: false\n",
        server.base
    );
    let tmp = tempfile::tempdir().unwrap();
    let (out, records) = run_suite(tmp.path(), &suite(tmp.path(), &providers, 1, 8), KEY);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &records[0];
    assert_eq!(
        (r.usage.input_tokens, r.usage.cached_input_tokens),
        (3000, 2500)
    );
    // claude-haiku-4-5: $1 in, $0.10 cache read, $5 out: 500 + 250 + 1500 = 2250 per million.
    assert!(close(r.cost_usd.unwrap(), 0.002_25), "{:?}", r.cost_usd);
}

#[test]
fn a_local_model_on_hosted_hardware_costs_its_machine_time() {
    let providers = format!(
        "  local:\n    kind: onnx\n    path: {}\n    hosting: {{usd_per_hour: 3.6, utilization: 0.5}}\n",
        model("smollm2-135m-instruct").display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let (out, records) = run_suite(tmp.path(), &suite(tmp.path(), &providers, 2, 8), KEY);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("cost unknown"), "{}", stderr(&out));
    assert_eq!(records.len(), 2);
    for r in &records {
        // $3.60/h = $0.001/s, grossed up by 1 / 0.5, for the machine time it held: one call at
        // a time, its whole duration (and the little the runner spends around the call).
        let (held, took) = (r.timing.machine_ms.unwrap(), r.timing.total_ms.unwrap());
        assert!(took <= held && held <= took * 1.05, "{r:?}");
        assert!(
            close(r.cost_usd.unwrap(), 0.001 * held / 1e3 / 0.5),
            "{r:?}"
        );
    }

    // The per-token TCO from the run's throughput (one call at a time: per stream and in
    // aggregate agree) prices its output tokens as the records add up to.
    let output: u64 = records.iter().map(|r| r.usage.output_tokens).sum();
    let seconds: f64 = records
        .iter()
        .filter_map(|r| r.timing.total_ms)
        .sum::<f64>()
        / 1e3;
    let hosting = Hosting {
        usd_per_hour: 3.6,
        utilization: 0.5,
    };
    let tco = SelfHosting::new(&hosting, output as f64 / seconds).unwrap();
    let total: f64 = records.iter().filter_map(|r| r.cost_usd).sum();
    assert!(
        (tco.usd_per_mtok() * output as f64 / 1e6 - total).abs() < 0.05 * total,
        "{tco}"
    );
}

#[test]
fn the_gate_checks_cost_per_1k_requests_and_never_passes_an_unknown_cost() {
    let server = VendorServer::start();
    // 1000 input (400 cached) and 200 output tokens a call: $0.24 per 1k at gpt-4o-mini's price.
    server.otherwise(Reply::json(openai_json("2", (1000, 200, 400))));
    let provider = |model: &str| {
        format!(
            "    kind: openai\n    model: {model}\n    base_url: {}/v1\n    api_key_env: TEST_VENDOR_KEY\n    stream: false\n",
            server.base
        )
    };
    let providers = format!(
        "  base:\n{}  cheap:\n{}  unknown:\n{}",
        provider("gpt-4o-mini"),
        provider("gpt-4o-mini"),
        provider("gpt-4o-mini-2099-01-01")
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = suite(tmp.path(), &providers, 2, 8);
    let gate = "gate:\n  baseline: base\n  candidates: [cheap, unknown]\n  max_cost_per_1k_requests_usd: 0.30\n";
    let text = std::fs::read_to_string(&path).unwrap() + gate;
    std::fs::write(&path, text).unwrap();
    let (out, _) = run_suite(tmp.path(), &path, KEY);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = modelswap(&["gate", "run"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out) + &stderr(&out);
    let line = |who: &str| {
        text.lines()
            .find(|l| l.contains(who) && l.contains("max_cost_per_1k_requests_usd"))
            .unwrap_or_else(|| panic!("no cost check for {who}: {text}"))
            .to_string()
    };
    assert!(
        line("cheap").starts_with("PASS") && line("cheap").contains("$0.2400 per 1k"),
        "{}",
        line("cheap")
    );
    assert!(
        line("unknown").starts_with("FAIL") && line("unknown").contains("cost unknown"),
        "{}",
        line("unknown")
    );
}
