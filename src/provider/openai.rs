//! `kind: openai`, `azure-openai` and `openai-compatible` (vLLM, TGI, llama.cpp, Ollama, LM
//! Studio): the Chat Completions wire format, streamed (SSE, usage via `stream_options`) or not.

use serde_json::{json, Map, Value};

use super::http::{self, Connection, KeyHeader, Settings, StreamReader};
use super::sse::SseEvent;
use super::{Completion, ErrorKind, Provider, ProviderError};
use crate::chat::{ChatRequest, Message, ResponseFormat, Role, ToolCall, ToolChoice, Usage};
use crate::suite::ProviderKind;

/// Which dialect of the format an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    Azure,
    Compatible,
}

pub struct OpenAiProvider {
    flavor: Flavor,
    url: String,
    /// Sent as the `model` field (not for Azure, whose deployment is in the URL).
    model: Option<String>,
    extra_body: Map<String, Value>,
    connection: Connection,
}

/// What only this format's dialects take, beside the common `Settings`.
#[derive(Default)]
pub struct Dialect {
    pub kind: Option<ProviderKind>,
    /// azure-openai: the deployment and the `api-version` query parameter.
    pub deployment: Option<String>,
    pub api_version: Option<String>,
    /// openai-compatible: fields merged into every request body.
    pub extra_body: Map<String, Value>,
}

impl OpenAiProvider {
    pub fn new(s: Settings, d: Dialect) -> Result<Self, ProviderError> {
        let base = s.base_url.trim_end_matches('/');
        let (flavor, url) = match d.kind.unwrap_or(ProviderKind::Openai) {
            ProviderKind::AzureOpenai => {
                let deployment = d.deployment.as_deref().unwrap_or_default();
                let version = d.api_version.as_deref().unwrap_or(AZURE_API_VERSION);
                (Flavor::Azure, format!("{base}/openai/deployments/{deployment}/chat/completions?api-version={version}"))
            }
            ProviderKind::OpenaiCompatible => {
                (Flavor::Compatible, format!("{base}/chat/completions"))
            }
            _ => (Flavor::OpenAi, format!("{base}/chat/completions")),
        };
        Ok(Self {
            flavor,
            url,
            connection: Connection::new(&s)?,
            model: s.model.filter(|_| flavor != Flavor::Azure),
            extra_body: d.extra_body,
        })
    }

    /// The request body for `request`, as this endpoint expects it.
    pub fn body(&self, request: &ChatRequest) -> Value {
        let mut body = Map::new();
        if let Some(model) = &self.model {
            body.insert("model".into(), json!(model));
        }
        body.insert(
            "messages".into(),
            Value::Array(request.messages.iter().map(message).collect()),
        );
        let s = &request.sampling;
        body.insert("temperature".into(), json!(s.temperature));
        if let Some(p) = s.top_p {
            body.insert("top_p".into(), json!(p));
        }
        // OpenAI's newer models refuse `max_tokens`; engines that copy the API know `max_tokens`.
        let max_field = if self.flavor == Flavor::Compatible {
            "max_tokens"
        } else {
            "max_completion_tokens"
        };
        body.insert(max_field.into(), json!(s.max_tokens));
        if let Some(seed) = s.seed {
            body.insert("seed".into(), json!(seed));
        }
        if !s.stop.is_empty() {
            body.insert("stop".into(), json!(s.stop));
        }
        if !request.tools.is_empty() {
            let tools: Vec<Value> = request
                .tools
                .iter()
                .map(|t| {
                    let mut f = json!({"name": t.name, "parameters": t.parameters});
                    if let Some(d) = &t.description {
                        f["description"] = json!(d);
                    }
                    json!({"type": "function", "function": f})
                })
                .collect();
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(choice) = &request.tool_choice {
            let v = match choice {
                ToolChoice::Auto => json!("auto"),
                ToolChoice::None => json!("none"),
                ToolChoice::Required => json!("required"),
                ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
            };
            body.insert("tool_choice".into(), v);
        }
        match &request.response_format {
            None | Some(ResponseFormat::Text) => {}
            Some(ResponseFormat::JsonObject) => {
                body.insert("response_format".into(), json!({"type": "json_object"}));
            }
            Some(ResponseFormat::JsonSchema {
                name,
                schema,
                strict,
            }) => {
                body.insert(
                    "response_format".into(),
                    json!({"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": strict}}),
                );
            }
        }
        if self.connection.stream {
            body.insert("stream".into(), json!(true));
            body.insert("stream_options".into(), json!({"include_usage": true}));
        }
        for (k, v) in &self.extra_body {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }
}

/// The API version used when a suite names none.
pub const AZURE_API_VERSION: &str = "2024-10-21";

fn message(m: &Message) -> Value {
    let mut v = json!({"role": m.role.as_str(), "content": m.content});
    if m.role == Role::Assistant && !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
        if m.content.is_empty() {
            v["content"] = Value::Null;
        }
    }
    if let Some(id) = &m.tool_call_id {
        v["tool_call_id"] = json!(id);
    }
    v
}

