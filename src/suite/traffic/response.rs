//! Logged responses: an OpenAI chat completion object as the API returned it, read into what a
//! scorer compares and what the logged answer cost; and a Batch API output file, its lines
//! joined to the input's by `custom_id`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::super::dataset;
use super::super::error::Diagnostic;
use super::Logged;
use super::LoggedResponse;
use crate::chat::{FinishReason, ToolCall, Usage};

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireCall>,
}

#[derive(Deserialize)]
struct WireCall {
    id: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<Details>,
}

#[derive(Deserialize)]
struct Details {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

/// A chat completion object: its first choice's text and tool calls, its model and usage.
/// Errors name the field, as a path inside the object.
pub(super) fn completion(value: Value) -> Result<LoggedResponse, (String, String)> {
    let c: Completion = serde_path_to_error::deserialize(value)
        .map_err(|e| (e.path().to_string(), e.into_inner().to_string()))?;
    let Some(choice) = c.choices.into_iter().next() else {
        return Err((
            "choices".into(),
            "is empty: the logged response holds no answer".into(),
        ));
    };
    let usage = c.usage.map_or_else(Usage::default, |u| Usage {
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
        cached_input_tokens: u
            .prompt_tokens_details
            .and_then(|d| d.cached_tokens)
            .unwrap_or(0),
    });
    Ok(LoggedResponse {
        model: c.model,
        text: choice.message.content.unwrap_or_default(),
        tool_calls: (choice.message.tool_calls.into_iter())
            .map(|t| ToolCall {
                id: t.id,
                name: t.function.name,
                arguments: t.function.arguments,
            })
            .collect(),
        finish_reason: choice.finish_reason.as_deref().map(FinishReason::from),
        usage,
    })
}

/// A Batch output line: `{custom_id, response: {status_code, body}, error}`.
#[derive(Deserialize)]
struct OutputLine {
    custom_id: String,
    #[serde(default)]
    response: Option<OutputResponse>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct OutputResponse {
    status_code: u16,
    body: Value,
}

/// Every response of a Batch output file by `custom_id`; a request that failed is kept as why.
/// Errors name the file, the line and the field.
pub(super) fn batch_outputs(path: &Path) -> Result<HashMap<String, Logged>, Box<Diagnostic>> {
    let file = crate::input::open(path).map_err(|e| {
        Box::new(Diagnostic::new(
            path,
            format!("cannot read the Batch output file: {e}"),
        ))
    })?;
    let mut outputs = HashMap::new();
    for line in dataset::lines(path, std::io::BufReader::new(file)) {
        let (n, line) = line?;
        let at = |field: String, message: String| {
            Box::new(
                Diagnostic::new(path, message)
                    .at(n, 1)
                    .field(field)
                    .with_line(&line),
            )
        };
        let out: OutputLine =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&line))
                .map_err(|e| at(e.path().to_string(), e.inner().to_string()))?;
        let logged = match (out.response, out.error) {
            (Some(r), _) if r.status_code == 200 => Ok(completion(r.body)
                .map_err(|(field, why)| at(format!("response.body.{field}"), why))?),
            (Some(r), _) => Err(format!(
                "the logged request failed with HTTP {}: {}",
                r.status_code,
                error_text(&r.body)
            )),
            (None, Some(e)) => Err(format!("the logged request failed: {}", error_text(&e))),
            (None, None) => {
                return Err(at(
                    "response".into(),
                    "a Batch output line needs `response` or `error`".into(),
                ))
            }
        };
        if outputs.insert(out.custom_id.clone(), logged).is_some() {
            return Err(at(
                "custom_id".into(),
                format!("`{}` appears twice", out.custom_id),
            ));
        }
    }
    Ok(outputs)
}

/// The logged response of the request with `custom_id` `id`, taken out of `outputs`.
pub(super) fn joined(
    outputs: &mut HashMap<String, Logged>,
    id: Option<&str>,
    file: &Path,
) -> Logged {
    match id.and_then(|id| outputs.remove(id)) {
        Some(logged) => logged,
        None => Err(format!(
            "{} holds no response with custom_id `{}`",
            file.display(),
            id.unwrap_or_default()
        )),
    }
}

/// An API error object's message, else the object itself (bounded).
fn error_text(v: &Value) -> String {
    let message = v
        .pointer("/error/message")
        .or_else(|| v.pointer("/message"))
        .and_then(Value::as_str);
    let text = message.map_or_else(|| v.to_string(), str::to_string);
    text.chars().take(300).collect()
}
