//! The suite file: its schema (these types are the public contract of docs/suite.md), loading with
//! precise error locations, dataset files, and expansion into the cases a run executes.

mod check;
mod dataset;
mod error;
mod load;
mod plan;
mod scorer;
mod scorer_config;
mod source;
mod traffic;

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use error::{Diagnostic, SuiteError};

/// Writes the starter suite of `modelswap init` to `path`, refusing to overwrite a file.
pub fn write_starter(path: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create_new(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot create {}: {e} (init never overwrites a file)",
            path.display()
        )
    })?;
    file.write_all(include_str!("starter.yaml").as_bytes())?;
    Ok(())
}
pub use load::{json_schema, load, load_checked, Problem};
pub use plan::{Case, Cases, Check, Origin};
pub use scorer::{Program, Reference, Scorer, Test, TextTest};
pub use scorer_config::{ArgumentsMatch, JudgeMode, Normalize, ScorerConfig, ScorerType};
pub use traffic::{LoggedResponse, Request as LoggedRequest, RequestExtras};

use crate::chat::{Role, Sampling, SamplingOverrides};

/// A parsed, validated suite file, and its cases from every source.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The file it was read from.
    pub path: PathBuf,
    /// sha256 of the file's bytes, recorded in every run's manifest.
    pub sha256: String,
    pub spec: SuiteSpec,
    /// `spec.scorers`, resolved: what each needs checked and found.
    pub scorers: Vec<Scorer>,
    /// Read and rendered again on each pass, not held.
    pub cases: Cases,
}

impl Suite {
    /// The folder relative paths in the suite are resolved against: the suite file's.
    pub fn dir(&self) -> PathBuf {
        dir_of(&self.path)
    }
}

/// The folder of a suite file (`.` for a bare file name).
fn dir_of(path: &std::path::Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The YAML document as written (schema version 1).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "modelswap suite (version 1)",
    description = "Providers, sampling, prompt, cases, scorers and gate of a modelswap run. Every field is explained in docs/suite.md of the modelswap repository."
)]
pub struct SuiteSpec {
    /// Schema version; must be 1.
    pub version: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What production looks like; drives cost projections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
    /// Service-level objectives a load sweep's goodput must meet (`modelswap load`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<Slo>,
    /// Provider id -> settings. The order is kept: reports list providers in it.
    pub providers: IndexMap<String, ProviderConfig>,
    /// Sampling for every provider unless the provider overrides it.
    #[serde(default)]
    pub defaults: Defaults,
    pub prompt: Prompt,
    /// Inline cases, dataset files and recorded traffic; all may be mixed.
    pub cases: Vec<CaseEntry>,
    /// Every scorer runs on every record (or on the cases carrying one of its `tags`).
    #[serde(default)]
    pub scorers: Vec<ScorerConfig>,
    /// What `modelswap gate` enforces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub requests_per_month: u64,
}

/// Latency bounds, any subset: a load level meets the SLO when each given 95th percentile is at
/// most its bound.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Time to first token, 95th percentile, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_p95_ms: Option<f64>,
    /// Inter-token latency (the gap between streamed chunks), 95th percentile, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub itl_p95_ms: Option<f64>,
    /// End-to-end latency of a request, 95th percentile, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e2e_p95_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Openai,
    AzureOpenai,
    Anthropic,
    Gemini,
    OpenaiCompatible,
    Onnx,
    /// The responses logged with replayed traffic, as a provider: no call is made; its usage is
    /// priced by the table for the model that answered, and it has no latency.
    Logged,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::AzureOpenai => "azure-openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::OpenaiCompatible => "openai-compatible",
            Self::Onnx => "onnx",
            Self::Logged => "logged",
        }
    }

    /// Local providers share this machine's CPU, so the runner never runs two of them at once:
    /// their latency figures would measure each other.
    pub fn is_local(self) -> bool {
        self == Self::Onnx
    }
}

/// One provider's settings. One flat shape for every kind (so unknown keys are reported with
/// their exact line); fields that do not apply to a kind are rejected by validation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// openai | azure-openai | anthropic | gemini | openai-compatible | onnx | logged
    pub kind: ProviderKind,
    /// The vendor's model id (or, for openai-compatible engines, the served model name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Name of the environment variable holding the API key (never the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// azure-openai: the deployment name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// azure-openai: the api-version query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// onnx: the model folder (optimum-cli layout), relative to the suite file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// onnx: ONNX Runtime intra-op threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// onnx: the most cases in flight decoded together in one forward pass (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
    /// onnx: which graph of the folder: `fp16` picks `model_fp16.onnx` (or `onnx/model_fp16.onnx`,
    /// as transformers.js repositories hold them); default `model.onnx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Requests in flight at once (`concurrency_or_default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// The whole call, in seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// Until the response's headers arrive, in seconds (default `timeout_s`): a server that has
    /// not started answering by then is given up on (and retried) long before the total runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_timeout_s: Option<f64>,
    /// Retries on 429 / 5xx / timeouts / resets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Stream responses to measure time to first token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Overrides the built-in price table for this provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Self-hosted providers: what the hardware costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting: Option<Hosting>,
    /// openai-compatible: fields merged into every request body (engine-specific options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_body: Option<serde_json::Map<String, serde_json::Value>>,
    /// A cassette (relative to the suite file) that answers for this provider while its API key
    /// is not set, so the suite runs offline; with the key set, the provider runs live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cassette: Option<PathBuf>,
    /// What the model behind this provider can do, for the lock-in audit: overrides what
    /// modelswap knows (the price table's flags, an ONNX model's context); the only source for
    /// openai-compatible engines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<DeclaredCapabilities>,
    /// A note shown beside this provider in reports (e.g. where its figures come from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    // Sampling overrides (same meaning as in `defaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredCapabilities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<bool>,
    /// JSON-schema-constrained output (strict structured outputs, guided decoding, grammars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// In tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_minute: Option<u32>,
}