fn usage(v: &Value) -> Usage {
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        input_tokens: n("/prompt_tokens"),
        output_tokens: n("/completion_tokens"),
        cached_input_tokens: n("/prompt_tokens_details/cached_tokens"),
    }
}

/// An error object in a successful (200) response: engines and proxies report failures
/// mid-stream this way, and some in a whole body too. The server's fault: worth another try.
fn engine_error(err: &Value, whereabouts: &str) -> ProviderError {
    let msg = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    ProviderError::new(ErrorKind::Server, format!("error in {whereabouts}: {msg}"))
}

/// A non-streamed response body.
pub fn parse_response(body: &str, total_ms: f64) -> Result<Completion, ProviderError> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| http::invalid(format!("not JSON ({e})")))?;
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        return Err(engine_error(err, "response"));
    }
    let choice = v
        .pointer("/choices/0")
        .ok_or_else(|| http::invalid("no choices"))?;
    let msg = choice
        .get("message")
        .ok_or_else(|| http::invalid("no message in choices[0]"))?;
    let tool_calls = msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|c| ToolCall {
                    id: c["id"].as_str().unwrap_or_default().into(),
                    name: c
                        .pointer("/function/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                    arguments: c
                        .pointer("/function/arguments")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Completion {
        quota: None,
        text: msg
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        tool_calls,
        finish_reason: choice["finish_reason"].as_str().unwrap_or("stop").into(),
        usage: v.get("usage").map(usage).unwrap_or_default(),
        ttft_ms: total_ms,
        output_at_ms: vec![total_ms],
        total_ms,
    })
}

/// What the SSE chunks have said so far.
#[derive(Default)]
pub struct StreamState {
    text: String,
    /// Tool calls by their index in the stream; arguments arrive in pieces.
    tool_calls: Vec<ToolCall>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

impl StreamReader for StreamState {
    fn output_size(&self) -> usize {
        self.text.len()
            + (self.tool_calls.iter())
                .map(|c| c.name.len() + c.arguments.len())
                .sum::<usize>()
    }

    /// Applies one event; `true` at the closing `[DONE]`.
    fn apply(&mut self, event: &SseEvent) -> Result<bool, ProviderError> {
        if event.data.trim() == "[DONE]" {
            return Ok(true);
        }
        let Some(v) = event.json("stream chunk")? else {
            return Ok(false);
        };
        if let Some(err) = v.get("error") {
            return Err(engine_error(err, "stream"));
        }
        if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
            self.usage = Some(usage(u));
        }
        if let Some(choice) = v.pointer("/choices/0") {
            if let Some(t) = choice.pointer("/delta/content").and_then(Value::as_str) {
                self.text.push_str(t);
            }
            if let Some(calls) = choice
                .pointer("/delta/tool_calls")
                .and_then(Value::as_array)
            {
                for c in calls {
                    let index = c["index"].as_u64().unwrap_or(0) as usize;
                    while self.tool_calls.len() <= index {
                        self.tool_calls.push(ToolCall {
                            id: String::new(),
                            name: String::new(),
                            arguments: String::new(),
                        });
                    }
                    let call = &mut self.tool_calls[index];
                    if let Some(id) = c["id"].as_str() {
                        call.id = id.into();
                    }
                    if let Some(name) = c.pointer("/function/name").and_then(Value::as_str) {
                        call.name.push_str(name);
                    }
                    if let Some(args) = c.pointer("/function/arguments").and_then(Value::as_str) {
                        call.arguments.push_str(args);
                    }
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.finish_reason = Some(reason.into());
            }
        }
        Ok(false)
    }

