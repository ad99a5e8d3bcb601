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
use super::plan::{Logged as Request, LoggedResponse, RequestExtras};
use crate::chat::{Message, ResponseFormat, Role, SamplingOverrides, Tool, ToolCall, ToolChoice};

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
    let mut logged = None;
    if let Some(request) = obj.remove("request") {
        let response = obj.remove("response").ok_or_else(|| {
            let why = "a line with `request` holds the `response` logged with it";
            ("response".to_string(), why.to_string(), 1)
        })?;
        logged = Some(Ok(response::completion(response)
            .map_err(|(field, why)| (format!("response.{field}"), why, 1))?));
        let id = match obj.remove("custom_id").or_else(|| obj.remove("id")) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let tags = match obj.remove("tags") {
            None => Vec::new(),
            Some(v) => serde_json::from_value::<Vec<String>>(v).map_err(|_| {
                (
                    "tags".to_string(),
                    "must be a list of strings".to_string(),
                    1,
                )
            })?,
        };
        obj = match request {
            Value::Object(o) => o,
            _ => {
                return Err((
                    "request".into(),
                    "must be a request body (an object)".into(),
                    1,
                ))
            }
        };
        let body = serde_path_to_error::deserialize(Value::Object(obj)).map_err(|e| {
            (
                format!("request.{}", e.path()),
                e.into_inner().to_string(),
                1,
            )
        })?;
        return Ok((id, body, logged, tags));
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
    Ok((id, body, logged, Vec::new()))
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
mod tests {
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
        let err =
            parse_line(r#"{"custom_id": "e", "url": "/v1/embeddings", "body": {"input": "x"}}"#)
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
}
