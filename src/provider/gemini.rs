//! `kind: gemini`: the Gemini API's `generateContent`, streamed (`streamGenerateContent`, SSE)
//! or not. Each streamed chunk is a whole response, so both paths share one reader.

use serde_json::{json, Map, Value};

use super::http::{self, Connection, KeyHeader, Settings, StreamReader};
use super::sse::SseEvent;
use super::{Completion, ErrorKind, Provider, ProviderError};
use crate::chat::{
    ChatRequest, FinishReason, Message, ResponseFormat, Role, ToolCall, ToolChoice, Usage,
};

pub struct GeminiProvider {
    /// Gemini 3+: replayed calls need a `thoughtSignature` (see `NO_SIGNATURE`).
    signs_calls: bool,
    url: String,
    connection: Connection,
}

impl GeminiProvider {
    pub fn new(s: Settings) -> Result<Self, ProviderError> {
        let base = s.base_url.trim_end_matches('/').to_string();
        // The API's own listings name models `models/…`; the URL adds that prefix itself.
        let model = s.model.as_deref().unwrap_or_default();
        let model = model.strip_prefix("models/").unwrap_or(model).to_owned();
        let url = if s.stream {
            format!("{base}/v1beta/models/{model}:streamGenerateContent?alt=sse")
        } else {
            format!("{base}/v1beta/models/{model}:generateContent")
        };
        Ok(Self {
            signs_calls: signs_calls(&model),
            url,
            connection: Connection::new(&s)?,
        })
    }

    /// The request body for `request`.
    pub fn body(&self, request: &ChatRequest) -> Value {
        let mut body = Map::new();
        body.insert(
            "contents".into(),
            contents(&request.messages, self.signs_calls),
        );
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System && !m.content.is_empty())
            .map(|m| m.content.as_str())
            .collect();
        if !system.is_empty() {
            body.insert(
                "systemInstruction".into(),
                json!({"parts": [{"text": system.join("\n\n")}]}),
            );
        }
        let s = &request.sampling;
        let mut config = Map::new();
        config.insert("temperature".into(), json!(s.temperature));
        if let Some(p) = s.top_p {
            config.insert("topP".into(), json!(p));
        }
        config.insert("maxOutputTokens".into(), json!(s.max_tokens));
        if let Some(seed) = s.seed {
            config.insert("seed".into(), json!(seed));
        }
        if !s.stop.is_empty() {
            config.insert("stopSequences".into(), json!(s.stop));
        }
        match &request.response_format {
            None | Some(ResponseFormat::Text) => {}
            Some(ResponseFormat::JsonObject) => {
                config.insert("responseMimeType".into(), json!("application/json"));
            }
            Some(ResponseFormat::JsonSchema { schema, .. }) => {
                config.insert("responseMimeType".into(), json!("application/json"));
                // The JSON Schema field, not `responseSchema` (an OpenAPI subset).
                config.insert("responseJsonSchema".into(), schema.clone());
            }
        }
        body.insert("generationConfig".into(), Value::Object(config));
        if !request.tools.is_empty() {
            let declarations: Vec<Value> = request
                .tools
                .iter()
                .map(|t| {
                    let mut f = json!({"name": t.name});
                    if let Some(d) = &t.description {
                        f["description"] = json!(d);
                    }
                    // Tools carry JSON Schema (OpenAI's format); `parameters` takes only
                    // Google's OpenAPI subset and refuses `additionalProperties`, `$ref`, ….
                    f["parametersJsonSchema"] = t.parameters.clone();
                    f
                })
                .collect();
            body.insert(
                "tools".into(),
                json!([{"functionDeclarations": declarations}]),
            );
        }
        if let Some(choice) = &request.tool_choice {
            let config = match choice {
                ToolChoice::Auto => json!({"mode": "AUTO"}),
                ToolChoice::None => json!({"mode": "NONE"}),
                ToolChoice::Required => json!({"mode": "ANY"}),
                ToolChoice::Tool(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
            };
            body.insert(
                "toolConfig".into(),
                json!({"functionCallingConfig": config}),
            );
        }
        Value::Object(body)
    }
}