    fn finish(self, ttft_ms: f64, total_ms: f64) -> Result<Completion, ProviderError> {
        let finish_reason = self
            .finish_reason
            .ok_or_else(|| http::invalid("the stream gave no finish_reason"))?;
        Ok(Completion {
            quota: None,
            text: self.text,
            tool_calls: self.tool_calls,
            finish_reason: finish_reason.into(),
            // An engine that ignores stream_options sends no usage: counts stay 0 rather than guessed.
            usage: self.usage.unwrap_or_default(),
            ttft_ms,
            total_ms,
            output_at_ms: vec![total_ms],
        })
    }
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let key = match self.flavor {
            Flavor::Azure => KeyHeader::Named("api-key"),
            _ => KeyHeader::Bearer,
        };
        let builder = self.connection.post(&self.url, &self.body(request), key)?;
        (self.connection)
            .exchange(builder, StreamState::default, parse_response)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::http::Timeouts;
    use super::*;
    use crate::chat::{fixtures, Tool};

    fn provider(kind: ProviderKind, stream: bool) -> OpenAiProvider {
        let settings = Settings {
            base_url: "http://127.0.0.1:1/v1/".into(),
            model: Some("m".into()),
            api_key: None,
            stream,
            timeouts: Timeouts::new(5.0, None),
        };
        let dialect = Dialect {
            kind: Some(kind),
            deployment: Some("dep".into()),
            ..Dialect::default()
        };
        OpenAiProvider::new(settings, dialect).unwrap()
    }

    fn request() -> ChatRequest {
        let sampling = fixtures::sampling();
        let mut r = ChatRequest::new(
            vec![
                Message::new(Role::System, "s"),
                Message::new(Role::User, "u"),
            ],
            sampling,
        );
        r.tools = vec![Tool {
            name: "lookup".into(),
            description: None,
            parameters: json!({"type": "object"}),
        }];
        r.tool_choice = Some(ToolChoice::Tool("lookup".into()));
        r.response_format = Some(ResponseFormat::JsonObject);
        r
    }

    #[test]
    fn bodies_follow_each_flavor() {
        let body = provider(ProviderKind::Openai, true).body(&request());
        assert_eq!(
            body,
            json!({
                "model": "m",
                "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                "temperature": 0.0, "top_p": 0.9f32, "max_completion_tokens": 16, "seed": 7, "stop": ["\n"],
                "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
                "tool_choice": {"type": "function", "function": {"name": "lookup"}},
                "response_format": {"type": "json_object"},
                "stream": true, "stream_options": {"include_usage": true}
            })
        );
        let azure = provider(ProviderKind::AzureOpenai, false);
        assert_eq!(
            azure.url,
            "http://127.0.0.1:1/v1/openai/deployments/dep/chat/completions?api-version=2024-10-21"
        );
        assert!(azure.body(&request()).get("model").is_none());
        let compatible = provider(ProviderKind::OpenaiCompatible, false).body(&request());
        assert_eq!(compatible["max_tokens"], 16);
        assert!(compatible.get("stream").is_none());
    }

    #[test]
    fn streamed_chunks_assemble_text_tool_calls_and_usage() {
        let mut s = StreamState::default();
        let chunks = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}"#,
        ];
        for c in chunks {
            assert!(!s
                .apply(&SseEvent {
                    event: None,
                    data: c.into()
                })
                .unwrap());
        }
        assert!(s
            .apply(&SseEvent {
                event: None,
                data: "[DONE]".into()
            })
            .unwrap());
        let c = s.finish(100.0, 100.0).unwrap();
        assert_eq!(c.text, "Hello");
        assert_eq!(
            c.tool_calls,
            vec![ToolCall {
                id: "c1".into(),
                name: "f".into(),
                arguments: "{\"a\":1}".into()
            }]
        );
        assert_eq!(c.finish_reason, "tool_calls");
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 10,
                output_tokens: 3,
                cached_input_tokens: 4
            }
        );
    }

    #[test]
    fn malformed_bodies_are_invalid_responses() {
        assert_eq!(
            parse_response("{", 1.0).unwrap_err().kind,
            ErrorKind::InvalidResponse
        );
        assert_eq!(
            parse_response(r#"{"choices":[]}"#, 1.0).unwrap_err().kind,
            ErrorKind::InvalidResponse
        );
        let mut s = StreamState::default();
        assert_eq!(
            s.apply(&SseEvent {
                event: None,
                data: "{nope".into()
            })
            .unwrap_err()
            .kind,
            ErrorKind::InvalidResponse
        );
    }

    #[test]
    fn an_error_object_in_a_whole_body_is_the_servers_and_keeps_its_message() {
        // Found by the soak: it was recorded as "malformed response: no choices".
        let err = parse_response(r#"{"error": {"message": "model overloaded"}}"#, 1.0).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Server);
        assert_eq!(err.message, "error in response: model overloaded");
    }
}
