//! Scoring against reference answers through the binary: tool calls answered by loopback
//! servers in each vendor's wire format and scored against the logged production answer.
//! Another provider's answers as the reference are in `reference_baseline`.

use std::path::{Path, PathBuf};

use modelswap::record::Record;
use serde_json::{json, Value};

use crate::common::{modelswap, run_suite as run, stderr};
use crate::vendor_server::{openai_json, Received, Reply, VendorServer};

const KEY: &str = "sk-test-reference-0000";

/// What a candidate does for each case, by the case's user message.
const CASES: [&str; 5] = ["same", "different", "extra", "text", "schema"];

/// The production answer every case logged: one refund call.
fn logged_response() -> Value {
    json!({"id": "chatcmpl-prod", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "refund", "arguments": "{\"order_id\":\"A1\",\"amount\":20}"}}]}}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}})
}

fn tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "refund", "parameters": {"type": "object",
            "required": ["order_id", "amount"],
            "properties": {"order_id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}}}},
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object",
            "properties": {"order_id": {"type": "string"}}}}}
    ])
}

/// Traffic with logged responses: one line per case.
pub(crate) fn traffic(dir: &Path) -> PathBuf {
    let lines: String = CASES
        .iter()
        .map(|c| {
            let request = json!({"model": "gpt-4o-mini", "tools": tools(),
                "messages": [{"role": "user", "content": format!("case {c}")}]});
            json!({"custom_id": c, "request": request, "response": logged_response()}).to_string()
                + "\n"
        })
        .collect();
    let path = dir.join("traffic.jsonl");
    std::fs::write(&path, lines).unwrap();
    path
}

/// The calls a candidate makes for `case`, as (name, arguments); none: it answers in text.
fn calls_for(case: &str) -> Vec<(&'static str, Value)> {
    match case {
        // Same call, keys reordered, the number spelled another way.
        "same" => vec![("refund", json!({"amount": 20.0, "order_id": "A1"}))],
        "different" => vec![("refund", json!({"order_id": "A1", "amount": 25}))],
        "extra" => vec![
            ("refund", json!({"order_id": "A1", "amount": 20})),
            ("lookup", json!({"order_id": "A1"})),
        ],
        "schema" => vec![("refund", json!({"order_id": 7, "amount": -1}))],
        _ => vec![],
    }
}

const TEXT: &str = "I have refunded order A1.";

/// The case a request is for: its user message is "case NAME".
fn case_of(r: &Received) -> &'static str {
    CASES
        .into_iter()
        .find(|c| r.body.contains(&format!("\"case {c}\"")))
        .expect("a known case")
}

fn openai_reply(r: &Received) -> Reply {
    let calls = calls_for(case_of(r));
    if calls.is_empty() {
        return Reply::json(openai_json(TEXT, (10, 5, 0)));
    }
    let calls: Vec<Value> = (calls.iter().enumerate())
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function",
            "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect();
    Reply::json(
        json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": null, "tool_calls": calls}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}),
    )
}

fn anthropic_reply(r: &Received) -> Reply {
    let calls = calls_for(case_of(r));
    let content: Vec<Value> = if calls.is_empty() {
        vec![json!({"type": "text", "text": TEXT})]
    } else {
        (calls.iter().enumerate())
            .map(|(i, (name, args))| json!({"type": "tool_use", "id": format!("toolu_{i}"), "name": name, "input": args}))
            .collect()
    };
    let stop = if calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    Reply::json(
        json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 5}}),
    )
}

fn gemini_reply(r: &Received) -> Reply {
    let calls = calls_for(case_of(r));
    let parts: Vec<Value> = if calls.is_empty() {
        vec![json!({"text": TEXT})]
    } else {
        (calls.iter())
            .map(|(name, args)| json!({"functionCall": {"name": name, "args": args}}))
            .collect()
    };
    Reply::json(
        json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}}),
    )
}