/// Gemini 3 and later refuse a replayed `functionCall` part without the `thoughtSignature` the
/// model attached to it. Logged OpenAI-format traffic never has one, so such calls carry the
/// sentinel Google documents for history from elsewhere (ai.google.dev/gemini-api/docs/thought-signatures).
const NO_SIGNATURE: &str = "skip_thought_signature_validator";

/// Whether `model` (e.g. `gemini-3-pro-preview`, `gemini-2.5-flash`) is Gemini 3 or later.
fn signs_calls(model: &str) -> bool {
    model
        .strip_prefix("gemini-")
        .and_then(|rest| rest.split(['-', '.']).next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major >= 3)
}

/// The conversation without its system messages as `user`/`model` turns; tool results are
/// user turns, and consecutive turns of one role are merged (the API expects alternation).
/// With `sign`, the first call of each assistant message carries `NO_SIGNATURE` (the model
/// signs only the first of parallel calls).
fn contents(messages: &[Message], sign: bool) -> Value {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let (role, parts) = match m.role {
            Role::System => continue,
            Role::User => ("user", vec![json!({"text": m.content})]),
            Role::Assistant => {
                let mut parts = Vec::new();
                if !m.content.is_empty() || m.tool_calls.is_empty() {
                    parts.push(json!({"text": m.content}));
                }
                parts.extend(m.tool_calls.iter().enumerate().map(|(n, c)| {
                    let mut part =
                        json!({"functionCall": {"name": c.name, "args": args(&c.arguments)}});
                    if sign && n == 0 {
                        part["thoughtSignature"] = json!(NO_SIGNATURE);
                    }
                    part
                }));
                ("model", parts)
            }
            Role::Tool => {
                // Gemini matches a result to its call by name, not by id.
                let name = m
                    .tool_call_id
                    .as_deref()
                    .and_then(|id| call_name(&messages[..i], id))
                    .unwrap_or_default();
                let content =
                    serde_json::from_str::<Value>(&m.content).unwrap_or_else(|_| json!(m.content));
                (
                    "user",
                    vec![json!({
                        "functionResponse": {"name": name, "response": {"content": content}}
                    })],
                )
            }
        };
        match turns.last_mut() {
            Some((r, p)) if *r == role => p.extend(parts),
            _ => turns.push((role, parts)),
        }
    }
    turns
        .into_iter()
        .map(|(role, parts)| json!({"role": role, "parts": parts}))
        .collect()
}

/// The name of the tool call `id` among the assistant turns before a result.
fn call_name<'a>(earlier: &'a [Message], id: &str) -> Option<&'a str> {
    earlier
        .iter()
        .rev()
        .flat_map(|m| &m.tool_calls)
        .find(|c| c.id == id)
        .map(|c| c.name.as_str())
}

/// A recorded call's arguments as the object `args` must be; text that is not a JSON object (a
/// truncated call) is replayed as `{}`.
fn args(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v) if v.is_object() => v,
        _ => json!({}),
    }
}

/// `promptTokenCount` already includes cached tokens; thinking tokens are output the caller pays
/// for, so they count as output.
fn usage(v: &Value) -> Usage {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        input_tokens: n("promptTokenCount"),
        output_tokens: n("candidatesTokenCount") + n("thoughtsTokenCount"),
        cached_input_tokens: n("cachedContentTokenCount"),
    }
}

/// An `error` object (`{"code", "message", "status"}`) in a body or a chunk.
fn vendor_error(e: &Value) -> ProviderError {
    let status = e.get("status").and_then(Value::as_str).unwrap_or("error");
    let msg = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    let kind = if status == "RESOURCE_EXHAUSTED" || e["code"] == 429 {
        ErrorKind::RateLimited
    } else {
        ErrorKind::Server
    };
    ProviderError::new(kind, format!("{status}: {msg}"))
}