/// A vendor's per-token price, in USD per million tokens. Cached input is the part of the input
/// read from the vendor's prompt cache; without `cached_input_per_mtok` it is charged as input.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_per_mtok: Option<f64>,
    /// The vendor's batch API (asynchronous, usually half price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Rates>,
    /// Dearer rates for every token of a request whose input exceeds a threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_context: Option<LongContext>,
}

/// USD per million tokens.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_per_mtok: Option<f64>,
}

/// The long-context tier: a request with more than `above_input_tokens` input tokens is charged
/// these rates for all of its tokens.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LongContext {
    pub above_input_tokens: u64,
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_per_mtok: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hosting {
    pub usd_per_hour: f64,
    /// Fraction of the hours the hardware does useful work, in (0, 1].
    #[serde(default = "Hosting::default_utilization")]
    pub utilization: f64,
}

impl Hosting {
    fn default_utilization() -> f64 {
        1.0
    }
}

/// Sampling settings and repeats.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default)]
    pub temperature: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(default = "Defaults::default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Run each case N times (flakiness, variance).
    #[serde(default = "Defaults::default_repeats")]
    pub repeats: u32,
}

impl Defaults {
    fn default_max_tokens() -> u32 {
        256
    }
    fn default_repeats() -> u32 {
        1
    }
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            top_p: None,
            max_tokens: Self::default_max_tokens(),
            seed: None,
            stop: Vec::new(),
            repeats: Self::default_repeats(),
        }
    }
}

impl ProviderConfig {
    /// Calls in flight at once: `concurrency`, else 1 for a local model (one decode at a time on
    /// these cores) and 4 for a remote one.
    pub fn concurrency_or_default(&self) -> usize {
        self.concurrency
            .unwrap_or(if self.kind.is_local() { 1 } else { 4 })
    }

    /// As files and reports record it: a `base_url`'s user and password left out.
    pub fn without_credentials(&self) -> Self {
        let mut config = self.clone();
        config.base_url = (config.base_url.as_deref()).map(crate::secrets::strip_credentials);
        config
    }
}

impl SuiteSpec {
    pub fn sampling_for(&self, provider: &ProviderConfig) -> Sampling {
        let d = &self.defaults;
        let defaults = Sampling {
            temperature: d.temperature,
            top_p: d.top_p,
            max_tokens: d.max_tokens,
            seed: d.seed,
            stop: d.stop.clone(),
        };
        defaults.with(&SamplingOverrides {
            temperature: provider.temperature,
            top_p: provider.top_p,
            max_tokens: provider.max_tokens,
            seed: provider.seed,
            stop: provider.stop.clone(),
        })
    }
}

/// minijinja templates over a case's `vars` (and `expect`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Instead of system/user: the whole conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageTemplate>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    pub role: Role,
    pub content: String,
}

/// One entry of `cases`: an inline case (`vars`, `expect`, `tags`, `id`) or a dataset `file`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseEntry {
    /// A stable id for the case; defaults to `case-NNNN` by position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vars: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// A dataset: .jsonl, .csv or .parquet, relative to the suite file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Recorded traffic, relative to the suite file: OpenAI chat-completions request bodies one
    /// per line, `{"request": body, "response": completion}` lines (the response logged with
    /// it), or Batch API input lines (`custom_id`, `method`, `url`, `body`); or a Batch input
    /// file with its output file, `{requests: in.jsonl, responses: out.jsonl}`. Each request is
    /// sent as it was (messages, tools, response_format, sampling); its cases are tagged `replay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
}

/// Where replayed traffic is read from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Replay {
    /// One file of requests (each line may hold its logged response).
    File(PathBuf),
    /// An OpenAI Batch input file and the output file the Batch API returned for it, joined by
    /// `custom_id`: the outputs are the logged responses.
    Batch {
        requests: PathBuf,
        responses: PathBuf,
    },
}

impl Replay {
    /// The requests file.
    pub fn requests(&self) -> &std::path::Path {
        match self {
            Self::File(p) | Self::Batch { requests: p, .. } => p,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The provider the candidates are compared with.
    pub baseline: String,
    pub candidates: Vec<String>,
    /// Absolute floor for each candidate's pass rate, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    /// Largest allowed drop of a candidate's pass rate below the baseline's on the same cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pass_rate_drop: Option<f64>,
    /// A drop counts as a regression only when an exact McNemar test is significant at this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub significance: Option<f64>,
    /// The candidate must be shown not worse than the baseline by more than this, on the pass
    /// rate (e.g. 0.03): the one-sided upper bound of baseline − candidate below it. Inferior and
    /// inconclusive both fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_inferiority_margin: Option<f64>,
    /// The same on the mean score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_inferiority_score_margin: Option<f64>,
    /// The confidence of the non-inferiority bounds (default 0.95): one-sided, Holm-adjusted
    /// across the candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_p95_latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost_per_1k_requests_usd: Option<f64>,
}
