use super::http::Timeouts;
use super::*;
use crate::chat::{fixtures, Tool};

fn provider(stream: bool) -> AnthropicProvider {
    AnthropicProvider::new(Settings {
        base_url: "http://127.0.0.1:1/".into(),
        model: Some("claude-x".into()),
        api_key: Some("sk-ant-secret".into()),
        stream,
        timeouts: Timeouts::new(5.0, None),
    })
    .unwrap()
}

fn call(id: &str, arguments: &str) -> ToolCall {
    fixtures::call(id, "lookup", arguments)
}

/// A replayed tool-using conversation: system, user, an assistant turn with two calls (one
/// with arguments that are not JSON), and both results.
fn request() -> ChatRequest {
    let sampling = fixtures::sampling();
    let mut assistant = Message::new(Role::Assistant, "Looking.");
    assistant.tool_calls = vec![call("c1", r#"{"q": "x"}"#), call("c2", "{\"q\":")];
    let mut r1 = Message::new(Role::Tool, "r1");
    r1.tool_call_id = Some("c1".into());
    let mut r2 = Message::new(Role::Tool, "r2");
    r2.tool_call_id = Some("c2".into());
    let mut r = ChatRequest::new(
        vec![
            Message::new(Role::System, "s"),
            Message::new(Role::User, "u"),
            assistant,
            r1,
            r2,
            Message::new(Role::User, "and?"),
        ],
        sampling,
    );
    r.tools = vec![Tool {
        name: "lookup".into(),
        description: Some("Finds things".into()),
        parameters: json!({"type": "object"}),
    }];
    r.tool_choice = Some(ToolChoice::Required);
    r.response_format = Some(ResponseFormat::JsonObject);
    r
}

#[test]
fn body_translates_system_tool_turns_tools_and_json_object() {
    assert_eq!(
        provider(true).body(&request()),
        json!({
            "model": "claude-x",
            "max_tokens": 16,
            "system": "s\n\nRespond with a single JSON object and nothing else.",
            "messages": [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Looking."},
                    {"type": "tool_use", "id": "c1", "name": "lookup", "input": {"q": "x"}},
                    {"type": "tool_use", "id": "c2", "name": "lookup", "input": {}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "c1", "content": "r1"},
                    {"type": "tool_result", "tool_use_id": "c2", "content": "r2"},
                    {"type": "text", "text": "and?"},
                ]},
            ],
            "temperature": 0.0, "stop_sequences": ["\n"],
            "tools": [{"name": "lookup", "description": "Finds things", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "any"},
            "stream": true
        })
    );
    let p = provider(false);
    assert_eq!(p.url, "http://127.0.0.1:1/v1/messages");
    // At the API's default temperature, top_p is the knob the suite turned: sent alone.
    let mut by_top_p = request();
    by_top_p.sampling.temperature = 1.0;
    let body = p.body(&by_top_p);
    assert_eq!(body["top_p"], json!(0.9f32));
    assert!(body.get("temperature").is_none());
    let mut plain = ChatRequest::new(vec![Message::new(Role::User, "u")], request().sampling);
    plain.tool_choice = Some(ToolChoice::None);
    let body = p.body(&plain);
    assert!(body.get("system").is_none() && body.get("stream").is_none());
    assert!(body.get("tools").is_none());
    assert_eq!(body["tool_choice"], json!({"type": "none"}));
    plain.tool_choice = Some(ToolChoice::Tool("lookup".into()));
    assert_eq!(
        p.body(&plain)["tool_choice"],
        json!({"type": "tool", "name": "lookup"})
    );
    plain.tool_choice = Some(ToolChoice::Auto);
    assert_eq!(p.body(&plain)["tool_choice"], json!({"type": "auto"}));
}

#[test]
fn json_schema_is_a_forced_tool_whose_input_is_the_text() {
    let mut r = request();
    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}});
    r.response_format = Some(ResponseFormat::JsonSchema {
        name: "answer".into(),
        schema: schema.clone(),
        strict: true,
    });
    let body = provider(false).body(&r);
    assert_eq!(body["system"], "s");
    assert_eq!(
        body["tools"],
        json!([
            {"name": "lookup", "description": "Finds things", "input_schema": {"type": "object"}},
            {"name": "answer", "input_schema": schema},
        ])
    );
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "answer"})
    );

    let response = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
        "content":[{"type":"tool_use","id":"toolu_1","name":"answer","input":{"answer": "42"}}],
        "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":9}}"#;
    let c = parse_response(response, Some("answer"), 10.0).unwrap();
    assert_eq!(c.text, r#"{"answer":"42"}"#);
    assert!(c.tool_calls.is_empty());
    assert_eq!(c.finish_reason, "stop");
    // Without a schema the same block is an ordinary call.
    let c = parse_response(response, None, 10.0).unwrap();
    assert_eq!(c.text, "");
    assert_eq!(c.finish_reason, "tool_calls");
    assert_eq!(c.tool_calls.len(), 1);
}

