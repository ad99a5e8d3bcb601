//! Providers: the vendor-neutral request and response, and one implementation per kind of
//! backend. This is the one place that knows the common shape of a chat call.

pub mod http;
pub mod onnx;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::suite::ToolCall;
use crate::suite::{Message, ProviderConfig, ProviderKind, Sampling};

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

    /// `sha256:` of the canonical request with the provider's identity: two records with the same
    /// hash asked the same model the same thing.
    pub fn hash(&self, provider_identity: &str) -> String {
        let body = serde_json::to_vec(self).expect("a request is plain JSON");
        let mut h = Sha256::new();
        h.update(provider_identity.as_bytes());
        h.update([0]);
        h.update(&body);
        format!("sha256:{:x}", h.finalize())
    }
}

/// Token counts as the record reports them (see DESIGN.md's counting rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cached_input_tokens: u64,
}

/// What a successful call produced, and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    #[allow(clippy::struct_field_names)]
    pub tool_calls: Vec<ToolCall>,
    /// `stop` (end of turn or a stop string), `length` (max_tokens or the context window).
    pub finish_reason: String,
    pub usage: Usage,
    /// From sending (or starting prefill) to the first output token.
    pub ttft_ms: f64,
    pub total_ms: f64,
}

/// Error kinds as records name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    RateLimited,
    Server,
    Timeout,
    Network,
    BadRequest,
    Auth,
    InvalidResponse,
    Model,
}

impl ErrorKind {
    /// Whether another attempt may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::Server
                | Self::Timeout
                | Self::Network
                | Self::InvalidResponse
        )
    }
}

/// A failed call. The message never contains a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub message: String,
    /// How long the vendor asked us to wait before trying again.
    pub retry_after: Option<std::time::Duration>,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError>;

    /// What identifies the model behind this provider (kind, model, endpoint) for request hashes.
    fn identity(&self) -> String;

    /// Files that determine the provider's outputs (model weights, tokenizer), for the manifest.
    fn model_files(&self) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// Builds the provider a suite entry describes; `base_dir` resolves relative paths.
pub fn build(
    id: &str,
    config: &ProviderConfig,
    base_dir: &Path,
) -> anyhow::Result<Arc<dyn Provider>> {
    match config.kind {
        ProviderKind::Onnx => {
            let path = config
                .path
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("provider `{id}`: kind `onnx` needs `path`"))?;
            let provider =
                onnx::OnnxProvider::load(&base_dir.join(path), config.threads.unwrap_or(2))
                    .map_err(|e| anyhow::anyhow!("provider `{id}`: {e}"))?;
            Ok(Arc::new(provider))
        }
        other => anyhow::bail!(
            "provider `{id}`: kind `{}` is not available in this version of modelswap",
            other.as_str()
        ),
    }
}
