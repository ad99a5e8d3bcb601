//! `kind: anthropic`: the Messages API (`/v1/messages`), streamed (SSE) or not. The API has no
//! JSON mode, so `json_schema` output goes through a forced tool, as Anthropic documents it.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{json, Map, Value};

use super::http::{self, Connection, KeyHeader, Settings, StreamReader};
use super::sse::SseEvent;
use super::{Completion, ErrorKind, Provider, ProviderError};
use crate::chat::{ChatRequest, Message, ResponseFormat, Role, ToolCall, ToolChoice, Usage};

/// The API version every request names: the wire format below is this version's.
pub const API_VERSION: &str = "2023-06-01";

/// Appended to the system prompt for `json_object`, the nearest the API comes to a JSON mode.
const JSON_INSTRUCTION: &str = "Respond with a single JSON object and nothing else.";

pub struct AnthropicProvider {
    /// `top_p` was left out once already (see `body`): said once per run, not per call.
    warned_top_p: AtomicBool,
    url: String,
    model: String,
    connection: Connection,
}

impl AnthropicProvider {
    /// `s.base_url` without `/v1`, e.g. `https://api.anthropic.com`.
    pub fn new(s: Settings) -> Result<Self, ProviderError> {
        Ok(Self {
            warned_top_p: AtomicBool::new(false),
            url: format!("{}/v1/messages", s.base_url.trim_end_matches('/')),
            connection: Connection::new(&s)?,
            model: s.model.unwrap_or_default(),
        })
    }

    /// The request body for `request`.
    pub fn body(&self, request: &ChatRequest) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), json!(self.model));
        let s = &request.sampling;
        // Required by the API: there is no server-side default.
        body.insert("max_tokens".into(), json!(s.max_tokens));
        let mut system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System && !m.content.is_empty())
            .map(|m| m.content.as_str())
            .collect();
        if request.response_format == Some(ResponseFormat::JsonObject) {
            system.push(JSON_INSTRUCTION);
        }
        if !system.is_empty() {
            body.insert("system".into(), json!(system.join("\n\n")));
        }
        body.insert("messages".into(), messages(&request.messages));
        // Claude models since Sonnet 4.5 refuse `temperature` and `top_p` together, and
        // Anthropic advises altering only one: a temperature other than the API's default (1)
        // wins, else `top_p` is sent alone.
        match s.top_p {
            Some(p) if s.temperature == 1.0 => {
                body.insert("top_p".into(), json!(p));
            }
            top_p => {
                if top_p.is_some() && !self.warned_top_p.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "anthropic ({}): top_p is not sent beside temperature {} (Claude refuses both; set temperature 1 to sample by top_p)",
                        self.model,
                        s.temperature
                    );
                }
                body.insert("temperature".into(), json!(s.temperature));
            }
        }
        // No `seed`: the API has none.
        if !s.stop.is_empty() {
            body.insert("stop_sequences".into(), json!(s.stop));
        }
        let mut tools: Vec<Value> = request
            .tools
            .iter()
            .map(|t| {
                let mut v = json!({"name": t.name});
                if let Some(d) = &t.description {
                    v["description"] = json!(d);
                }
                v["input_schema"] = t.parameters.clone();
                v
            })
            .collect();
        let mut tool_choice = request.tool_choice.as_ref().map(|c| match c {
            ToolChoice::Auto => json!({"type": "auto"}),
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
            ToolChoice::None => json!({"type": "none"}),
        });
        if let Some(ResponseFormat::JsonSchema { name, schema, .. }) = &request.response_format {
            // The schema becomes a tool the model must call; its input is the answer. This
            // overrides the request's own tool_choice: both cannot be forced at once.
            tools.push(json!({"name": name, "input_schema": schema}));
            tool_choice = Some(json!({"type": "tool", "name": name}));
        }
        if !tools.is_empty() {
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(choice) = tool_choice {
            body.insert("tool_choice".into(), choice);
        }
        if self.connection.stream {
            body.insert("stream".into(), json!(true));
        }
        Value::Object(body)
    }
}

/// The name of the tool that carries a `json_schema` answer, if the request asks for one.
fn schema_tool(request: &ChatRequest) -> Option<&str> {
    match &request.response_format {
        Some(ResponseFormat::JsonSchema { name, .. }) => Some(name),
        _ => None,
    }
}

