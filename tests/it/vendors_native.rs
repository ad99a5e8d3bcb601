//! Anthropic's and Gemini's own wire formats through the binary against the loopback server:
//! their URLs, headers, streamed events and usage (cached input included).

use crate::common::{run_suite as run, stderr};
use crate::vendor_server::{Reply, VendorServer};
use crate::vendors::{assert_no_leak, suite, KEY};

fn sse_events(events: &[(&str, serde_json::Value)]) -> Vec<String> {
    events
        .iter()
        .map(|(name, data)| {
            if name.is_empty() {
                format!("data: {data}\n\n")
            } else {
                format!("event: {name}\ndata: {data}\n\n")
            }
        })
        .collect()
}

#[test]
fn anthropic_streaming_sends_its_headers_and_counts_cached_input() {
    use serde_json::json;
    let server = VendorServer::start();
    server.push(Reply::Status(
        529,
        vec![],
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.into(),
    ));
    server.push(Reply::sse(&sse_events(&[
        ("message_start", json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 30, "cache_creation_input_tokens": 2, "output_tokens": 1}}})),
        ("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
        ("ping", json!({"type": "ping"})),
        ("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hello"}})),
        ("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " there"}})),
        ("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
        ("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}})),
        ("message_stop", json!({"type": "message_stop"})),
    ])));
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "    kind: anthropic\n    model: claude-3-5-haiku-20241022\n    base_url: {}\n    api_key_env: TEST_VENDOR_KEY\n",
        server.base
    );
    let (out, records) = run(tmp.path(), &suite(tmp.path(), &provider, 1), Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let got = server.received();
    assert_eq!(got.len(), 2, "529 overloaded is retried");
    let r = &got[1];
    assert_eq!(r.target, "/v1/messages");
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    let body = r.json();
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(body["max_tokens"], 20);
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "question 0"}])
    );
    assert_eq!(body["stream"], true);
    let rec = &records[0];
    assert_eq!(rec.output.as_deref(), Some("hello there"));
    assert_eq!(
        (
            rec.usage.input_tokens,
            rec.usage.cached_input_tokens,
            rec.usage.output_tokens
        ),
        (42, 30, 4)
    );
    assert_eq!(rec.timing.attempts, 2);
    assert_no_leak(tmp.path(), &out);
}

#[test]
fn gemini_streaming_uses_its_url_and_header_and_needs_a_finish_reason() {
    use serde_json::json;
    let server = VendorServer::start();
    let chunk = |text: &str, finish: Option<&str>| {
        let mut candidate =
            json!({"content": {"role": "model", "parts": [{"text": text}]}, "index": 0});
        if let Some(f) = finish {
            candidate["finishReason"] = json!(f);
        }
        json!({"candidates": [candidate], "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3, "cachedContentTokenCount": 8}})
    };
    // Cut short (no finishReason) first: retried.
    server.push(Reply::sse(&sse_events(&[("", chunk("hel", None))])));
    server.push(Reply::sse(&sse_events(&[
        ("", chunk("hel", None)),
        ("", chunk("lo", Some("STOP"))),
    ])));
    let tmp = tempfile::tempdir().unwrap();
    let provider = format!(
        "    kind: gemini\n    model: gemini-2.0-flash\n    base_url: {}\n    api_key_env: TEST_VENDOR_KEY\n    retries: 1\n",
        server.base
    );
    let (out, records) = run(tmp.path(), &suite(tmp.path(), &provider, 1), Some(KEY));
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &server.received()[1];
    assert_eq!(
        r.target,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(r.header("x-goog-api-key"), Some(KEY));
    let body = r.json();
    assert_eq!(
        body["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}]})
    );
    assert_eq!(
        body["contents"],
        json!([{"role": "user", "parts": [{"text": "question 0"}]}])
    );
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 20);
    let rec = &records[0];
    assert_eq!(rec.output.as_deref(), Some("hello"));
    assert_eq!(rec.timing.attempts, 2);
    assert_eq!(
        (
            rec.usage.input_tokens,
            rec.usage.cached_input_tokens,
            rec.usage.output_tokens
        ),
        (12, 8, 3)
    );
    assert_no_leak(tmp.path(), &out);
}
