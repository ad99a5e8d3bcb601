//! The vendor-neutral chat vocabulary every stage speaks: a request (messages, sampling, tools,
//! response format), the tool calls a model makes, and the token counts it reports. A leaf: it
//! imports nothing else of the crate, so the suite, the providers, the runner and the scorers
//! can all use it without depending on each other.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A chat call as every provider understands it. Each vendor module translates it to its wire
/// format and back; nothing else knows a vendor's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub sampling: Sampling,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
}

/// A function the model may call; `parameters` is its JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub parameters: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    Auto,
    None,
    /// Some tool must be called.
    Required,
    /// This tool must be called.
    Tool(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ResponseFormat {
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON valid against `schema`.
    JsonSchema {
        name: String,
        schema: serde_json::Value,
        #[serde(default)]
        strict: bool,
    },
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>, sampling: Sampling) -> Self {
        Self {
            messages,
            sampling,
            tools: Vec::new(),
            tool_choice: None,
            response_format: None,
        }
    }
}

/// One chat message, vendor-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// An assistant's calls to tools (replayed conversations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For `role: tool`: the call this message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result, answering an assistant's tool call (replayed traffic).
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
        }
    }
}

/// A model's request to call a tool; `arguments` is the JSON text the model produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// The sampling a provider actually uses: the suite's defaults with its own overrides applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    pub temperature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    pub max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub stop: Vec<String>,
}

/// Sampling settings that replace a `Sampling`'s where they are set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SamplingOverrides {
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub max_tokens: Option<u32>,
    pub seed: Option<u64>,
    pub stop: Option<Vec<String>>,
}

impl Sampling {
    pub fn with(&self, o: &SamplingOverrides) -> Sampling {
        Sampling {
            temperature: o.temperature.unwrap_or(self.temperature),
            top_p: o.top_p.or(self.top_p),
            max_tokens: o.max_tokens.unwrap_or(self.max_tokens),
            seed: o.seed.or(self.seed),
            stop: o.stop.clone().unwrap_or_else(|| self.stop.clone()),
        }
    }
}

/// Token counts as the record reports them (docs/design.md, `records.jsonl`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cached_input_tokens: u64,
}

/// Why a model stopped: `stop` (end of turn or a stop string), `length` (`max_tokens` or the
/// context window), `tool_calls` (it asked to call tools), or the vendor's own word for anything
/// else (OpenAI's `content_filter`, Gemini's `safety`). Written as that word in records and
/// cassettes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    Other(String),
}

impl FinishReason {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::ToolCalls => "tool_calls",
            Self::Other(word) => word,
        }
    }
}

impl From<&str> for FinishReason {
    fn from(word: &str) -> Self {
        match word {
            "stop" => Self::Stop,
            "length" => Self::Length,
            "tool_calls" => Self::ToolCalls,
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<String> for FinishReason {
    fn from(word: String) -> Self {
        Self::from(word.as_str())
    }
}

impl From<FinishReason> for String {
    fn from(reason: FinishReason) -> Self {
        reason.as_str().to_string()
    }
}

impl std::fmt::Display for FinishReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for FinishReason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Requests the vendor modules' tests translate.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{Sampling, ToolCall};

    /// Seeded, nucleus-limited sampling with a stop string: every field a vendor translates.
    pub fn sampling() -> Sampling {
        Sampling {
            temperature: 0.0,
            top_p: Some(0.9),
            max_tokens: 16,
            seed: Some(7),
            stop: vec!["\n".into()],
        }
    }

    pub fn call(id: &str, name: &str, arguments: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_are_written_as_the_word_they_were_read_from() {
        for word in ["stop", "length", "tool_calls", "content_filter"] {
            let reason: FinishReason = serde_json::from_value(word.into()).unwrap();
            assert_eq!(serde_json::to_value(&reason).unwrap(), word);
        }
        assert_eq!(FinishReason::from("tool_calls"), FinishReason::ToolCalls);
        assert_eq!(
            FinishReason::from("safety"),
            FinishReason::Other("safety".into())
        );
    }
}