/// The conversation without its system messages, as alternating user and assistant turns:
/// tool results travel in user turns, and consecutive turns of one role are merged because the
/// API requires alternation.
fn messages(messages: &[Message]) -> Value {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in messages {
        let (role, blocks) = match m.role {
            Role::System => continue,
            Role::User => ("user", vec![text_block(&m.content)]),
            Role::Assistant => {
                let mut blocks = Vec::new();
                // The API rejects empty text blocks; a tool-calling turn often has no text.
                if !m.content.is_empty() || m.tool_calls.is_empty() {
                    blocks.push(text_block(&m.content));
                }
                blocks.extend(m.tool_calls.iter().map(|c| {
                    json!({
                        "type": "tool_use",
                        "id": c.id,
                        "name": c.name,
                        "input": input(&c.arguments),
                    })
                }));
                ("assistant", blocks)
            }
            Role::Tool => (
                "user",
                vec![json!({
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id.as_deref().unwrap_or_default(),
                    "content": m.content,
                })],
            ),
        };
        match turns.last_mut() {
            Some((r, b)) if *r == role => b.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    turns
        .into_iter()
        .map(|(role, blocks)| {
            // A lone text block is sent as the plain string, the API's short form.
            let content = match blocks.as_slice() {
                [b] if b["type"] == "text" => b["text"].clone(),
                _ => Value::Array(blocks),
            };
            json!({"role": role, "content": content})
        })
        .collect()
}

fn text_block(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

/// A recorded call's arguments as the object `input` must be; text the model produced that is
/// not a JSON object (a truncated call) is replayed as `{}`.
fn input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v) if v.is_object() => v,
        _ => json!({}),
    }
}

/// `input` as compact JSON text; streamed pieces that do not parse (cut by `max_tokens`) stay as
/// they came.
fn arguments_text(raw: &str) -> String {
    if raw.trim().is_empty() {
        return "{}".into();
    }
    serde_json::from_str::<Value>(raw).map_or_else(|_| raw.to_string(), |v| v.to_string())
}

/// Counts by docs/design.md's rule: input counts every input token, cache reads and writes included.
fn usage(v: &Value) -> Usage {
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        input_tokens: n("input_tokens")
            + n("cache_read_input_tokens")
            + n("cache_creation_input_tokens"),
        output_tokens: n("output_tokens"),
        cached_input_tokens: n("cache_read_input_tokens"),
    }
}

/// An `error` object (in a stream, or a body of `"type": "error"`).
fn vendor_error(e: &Value) -> ProviderError {
    let kind_name = e.get("type").and_then(Value::as_str).unwrap_or("error");
    let msg = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    // Mid-stream failures are the server's (typically overloaded_error): worth another try.
    let kind = if kind_name == "rate_limit_error" {
        ErrorKind::RateLimited
    } else {
        ErrorKind::Server
    };
    ProviderError::new(kind, format!("{kind_name}: {msg}"))
}

/// What a response said, before the `json_schema` answer is taken out of its tool call.
struct Reply {
    text: String,
    tool_calls: Vec<ToolCall>,
    stop_reason: String,
    usage: Usage,
}

impl Reply {
    fn into_completion(self, schema_tool: Option<&str>, ttft_ms: f64, total_ms: f64) -> Completion {
        let Reply {
            mut text,
            mut tool_calls,
            stop_reason,
            usage,
        } = self;
        let mut answered = false;
        if let Some(name) = schema_tool {
            if let Some(i) = tool_calls.iter().position(|c| c.name == name) {
                text = tool_calls.remove(i).arguments;
                answered = true;
            }
        }
        let finish_reason = match stop_reason.as_str() {
            "end_turn" | "stop_sequence" => "stop",
            "max_tokens" => "length",
            // Calling the answer tool is how a structured reply ends, not a call to act on.
            "tool_use" if answered && tool_calls.is_empty() => "stop",
            "tool_use" => "tool_calls",
            other => other,
        };
        Completion {
            quota: None,
            text,
            tool_calls,
            finish_reason: finish_reason.into(),
            usage,
            ttft_ms,
            total_ms,
            output_at_ms: vec![total_ms],
        }
    }
}

/// A non-streamed response body; `schema_tool` names the tool that carries a `json_schema`
/// answer.
pub fn parse_response(
    body: &str,
    schema_tool: Option<&str>,
    total_ms: f64,
) -> Result<Completion, ProviderError> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| http::invalid(format!("not JSON ({e})")))?;
    if v["type"] == "error" {
        return Err(vendor_error(&v["error"]));
    }
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| http::invalid("no content"))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for b in blocks {
        match b["type"].as_str() {
            Some("text") => text.push_str(b["text"].as_str().unwrap_or_default()),
            Some("tool_use") => tool_calls.push(ToolCall {
                id: b["id"].as_str().unwrap_or_default().into(),
                name: b["name"].as_str().unwrap_or_default().into(),
                arguments: match b.get("input") {
                    Some(input) if !input.is_null() => input.to_string(),
                    _ => "{}".into(),
                },
            }),
            // Thinking and server-tool blocks are not the answer.
            _ => {}
        }
    }
    let stop_reason = v["stop_reason"]
        .as_str()
        .ok_or_else(|| http::invalid("no stop_reason"))?;
    let reply = Reply {
        text,
        tool_calls,
        stop_reason: stop_reason.into(),
        usage: v.get("usage").map(usage).unwrap_or_default(),
    };
    Ok(reply.into_completion(schema_tool, total_ms, total_ms))
}

