//! Vendor providers through the binary against the loopback server: exact requests, usage and
//! TTFT, retries and backoff, faults, and keys that never leak.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use modelswap::record::read_records;

use crate::common::{run_suite as run, stderr};
use crate::vendor_server::{openai_json, openai_stream, Reply, VendorServer};

pub const KEY: &str = "sk-test-DO-NOT-LEAK-1234567890";

/// A suite with one provider (`provider` is its YAML body) and `n` cases.
pub fn suite(dir: &Path, provider: &str, n: usize) -> PathBuf {
    let cases: String = (0..n)
        .map(|i| format!("  - vars: {{q: question {i}}}\n    expect: {{a: hello}}\n"))
        .collect();
    let text = format!(
        "version: 1\nname: vendors\nproviders:\n  remote:\n{provider}\ndefaults:\n  max_tokens: 20\n  temperature: 0.2\n\
         prompt:\n  system: Be brief.\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}scorers:\n  - type: icontains\n    value: \"{{{{ expect.a }}}}\"\n"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// No file the run wrote, and nothing it printed, holds the key.
pub fn assert_no_leak(dir: &Path, out: &Output) {
    assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY));
    assert!(!stderr(out).contains(KEY));
    for entry in std::fs::read_dir(dir.join("run")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(KEY));
    }
}

fn openai_provider(server: &VendorServer, extra: &str) -> String {
    format!(
        "    kind: openai\n    model: gpt-4o-mini\n    base_url: {}/v1\n    api_key_env: TEST_VENDOR_KEY\n{extra}",
        server.base
    )
}

#[test]
fn openai_streaming_sends_the_documented_request_and_reads_usage_and_ttft() {
    let server = VendorServer::start();
    // The first content arrives 150 ms after the headers: TTFT must see it.
    let events = openai_stream(&["Hel", "lo!"], (17, 3, 5), true);
    server.push(Reply::Stream(
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                (
                    if i == 1 {
                        Duration::from_millis(150)
                    } else {
                        Duration::ZERO
                    },
                    e,
                )
            })
            .collect(),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &openai_provider(&server, ""), 1);
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));

    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        r.json(),
        serde_json::json!({
            "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "question 0"}],
            "temperature": 0.2f32, "max_completion_tokens": 20,
            "stream": true, "stream_options": {"include_usage": true}
        })
    );

    let rec = &records[0];
    assert_eq!(rec.output.as_deref(), Some("Hello!"));
    assert_eq!(rec.finish_reason.as_ref().map(|r| r.as_str()), Some("stop"));
    assert_eq!(
        (
            rec.usage.input_tokens,
            rec.usage.output_tokens,
            rec.usage.cached_input_tokens
        ),
        (17, 3, 5)
    );
    let (ttft, total) = (rec.timing.ttft_ms.unwrap(), rec.timing.total_ms.unwrap());
    assert!(ttft >= 140.0 && ttft <= total, "ttft {ttft} total {total}");
    assert!(rec.passed);
    assert_no_leak(tmp.path(), &out);
}

