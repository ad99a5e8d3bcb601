//! Throughput against an engine that serves many calls at once: the run's aggregate figure is
//! what the engine delivered, and self-hosting is priced on it, not on one stream's speed.

use std::time::Duration;

use crate::common::{modelswap, stderr};
use crate::engine::{Engine, Law};

fn close(got: f64, want: f64, tolerance: f64) -> bool {
    (got - want).abs() <= tolerance * want.abs()
}

#[test]
fn a_batching_engines_aggregate_throughput_feeds_the_cost_not_the_per_stream_rate() {
    // 8 in flight, each step 20 + 8 × 1 ms for 8 tokens: about 285 tokens/s for the engine,
    // 36 for one stream.
    let engine = Engine::start(Law {
        base: Duration::from_millis(20),
        per_sequence: Duration::from_millis(1),
        batch: 64,
    });
    let tmp = tempfile::tempdir().unwrap();
    let rows: String = (0..64)
        .map(|i| format!("{{\"q\": \"question {i}\"}}\n"))
        .collect();
    std::fs::write(tmp.path().join("cases.jsonl"), rows).unwrap();
    let suite = format!(
        "version: 1\nname: t\nproviders:\n  engine: {{kind: openai-compatible, base_url: '{}', model: m, concurrency: 8, \
         hosting: {{usd_per_hour: 3.6, utilization: 1.0}}}}\ndefaults: {{max_tokens: 16}}\n\
         prompt: {{user: \"{{{{ q }}}}\"}}\ncases:\n  - file: cases.jsonl\n",
        engine.base
    );
    std::fs::write(tmp.path().join("s.yaml"), suite).unwrap();
    let out = modelswap(&["run", "s.yaml", "--out", "run"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let truth = engine.delivered();
    let out = modelswap(&["report", "run", "--format", "json,md"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/report.json")).unwrap())
            .unwrap();
    let p = &report["summary"]["providers"][0];
    let aggregate = p["aggregate_output_tokens_per_s"].as_f64().unwrap();
    let stream = p["stream_output_tokens_per_s"].as_f64().unwrap();
    let in_flight = p["mean_in_flight"].as_f64().unwrap();
    let delivered = truth.tokens as f64 / truth.busy_s;
    assert_eq!(truth.tokens, 64 * 16);
    // The engine's own count: within 5% (the run's busy time adds connection set-up and the
    // wait for the next step to the engine's).
    assert!(
        close(aggregate, delivered, 0.05),
        "aggregate {aggregate:.1} tokens/s, the engine delivered {delivered:.1}"
    );
    assert!(in_flight > 6.0, "{in_flight}");
    assert!(close(aggregate / stream, in_flight, 0.01));
    assert_eq!(p["concurrency"], 8);

    // $3.60/h fully used = $0.001 per busy second: priced on the aggregate...
    let h = &report["cost"]["providers"][0]["self_hosting"];
    let per_mtok = h["usd_per_mtok"].as_f64().unwrap();
    assert!(close(per_mtok, 1e6 * 0.001 / aggregate, 1e-9), "{h}");
    // ...and the records' costs add up to the machine's busy time, not to the calls' summed
    // durations (eight times as much).
    let records = modelswap::record::read_records(&tmp.path().join("run/records.jsonl")).unwrap();
    let charged: f64 = records.iter().map(|r| r.cost_usd.unwrap()).sum();
    let busy_usd = truth.busy_s * 0.001;
    assert!(
        close(charged, busy_usd, 0.05),
        "charged ${charged:.5}, busy ${busy_usd:.5}"
    );
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(md.contains("output tokens/s in aggregate"), "{md}");
    assert!(md.contains("concurrency 8"), "{md}");
}
