//! Scoring: every scorer of the suite, applied to each record once its output, usage, timing
//! and cost are known. A case passes when the call succeeded and every scorer that applies to it
//! passed; the record's `score` is the scorers' weighted mean.

mod bounds;
mod command;
mod json;
mod judge;
mod overlap;
mod similarity;
mod text;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use crate::record::{Record, Score};
use crate::suite::{Case, Normalize, ScorerConfig, ScorerType, Suite};

pub(crate) use command::find_program;
pub(crate) use json::compile_schema;
pub use judge::Call;
pub(crate) use similarity::model_dir as embedding_model_dir;
use similarity::Embedder;
pub use text::normalize;

/// The suite's scorers, with everything that can fail checked before the run.
pub struct Scorers {
    scorers: Vec<Scorer>,
    /// Compiled patterns by their rendered source (a templated pattern differs per case).
    patterns: HashMap<String, Regex>,
    /// Judges' providers by id, connected by the runner.
    judges: HashMap<String, Arc<dyn Call>>,
}

struct Scorer {
    name: &'static str,
    normalize: Vec<Normalize>,
    /// Whether the suite gave a `value` (for a judge, a reference answer).
    has_value: bool,
    weight: f64,
    kind: Kind,
}

/// Each scorer type with what it needs, loaded once.
enum Kind {
    Text(text::Comparison),
    Json(Option<jsonschema::Validator>),
    Similarity {
        embedder: Arc<Embedder>,
        threshold: f64,
    },
    RougeL {
        threshold: f64,
    },
    Bleu {
        threshold: f64,
    },
    Number {
        tolerance: f64,
    },
    Judge {
        provider: String,
        rubric: String,
    },
    Command(command::Check),
    Latency {
        max_ms: f64,
    },
    Cost {
        max_usd: f64,
    },
}

