//! Recorded traffic named by `cases: - replay:`: OpenAI chat-completions request bodies, one per
//! line (alone, or as `{"request", "response"}` with the response logged beside it), or the
//! OpenAI Batch API input format (with its output file for the responses). Each request becomes
//! a case that keeps its messages, tools, response_format and sampling as they were logged, and
//! the logged response when there is one.

mod response;

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::dataset::{self, Row, Rows};
use super::error::Diagnostic;

use crate::chat::{
    FinishReason, Message, ResponseFormat, Role, SamplingOverrides, Tool, ToolCall, ToolChoice,
    Usage,
};

/// Body fields that change what a model answers but that modelswap cannot carry to every
/// provider; a file using them is replayed without them, and the user is told which.
const DROPPED: &[&str] = &[
    "n",
    "logprobs",
    "top_logprobs",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "reasoning_effort",
    "modalities",
    "audio",
    "prediction",
    "web_search_options",
];

/// What a case sends beyond its messages: nothing for cases written in the suite; for replayed
/// traffic, the tools, response format and sampling of the logged request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestExtras {
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    pub response_format: Option<ResponseFormat>,
    /// Win over the suite's and the provider's sampling: the request is replayed as it was.
    pub sampling: SamplingOverrides,
    /// Non-text inputs the logged request carried (`image_url`, `input_audio`, `file`).
    /// modelswap cannot send them yet: the runner leaves such a case out, the lock-in audit
    /// counts it.
    pub media: Vec<String>,
    /// Output-shaping fields the logged request set that are not replayed (`logprobs`, `n`, …).
    pub dropped: Vec<String>,
    /// The response logged with the request: the reference `logged`, and the answers of a
    /// `kind: logged` provider.
    pub response: Option<Result<LoggedResponse, String>>,
}

/// A chat completion as it was logged in production: what the model answered and what it used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoggedResponse {
    /// The model that answered, as the response names it (priced by the table).
    pub model: Option<String>,
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: Option<FinishReason>,
    pub usage: Usage,
}

/// A request read from a traffic file (`Row::logged`).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The model it was sent to (kept as a var for reference; every provider uses its own).
    pub model: Option<String>,
    pub messages: Vec<Message>,
    pub extras: RequestExtras,
}

/// The cases of one traffic file as it is read, each with the 1-based line it came from;
/// `responses`: the Batch output file holding their logged responses.
pub(super) fn open(path: &Path, responses: Option<&Path>) -> Rows {
    let fail = |d: Diagnostic| -> Rows { Box::new(std::iter::once(Err(Box::new(d)))) };
    let file = match crate::input::open(path) {
        Ok(f) => f,
        Err(e) => {
            return fail(Diagnostic::new(
                path,
                format!("cannot read traffic file: {e}"),
            ))
        }
    };
    let mut outputs = match responses.map(response::batch_outputs).transpose() {
        Ok(o) => o,
        Err(d) => return fail(*d),
    };
    let responses = responses.map(Path::to_path_buf);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "replay".into());
    let path = path.to_path_buf();
    let lines = dataset::lines(&path, std::io::BufReader::new(file));
    Box::new(lines.map(move |line| {
        let (n, line) = line?;
        let (id, body, logged, tags) = parse_line(&line).map_err(|(field, message, column)| {
            Diagnostic::new(&path, message)
                .at(n, column)
                .field(field)
                .with_line(&line)
        })?;
        let dropped = DROPPED
            .iter()
            .filter(|k| body.other.contains_key(**k))
            .map(|k| k.to_string())
            .collect();
        let response = match (&mut outputs, &responses) {
            (Some(outputs), Some(file)) => Some(response::joined(outputs, id.as_deref(), file)),
            _ => logged,
        };
        let mut logged = body
            .into_logged(dropped)
            .map_err(|(field, message)| Diagnostic::new(&path, message).at(n, 1).field(field))?;
        logged.extras.response = response;
        let row = Row {
            id: Some(id.unwrap_or_else(|| format!("{stem}-{n}"))),
            // The logged model is kept for reference; every provider uses its own.
            vars: logged
                .model
                .iter()
                .map(|m| ("model".to_string(), Value::String(m.clone())))
                .collect(),
            tags: std::iter::once("replay".to_string()).chain(tags).collect(),
            logged: Some(Box::new(logged)),
            ..Row::default()
        };
        Ok((row, n))
    }))
}

/// A line's case id, its request, the response logged with it (or why that failed), and its
/// own tags.
type Line = (Option<String>, Body, Option<Logged>, Vec<String>);