/// The suite: `providers` (YAML), the traffic replayed, two tool-call scorers against the
/// logged answer (exact arguments, and the tools' schemas).
fn tool_suite(dir: &Path, providers: &str) -> PathBuf {
    traffic(dir);
    let text = format!(
        "version: 1\nname: tools\nproviders:\n{providers}  production:\n    kind: logged\nprompt:\n  user: unused\n\
         cases:\n  - replay: traffic.jsonl\n\
         scorers:\n  - type: tool-call\n    reference: logged\n  - type: tool-call\n    reference: logged\n    arguments: schema\n"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

pub(crate) fn by(records: &[Record], provider: &str, case: &str) -> Record {
    records
        .iter()
        .find(|r| r.provider == provider && r.case_id == case)
        .unwrap_or_else(|| panic!("no record of {provider} on {case}"))
        .clone()
}

#[test]
fn tool_calls_in_each_vendors_format_are_scored_against_the_logged_answer() {
    let servers: Vec<(&str, VendorServer)> = ["openai", "azure", "engine", "anthropic", "gemini"]
        .into_iter()
        .map(|id| (id, VendorServer::start()))
        .collect();
    let mut providers = String::new();
    for (id, server) in &servers {
        let (body, reply): (String, fn(&Received) -> Reply) = match *id {
            "openai" => (format!("    kind: openai\n    model: gpt-4o-mini\n    base_url: {}/v1\n", server.base), openai_reply),
            "azure" => (format!("    kind: azure-openai\n    model: gpt-4o-mini\n    base_url: {}\n    deployment: prod\n", server.base), openai_reply),
            "engine" => (format!("    kind: openai-compatible\n    model: qwen\n    base_url: {}/v1\n", server.base), openai_reply),
            "anthropic" => (format!("    kind: anthropic\n    model: claude-3-5-haiku-20241022\n    base_url: {}\n", server.base), anthropic_reply),
            _ => (format!("    kind: gemini\n    model: gemini-2.0-flash\n    base_url: {}\n", server.base), gemini_reply),
        };
        server.respond(reply);
        let key = if *id == "engine" {
            ""
        } else {
            "    api_key_env: TEST_VENDOR_KEY\n"
        };
        providers.push_str(&format!("  {id}:\n{body}{key}    stream: false\n"));
    }
    let tmp = tempfile::tempdir().unwrap();
    let suite = tool_suite(tmp.path(), &providers);
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));

    let src = "the reference (logged)";
    let expected: [(&str, f64, String, f64, String); 5] = [
        ("same", 1.0, format!("F1 1.0000 ≥ threshold 1: 1 of 1 calls of {src} matched, 1 made"), 1.0,
            format!("F1 1.0000 ≥ threshold 1: 1 of 1 calls of {src} matched, 1 made")),
        ("different", 0.0, format!("F1 0.0000 < threshold 1: 0 of 1 calls of {src} matched, 1 made; differs: refund at /amount (got 25)"), 1.0,
            format!("F1 1.0000 ≥ threshold 1: 1 of 1 calls of {src} matched, 1 made")),
        ("extra", 2.0 / 3.0, format!("F1 0.6667 < threshold 1: 1 of 1 calls of {src} matched, 2 made; extra: lookup({{\"order_id\":\"A1\"}})"), 2.0 / 3.0,
            format!("F1 0.6667 < threshold 1: 1 of 1 calls of {src} matched, 2 made; extra: lookup({{\"order_id\":\"A1\"}})")),
        ("text", 0.0, format!("answered in text where {src} called refund({{\"order_id\":\"A1\",\"amount\":20}}): \"{TEXT}\""), 0.0,
            format!("answered in text where {src} called refund({{\"order_id\":\"A1\",\"amount\":20}}): \"{TEXT}\"")),
        ("schema", 0.0, format!("F1 0.0000 < threshold 1: 0 of 1 calls of {src} matched, 1 made; differs: refund at /order_id (got 7), /amount (got -1)"), 0.0,
            format!("F1 0.0000 < threshold 1: 0 of 1 calls of {src} matched, 1 made; differs: refund at /order_id (7 is not of type \"string\"), /amount (-1 is less than the minimum of 0)")),
    ];
    for (id, server) in &servers {
        // One call per case: the reference is the logged answer, never asked for again.
        assert_eq!(server.received().len(), CASES.len(), "{id}");
        for (case, exact, exact_why, schema, schema_why) in &expected {
            let r = by(&records, id, case);
            let s = &r.scores;
            assert_eq!(s.len(), 2, "{id} {case}: {s:?}");
            assert!((s[0].score - exact).abs() < 1e-12, "{id} {case}: {s:?}");
            assert_eq!(&s[0].reason, exact_why, "{id} {case}");
            assert!((s[1].score - schema).abs() < 1e-12, "{id} {case}: {s:?}");
            assert_eq!(&s[1].reason, schema_why, "{id} {case}");
            assert_eq!(s[0].against.as_deref(), Some("logged"));
            assert_eq!(r.passed, *case == "same", "{id} {case}");
        }
    }
    // The logged provider: the production answers, priced by the table for gpt-4o-mini
    // ($0.15 in, $0.60 out per million), no latency, and not scored against itself.
    for case in CASES {
        let r = by(&records, "production", case);
        assert!(r.error.is_none() && r.scores.is_empty(), "{r:?}");
        assert_eq!(r.tool_calls[0].name, "refund");
        assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (1000, 200));
        assert!((r.cost_usd.unwrap() - (1000.0 * 0.15 + 200.0 * 0.60) / 1e6).abs() < 1e-12);
        assert_eq!((r.timing.ttft_ms, r.timing.total_ms), (None, None));
    }

    let report = report_json(tmp.path(), "run", &["--format", "json,md,html"]);
    let openai = provider(&report, "openai");
    // Agreement per scorer: F1s 1, 0, 2/3, 0, 0 → 1/3; schemas 1, 1, 2/3, 0, 0 → 8/15.
    let agreement = |i: usize| openai["scorers"][i]["score_mean"].as_f64().unwrap();
    assert!((agreement(0) - 1.0 / 3.0).abs() < 1e-9, "{}", agreement(0));
    assert!((agreement(1) - 8.0 / 15.0).abs() < 1e-9, "{}", agreement(1));
    assert_eq!(openai["scorers"][1]["scorer"], "tool-call#2");
    assert_eq!(openai["scorers"][0]["against"], "logged");
    let d = (report["disagreements"].as_array().unwrap().iter())
        .find(|d| d["provider"] == "openai" && d["case_id"] == "different")
        .unwrap();
    assert_eq!(
        d["reference"],
        "[tool calls: refund({\"order_id\":\"A1\",\"amount\":20})]"
    );
    assert_eq!(
        d["output"],
        "[tool calls: refund({\"order_id\":\"A1\",\"amount\":25})]"
    );
    let production = provider(&report, "production");
    assert_eq!(
        (
            production["kind"].as_str(),
            production["latency_p50_ms"].as_f64()
        ),
        (Some("logged"), None)
    );
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(
        html.contains("Agreement with the reference")
            && html.contains("production (logged, not measured)")
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(md.contains("| openai | tool-call | the logged answers (logged, not measured) | 0.333 | 1 of 5 | 0 | — |"), "{md}");
}

/// `modelswap report RUN ARGS…` in `dir` (its formats including json), and the report.json it
/// writes in RUN.
pub(crate) fn report_json(dir: &Path, run: &str, args: &[&str]) -> Value {
    let out = modelswap(&[&["report", run][..], args].concat(), dir);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&std::fs::read(dir.join(run).join("report.json")).unwrap()).unwrap()
}

/// A provider's figures in a report's summary.
pub(crate) fn provider<'a>(report: &'a Value, id: &str) -> &'a Value {
    (report["summary"]["providers"].as_array().unwrap().iter())
        .find(|p| p["id"] == id)
        .unwrap()
}