/// A non-streamed response body.
pub fn parse_response(body: &str, total_ms: f64) -> Result<Completion, ProviderError> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| http::invalid(format!("not JSON ({e})")))?;
    let mut s = StreamState::default();
    s.chunk(&v)?;
    if v.pointer("/candidates/0").is_none() {
        return Err(http::invalid("no candidates"));
    }
    s.finish(total_ms, total_ms)
}

/// What the chunks have said so far (a non-streamed body is one chunk).
#[derive(Default)]
pub struct StreamState {
    text: String,
    tool_calls: Vec<ToolCall>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

impl StreamState {
    fn chunk(&mut self, v: &Value) -> Result<bool, ProviderError> {
        if let Some(err) = v.get("error") {
            return Err(vendor_error(err));
        }
        // Each chunk's counts cover the response so far; the last is the total.
        if let Some(u) = v.get("usageMetadata") {
            self.usage = Some(usage(u));
        }
        let Some(candidate) = v.pointer("/candidates/0") else {
            if let Some(reason) = v
                .pointer("/promptFeedback/blockReason")
                .and_then(Value::as_str)
            {
                // The prompt itself was refused: the same request would be refused again.
                return Err(ProviderError::new(
                    ErrorKind::BadRequest,
                    format!("the prompt was blocked ({reason})"),
                ));
            }
            return Ok(false);
        };
        let parts = candidate
            .pointer("/content/parts")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for part in parts {
            // Thought summaries are not the answer.
            if part["thought"] == true {
                continue;
            }
            if let Some(t) = part.get("text").and_then(Value::as_str) {
                self.text.push_str(t);
            }
            if let Some(call) = part.get("functionCall") {
                // Gemini gives calls no ids (or only sometimes): number them.
                let id = match call.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => id.to_string(),
                    _ => format!("call_{}", self.tool_calls.len()),
                };
                self.tool_calls.push(ToolCall {
                    id,
                    name: call["name"].as_str().unwrap_or_default().into(),
                    arguments: call.get("args").map_or_else(
                        || "{}".into(),
                        |a| {
                            if a.is_null() {
                                "{}".into()
                            } else {
                                a.to_string()
                            }
                        },
                    ),
                });
            }
        }
        if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
            self.finish_reason = Some(reason.into());
            return Ok(true);
        }
        Ok(false)
    }
}

impl StreamReader for StreamState {
    fn output_size(&self) -> usize {
        self.text.len()
            + (self.tool_calls.iter())
                .map(|c| c.name.len() + c.arguments.len())
                .sum::<usize>()
    }

    /// Applies one event; `true` for the chunk that carries the finish reason, which closes the
    /// stream (Gemini sends no `[DONE]`).
    fn apply(&mut self, event: &SseEvent) -> Result<bool, ProviderError> {
        match event.json("stream chunk")? {
            Some(v) => self.chunk(&v),
            None => Ok(false),
        }
    }

    fn finish(self, ttft_ms: f64, total_ms: f64) -> Result<Completion, ProviderError> {
        let reason = self
            .finish_reason
            .ok_or_else(|| http::invalid("no candidate gave a finishReason"))?;
        let finish_reason = match reason.as_str() {
            // Gemini ends a turn that calls tools with STOP.
            "STOP" if !self.tool_calls.is_empty() => FinishReason::ToolCalls,
            "STOP" => FinishReason::Stop,
            "MAX_TOKENS" => FinishReason::Length,
            other => FinishReason::from(other.to_lowercase()),
        };
        Ok(Completion {
            quota: None,
            text: self.text,
            tool_calls: self.tool_calls,
            finish_reason,
            usage: self.usage.unwrap_or_default(),
            ttft_ms,
            total_ms,
            output_at_ms: vec![total_ms],
        })
    }
}

#[async_trait::async_trait]
impl Provider for GeminiProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        // In a header, never the legacy `?key=` query: URLs end up in error messages and logs.
        let key = KeyHeader::Named("x-goog-api-key");
        let builder = self.connection.post(&self.url, &self.body(request), key)?;
        (self.connection)
            .exchange(builder, StreamState::default, parse_response)
            .await
    }
}

#[cfg(test)]
mod tests;