/// A logged response, or why the logged request has none (it failed).
pub type Logged = Result<LoggedResponse, String>;

/// One line: a bare request body, `{"request": body, "response": completion}` (with optional
/// `custom_id` and `tags`), or a Batch API request `{custom_id, method, url, body}`.
fn parse_line(line: &str) -> Result<Line, (String, String, usize)> {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| (String::new(), format!("invalid JSON: {e}"), e.column()))?;
    let Value::Object(mut obj) = value else {
        return Err((String::new(), "each line must be a JSON object".into(), 1));
    };
    if let Some(request) = obj.remove("request") {
        return parse_logged(obj, request);
    }
    let (id, body, prefix) = if obj.contains_key("custom_id") || obj.contains_key("body") {
        let id = match obj.remove("custom_id") {
            Some(Value::String(s)) => s,
            _ => {
                return Err((
                    "custom_id".into(),
                    "a Batch API line needs a string `custom_id`".into(),
                    1,
                ))
            }
        };
        match obj.get("url").and_then(Value::as_str) {
            Some("/v1/chat/completions") => {}
            Some(url) => {
                return Err((
                    "url".into(),
                    format!("only chat completions can be replayed; this request is for `{url}`"),
                    1,
                ))
            }
            None => return Err(("url".into(), "a Batch API line needs `url`".into(), 1)),
        }
        let Some(body) = obj.remove("body") else {
            return Err(("body".into(), "a Batch API line needs `body`".into(), 1));
        };
        (Some(id), body, "body.")
    } else {
        (None, Value::Object(obj), "")
    };
    let body: Body = serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            prefix.trim_end_matches('.').to_string()
        } else {
            format!("{prefix}{path}")
        };
        (field, e.into_inner().to_string(), 1)
    })?;
    Ok((id, body, None, Vec::new()))
}

/// A `{"request", "response", "custom_id"?, "tags"?}` line, its request taken out of `obj`.
fn parse_logged(
    mut obj: Map<String, Value>,
    request: Value,
) -> Result<Line, (String, String, usize)> {
    let fail = |field: &str, why: &str| (field.to_string(), why.to_string(), 1);
    let response = obj.remove("response").ok_or_else(|| {
        fail(
            "response",
            "a line with `request` holds the `response` logged with it",
        )
    })?;
    let logged = response::completion(response)
        .map_err(|(field, why)| (format!("response.{field}"), why, 1))?;
    let id = match obj.remove("custom_id").or_else(|| obj.remove("id")) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let tags = match obj.remove("tags") {
        None => Vec::new(),
        Some(v) => serde_json::from_value::<Vec<String>>(v)
            .map_err(|_| fail("tags", "must be a list of strings"))?,
    };
    let Value::Object(_) = request else {
        return Err(fail("request", "must be a request body (an object)"));
    };
    let body = serde_path_to_error::deserialize(request).map_err(|e| {
        (
            format!("request.{}", e.path()),
            e.into_inner().to_string(),
            1,
        )
    })?;
    Ok((id, body, Some(Ok(logged)), tags))
}

