//! Workload lock-in: which features the suite's requests use (tools, JSON modes, images, audio,
//! logprobs, long context) against what each provider can do, so a report can say "N% of the
//! requests use something candidate X lacks" with examples.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::chat::ResponseFormat;
use crate::suite::{Case, ProviderConfig, ProviderKind, Suite, SuiteError};

/// A feature a request needs from the model that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    Tools,
    JsonMode,
    JsonSchema,
    Images,
    Audio,
    Files,
    Logprobs,
    /// More input than the provider's context window holds.
    LongContext,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tools => "tools",
            Self::JsonMode => "json-mode",
            Self::JsonSchema => "json-schema",
            Self::Images => "images",
            Self::Audio => "audio",
            Self::Files => "files",
            Self::Logprobs => "logprobs",
            Self::LongContext => "long-context",
        }
    }
}

/// What a provider can do; `None` where nothing says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub tools: Option<bool>,
    pub json_schema: Option<bool>,
    pub vision: Option<bool>,
    pub audio: Option<bool>,
    pub logprobs: Option<bool>,
    pub context_window: Option<u64>,
    /// Where these come from.
    pub source: String,
}

impl Capabilities {
    /// The suite's `capabilities:` first, then what modelswap knows of the kind: the price
    /// table's flags for vendor models, the model folder for ONNX models (which modelswap runs
    /// text-only, without tool calling or constrained decoding).
    pub fn of(config: &ProviderConfig, suite_dir: &Path) -> Self {
        let mut caps = match config.kind {
            ProviderKind::Onnx => Self {
                tools: Some(false),
                json_schema: Some(false),
                vision: Some(false),
                audio: Some(false),
                logprobs: Some(false),
                context_window: config
                    .path
                    .as_ref()
                    .and_then(|p| onnx_context(&suite_dir.join(p))),
                source: "modelswap's ONNX provider (text in, text out; context from config.json)"
                    .into(),
            },
            ProviderKind::OpenaiCompatible => Self {
                source: "unknown: declare the engine's `capabilities:` in the suite".into(),
                ..Self::default()
            },
            // The incumbent as logged: it served every logged request with what it used.
            ProviderKind::Logged => Self {
                tools: Some(true),
                json_schema: Some(true),
                vision: Some(true),
                audio: Some(true),
                logprobs: Some(true),
                context_window: None,
                source:
                    "the logged production answers: production served each logged request as it was"
                        .into(),
            },
            kind => match config
                .model
                .as_deref()
                .and_then(|m| crate::cost::lookup(kind, m))
            {
                Some(entry) => Self {
                    tools: Some(entry.tools),
                    json_schema: Some(entry.json_schema),
                    vision: Some(entry.vision),
                    audio: None,
                    logprobs: None,
                    context_window: entry.context_window,
                    source: format!("price table ({}, read {})", entry.source, entry.read_on),
                },
                None => Self {
                    source: "unknown: the model is not in the price table; declare `capabilities:`"
                        .into(),
                    ..Self::default()
                },
            },
        };
        if let Some(declared) = &config.capabilities {
            caps.tools = declared.tools.or(caps.tools);
            caps.json_schema = declared.json_schema.or(caps.json_schema);
            caps.vision = declared.vision.or(caps.vision);
            caps.audio = declared.audio.or(caps.audio);
            caps.logprobs = declared.logprobs.or(caps.logprobs);
            caps.context_window = declared.context_window.or(caps.context_window);
            caps.source = format!("declared in the suite, else {}", caps.source);
        }
        caps
    }

    /// Whether the provider can serve `need` for a request of `input_tokens`.
    fn serves(&self, need: Need, input_tokens: u64) -> Option<bool> {
        match need {
            Need::Tools => self.tools,
            // JSON mode is served by a JSON-schema or tool-calling capability (modelswap
            // translates it so for vendors without a JSON mode).
            Need::JsonMode => match (self.json_schema, self.tools) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Need::JsonSchema => self.json_schema,
            Need::Images | Need::Files => self.vision,
            Need::Audio => self.audio,
            Need::Logprobs => self.logprobs,
            Need::LongContext => self.context_window.map(|w| input_tokens <= w),
        }
    }
}

fn onnx_context(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    config.get("max_position_embeddings")?.as_u64()
}

