//! Cassettes (record, replay with no network, misses, a provider's own stand-in cassette) and
//! traffic replay (request bodies and Batch API lines sent as logged), through the binary.

use std::path::Path;
use std::process::Output;

use modelswap::record::{read_manifest, read_records, Record};
use serde_json::json;

use crate::common::stderr;
use crate::vendor_server::{openai_json, Reply, VendorServer};

const KEY: &str = "sk-cassette-SECRET-987654321";

fn suite(
    dir: &Path,
    server: &VendorServer,
    extra_provider: &str,
    cases: &str,
) -> std::path::PathBuf {
    let text = format!(
        "version: 1\nname: cassettes\nproviders:\n  gpt:\n    kind: openai\n    model: gpt-4o-mini\n    base_url: {}/v1\n\
         \x20   api_key_env: TEST_CASSETTE_KEY\n    stream: false\n{extra_provider}defaults:\n  max_tokens: 16\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}scorers:\n  - type: icontains\n    value: \"{{{{ expect.a }}}}\"\n    tags: [qa]\n",
        server.base
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

const TWO_CASES: &str = "  - {id: one, vars: {q: first}, expect: {a: yes}, tags: [qa]}\n  - {id: two, vars: {q: second}, expect: {a: yes}, tags: [qa]}\n";

fn run(
    dir: &Path,
    suite: &Path,
    out: &str,
    key: Option<&str>,
    extra: &[&str],
) -> (Output, Vec<Record>) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"));
    cmd.args(["run", suite.to_str().unwrap(), "--out", out])
        .args(extra)
        .current_dir(dir)
        .env_remove("TEST_CASSETTE_KEY");
    if let Some(k) = key {
        cmd.env("TEST_CASSETTE_KEY", k);
    }
    let output = cmd.output().unwrap();
    let records = read_records(&dir.join(out).join("records.jsonl")).unwrap_or_default();
    (output, records)
}

fn by_case(records: &[Record], id: &str) -> Record {
    records.iter().find(|r| r.case_id == id).unwrap().clone()
}

#[test]
fn a_recorded_run_replays_offline_with_its_recorded_timings_and_no_secret() {
    let server = VendorServer::start();
    server.push(Reply::json(openai_json("yes, first", (11, 3, 0))));
    server.push(Reply::json(openai_json("yes, second", (12, 4, 2))));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &server, "", TWO_CASES);

    let (out, live) = run(
        tmp.path(),
        &suite,
        "live",
        Some(KEY),
        &["--cassette", "c.jsonl", "--record"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.received().len(), 2);
    let cassette = std::fs::read_to_string(tmp.path().join("c.jsonl")).unwrap();
    assert_eq!(cassette.lines().count(), 2);
    assert!(!cassette.contains(KEY) && !cassette.to_lowercase().contains("authorization"));
    let entry: serde_json::Value = serde_json::from_str(cassette.lines().next().unwrap()).unwrap();
    assert_eq!(entry["kind"], "openai");
    assert_eq!(entry["model"], "gpt-4o-mini");
    assert_eq!(entry["base_url"], format!("{}/v1", server.base));
    assert!(entry["request"]["messages"].is_array());

    // Replay: no key, no call to the server, the same answers and timings, marked replayed.
    let (out, replayed) = run(
        tmp.path(),
        &suite,
        "replayed",
        None,
        &["--cassette", "c.jsonl", "--replay"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        server.received().len(),
        2,
        "a replay must not call the vendor"
    );
    for id in ["one", "two"] {
        let (l, r) = (by_case(&live, id), by_case(&replayed, id));
        assert!(!l.replayed && r.replayed);
        assert_eq!(r.output, l.output);
        assert_eq!(r.usage, l.usage);
        assert_eq!(r.timing.total_ms, l.timing.total_ms);
        assert_eq!(r.request_hash, l.request_hash);
        assert!(r.passed);
    }
    let manifest = read_manifest(&tmp.path().join("replayed")).unwrap();
    assert_eq!(
        manifest.providers[0].replayed_from.as_deref(),
        Some("c.jsonl")
    );

    // The report says the latency was recorded, not measured.
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(["report", "replayed", "--format", "md"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(report.status.success(), "{}", stderr(&report));
    let md = std::fs::read_to_string(tmp.path().join("replayed/report.md")).unwrap();
    assert!(md.contains("recorded, not measured"), "{md}");

    // A case the cassette lacks stops the run before any call, naming the case and provider.
    let more = format!(
        "{TWO_CASES}  - {{id: three, vars: {{q: third}}, expect: {{a: yes}}, tags: [qa]}}\n"
    );
    let suite = self::suite(tmp.path(), &server, "", &more);
    let (out, _) = run(
        tmp.path(),
        &suite,
        "miss",
        None,
        &["--cassette", "c.jsonl", "--replay"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("provider `gpt`") && err.contains("case three"),
        "{err}"
    );
    assert!(!tmp.path().join("miss/records.jsonl").exists());
}

#[test]
fn a_providers_own_cassette_answers_while_its_key_is_unset() {
    let server = VendorServer::start();
    server.push(Reply::json(openai_json("yes", (5, 1, 0))));
    server.push(Reply::json(openai_json("yes", (5, 1, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let plain = suite(tmp.path(), &server, "", TWO_CASES);
    let (out, _) = run(
        tmp.path(),
        &plain,
        "rec",
        Some(KEY),
        &["--cassette", "fixtures/gpt.jsonl", "--record"],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let with_cassette = suite(
        tmp.path(),
        &server,
        "    cassette: fixtures/gpt.jsonl\n",
        TWO_CASES,
    );
    let (out, records) = run(tmp.path(), &with_cassette, "offline", None, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("TEST_CASSETTE_KEY is not set"),
        "{}",
        stderr(&out)
    );
    assert!(records.iter().all(|r| r.replayed));
    assert_eq!(server.received().len(), 2);

    server.push(Reply::json(openai_json("yes", (5, 1, 0))));
    server.push(Reply::json(openai_json("yes", (5, 1, 0))));
    let (out, records) = run(tmp.path(), &with_cassette, "online", Some(KEY), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(records.iter().all(|r| !r.replayed));
    assert_eq!(
        server.received().len(),
        4,
        "with the key set the provider runs live"
    );
}

#[test]
fn logged_traffic_is_replayed_as_it_was_to_every_provider() {
    let server = VendorServer::start();
    server.otherwise(Reply::json(openai_json("ok", (9, 2, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let tool = json!({"type": "function", "function": {"name": "lookup_order", "description": "Finds an order",
        "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}});
    let traffic = [
        json!({"model": "gpt-4o", "temperature": 0.7, "max_tokens": 33, "seed": 4,
               "messages": [{"role": "system", "content": "Support bot."}, {"role": "user", "content": "Where is A-1?"}],
               "tools": [tool], "tool_choice": "required", "stream": true}),
        json!({"custom_id": "batch-7", "method": "POST", "url": "/v1/chat/completions",
               "body": {"model": "gpt-4o", "max_completion_tokens": 12,
                        "messages": [{"role": "user", "content": [{"type": "text", "text": "Give JSON"}]}],
                        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "strict": true,
                            "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}}}}),
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this photo?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}),
    ];
    let lines: String = traffic.iter().map(|l| format!("{l}\n")).collect();
    std::fs::create_dir_all(tmp.path().join("traffic")).unwrap();
    std::fs::write(tmp.path().join("traffic/prod.jsonl"), lines).unwrap();
    let second = format!(
        "  other:\n    kind: openai-compatible\n    model: llama\n    base_url: {}/v1\n    stream: false\n",
        server.base
    );
    let suite = suite(
        tmp.path(),
        &server,
        &second,
        "  - replay: traffic/prod.jsonl\n",
    );

    let (out, records) = run(tmp.path(), &suite, "run", Some(KEY), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The request with an image cannot be sent yet: left out, and said so.
    assert!(
        stderr(&out).contains("1 replayed request(s) carry image"),
        "{}",
        stderr(&out)
    );
    assert_eq!(records.len(), 4);
    let mut ids: Vec<_> = records.iter().map(|r| r.case_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["batch-7", "batch-7", "prod-1", "prod-1"]);
    assert!(records.iter().all(|r| r.tags == ["replay"]));

    let got = server.received();
    assert_eq!(got.len(), 4);
    for model in ["gpt-4o-mini", "llama"] {
        let bodies: Vec<_> = got
            .iter()
            .map(|r| r.json())
            .filter(|b| b["model"] == model)
            .collect();
        let with_tools = bodies.iter().find(|b| b.get("tools").is_some()).unwrap();
        assert_eq!(with_tools["tools"][0]["function"]["name"], "lookup_order");
        assert_eq!(
            with_tools["tools"][0]["function"]["parameters"]["required"],
            json!(["id"])
        );
        assert_eq!(with_tools["tool_choice"], "required");
        assert_eq!(with_tools["temperature"], 0.7f32);
        assert_eq!(with_tools["seed"], 4);
        assert_eq!(
            with_tools["messages"][0],
            json!({"role": "system", "content": "Support bot."})
        );
        let with_format = bodies
            .iter()
            .find(|b| b.get("response_format").is_some())
            .unwrap();
        assert_eq!(with_format["response_format"]["type"], "json_schema");
        assert_eq!(
            with_format["response_format"]["json_schema"]["strict"],
            true
        );
        assert_eq!(
            with_format["messages"],
            json!([{"role": "user", "content": "Give JSON"}])
        );
    }

    // A line that cannot be replayed is named with its file, line and field.
    std::fs::write(
        tmp.path().join("traffic/prod.jsonl"),
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{\"custom_id\": \"e\", \"url\": \"/v1/embeddings\", \"body\": {}}\n",
    )
    .unwrap();
    let (out, _) = run(tmp.path(), &suite, "bad", Some(KEY), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("prod.jsonl:2") && err.contains("url") && err.contains("/v1/embeddings"),
        "{err}"
    );
}
