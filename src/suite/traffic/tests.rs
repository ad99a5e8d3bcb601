use super::*;
use serde_json::json;

fn logged(line: &str) -> Request {
    parse_line(line).unwrap().1.into_logged(Vec::new()).unwrap()
}

#[test]
fn a_request_keeps_messages_tools_format_and_sampling() {
    let l = logged(
        &json!({
            "model": "gpt-4o-mini", "temperature": 0.2, "max_completion_tokens": 50, "seed": 3,
            "stop": "END", "stream": true,
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather"}, {"type": "text", "text": "in Paris?"}]},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "18C"}
            ],
            "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "weather"}},
            "response_format": {"type": "json_schema", "json_schema": {"name": "w", "strict": true, "schema": {"type": "object"}}}
        })
        .to_string(),
    );
    assert_eq!(l.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(l.messages.len(), 4);
    assert_eq!(l.messages[0].role, Role::System);
    assert_eq!(l.messages[1].content, "Weather\nin Paris?");
    assert_eq!(l.messages[2].tool_calls[0].name, "weather");
    assert_eq!(l.messages[3].tool_call_id.as_deref(), Some("c1"));
    assert_eq!(l.extras.tools[0].name, "weather");
    assert_eq!(
        l.extras.tool_choice,
        Some(ToolChoice::Tool("weather".into()))
    );
    assert_eq!(
        l.extras.response_format,
        Some(ResponseFormat::JsonSchema {
            name: "w".into(),
            schema: json!({"type": "object"}),
            strict: true
        })
    );
    assert_eq!(l.extras.sampling.temperature, Some(0.2));
    assert_eq!(l.extras.sampling.max_tokens, Some(50));
    assert_eq!(l.extras.sampling.seed, Some(3));
    assert_eq!(l.extras.sampling.stop, Some(vec!["END".to_string()]));
    assert_eq!(l.extras.sampling.top_p, None);
}

#[test]
fn batch_lines_take_their_custom_id_and_body() {
    let (id, body, _, _) = parse_line(
        r#"{"custom_id": "req-7", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 9}}"#,
    )
    .unwrap();
    assert_eq!(id.as_deref(), Some("req-7"));
    assert_eq!(
        body.into_logged(Vec::new())
            .unwrap()
            .extras
            .sampling
            .max_tokens,
        Some(9)
    );
}

#[test]
fn what_cannot_be_replayed_is_named() {
    let err = parse_line(r#"{"custom_id": "e", "url": "/v1/embeddings", "body": {"input": "x"}}"#)
        .err()
        .unwrap();
    assert_eq!(err.0, "url");
    let err = parse_line(r#"{"custom_id": "e", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": 5}]}}"#)
        .err()
        .unwrap();
    assert!(err.0.starts_with("body.messages[0]"), "{err:?}");
    let image = r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "x"}}]}]}"#;
    let l = parse_line(image)
        .unwrap()
        .1
        .into_logged(Vec::new())
        .unwrap();
    assert_eq!(l.extras.media, ["image_url"]);
    assert_eq!(l.messages[0].content, "What is this?");
    let odd = r#"{"messages": [{"role": "user", "content": [{"type": "hologram"}]}]}"#;
    let err = parse_line(odd)
        .unwrap()
        .1
        .into_logged(Vec::new())
        .err()
        .unwrap();
    assert_eq!(err.0, "messages[0].content[0].type");
}

#[test]
fn a_logged_response_comes_with_its_request_and_its_mistakes_are_named() {
    let line = json!({"custom_id": "t1", "tags": ["refunds"],
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        "response": {"model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function",
                "function": {"name": "f", "arguments": "{}"}}]}}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 4}}}});
    let (id, _, logged, tags) = parse_line(&line.to_string()).unwrap();
    assert_eq!(tags, ["refunds"]);
    let r = logged.unwrap().unwrap();
    assert_eq!(id.as_deref(), Some("t1"));
    assert_eq!(r.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!((r.text.as_str(), r.tool_calls[0].name.as_str()), ("", "f"));
    assert_eq!(
        (
            r.usage.input_tokens,
            r.usage.output_tokens,
            r.usage.cached_input_tokens
        ),
        (9, 3, 4)
    );
    let no_response = json!({"request": {"messages": [{"role": "user", "content": "hi"}]}});
    assert_eq!(
        parse_line(&no_response.to_string()).err().unwrap().0,
        "response"
    );
    let empty = json!({"request": {"messages": [{"role": "user", "content": "hi"}]}, "response": {"choices": []}});
    let err = parse_line(&empty.to_string()).err().unwrap();
    assert_eq!(err.0, "response.choices");
    let bad = json!({"request": {"messages": [{"role": "user", "content": 5}]},
        "response": {"choices": [{"message": {"content": "x"}}]}});
    assert!(parse_line(&bad.to_string())
        .err()
        .unwrap()
        .0
        .starts_with("request.messages[0]"));
}

#[test]
fn batch_outputs_join_by_custom_id_and_bad_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let ok = json!({"custom_id": "a", "response": {"status_code": 200, "body": {"choices": [{"message": {"content": "x"}}]}}});
    let refused = json!({"custom_id": "b", "response": {"status_code": 400, "body": {"error": {"message": "bad"}}}});
    std::fs::write(&path, format!("{ok}\n{refused}\n")).unwrap();
    let mut outputs = response::batch_outputs(&path).unwrap();
    assert_eq!(
        response::joined(&mut outputs, Some("a"), &path)
            .unwrap()
            .text,
        "x"
    );
    assert_eq!(
        response::joined(&mut outputs, Some("b"), &path).unwrap_err(),
        "the logged request failed with HTTP 400: bad"
    );
    let missing = response::joined(&mut outputs, Some("c"), &path).unwrap_err();
    assert!(
        missing.ends_with("holds no response with custom_id `c`"),
        "{missing}"
    );
    std::fs::write(&path, format!("{ok}\n{{\"custom_id\": 3}}\n")).unwrap();
    let d = response::batch_outputs(&path).unwrap_err();
    assert_eq!((d.line, d.field.as_deref()), (Some(2), Some("custom_id")));
    std::fs::write(&path, format!("{ok}\n{ok}\n")).unwrap();
    let d = response::batch_outputs(&path).unwrap_err();
    assert!(d.message.contains("`a` appears twice"), "{}", d.message);
}
