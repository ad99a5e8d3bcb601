//! The schema of a suite's `scorers` entries (part of the public contract of docs/suite.md):
//! the types a scorer can be, and the one flat shape every type is written in.
//! `scorer` resolves them.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ScorerType {
    Equals,
    Contains,
    Icontains,
    Regex,
    StartsWith,
    /// The output parses as JSON (also inside a ```json fence); with `schema`, it is valid
    /// against that JSON Schema (draft 2020-12).
    Json,
    /// Cosine similarity of sentence embeddings of the output and `value`.
    Similarity,
    /// ROUGE-L F-measure (longest common subsequence of words) against `value`.
    RougeL,
    /// Sentence BLEU against `value` (sacreBLEU's sentence_bleu: 13a tokens, exp smoothing).
    Bleu,
    /// The first number in the output is `value` within `tolerance`.
    Number,
    /// An LLM of this suite (`provider`) judges the output against a `rubric`.
    Judge,
    /// Your own program (`run`) gets the record as JSON on stdin.
    Command,
    /// The call's total time is at most `max_ms`.
    Latency,
    /// The record's cost is at most `max_usd` (needs a price for the provider).
    Cost,
    /// The output's tool calls against `value` (a JSON list of `{name, arguments}`) or the
    /// reference's: F1 over calls matched by name and arguments.
    ToolCall,
    /// Both sides parsed as JSON: the fraction of the reference's leaf values reproduced at the
    /// same paths.
    JsonMatch,
}

impl ScorerType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::Contains => "contains",
            Self::Icontains => "icontains",
            Self::Regex => "regex",
            Self::StartsWith => "starts-with",
            Self::Json => "json",
            Self::Similarity => "similarity",
            Self::RougeL => "rouge-l",
            Self::Bleu => "bleu",
            Self::Number => "number",
            Self::Judge => "judge",
            Self::Command => "command",
            Self::Latency => "latency",
            Self::Cost => "cost",
            Self::ToolCall => "tool-call",
            Self::JsonMatch => "json-match",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    Trim,
    Lowercase,
    /// Runs of whitespace become one space.
    CollapseWhitespace,
    /// Drops ASCII punctuation (a trailing "." from a chatty model, say).
    StripPunctuation,
}

/// One scorer. One flat shape for every type (so unknown keys are reported with their exact
/// line); fields that do not apply to a type are rejected by validation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScorerConfig {
    #[serde(rename = "type")]
    pub kind: ScorerType,
    /// How records and reports name it (default: its type, numbered from the second of a type
    /// on: `tool-call`, `tool-call#2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What to compare with: a minijinja template over the case's vars and expect. Text
    /// scorers, similarity, rouge-l and bleu: the reference; number: the expected number; judge
    /// (optional): a reference answer shown to the judge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Applied to both the output and the value before comparing (text scorers, similarity,
    /// rouge-l, bleu).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalize: Vec<Normalize>,
    /// Run only on cases carrying at least one of these tags (default: every case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// This scorer's weight in the record's mean `score` (default 1). A case passes only when
    /// every scorer passes, whatever the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// json: a JSON Schema file (draft 2020-12), relative to the suite file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<PathBuf>,
    /// similarity, rouge-l, bleu: the score needed to pass, in [0, 1]; command: a printed score
    /// must also reach it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// similarity: the embedding model folder, relative to the suite file (default: the
    /// all-MiniLM-L6-v2 folder `make setup` installs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// judge: the id of the suite provider that judges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// judge: what a good answer does, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rubric: Option<String>,
    /// command: the program and its arguments, run in the suite file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Vec<String>>,
    /// command: seconds before the program is killed and the scorer fails (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// latency: the largest total time of the call, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    /// cost: the largest cost of the call in USD (needs a price for the provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_usd: Option<f64>,
    /// number: the largest absolute difference that still passes (default 0); json-match: the
    /// largest absolute difference at which two numbers still agree (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Instead of `value`, another answer to the same case: `baseline` (the gate baseline's),
    /// a provider id of this suite, or `logged` (the response logged with a replayed request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// tool-call: calls must come in the reference's order (default false: a set);
    /// json-match: arrays are compared position by position (default true; false: as multisets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<bool>,
    /// tool-call: how arguments are compared (default `exact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<ArgumentsMatch>,
    /// json-match: JSON Pointers (`/id`, `/items/*/ts`; `*` is any key or index) left out of
    /// the comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<String>>,
    /// judge: `rubric` (default: grade the answer) or `pairwise` (compare it with the reference
    /// answer, in both orders: win 1, tie 0.5, loss 0; passes at `threshold`, default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<JudgeMode>,
}

/// How a `tool-call` scorer compares two calls' arguments (both parsed as JSON: key order,
/// whitespace and number spelling never matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArgumentsMatch {
    /// The same values at the same paths, nothing more, nothing less.
    Exact,
    /// Every value the expected call has, at its path; extra arguments allowed.
    Subset,
    /// Valid against the tool's `parameters` JSON Schema (the request's tool definition);
    /// the values themselves are not compared.
    Schema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JudgeMode {
    Rubric,
    Pairwise,
}