impl Scorers {
    /// Loads schemas and embedding models, finds programs, compiles patterns, and embeds every
    /// similarity reference (in batches). Errors name the suite file and the scorer, or the case.
    pub fn prepare(suite: &Suite) -> Result<Self, Vec<String>> {
        let dir = suite_dir(&suite.path);
        let mut errors = Vec::new();
        let mut embedders: HashMap<PathBuf, Arc<Embedder>> = HashMap::new();
        let mut scorers = Vec::new();
        for (i, config) in suite.spec.scorers.iter().enumerate() {
            let kind = prepare_kind(config, &dir, &mut embedders).map_err(|e| {
                format!(
                    "{}: scorers[{i}] ({}): {e}",
                    suite.path.display(),
                    config.kind.as_str()
                )
            });
            match kind {
                Ok(kind) => scorers.push(Scorer {
                    name: config.kind.as_str(),
                    normalize: config.normalize.clone(),
                    has_value: config.value.is_some(),
                    weight: config.weight.unwrap_or(1.0),
                    kind,
                }),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut patterns = HashMap::new();
        let mut references: HashMap<*const Embedder, (Arc<Embedder>, Vec<String>)> = HashMap::new();
        // Before any call: a pattern compiles, a number parses, a reference is embedded.
        let mut check =
            |scorer: &Scorer, value: &str, place: &dyn Fn() -> String| match &scorer.kind {
                Kind::Text(text::Comparison::Regex) => {
                    let source = normalize(value, &scorer.normalize);
                    if let Entry::Vacant(slot) = patterns.entry(source) {
                        match Regex::new(slot.key()) {
                            Ok(re) => {
                                slot.insert(re);
                            }
                            Err(e) => errors.push(format!("{}: {e}", place())),
                        }
                    }
                }
                Kind::Number { .. } if value.trim().parse::<f64>().is_err() => {
                    errors.push(format!("{}: `value` {value:?} is not a number", place()));
                }
                Kind::Similarity { embedder, .. } => {
                    references
                        .entry(Arc::as_ptr(embedder))
                        .or_insert_with(|| (embedder.clone(), Vec::new()))
                        .1
                        .push(normalize(value, &scorer.normalize));
                }
                _ => {}
            };
        // A value that reads no variable is the same for every case: checked once, and the
        // cases are read only for the values that vary.
        let mut per_case = vec![false; scorers.len()];
        for (i, scorer) in scorers.iter().enumerate() {
            let checked = matches!(
                scorer.kind,
                Kind::Text(text::Comparison::Regex) | Kind::Number { .. } | Kind::Similarity { .. }
            );
            if !(checked && scorer.has_value) {
                continue;
            }
            match suite.cases.fixed_value(i) {
                Some(value) => check(scorer, value, &|| {
                    format!("{}: scorers[{i}] ({})", suite.path.display(), scorer.name)
                }),
                None => per_case[i] = true,
            }
        }
        if per_case.contains(&true) {
            for case in suite.cases.iter() {
                let case = match case {
                    Ok(case) => case,
                    Err(e) => {
                        errors.push(e.to_string());
                        break;
                    }
                };
                for (i, (scorer, c)) in scorers.iter().zip(&case.checks).enumerate() {
                    let value = c.as_ref().and_then(|c| c.value.as_deref());
                    let Some(value) = value.filter(|_| per_case[i]) else {
                        continue;
                    };
                    check(scorer, value, &|| {
                        format!(
                            "{}: case {}: scorers[{i}] ({})",
                            case.origin, case.id, scorer.name
                        )
                    });
                }
            }
        }
        for (embedder, texts) in references.into_values() {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            if let Err(e) = embedder.embed_all(&texts) {
                errors.push(format!("{}: {e}", suite.path.display()));
            }
        }
        if errors.is_empty() {
            Ok(Self {
                scorers,
                patterns,
                judges: HashMap::new(),
            })
        } else {
            Err(errors)
        }
    }

    /// Ids of the providers the suite's judges call, each once.
    pub fn judge_providers(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .scorers
            .iter()
            .filter_map(|s| match &s.kind {
                Kind::Judge { provider, .. } => Some(provider.clone()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Gives the judges that name `provider` their way to call it.
    pub fn connect(&mut self, provider: &str, call: Arc<dyn Call>) {
        self.judges.insert(provider.to_string(), call);
    }

    /// Scores `record` (an answer to `case`): fills its `scores`, `passed` and `score`. A failed
    /// call scores nothing and fails.
    pub async fn apply(&self, case: &Case, record: &mut Record) {
        let Some(output) = record.output.clone() else {
            record.scores = Vec::new();
            record.passed = false;
            record.score = Some(0.0);
            return;
        };
        let mut scores = Vec::new();
        let mut weights = Vec::new();
        for (scorer, check) in self.scorers.iter().zip(&case.checks) {
            let Some(check) = check else { continue };
            let value = check.value.as_deref().unwrap_or_default();
            scores.push(self.score(scorer, value, case, record, &output).await);
            weights.push(scorer.weight);
        }
        let passed = scores.iter().all(|s| s.passed);
        let total: f64 = weights.iter().sum();
        record.score = Some(if total > 0.0 {
            scores
                .iter()
                .zip(&weights)
                .map(|(s, w)| s.score * w)
                .sum::<f64>()
                / total
        } else if passed {
            1.0
        } else {
            0.0
        });
        record.passed = passed;
        record.scores = scores;
    }

    /// One scorer's verdict; `value` is its rendered `value` for this case ("" when it has none).
    async fn score(
        &self,
        scorer: &Scorer,
        value: &str,
        case: &Case,
        record: &Record,
        output: &str,
    ) -> Score {
        let normalized = || {
            (
                normalize(output, &scorer.normalize),
                normalize(value, &scorer.normalize),
            )
        };
        let pass_fail =
            |(passed, reason): (bool, String)| (if passed { 1.0 } else { 0.0 }, passed, reason);
        let reaches = |what: &str, score: f64, threshold: f64| {
            let passed = score >= threshold;
            let relation = if passed { "≥" } else { "<" };
            (
                score.clamp(0.0, 1.0),
                passed,
                format!("{what} {score:.4} {relation} threshold {threshold}"),
            )
        };
        let mut judge_calls = None;
        let (score, passed, reason) = match &scorer.kind {
            Kind::Text(kind) => {
                let (actual, expected) = normalized();
                let pattern = self.patterns.get(&expected);
                pass_fail(text::compare(*kind, &actual, &expected, pattern))
            }
            Kind::Json(schema) => pass_fail(json::check(output, schema.as_ref())),
            Kind::Similarity {
                embedder,
                threshold,
            } => {
                let (actual, expected) = normalized();
                let embedder = embedder.clone();
                let cosine =
                    tokio::task::spawn_blocking(move || embedder.cosine(&actual, &expected))
                        .await
                        .map_err(|e| format!("the embedding worker failed: {e}"))
                        .and_then(|r| r);
                match cosine {
                    Ok(c) => reaches("cosine", c, *threshold),
                    Err(e) => (0.0, false, e),
                }
            }
            Kind::RougeL { threshold } => {
                let (actual, expected) = normalized();
                reaches(
                    "ROUGE-L F",
                    overlap::rouge_l(&expected, &actual),
                    *threshold,
                )
            }
            Kind::Bleu { threshold } => {
                let (actual, expected) = normalized();
                reaches("BLEU", overlap::bleu(&expected, &actual), *threshold)
            }
            Kind::Number { tolerance } => {
                // Checked to parse before the run.
                let expected: f64 = value.trim().parse().unwrap_or(f64::NAN);
                pass_fail(text::number(output, expected, *tolerance))
            }
            Kind::Judge { provider, rubric } => match self.judges.get(provider) {
                Some(call) => {
                    let reference = scorer.has_value.then_some(value);
                    let v = judge::judge(call.as_ref(), provider, rubric, case, reference, output)
                        .await;
                    judge_calls = Some(v.calls);
                    (v.score, v.passed, v.reason)
                }
                None => (
                    0.0,
                    false,
                    format!("the judge's provider `{provider}` was not started for this run"),
                ),
            },
            Kind::Command(check) => check.run(command_input(case, record)).await,
            Kind::Latency { max_ms } => pass_fail(bounds::latency(record, *max_ms)),
            Kind::Cost { max_usd } => pass_fail(bounds::cost(record, *max_usd)),
        };
        Score {
            scorer: scorer.name.to_string(),
            score,
            passed,
            reason,
            judge: judge_calls,
        }
    }
}

/// A scorer's state from its configuration; the suite's validation has checked its fields, so
/// a missing one here is a suite built by hand.
fn prepare_kind(
    config: &ScorerConfig,
    dir: &Path,
    embedders: &mut HashMap<PathBuf, Arc<Embedder>>,
) -> Result<Kind, String> {
    fn need<T: Clone>(field: &str, value: &Option<T>) -> Result<T, String> {
        value.clone().ok_or_else(|| format!("needs `{field}`"))
    }
    use text::Comparison;
    Ok(match config.kind {
        ScorerType::Equals => Kind::Text(Comparison::Equals),
        ScorerType::Contains => Kind::Text(Comparison::Contains),
        ScorerType::Icontains => Kind::Text(Comparison::Icontains),
        ScorerType::Regex => Kind::Text(Comparison::Regex),
        ScorerType::StartsWith => Kind::Text(Comparison::StartsWith),
        ScorerType::Json => Kind::Json(match &config.schema {
            Some(path) => Some(compile_schema(&dir.join(path))?),
            None => None,
        }),
        ScorerType::Similarity => {
            let model = embedding_model_dir(config.model.as_deref(), dir)?;
            let embedder = match embedders.get(&model) {
                Some(e) => e.clone(),
                None => {
                    let e = Arc::new(Embedder::load(&model)?);
                    embedders.insert(model, e.clone());
                    e
                }
            };
            Kind::Similarity {
                embedder,
                threshold: need("threshold", &config.threshold)?,
            }
        }
        ScorerType::RougeL => Kind::RougeL {
            threshold: need("threshold", &config.threshold)?,
        },
        ScorerType::Bleu => Kind::Bleu {
            threshold: need("threshold", &config.threshold)?,
        },
        ScorerType::Number => Kind::Number {
            tolerance: config.tolerance.unwrap_or(0.0),
        },
        ScorerType::Judge => Kind::Judge {
            provider: need("provider", &config.provider)?,
            rubric: need("rubric", &config.rubric)?,
        },
        ScorerType::Command => {
            let run = need("run", &config.run)?;
            let (program, args) = run.split_first().ok_or("`run` is empty")?;
            Kind::Command(command::Check {
                program: find_program(program, dir)?,
                args: args.to_vec(),
                dir: dir.to_path_buf(),
                timeout: Duration::from_secs_f64(
                    config.timeout_s.unwrap_or(command::DEFAULT_TIMEOUT_S),
                ),
                threshold: config.threshold,
            })
        }
        ScorerType::Latency => Kind::Latency {
            max_ms: need("max_ms", &config.max_ms)?,
        },
        ScorerType::Cost => Kind::Cost {
            max_usd: need("max_usd", &config.max_usd)?,
        },
    })
}

/// What a `command` check reads on stdin: the record as `records.jsonl` will hold it, less the
/// verdicts being made (`scores`, `passed`, `score`), plus the case's `vars` and `expect`.
fn command_input(case: &Case, record: &Record) -> Vec<u8> {
    let mut value = serde_json::to_value(record).expect("a record is plain JSON");
    if let Some(map) = value.as_object_mut() {
        for verdict in ["scores", "passed", "score"] {
            map.remove(verdict);
        }
        map.insert("vars".into(), serde_json::json!(case.vars));
        map.insert("expect".into(), serde_json::json!(case.expect));
    }
    let mut bytes = serde_json::to_vec(&value).expect("a record is plain JSON");
    bytes.push(b'\n');
    bytes
}

fn suite_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
