//! Providers: the `Provider` trait every backend implements (a `chat::ChatRequest` in, a
//! `Completion` or a `ProviderError` out), the endpoint a call went to, and one implementation
//! per kind of backend, each the one place that knows its vendor's wire format.

pub mod anthropic;
pub mod gemini;
pub mod http;
pub mod onnx;
pub mod openai;
pub mod sse;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chat::{ChatRequest, FinishReason, ToolCall, Usage};
use crate::suite::{ProviderConfig, ProviderKind};

/// What answered a request: matching includes it, so a recording of one model never answers for
/// another. Built from the suite alone, so replaying needs neither a key nor a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub kind: String,
    /// The model id (azure-openai: the deployment; onnx: the model folder as the suite names it).
    pub model: Option<String>,
    pub base_url: Option<String>,
}

impl Endpoint {
    /// `sha256:` of a request and this endpoint it went to: two records with the same hash asked
    /// the same model the same thing, whether live or replayed.
    pub fn request_hash(&self, request: &ChatRequest) -> String {
        let body = serde_json::to_vec(&(self, request)).expect("a request is plain JSON");
        format!("sha256:{:x}", Sha256::digest(&body))
    }

    pub fn of(config: &ProviderConfig) -> Self {
        Self {
            kind: config.kind.as_str().into(),
            model: config
                .model
                .clone()
                .or_else(|| config.deployment.clone())
                .or_else(|| config.path.as_ref().map(|p| p.display().to_string())),
            base_url: config
                .base_url
                .as_deref()
                .or_else(|| default_base_url(config.kind))
                .map(|u| crate::secrets::strip_credentials(u.trim_end_matches('/'))),
        }
    }
}

/// What a successful call produced, and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    #[allow(clippy::struct_field_names)]
    pub tool_calls: Vec<ToolCall>,
    /// `stop` (end of turn or a stop string), `length` (max_tokens or the context window).
    pub finish_reason: FinishReason,
    pub usage: Usage,
    /// From sending (or starting prefill) to the first output token.
    pub ttft_ms: f64,
    pub total_ms: f64,
    /// When each piece of output arrived, in ms from sending: each streamed event that added
    /// to it, or each token a local model produced (one entry, the total, for a response read
    /// whole). Their gaps are the inter-token latency a load sweep reports; records keep none.
    pub output_at_ms: Vec<f64>,
    /// What the vendor's rate-limit headers said was left, when it sent them.
    pub quota: Option<http::Quota>,
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

    /// Files that determine the provider's outputs (model weights, tokenizer), for the manifest.
    fn model_files(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// How a model run in-process runs (threads, batch), for the manifest.
    fn local_engine(&self) -> Option<crate::record::LocalEngine> {
        None
    }
}

/// Builds the provider a suite entry describes; `base_dir` resolves relative paths. A missing
/// API key is an error here, before any call.
pub fn build(
    id: &str,
    config: &ProviderConfig,
    base_dir: &Path,
) -> anyhow::Result<Arc<dyn Provider>> {
    let timeouts = http::Timeouts::new(
        config.timeout_s.unwrap_or(60.0),
        config.first_byte_timeout_s,
    );
    let api_key = api_key(id, config)?;
    let base_url = config
        .base_url
        .clone()
        .or_else(|| default_base_url(config.kind).map(str::to_owned));
    let settings = |base_url: Option<String>| http::Settings {
        base_url: base_url.unwrap_or_default(),
        model: config.model.clone(),
        api_key: api_key.clone(),
        stream: config.stream.unwrap_or(true),
        timeouts,
    };
    let provider: Arc<dyn Provider> = match config.kind {
        ProviderKind::Onnx => {
            let path = config
                .path
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("provider `{id}`: kind `onnx` needs `path`"))?;
            let (dir, variant) = (base_dir.join(path), config.variant.as_deref());
            let defaults = onnx::Settings::default();
            let settings = onnx::Settings {
                threads: config.threads.unwrap_or(defaults.threads),
                batch: config.batch.unwrap_or(defaults.batch),
            };
            let provider = onnx::OnnxProvider::load(&dir, variant, settings)
                .map_err(|e| anyhow::anyhow!("provider `{id}`: {e}"))?;
            Arc::new(provider)
        }
        kind @ (ProviderKind::Openai
        | ProviderKind::AzureOpenai
        | ProviderKind::OpenaiCompatible) => {
            let base_url = base_url
                .ok_or_else(|| anyhow::anyhow!("provider `{id}`: `base_url` is required"))?;
            let dialect = openai::Dialect {
                kind: Some(kind),
                deployment: config.deployment.clone(),
                api_version: config.api_version.clone(),
                extra_body: config.extra_body.clone().unwrap_or_default(),
            };
            Arc::new(openai::OpenAiProvider::new(
                settings(Some(base_url)),
                dialect,
            )?)
        }
        ProviderKind::Anthropic => {
            model(id, config)?;
            Arc::new(anthropic::AnthropicProvider::new(settings(base_url))?)
        }
        ProviderKind::Gemini => {
            model(id, config)?;
            Arc::new(gemini::GeminiProvider::new(settings(base_url))?)
        }
        ProviderKind::Logged => anyhow::bail!(
            "provider `{id}`: kind `logged` makes no calls; its answers are the responses logged with replayed traffic"
        ),
    };
    Ok(provider)
}

fn model(id: &str, config: &ProviderConfig) -> anyhow::Result<String> {
    config.model.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "provider `{id}`: kind `{}` needs `model`",
            config.kind.as_str()
        )
    })
}

pub fn default_base_url(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Openai => Some("https://api.openai.com/v1"),
        ProviderKind::Anthropic => Some("https://api.anthropic.com"),
        ProviderKind::Gemini => Some("https://generativelanguage.googleapis.com"),
        ProviderKind::AzureOpenai
        | ProviderKind::OpenaiCompatible
        | ProviderKind::Onnx
        | ProviderKind::Logged => None,
    }
}

/// The environment variable holding a provider's key: `api_key_env`, else the vendor's usual one.
/// OpenAI-compatible engines often need none, and local models never do.
pub fn api_key_var(config: &ProviderConfig) -> Option<String> {
    config.api_key_env.clone().or_else(|| {
        match config.kind {
            ProviderKind::Openai => Some("OPENAI_API_KEY"),
            ProviderKind::AzureOpenai => Some("AZURE_OPENAI_API_KEY"),
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::Gemini => Some("GEMINI_API_KEY"),
            ProviderKind::OpenaiCompatible | ProviderKind::Onnx | ProviderKind::Logged => None,
        }
        .map(str::to_owned)
    })
}

/// Reads the key from the environment, else from `.env` in the current directory (which never
/// overrides the environment). Only the variable's name ever appears in a message.
fn api_key(id: &str, config: &ProviderConfig) -> anyhow::Result<Option<String>> {
    let Some(var) = api_key_var(config) else {
        return Ok(None);
    };
    if let Some(value) = lookup_env(&var) {
        return Ok(Some(value));
    }
    anyhow::bail!(
        "provider `{id}`: the API key variable {var} is not set; export it or put `{var}=…` in .env \
         (or run without this provider: --providers)"
    )
}

pub fn lookup_env(var: &str) -> Option<String> {
    if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
        return Some(v);
    }
    dotenvy::from_filename_iter(".env")
        .ok()?
        .flatten()
        .find(|(k, _)| k == var)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}