/// An OpenAI chat-completions request body, as far as modelswap replays it.
#[derive(Deserialize)]
struct Body {
    model: Option<String>,
    messages: Vec<WireMessage>,
    #[serde(default)]
    tools: Vec<WireTool>,
    /// The deprecated form of `tools`.
    #[serde(default)]
    functions: Vec<WireFunction>,
    tool_choice: Option<Value>,
    /// The deprecated form of `tool_choice`.
    function_call: Option<Value>,
    response_format: Option<WireResponseFormat>,
    temperature: Option<f32>,
    top_p: Option<f32>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    seed: Option<u64>,
    stop: Option<Stop>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

#[derive(Deserialize)]
struct WireMessage {
    role: String,
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    tool_calls: Vec<WireToolCall>,
    tool_call_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireToolCall {
    id: String,
    function: WireCalled,
}

#[derive(Deserialize)]
struct WireCalled {
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct WireTool {
    #[serde(rename = "type")]
    kind: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Value>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireResponseFormat {
    Text,
    JsonObject,
    JsonSchema { json_schema: WireJsonSchema },
}

#[derive(Deserialize)]
struct WireJsonSchema {
    name: String,
    #[serde(default)]
    schema: Option<Value>,
    #[serde(default)]
    strict: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Stop {
    One(String),
    Many(Vec<String>),
}

impl Body {
    /// `dropped`: the output-shaping fields this request had that are not replayed.
    fn into_logged(self, dropped: Vec<String>) -> Result<Request, (String, String)> {
        let mut messages = Vec::with_capacity(self.messages.len());
        let mut media = BTreeSet::new();
        for (i, m) in self.messages.into_iter().enumerate() {
            messages.push(m.into_message(i, &mut media)?);
        }
        if messages.is_empty() {
            return Err(("messages".into(), "is empty".into()));
        }
        let mut tools = Vec::new();
        for (i, t) in self.tools.into_iter().enumerate() {
            if t.kind != "function" {
                return Err((
                    format!("tools[{i}].type"),
                    format!(
                        "`{}` tools are built into one vendor and cannot be replayed elsewhere",
                        t.kind
                    ),
                ));
            }
            tools.push(tool(t.function));
        }
        tools.extend(self.functions.into_iter().map(tool));
        let tool_choice =
            match self.tool_choice.or(self.function_call) {
                None => None,
                Some(v) => Some(tool_choice(&v).ok_or_else(|| {
                    ("tool_choice".to_string(), format!("not a tool choice: {v}"))
                })?),
            };
        let response_format = self.response_format.map(|f| match f {
            WireResponseFormat::Text => ResponseFormat::Text,
            WireResponseFormat::JsonObject => ResponseFormat::JsonObject,
            WireResponseFormat::JsonSchema { json_schema } => ResponseFormat::JsonSchema {
                name: json_schema.name,
                schema: json_schema
                    .schema
                    .unwrap_or_else(|| Value::Object(Map::new())),
                strict: json_schema.strict.unwrap_or(false),
            },
        });
        Ok(Request {
            model: self.model,
            messages,
            extras: RequestExtras {
                tools,
                tool_choice,
                response_format,
                sampling: SamplingOverrides {
                    temperature: self.temperature,
                    top_p: self.top_p,
                    max_tokens: self.max_completion_tokens.or(self.max_tokens),
                    seed: self.seed,
                    stop: self.stop.map(|s| match s {
                        Stop::One(s) => vec![s],
                        Stop::Many(v) => v,
                    }),
                },
                media: media.into_iter().collect(),
                dropped,
                response: None,
            },
        })
    }
}

impl WireMessage {
    /// The `i`-th message of a request, vendor-neutral; the kinds of its media parts go to
    /// `media` (kept for the lock-in audit; the runner leaves such a case out).
    fn into_message(
        self,
        i: usize,
        media: &mut BTreeSet<String>,
    ) -> Result<Message, (String, String)> {
        let role = match self.role.as_str() {
            // `developer` is the newer models' name for the system role.
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            other => {
                return Err((
                    format!("messages[{i}].role"),
                    format!(
                    "role `{other}` cannot be replayed (system, developer, user, assistant, tool)"
                ),
                ))
            }
        };
        let content = match self.content {
            None => String::new(),
            Some(Content::Text(t)) => t,
            Some(Content::Parts(parts)) => {
                let mut text = Vec::new();
                for (j, part) in parts.into_iter().enumerate() {
                    match (part.kind.as_str(), part.text) {
                        ("text", Some(t)) => text.push(t),
                        ("image_url" | "input_audio" | "file", _) => {
                            media.insert(part.kind);
                        }
                        (kind, _) => {
                            return Err((
                                format!("messages[{i}].content[{j}].type"),
                                format!("unknown content part type `{kind}` (text, image_url, input_audio, file)"),
                            ))
                        }
                    }
                }
                text.join("\n")
            }
        };
        let tool_calls = (self.tool_calls.into_iter())
            .map(|c| ToolCall {
                id: c.id,
                name: c.function.name,
                arguments: c.function.arguments,
            })
            .collect();
        Ok(Message {
            role,
            content,
            tool_calls,
            tool_call_id: self.tool_call_id,
        })
    }
}

fn tool(f: WireFunction) -> Tool {
    Tool {
        name: f.name,
        description: f.description,
        // OpenAI treats a function without parameters as taking none.
        parameters: f
            .parameters
            .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}})),
    }
}

/// `"auto" | "none" | "required"`, `{"type": "function", "function": {"name": …}}`, or the
/// deprecated `function_call` forms (`{"name": …}`).
fn tool_choice(v: &Value) -> Option<ToolChoice> {
    match v {
        Value::String(s) => match s.as_str() {
            "auto" => Some(ToolChoice::Auto),
            "none" => Some(ToolChoice::None),
            "required" => Some(ToolChoice::Required),
            _ => None,
        },
        Value::Object(o) => o
            .get("function")
            .and_then(|f| f.get("name"))
            .or_else(|| o.get("name"))
            .and_then(Value::as_str)
            .map(|n| ToolChoice::Tool(n.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
