//! Keys and URL credentials never reach a record, a report, a log or an error, whatever a vendor
//! echoes back: a streamed error event quoting the key, for every vendor kind, and a password in
//! a `base_url`.

use std::path::Path;

use serde_json::json;

use crate::common::{modelswap, run_suite, stderr, stdout};
use crate::vendor_server::{Reply, VendorServer};

const KEY: &str = "sk-test-STREAMED-LEAK-9876543210";
const PASSWORD: &str = "hunter2-url-password";

/// One provider over one case, no retries (a streamed error event is a server fault).
fn suite(dir: &Path, provider: &str) -> std::path::PathBuf {
    let text = format!(
        "version: 1\nname: leak\nproviders:\n  remote:\n{provider}    retries: 0\n    api_key_env: TEST_VENDOR_KEY\n\
         prompt:\n  user: hi\ncases:\n  - vars: {{}}\nscorers:\n  - type: contains\n    value: x\n"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the suite (with debug logs) and renders every text report of it; nothing the commands
/// printed or wrote holds any of `secrets`. Returns the record's error message.
fn run_and_report(dir: &Path, suite: &Path, secrets: &[&str]) -> String {
    let (out, records) = run_suite(dir, suite, Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let report = modelswap(
        &["report", "run", "--format", "html,md,json,csv,junit"],
        dir,
    );
    assert!(report.status.success(), "{}", stderr(&report));
    let mut texts = vec![stdout(&out), stderr(&out), stdout(&report), stderr(&report)];
    for entry in std::fs::read_dir(dir.join("run")).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for secret in secrets {
        for text in &texts {
            assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
        }
    }
    let error = records[0].error.as_ref().expect("the call failed");
    error.message.clone()
}

#[test]
fn keys_echoed_in_streamed_error_events_are_redacted_for_every_vendor_kind() {
    let openai_error = format!(
        "data: {}\n\n",
        json!({"error": {"message": format!("Incorrect API key provided: {KEY}"), "type": "invalid_request_error"}})
    );
    let anthropic_error = format!(
        "event: error\ndata: {}\n\n",
        json!({"type": "error", "error": {"type": "authentication_error", "message": format!("invalid x-api-key {KEY}")}})
    );
    let gemini_error = format!(
        "data: {}\n\n",
        json!({"error": {"code": 400, "message": format!("API key not valid: {KEY}"), "status": "INVALID_ARGUMENT"}})
    );
    let kinds = [
        (
            "kind: openai\n    model: gpt-4o-mini\n    base_url: {base}/v1\n",
            &openai_error,
        ),
        (
            "kind: azure-openai\n    deployment: dep\n    base_url: {base}\n",
            &openai_error,
        ),
        (
            "kind: openai-compatible\n    model: m\n    base_url: {base}/v1\n",
            &openai_error,
        ),
        (
            "kind: anthropic\n    model: claude-3-5-haiku-20241022\n    base_url: {base}\n",
            &anthropic_error,
        ),
        (
            "kind: gemini\n    model: gemini-2.0-flash\n    base_url: {base}\n",
            &gemini_error,
        ),
    ];
    for (provider, event) in kinds {
        let server = VendorServer::start();
        server.push(Reply::sse(std::slice::from_ref(event)));
        let tmp = tempfile::tempdir().unwrap();
        let provider = format!("    {}", provider.replace("{base}", &server.base));
        let message = run_and_report(tmp.path(), &suite(tmp.path(), &provider), &[KEY]);
        assert!(message.contains("[REDACTED]"), "{provider}: {message}");
    }
}

#[test]
fn a_password_in_base_url_is_kept_out_of_every_file_and_message() {
    let server = VendorServer::start();
    // The engine refuses the call, quoting the URL it was given.
    let echo = format!("bad credentials in http://admin:{PASSWORD}@127.0.0.1/v1");
    server.push(Reply::Status(
        401,
        Vec::new(),
        json!({"error": {"message": echo}}).to_string(),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let base = server
        .base
        .replacen("http://", &format!("http://admin:{PASSWORD}@"), 1);
    let provider = format!("    kind: openai-compatible\n    model: m\n    base_url: {base}/v1\n");
    let message = run_and_report(tmp.path(), &suite(tmp.path(), &provider), &[KEY, PASSWORD]);
    assert!(message.contains("[REDACTED]"), "{message}");
    assert_eq!(server.received().len(), 1, "the engine was called");
}
