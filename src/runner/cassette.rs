//! Cassettes: calls recorded to a JSONL file and answered from it later with no network, so CI and
//! the demo run offline. An entry holds the endpoint and the canonical request, never a header.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::chat::{ChatRequest, FinishReason, Sampling, ToolCall, Usage};
use crate::error::Error;
use crate::provider::{Completion, Endpoint, ErrorKind, ProviderError};
use crate::suite::{Case, Problem, SuiteError, SuiteSpec};

/// One line of a cassette file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Recording {
    #[serde(flatten)]
    endpoint: Endpoint,
    /// The vendor-neutral request, keys sorted.
    request: Value,
    /// Which repeat of the request this answered (repeats of one request may differ).
    #[serde(default)]
    repeat: u32,
    #[serde(flatten)]
    outcome: Outcome,
    recorded_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Response(Response),
    Error { kind: ErrorKind, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Response {
    text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall>,
    finish_reason: FinishReason,
    usage: Usage,
    ttft_ms: f64,
    total_ms: f64,
    /// The call's share of a self-hosted machine (records' `timing.machine_ms`); absent in
    /// cassettes recorded before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    machine_ms: Option<f64>,
}

/// A cassette open for recording (appending) or for replaying.
pub struct Cassette {
    path: PathBuf,
    /// Replay: match key -> the recorded outcome.
    entries: HashMap<String, Outcome>,
    /// Record: the file, appended one whole line per write.
    file: Option<Mutex<File>>,
}

impl Cassette {
    /// Loads every entry; a line that is not an entry is an error naming it.
    pub fn replay(path: &Path) -> anyhow::Result<Self> {
        let cannot = || format!("cannot read cassette {}", path.display());
        let mut reader = std::io::BufReader::new(crate::input::open(path).with_context(cannot)?);
        let mut entries = HashMap::new();
        let (mut line, mut number) = (Vec::new(), 0);
        loop {
            line.clear();
            if crate::input::read_line(&mut reader, &mut line).with_context(cannot)? == 0 {
                break;
            }
            number += 1;
            if line.trim_ascii().is_empty() {
                continue;
            }
            let entry: Recording = serde_json::from_slice(&line)
                .with_context(|| format!("{}:{number}: not a cassette entry", path.display()))?;
            let key = key(&entry.endpoint, &entry.request, entry.repeat);
            // The first recording of a request wins, as when it was recorded.
            entries.entry(key).or_insert(entry.outcome);
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries,
            file: None,
        })
    }

    /// Opens `path` for appending (creating it); entries already there are kept, and must be
    /// entries: a file that is not a cassette is refused rather than appended to.
    pub fn record(path: &Path) -> anyhow::Result<Self> {
        if path.exists() {
            Self::replay(path).context("--record appends only to a cassette")?;
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open cassette {}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            entries: HashMap::new(),
            file: Some(Mutex::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded answer to `request` and its share of the machine when recorded, or `None`
    /// when the cassette has none.
    pub fn answer(
        &self,
        endpoint: &Endpoint,
        request: &ChatRequest,
        repeat: u32,
    ) -> Option<(Result<Completion, ProviderError>, Option<f64>)> {
        let key = key(endpoint, &canonical(request), repeat);
        self.entries.get(&key).map(|outcome| match outcome.clone() {
            Outcome::Response(r) => (
                Ok(Completion {
                    quota: None,
                    text: r.text,
                    tool_calls: r.tool_calls,
                    finish_reason: r.finish_reason,
                    usage: r.usage,
                    ttft_ms: r.ttft_ms,
                    total_ms: r.total_ms,
                    output_at_ms: vec![r.total_ms],
                }),
                r.machine_ms,
            ),
            Outcome::Error { kind, message } => (Err(ProviderError::new(kind, message)), None),
        })
    }

    /// Appends one call's outcome (the last attempt's, after retries).
    pub fn store(
        &self,
        endpoint: &Endpoint,
        request: &ChatRequest,
        repeat: u32,
        result: &Result<Completion, ProviderError>,
        machine_ms: Option<f64>,
    ) -> anyhow::Result<()> {
        let Some(file) = &self.file else {
            anyhow::bail!("cassette {} is open for replay", self.path.display());
        };
        let outcome = match result {
            Ok(c) => Outcome::Response(Response {
                text: c.text.clone(),
                tool_calls: c.tool_calls.clone(),
                finish_reason: c.finish_reason.clone(),
                usage: c.usage,
                ttft_ms: c.ttft_ms,
                total_ms: c.total_ms,
                machine_ms,
            }),
            Err(e) => Outcome::Error {
                kind: e.kind,
                message: e.message.clone(),
            },
        };
        let entry = Recording {
            endpoint: endpoint.clone(),
            request: canonical(request),
            repeat,
            outcome,
            recorded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        let mut line = serde_json::to_vec(&entry)?;
        line.push(b'\n');
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)
            .with_context(|| format!("cannot append to cassette {}", self.path.display()))
    }
}

/// The request as JSON with every object's keys sorted, so that equal requests written with
/// keys in another order (a tool's schema, say) match.
fn canonical(request: &ChatRequest) -> Value {
    sorted(serde_json::to_value(request).expect("a request is plain JSON"))
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn key(endpoint: &Endpoint, request: &Value, repeat: u32) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&(endpoint, sorted(request.clone()), repeat)).expect("plain JSON"));
    format!("{:x}", h.finalize())
}

/// Each provider's own `cassette:` must be a cassette (it answers for the provider whenever its
/// key is unset, so a broken one would fail only on the machines without the key).
pub(super) fn cassette_problems(spec: &SuiteSpec, suite_dir: &Path) -> Vec<Problem> {
    let named = spec
        .providers
        .iter()
        .filter_map(|(id, p)| Some((id, p.cassette.as_ref()?)));
    named
        .filter_map(|(id, path)| {
            let e = Cassette::replay(&suite_dir.join(path)).err()?;
            Some(Problem {
                field: format!("providers.{id}.cassette"),
                message: format!("{e:#}"),
                help: None,
            })
        })
        .collect()
}

/// A replayed provider must find every call it will make in the cassette; the misses are
/// reported before the run starts, naming the cases.
pub(super) fn check_recorded(
    cassette: &Cassette,
    provider: &str,
    endpoint: &Endpoint,
    cases: impl Iterator<Item = Result<Case, SuiteError>>,
    sampling: &Sampling,
    repeats: u32,
) -> crate::error::Result<()> {
    let mut missing = Vec::new();
    for case in cases {
        let case = case?;
        for repeat in 0..repeats {
            let request = case.request(sampling, repeat);
            if cassette.answer(endpoint, &request, repeat).is_none() {
                missing.push(if repeats > 1 {
                    format!("{} (repeat {repeat})", case.id)
                } else {
                    case.id.clone()
                });
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let shown = missing
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = missing.len().saturating_sub(5);
    Err(Error::Input(format!(
        "cassette {} has no recording for provider `{provider}` ({} {}) on case {shown}{}; \
         record it with `--cassette {} --record`, or check that the suite's prompts, sampling and the provider's model are those recorded",
        cassette.path().display(),
        endpoint.kind,
        endpoint.model.as_deref().unwrap_or("-"),
        if more > 0 { format!(" and {more} more") } else { String::new() },
        cassette.path().display(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Role, Sampling, Tool};

    fn request(tool_schema: Value) -> ChatRequest {
        let mut r = ChatRequest::new(
            vec![Message::new(Role::User, "hi")],
            Sampling {
                temperature: 0.0,
                top_p: None,
                max_tokens: 8,
                seed: None,
                stop: Vec::new(),
            },
        );
        r.tools.push(Tool {
            name: "t".into(),
            description: None,
            parameters: tool_schema,
        });
        r
    }

    fn endpoint(model: &str) -> Endpoint {
        Endpoint {
            kind: "openai".into(),
            model: Some(model.into()),
            base_url: Some("https://api.openai.com/v1".into()),
        }
    }

    #[test]
    fn recorded_calls_answer_the_same_request_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let rec = Cassette::record(&path).unwrap();
        let asked = request(serde_json::json!({"type": "object", "properties": {"a": {}}}));
        let done = Completion {
            quota: None,
            text: "hello".into(),
            tool_calls: Vec::new(),
            finish_reason: "stop".into(),
            usage: Usage {
                input_tokens: 5,
                output_tokens: 2,
                cached_input_tokens: 1,
            },
            ttft_ms: 40.0,
            total_ms: 90.0,
            output_at_ms: vec![90.0],
        };
        rec.store(&endpoint("m"), &asked, 0, &Ok(done.clone()), Some(30.0))
            .unwrap();
        rec.store(
            &endpoint("m"),
            &asked,
            1,
            &Err(ProviderError::new(ErrorKind::BadRequest, "too long")),
            None,
        )
        .unwrap();

        let play = Cassette::replay(&path).unwrap();
        // Keys in another order are the same request.
        let reordered = request(serde_json::json!({"properties": {"a": {}}, "type": "object"}));
        // The call's share of the machine comes back with it.
        assert_eq!(
            play.answer(&endpoint("m"), &reordered, 0),
            Some((Ok(done), Some(30.0)))
        );
        let err = play
            .answer(&endpoint("m"), &asked, 1)
            .unwrap()
            .0
            .unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::BadRequest, "too long")
        );
        assert_eq!(play.answer(&endpoint("other"), &asked, 0), None);
        assert_eq!(play.answer(&endpoint("m"), &asked, 2), None);
        let mut changed = asked;
        changed.sampling.max_tokens = 9;
        assert_eq!(play.answer(&endpoint("m"), &changed, 0), None);
    }

    #[test]
    fn a_broken_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, "\n{\"kind\": 1}\n").unwrap();
        let err = Cassette::replay(&path).err().unwrap();
        assert!(
            format!("{err}").ends_with("c.jsonl:2: not a cassette entry"),
            "{err}"
        );
    }
}