#[test]
fn non_streamed_bodies_parse_text_tool_use_and_cached_usage() {
    let body = r#"{
      "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant", "model": "claude-x",
      "content": [
        {"type": "text", "text": "I'll check "},
        {"type": "text", "text": "the weather."},
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
         "input": {"location": "San Francisco, CA", "unit": "celsius"}}
      ],
      "stop_reason": "tool_use", "stop_sequence": null,
      "usage": {"input_tokens": 100, "cache_creation_input_tokens": 20,
                "cache_read_input_tokens": 50, "output_tokens": 30}
    }"#;
    let c = parse_response(body, None, 12.0).unwrap();
    assert_eq!(c.text, "I'll check the weather.");
    assert_eq!(
        c.tool_calls,
        vec![ToolCall {
            id: "toolu_01A09q90qw90lq917835lq9".into(),
            name: "get_weather".into(),
            arguments: r#"{"location":"San Francisco, CA","unit":"celsius"}"#.into(),
        }]
    );
    assert_eq!(c.finish_reason, "tool_calls");
    assert_eq!(
        c.usage,
        Usage {
            input_tokens: 170,
            output_tokens: 30,
            cached_input_tokens: 50
        }
    );
    assert_eq!((c.ttft_ms, c.total_ms), (12.0, 12.0));
    for (reason, expected) in [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("refusal", "refusal"),
    ] {
        let body = format!(
            r#"{{"content":[{{"type":"text","text":"hi"}}],"stop_reason":"{reason}","usage":{{"input_tokens":1,"output_tokens":1}}}}"#
        );
        assert_eq!(
            parse_response(&body, None, 1.0).unwrap().finish_reason,
            expected
        );
    }
}

/// Runs a raw event stream through the SSE parser and the state, checking that only the
/// last event closes it.
fn replay(raw: &str, schema_tool: Option<&str>) -> StreamState {
    let mut parser = crate::provider::sse::SseParser::default();
    let mut events = parser.push(raw.as_bytes()).unwrap();
    events.extend(parser.finish());
    let mut s = StreamState::new(schema_tool);
    let (last, before) = events.split_last().unwrap();
    for e in before {
        assert!(!s.apply(e).unwrap(), "closed early at {e:?}");
    }
    assert!(s.apply(last).unwrap());
    s
}

#[test]
fn streamed_events_assemble_text_tool_input_and_usage() {
    let raw = r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-x","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":128,"output_tokens":2},"content":[],"stop_reason":null}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the weather."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}
"#;
    let c = replay(raw, None).finish(50.0, 50.0).unwrap();
    assert_eq!(c.text, "Okay, let's check the weather.");
    assert_eq!(
        c.tool_calls,
        vec![
            ToolCall {
                id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6".into(),
                name: "get_weather".into(),
                arguments: r#"{"location":"San Francisco, CA"}"#.into(),
            },
            ToolCall {
                id: "toolu_2".into(),
                name: "get_time".into(),
                arguments: "{}".into(),
            },
        ]
    );
    assert_eq!(c.finish_reason, "tool_calls");
    assert_eq!(
        c.usage,
        Usage {
            input_tokens: 600,
            output_tokens: 89,
            cached_input_tokens: 128
        }
    );
}

#[test]
fn streamed_json_schema_answer_becomes_the_text() {
    let raw = r#"data: {"type":"message_start","message":{"usage":{"input_tokens":10,"output_tokens":1}}}

data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"answer","input":{}}}

data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"answer\": "}}

data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"42\"}"}}

data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}

data: {"type":"message_stop"}"#;
    let c = replay(raw, Some("answer")).finish(5.0, 5.0).unwrap();
    assert_eq!(c.text, r#"{"answer":"42"}"#);
    assert!(c.tool_calls.is_empty());
    assert_eq!(c.finish_reason, "stop");
    assert_eq!(c.usage.output_tokens, 7);
}

#[test]
fn error_events_are_retryable_server_errors() {
    let mut s = StreamState::new(None);
    let e = s
        .apply(&SseEvent {
            event: Some("error".into()),
            data: r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#.into(),
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert!(e.kind.is_retryable());
    assert_eq!(e.message, "overloaded_error: Overloaded");
}

fn invalid<T: std::fmt::Debug>(r: Result<T, ProviderError>) -> ErrorKind {
    r.unwrap_err().kind
}

#[test]
fn malformed_events_and_bodies_are_invalid_responses() {
    assert_eq!(
        invalid(parse_response("{", None, 1.0)),
        ErrorKind::InvalidResponse
    );
    assert_eq!(
        invalid(parse_response(r#"{"type":"message"}"#, None, 1.0)),
        ErrorKind::InvalidResponse
    );
    let mut s = StreamState::new(None);
    let event = |data: &str| SseEvent {
        event: None,
        data: data.into(),
    };
    assert_eq!(
        invalid(s.apply(&event("{nope"))),
        ErrorKind::InvalidResponse
    );
    // A delta for a tool block that never started.
    assert_eq!(
        invalid(s.apply(&event(
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}}"#
        ))),
        ErrorKind::InvalidResponse
    );
    // Closed, but no message_delta ever said why it stopped.
    assert!(s.apply(&event(r#"{"type":"message_stop"}"#)).unwrap());
    assert_eq!(invalid(s.finish(1.0, 1.0)), ErrorKind::InvalidResponse);
}
