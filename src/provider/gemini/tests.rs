use super::http::Timeouts;
use super::*;
use crate::chat::fixtures::{self, call};
use crate::chat::Tool;

fn settings(stream: bool) -> Settings {
    Settings {
        base_url: "http://127.0.0.1:1/".into(),
        model: Some("models/gemini-x".into()),
        api_key: Some("AIza-secret".into()),
        stream,
        timeouts: Timeouts::new(5.0, None),
    }
}

fn provider(stream: bool) -> GeminiProvider {
    GeminiProvider::new(settings(stream)).unwrap()
}

/// A replayed tool-using conversation: system, user, an assistant turn with two calls (one
/// with arguments that are not JSON), and both results (one JSON, one plain text).
fn request() -> ChatRequest {
    let sampling = fixtures::sampling();
    let mut assistant = Message::new(Role::Assistant, "Looking.");
    assistant.tool_calls = vec![
        call("c1", "lookup", r#"{"q": "x"}"#),
        call("c2", "clock", "{\"tz\":"),
    ];
    let mut r1 = Message::new(Role::Tool, r#"{"hits": 2}"#);
    r1.tool_call_id = Some("c1".into());
    let mut r2 = Message::new(Role::Tool, "noon");
    r2.tool_call_id = Some("c2".into());
    let mut r = ChatRequest::new(
        vec![
            Message::new(Role::System, "s1"),
            Message::new(Role::System, "s2"),
            Message::new(Role::User, "u"),
            assistant,
            r1,
            r2,
        ],
        sampling,
    );
    r.tools = vec![Tool {
        name: "lookup".into(),
        description: Some("Finds things".into()),
        parameters: json!({"type": "object"}),
    }];
    r.tool_choice = Some(ToolChoice::Tool("lookup".into()));
    r.response_format = Some(ResponseFormat::JsonSchema {
        name: "answer".into(),
        schema: json!({"type": "object"}),
        strict: false,
    });
    r
}

#[test]
fn gemini_3_gets_the_documented_signature_on_the_first_of_each_turns_calls() {
    for (model, signs) in [
        ("gemini-3-pro-preview", true),
        ("models/gemini-3.1-flash", true),
        ("gemini-2.5-flash", false),
        ("gemini-1.5-pro", false),
        ("gemini-exp-1206", false),
    ] {
        let p = GeminiProvider::new(Settings {
            model: Some(model.into()),
            ..settings(false)
        })
        .unwrap();
        let body = p.body(&request());
        let parts = &body["contents"][1]["parts"];
        assert_eq!(parts[1]["functionCall"]["name"], "lookup");
        let first = parts[1].get("thoughtSignature");
        assert_eq!(first, signs.then_some(&json!(NO_SIGNATURE)), "{model}");
        assert!(parts[2].get("thoughtSignature").is_none(), "{model}");
    }
}

#[test]
fn body_translates_turns_function_calls_and_config() {
    assert_eq!(
        provider(false).body(&request()),
        json!({
            "contents": [
                {"role": "user", "parts": [{"text": "u"}]},
                {"role": "model", "parts": [
                    {"text": "Looking."},
                    {"functionCall": {"name": "lookup", "args": {"q": "x"}}},
                    {"functionCall": {"name": "clock", "args": {}}},
                ]},
                {"role": "user", "parts": [
                    {"functionResponse": {"name": "lookup", "response": {"content": {"hits": 2}}}},
                    {"functionResponse": {"name": "clock", "response": {"content": "noon"}}},
                ]},
            ],
            "systemInstruction": {"parts": [{"text": "s1\n\ns2"}]},
            "generationConfig": {
                "temperature": 0.0, "topP": 0.9f32, "maxOutputTokens": 16, "seed": 7,
                "stopSequences": ["\n"],
                "responseMimeType": "application/json", "responseJsonSchema": {"type": "object"},
            },
            "tools": [{"functionDeclarations": [
                {"name": "lookup", "description": "Finds things", "parametersJsonSchema": {"type": "object"}},
            ]}],
            "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["lookup"]}},
        })
    );
    let mut r = ChatRequest::new(vec![Message::new(Role::User, "u")], request().sampling);
    r.response_format = Some(ResponseFormat::JsonObject);
    r.tool_choice = Some(ToolChoice::Required);
    let body = provider(true).body(&r);
    assert!(body.get("systemInstruction").is_none() && body.get("tools").is_none());
    assert_eq!(
        body["generationConfig"]["responseMimeType"],
        "application/json"
    );
    assert!(body["generationConfig"].get("responseJsonSchema").is_none());
    assert_eq!(
        body["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY"}})
    );
    for (choice, mode) in [(ToolChoice::Auto, "AUTO"), (ToolChoice::None, "NONE")] {
        r.tool_choice = Some(choice);
        assert_eq!(
            provider(false).body(&r)["toolConfig"],
            json!({"functionCallingConfig": {"mode": mode}})
        );
    }
}