/// What the stream's events have said so far.
pub struct StreamState {
    schema_tool: Option<String>,
    text: String,
    /// Tool-use blocks with their content-block index; `arguments` holds the raw JSON pieces.
    tool_calls: Vec<(u64, ToolCall)>,
    stop_reason: Option<String>,
    /// The latest value of each usage field: `message_start` gives them all, `message_delta`
    /// repeats some as cumulative totals.
    usage: Map<String, Value>,
}

impl StreamState {
    pub fn new(schema_tool: Option<&str>) -> Self {
        Self {
            schema_tool: schema_tool.map(str::to_owned),
            text: String::new(),
            tool_calls: Vec::new(),
            stop_reason: None,
            usage: Map::new(),
        }
    }
    fn merge_usage(&mut self, u: Option<&Value>) {
        if let Some(Value::Object(fields)) = u {
            for (k, v) in fields {
                if v.is_u64() {
                    self.usage.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

impl StreamReader for StreamState {
    fn output_size(&self) -> usize {
        self.text.len()
            + (self.tool_calls.iter())
                .map(|(_, c)| c.name.len() + c.arguments.len())
                .sum::<usize>()
    }

    /// Applies one event; `true` at the closing `message_stop`.
    fn apply(&mut self, event: &SseEvent) -> Result<bool, ProviderError> {
        let Some(v) = event.json("stream event")? else {
            return Ok(false);
        };
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .or(event.event.as_deref())
            .unwrap_or_default();
        match kind {
            "message_start" => self.merge_usage(v.pointer("/message/usage")),
            "content_block_start" => {
                let block = &v["content_block"];
                match block["type"].as_str() {
                    Some("text") => self
                        .text
                        .push_str(block["text"].as_str().unwrap_or_default()),
                    Some("tool_use") => self.tool_calls.push((
                        v["index"].as_u64().unwrap_or(0),
                        ToolCall {
                            id: block["id"].as_str().unwrap_or_default().into(),
                            name: block["name"].as_str().unwrap_or_default().into(),
                            // The start's `input` is always `{}`; the deltas carry it.
                            arguments: String::new(),
                        },
                    )),
                    _ => {}
                }
            }
            "content_block_delta" => match v.pointer("/delta/type").and_then(Value::as_str) {
                Some("text_delta") => self.text.push_str(
                    v.pointer("/delta/text")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                Some("input_json_delta") => {
                    let index = v["index"].as_u64().unwrap_or(0);
                    let (_, call) = self
                        .tool_calls
                        .iter_mut()
                        .find(|(i, _)| *i == index)
                        .ok_or_else(|| {
                            http::invalid(format!(
                                "input_json_delta for block {index}, which is no tool_use"
                            ))
                        })?;
                    call.arguments.push_str(
                        v.pointer("/delta/partial_json")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    );
                }
                // Thinking and signature deltas are not the answer.
                _ => {}
            },
            "message_delta" => {
                if let Some(reason) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(reason.into());
                }
                self.merge_usage(v.get("usage"));
            }
            "message_stop" => return Ok(true),
            "error" => return Err(vendor_error(&v["error"])),
            // `ping`, `content_block_stop`, and event types added later (as the docs warn).
            _ => {}
        }
        Ok(false)
    }

    fn finish(self, ttft_ms: f64, total_ms: f64) -> Result<Completion, ProviderError> {
        let stop_reason = self
            .stop_reason
            .ok_or_else(|| http::invalid("the stream gave no stop_reason"))?;
        let tool_calls = self
            .tool_calls
            .into_iter()
            .map(|(_, mut c)| {
                // The same text a non-streamed response gives for this input.
                c.arguments = arguments_text(&c.arguments);
                c
            })
            .collect();
        let reply = Reply {
            text: self.text,
            tool_calls,
            stop_reason,
            usage: usage(&Value::Object(self.usage)),
        };
        Ok(reply.into_completion(self.schema_tool.as_deref(), ttft_ms, total_ms))
    }
}

#[async_trait::async_trait]
impl Provider for AnthropicProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let builder = (self.connection)
            .post(
                &self.url,
                &self.body(request),
                KeyHeader::Named("x-api-key"),
            )?
            .header("anthropic-version", API_VERSION);
        let schema_tool = schema_tool(request);
        (self.connection)
            .exchange(
                builder,
                || StreamState::new(schema_tool),
                |body, total_ms| parse_response(body, schema_tool, total_ms),
            )
            .await
    }
}

#[cfg(test)]
mod tests;