#[test]
fn openai_non_streaming_has_ttft_equal_to_total() {
    let server = VendorServer::start();
    server.push(Reply::json(openai_json("hello there", (9, 2, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(
        tmp.path(),
        &openai_provider(&server, "    stream: false\n"),
        1,
    );
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(server.received()[0].json().get("stream").is_none());
    let rec = &records[0];
    assert_eq!(rec.output.as_deref(), Some("hello there"));
    assert_eq!(rec.timing.ttft_ms, rec.timing.total_ms);
    assert_eq!(rec.usage.input_tokens, 9);
}

#[test]
fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let server = VendorServer::start();
    server.push(Reply::Status(
        429,
        vec![("retry-after-ms", "300".into())],
        r#"{"error":{"message":"Rate limit reached"}}"#.into(),
    ));
    server.push(Reply::Status(
        503,
        vec![("retry-after", "0".into())],
        r#"{"error":{"message":"overloaded"}}"#.into(),
    ));
    server.push(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &openai_provider(&server, ""), 1);
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.received().len(), 3);
    let rec = &records[0];
    assert!(rec.error.is_none());
    assert_eq!(rec.timing.attempts, 3);
    assert!(
        (300.0..400.0).contains(&rec.timing.retry_wait_ms),
        "{}",
        rec.timing.retry_wait_ms
    );
    // The waiting is not latency: the successful attempt alone is timed.
    assert!(rec.timing.total_ms.unwrap() < 250.0, "{:?}", rec.timing);
}

#[test]
fn client_errors_are_not_retried_and_keep_the_vendors_message() {
    let server = VendorServer::start();
    server.otherwise(Reply::Status(
        401,
        vec![],
        format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let suite = suite(tmp.path(), &openai_provider(&server, ""), 2);
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(
        out.status.success(),
        "failed cases are data: {}",
        stderr(&out)
    );
    assert_eq!(server.received().len(), 2, "one attempt per case");
    for rec in &records {
        let e = rec.error.as_ref().unwrap();
        assert_eq!(serde_json::to_value(e.kind).unwrap(), "auth");
        assert!(
            e.message.contains("Incorrect API key provided: [REDACTED]"),
            "{}",
            e.message
        );
        assert_eq!(rec.output, None);
        assert!(!rec.passed);
        assert_eq!(rec.timing.attempts, 1);
    }
    assert_no_leak(tmp.path(), &out);
}

#[test]
fn streams_cut_short_reset_or_malformed_are_server_faults_retried_then_recorded() {
    let server = VendorServer::start();
    // Case 1: cut short (no [DONE]) once, then fine.
    server.push(Reply::sse(&openai_stream(&["hel"], (5, 1, 0), false)));
    server.push(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let suite_path = suite(tmp.path(), &openai_provider(&server, "    retries: 1\n"), 1);
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records[0].timing.attempts, 2);
    assert_eq!(records[0].output.as_deref(), Some("hello"));

    // Reset mid-stream, then malformed JSON: retries run out, recorded as the last fault.
    let server = VendorServer::start();
    let mut partial = openai_stream(&["hel"], (5, 1, 0), false);
    partial.truncate(2);
    server.push(Reply::StreamThenReset(
        partial.into_iter().map(|e| (Duration::ZERO, e)).collect(),
    ));
    server.push(Reply::Status(200, vec![], "{\"choices\": [".into()));
    let tmp = tempfile::tempdir().unwrap();
    let suite_path = suite(
        tmp.path(),
        &openai_provider(&server, "    retries: 1\n    stream: false\n"),
        1,
    );
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let rec = &records[0];
    assert_eq!(rec.timing.attempts, 2);
    assert_eq!(
        serde_json::to_value(rec.error.as_ref().unwrap().kind).unwrap(),
        "invalid_response"
    );
}

#[test]
fn a_slow_first_byte_times_out() {
    let server = VendorServer::start();
    server.otherwise(Reply::Delayed(
        Duration::from_millis(1500),
        Box::new(Reply::json(openai_json("late", (1, 1, 0)))),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let suite_path = suite(
        tmp.path(),
        &openai_provider(&server, "    timeout_s: 0.3\n    retries: 0\n"),
        1,
    );
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        serde_json::to_value(records[0].error.as_ref().unwrap().kind).unwrap(),
        "timeout"
    );
}

#[test]
fn the_first_byte_timeout_gives_up_on_a_silent_server_well_before_the_total() {
    let server = VendorServer::start();
    server.push(Reply::Delayed(
        Duration::from_millis(3000),
        Box::new(Reply::sse(&openai_stream(&["late"], (1, 1, 0), true))),
    ));
    server.push(Reply::sse(&openai_stream(&["on time"], (1, 2, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let suite_path = suite(
        tmp.path(),
        &openai_provider(
            &server,
            "    timeout_s: 30\n    first_byte_timeout_s: 0.3\n    retries: 1\n",
        ),
        1,
    );
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    // Within the 30 s total the late answer would have been taken; the first-byte limit gave up
    // on it and the retry got the second.
    let rec = &records[0];
    assert_eq!(rec.output.as_deref(), Some("on time"), "{:?}", rec.error);
    assert_eq!(rec.timing.attempts, 2);
}

#[test]
fn each_repeat_sends_the_next_seed() {
    let server = VendorServer::start();
    for _ in 0..3 {
        server.push(Reply::sse(&openai_stream(&["hello"], (1, 1, 0), true)));
    }
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "version: 1\nname: seeds\nproviders:\n  remote:\n{}    concurrency: 1\n\
         defaults:\n  temperature: 0.7\n  seed: 7\n  repeats: 3\nprompt:\n  user: hi\ncases:\n  - vars: {{}}\n",
        openai_provider(&server, "")
    );
    let suite_path = tmp.path().join("suite.yaml");
    std::fs::write(&suite_path, text).unwrap();
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut seeds: Vec<u64> = server
        .received()
        .iter()
        .map(|r| r.json()["seed"].as_u64().unwrap())
        .collect();
    seeds.sort_unstable();
    assert_eq!(seeds, [7, 8, 9]);
    // Different requests, so different hashes: a cassette keeps each repeat's answer apart.
    let mut hashes: Vec<&str> = records.iter().map(|r| r.request_hash.as_str()).collect();
    hashes.dedup();
    assert_eq!(hashes.len(), 3);
}

#[test]
fn azure_uses_its_deployment_url_api_key_header_and_api_version() {
    let server = VendorServer::start();
    server.push(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "    kind: azure-openai\n    base_url: {}\n    deployment: gpt4o-prod\n    api_version: \"2024-10-21\"\n    api_key_env: TEST_VENDOR_KEY\n",
        server.base
    );
    let (out, _) = run(tmp.path(), &suite(tmp.path(), &provider, 1), Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &server.received()[0];
    assert_eq!(
        r.target,
        "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(r.header("api-key"), Some(KEY));
    assert!(r.header("authorization").is_none());
    assert!(r.json().get("model").is_none());
}

#[test]
fn openai_compatible_engines_need_no_key_and_get_extra_body() {
    let server = VendorServer::start();
    server.push(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "    kind: openai-compatible\n    base_url: {}/v1\n    model: llama\n    extra_body: {{top_k: 20, repetition_penalty: 1.1}}\n",
        server.base
    );
    let (out, _) = run(tmp.path(), &suite(tmp.path(), &provider, 1), None);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &server.received()[0];
    assert!(r.header("authorization").is_none());
    let body = r.json();
    assert_eq!(body["max_tokens"], 20);
    assert_eq!(body["top_k"], 20);
    assert_eq!(body["repetition_penalty"], 1.1);
}

#[test]
fn a_missing_key_is_reported_before_the_run_naming_the_variable() {
    let server = VendorServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (out, records) = run(
        tmp.path(),
        &suite(tmp.path(), &openai_provider(&server, ""), 1),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("TEST_VENDOR_KEY is not set"),
        "{}",
        stderr(&out)
    );
    assert!(records.is_empty());
    assert!(server.received().is_empty());

    // .env in the working directory is honoured.
    std::fs::write(tmp.path().join(".env"), format!("TEST_VENDOR_KEY={KEY}\n")).unwrap();
    server.push(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let (out, records) = run(
        tmp.path(),
        &suite(tmp.path(), &openai_provider(&server, ""), 1),
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 1);
    assert_no_leak(tmp.path(), &out);
}

#[test]
fn resume_finishes_a_killed_run_without_redoing_or_duplicating_records() {
    let server = VendorServer::start();
    server.otherwise(Reply::sse(&openai_stream(&["hello"], (5, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    let suite_path = suite(tmp.path(), &openai_provider(&server, ""), 4);
    let (out, records) = run(tmp.path(), &suite_path, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 4);

    // As a kill -9 would leave it: two whole records and a third cut off mid-write.
    let records_path = tmp.path().join("run/records.jsonl");
    let text = std::fs::read_to_string(&records_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept = [lines[0], lines[1]];
    std::fs::write(
        &records_path,
        format!(
            "{}\n{}\n{}",
            kept[0],
            kept[1],
            &lines[2][..lines[2].len() / 2]
        ),
    )
    .unwrap();
    let before = server.received().len();

    let resume = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
            .args(["run", suite_path.to_str().unwrap(), "--resume", "run"])
            .current_dir(tmp.path())
            .env("TEST_VENDOR_KEY", KEY)
            .output()
            .unwrap()
    };
    let out = resume();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        server.received().len() - before,
        2,
        "only the cut-off and the missing case are redone"
    );
    let resumed = read_records(&records_path).unwrap();
    assert_eq!(resumed.len(), 4);
    let mut ids: Vec<_> = resumed.iter().map(|r| r.case_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    assert_eq!(
        std::fs::read_to_string(&records_path)
            .unwrap()
            .lines()
            .count(),
        4
    );
    assert!(std::fs::read_to_string(&records_path)
        .unwrap()
        .starts_with(&format!("{}\n{}\n", kept[0], kept[1])));
    assert!(resumed.iter().all(|r| r.run_id == resumed[0].run_id));

    // A damaged record that is not a cut-off last line is not guessed at: its line is named.
    std::fs::write(&records_path, format!("{}\n{{\"broken\": 1}}\n", kept[0])).unwrap();
    let out = resume();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("records.jsonl:2: not a valid record"),
        "{}",
        stderr(&out)
    );

    // A changed suite cannot resume the run.
    std::fs::write(
        &suite_path,
        std::fs::read_to_string(&suite_path)
            .unwrap()
            .replace("Be brief.", "Be terse."),
    )
    .unwrap();
    let out = resume();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("changed since the run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_spent_vendor_limit_holds_the_next_call_until_its_reset() {
    let server = VendorServer::start();
    // The first answer says no request is left for 800 ms; the second call must wait for it.
    server.push(Reply::Status(
        200,
        vec![
            ("x-ratelimit-remaining-requests", "0".into()),
            ("x-ratelimit-reset-requests", "800ms".into()),
            ("content-type", "application/json".into()),
        ],
        openai_json("hello", (5, 1, 0)).to_string(),
    ));
    server.otherwise(Reply::json(openai_json("hello", (5, 1, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let provider = openai_provider(&server, "    stream: false\n    concurrency: 1\n");
    let suite = suite(tmp.path(), &provider, 2);
    let (out, records) = run(tmp.path(), &suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let started =
        |i: usize| chrono::DateTime::parse_from_rfc3339(&records[i].timing.started_at).unwrap();
    let gap = (started(1) - started(0)).num_milliseconds();
    assert!(
        gap >= 800,
        "the second call started {gap} ms after the first"
    );
    assert!(records.iter().all(|r| r.passed && r.timing.attempts == 1));
    assert!(
        records[1].timing.total_ms.unwrap() < 800.0,
        "the hold is not latency"
    );
}

#[test]
fn a_dataset_changed_during_the_run_stops_it_naming_the_file() {
    let server = VendorServer::start();
    // The first answer takes a while: time to change the second file before the run reads it.
    server.push(Reply::Delayed(
        Duration::from_millis(1500),
        Box::new(Reply::sse(&openai_stream(&["hello"], (1, 1, 0), true))),
    ));
    server.otherwise(Reply::sse(&openai_stream(&["hello"], (1, 1, 0), true)));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.jsonl"), "{\"q\": \"first\"}\n").unwrap();
    std::fs::write(tmp.path().join("b.jsonl"), "{\"q\": \"second\"}\n").unwrap();
    let text = format!(
        "version: 1\nname: changed\nproviders:\n  remote:\n{}    concurrency: 1\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - file: a.jsonl\n  - file: b.jsonl\n",
        openai_provider(&server, "")
    );
    std::fs::write(tmp.path().join("suite.yaml"), text).unwrap();
    let out_dir = tmp.path().join("run");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(["run", "suite.yaml", "--out", out_dir.to_str().unwrap()])
        .current_dir(tmp.path())
        .env("TEST_VENDOR_KEY", KEY)
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while server.received().is_empty() {
        assert!(waited.elapsed() < Duration::from_secs(60), "no call came");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A row the suite was never checked with: it must not be sent.
    std::fs::write(
        tmp.path().join("b.jsonl"),
        "{\"q\": \"second\"}\n{\"other\": 1}\n",
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("b.jsonl: changed since the suite was loaded"),
        "{err}"
    );
    assert!(
        err.contains("1 record(s) completed before it are kept"),
        "{err}"
    );
    assert_eq!(
        server.received().len(),
        1,
        "nothing read from the changed file was sent"
    );
    let records = read_records(&out_dir.join("records.jsonl")).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].output.as_deref(), Some("hello"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "interrupted");
}