#[test]
fn urls_name_the_model_and_never_the_key() {
    let streamed = provider(true);
    assert_eq!(
        streamed.url,
        "http://127.0.0.1:1/v1beta/models/gemini-x:streamGenerateContent?alt=sse"
    );
    let plain = provider(false);
    assert_eq!(
        plain.url,
        "http://127.0.0.1:1/v1beta/models/gemini-x:generateContent"
    );
    assert!(!plain.url.contains("key=") && !streamed.url.contains("key="));
}

#[test]
fn non_streamed_bodies_parse_text_calls_and_usage() {
    let body = r#"{
      "candidates": [{
        "content": {"role": "model", "parts": [
          {"text": "Planning the lookup.", "thought": true},
          {"text": "Let me "},
          {"text": "look."},
          {"functionCall": {"name": "lookup", "args": {"q": "x", "n": 2}}},
          {"functionCall": {"name": "clock", "args": {}}}
        ]},
        "finishReason": "STOP", "index": 0
      }],
      "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 30,
                        "thoughtsTokenCount": 12, "cachedContentTokenCount": 100,
                        "totalTokenCount": 162},
      "modelVersion": "gemini-x"
    }"#;
    let c = parse_response(body, 9.0).unwrap();
    assert_eq!(c.text, "Let me look.");
    assert_eq!(
        c.tool_calls,
        vec![
            call("call_0", "lookup", r#"{"q":"x","n":2}"#),
            call("call_1", "clock", "{}")
        ]
    );
    assert_eq!(c.finish_reason, "tool_calls");
    assert_eq!(
        c.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 42,
            cached_input_tokens: 100
        }
    );
    for (reason, expected) in [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "safety"),
    ] {
        let body = format!(
            r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"text":"hi"}}]}},"finishReason":"{reason}"}}]}}"#
        );
        assert_eq!(parse_response(&body, 1.0).unwrap().finish_reason, expected);
    }
}

#[test]
fn streamed_chunks_assemble_and_close_on_the_finish_reason() {
    let raw = r#"data: {"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-x"}

data: {"candidates": [{"content": {"parts": [{"text": " quick brown fox"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 4,"totalTokenCount": 12},"modelVersion": "gemini-x"}

data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "lookup","args": {"q": "fox"}}}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 9,"totalTokenCount": 17},"modelVersion": "gemini-x"}

data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 11,"thoughtsTokenCount": 3,"cachedContentTokenCount": 5,"totalTokenCount": 22},"modelVersion": "gemini-x"}

"#;
    let mut parser = crate::provider::sse::SseParser::default();
    let mut events = parser.push(raw.as_bytes()).unwrap();
    events.extend(parser.finish());
    assert_eq!(events.len(), 4);
    let mut s = StreamState::default();
    let (last, before) = events.split_last().unwrap();
    for e in before {
        // Cut short here, the stream would have no closing event.
        assert!(!s.apply(e).unwrap(), "closed early at {e:?}");
    }
    assert!(s.output_size() > 0);
    assert!(s.apply(last).unwrap());
    let c = s.finish(30.0, 30.0).unwrap();
    assert_eq!(c.text, "The quick brown fox");
    assert_eq!(
        c.tool_calls,
        vec![call("call_0", "lookup", r#"{"q":"fox"}"#)]
    );
    assert_eq!(c.finish_reason, "tool_calls");
    assert_eq!(
        c.usage,
        Usage {
            input_tokens: 8,
            output_tokens: 14,
            cached_input_tokens: 5
        }
    );
}

#[test]
fn blocked_prompts_are_bad_requests_and_error_chunks_server_errors() {
    let event = |data: &str| SseEvent {
        event: None,
        data: data.into(),
    };
    let mut s = StreamState::default();
    let e = s
        .apply(&event(
            r#"{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []}, "usageMetadata": {"promptTokenCount": 5}}"#,
        ))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(e.message.contains("SAFETY"));
    let e = parse_response(r#"{"promptFeedback": {"blockReason": "OTHER"}}"#, 1.0).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    let e = s
        .apply(&event(
            r#"{"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}"#,
        ))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(e.message, "INTERNAL: An internal error has occurred.");
    assert!(e.kind.is_retryable());
}

fn invalid<T: std::fmt::Debug>(r: Result<T, ProviderError>) -> ErrorKind {
    r.unwrap_err().kind
}

#[test]
fn malformed_chunks_and_bodies_are_invalid_responses() {
    assert_eq!(
        invalid(parse_response("{", 1.0)),
        ErrorKind::InvalidResponse
    );
    assert_eq!(
        invalid(parse_response("{}", 1.0)),
        ErrorKind::InvalidResponse
    );
    let mut s = StreamState::default();
    let e = s.apply(&SseEvent {
        event: None,
        data: r#"{"candidates": [{"content": "#.into(),
    });
    assert_eq!(invalid(e), ErrorKind::InvalidResponse);
    // A stream that never gave a finish reason has no way to finish.
    assert_eq!(
        invalid(StreamState::default().finish(1.0, 1.0)),
        ErrorKind::InvalidResponse
    );
}