/// The audit of one suite's workload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkloadAudit {
    pub requests: usize,
    /// How many requests need each feature (long context: more than the smallest window of the
    /// providers, counted per provider below).
    pub uses: Vec<Use>,
    /// One per provider, in the suite's order.
    pub providers: Vec<ProviderFit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Use {
    pub need: Need,
    pub requests: usize,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderFit {
    pub provider: String,
    pub capabilities: Capabilities,
    /// Requests needing something the provider lacks.
    pub lacking: usize,
    pub lacking_share: f64,
    /// Requests needing something nothing says the provider has or lacks.
    pub unknown: usize,
    /// Per missing feature: how many requests, and a few case ids.
    pub gaps: Vec<Use>,
}

impl ProviderFit {
    /// "tools ×3 (e.g. a, b, c); images ×1 (e.g. d)", or "—".
    pub fn gaps_text(&self) -> String {
        if self.gaps.is_empty() {
            return "—".into();
        }
        self.gaps
            .iter()
            .map(|g| {
                format!(
                    "{} ×{} (e.g. {})",
                    g.need.as_str(),
                    g.requests,
                    g.examples.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

const EXAMPLES: usize = 3;

/// What each case needs, and what each provider lacks of it, in one pass over the cases. An
/// error means one of the suite's files changed since it was loaded.
pub fn audit(suite: &Suite) -> Result<WorkloadAudit, SuiteError> {
    let dir = suite.dir();
    let mut providers: Vec<ProviderFit> = suite
        .spec
        .providers
        .iter()
        .map(|(id, config)| ProviderFit {
            provider: id.clone(),
            capabilities: Capabilities::of(config, &dir),
            lacking: 0,
            lacking_share: 0.0,
            unknown: 0,
            gaps: Vec::new(),
        })
        .collect();
    let mut gaps: Vec<BTreeMap<Need, Use>> = vec![BTreeMap::new(); providers.len()];
    let mut uses: BTreeMap<Need, Use> = BTreeMap::new();
    let mut requests = 0;
    for case in suite.cases.iter() {
        let case = case?;
        requests += 1;
        let (needs, tokens) = (needs_of(&case), estimated_tokens(&case));
        for need in &needs {
            add(&mut uses, *need, &case.id);
        }
        for (fit, gaps) in providers.iter_mut().zip(&mut gaps) {
            let mut missing = false;
            let mut unsure = false;
            for need in needs.iter().copied().chain([Need::LongContext]) {
                match fit.capabilities.serves(need, tokens) {
                    Some(false) => {
                        missing = true;
                        add(gaps, need, &case.id);
                    }
                    None if need != Need::LongContext => unsure = true,
                    _ => {}
                }
            }
            fit.lacking += usize::from(missing);
            fit.unknown += usize::from(!missing && unsure);
        }
    }
    for (fit, gaps) in providers.iter_mut().zip(gaps) {
        fit.lacking_share = share(fit.lacking, requests);
        fit.gaps = gaps.into_values().collect();
    }
    Ok(WorkloadAudit {
        requests,
        uses: uses.into_values().collect(),
        providers,
    })
}

fn add(map: &mut BTreeMap<Need, Use>, need: Need, case: &str) {
    let entry = map.entry(need).or_insert_with(|| Use {
        need,
        requests: 0,
        examples: Vec::new(),
    });
    entry.requests += 1;
    if entry.examples.len() < EXAMPLES {
        entry.examples.push(case.to_string());
    }
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn needs_of(case: &Case) -> Vec<Need> {
    let x = case.extras();
    let mut needs = Vec::new();
    if !x.tools.is_empty() || case.messages.iter().any(|m| !m.tool_calls.is_empty()) {
        needs.push(Need::Tools);
    }
    match &x.response_format {
        Some(ResponseFormat::JsonObject) => needs.push(Need::JsonMode),
        Some(ResponseFormat::JsonSchema { .. }) => needs.push(Need::JsonSchema),
        _ => {}
    }
    for media in &x.media {
        needs.push(match media.as_str() {
            "image_url" => Need::Images,
            "input_audio" => Need::Audio,
            _ => Need::Files,
        });
    }
    if x.dropped
        .iter()
        .any(|f| f == "logprobs" || f == "top_logprobs")
    {
        needs.push(Need::Logprobs);
    }
    needs.sort();
    needs.dedup();
    needs
}

/// Input tokens, estimated at four characters a token plus a few per message: close enough to
/// compare with context windows of thousands of tokens, and the same for every provider.
fn estimated_tokens(case: &Case) -> u64 {
    case.messages
        .iter()
        .map(|m| {
            let text = m.content.len()
                + m.tool_calls
                    .iter()
                    .map(|c| c.arguments.len() + c.name.len())
                    .sum::<usize>();
            text as u64 / 4 + 4
        })
        .sum()
}

/// A compact Markdown section (also used inside the run report).
pub fn markdown(audit: &WorkloadAudit) -> String {
    let mut out = format!("### Workload lock-in ({} requests)\n\n", audit.requests);
    if audit.uses.is_empty() {
        out.push_str("No request uses tools, JSON modes, images, audio, files or logprobs.\n\n");
    } else {
        out.push_str("| feature | requests | examples |\n|---|---:|---|\n");
        for u in &audit.uses {
            out.push_str(&format!(
                "| {} | {} ({:.0}%) | {} |\n",
                u.need.as_str(),
                u.requests,
                100.0 * share(u.requests, audit.requests),
                u.examples.join(", ")
            ));
        }
        out.push('\n');
    }
    out.push_str("| provider | requests using something it lacks | unknown | what it lacks | capabilities from |\n|---|---:|---:|---|---|\n");
    for p in &audit.providers {
        out.push_str(&format!(
            "| {} | {} ({:.0}%) | {} | {} | {} |\n",
            p.provider,
            p.lacking,
            100.0 * p.lacking_share,
            p.unknown,
            p.gaps_text(),
            p.capabilities.source.replace('|', "\\|"),
        ));
    }
    out
}
