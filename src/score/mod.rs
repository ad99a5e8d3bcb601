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
use std::path::PathBuf;
use std::sync::Arc;

use regex::Regex;

use crate::record::{Record, Score};
use crate::suite::{Case, Scorer, Suite, Test, TextTest};

pub use judge::Call;
use similarity::Embedder;
pub use text::normalize;

/// The suite's scorers with what they load (embedding models, compiled patterns), everything
/// that can fail checked before the run.
pub struct Scorers {
    scorers: Vec<Scorer>,
    /// Loaded once per model folder, shared by the scorers that name it.
    embedders: HashMap<PathBuf, Arc<Embedder>>,
    /// Compiled patterns by their rendered source (a templated pattern differs per case).
    patterns: HashMap<String, Regex>,
    /// Judges' providers by id, connected by the runner.
    judges: HashMap<String, Arc<dyn Call>>,
}

impl Scorers {
    /// Loads embedding models, compiles patterns, and embeds every similarity reference (in
    /// batches); the suite resolved everything else when it loaded. Errors name the suite file
    /// and the scorer, or the case.
    pub fn prepare(suite: &Suite) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let mut embedders: HashMap<PathBuf, Arc<Embedder>> = HashMap::new();
        for scorer in &suite.scorers {
            if let Test::Similarity { model, .. } = &scorer.test {
                if let Entry::Vacant(slot) = embedders.entry(model.clone()) {
                    match Embedder::load(model) {
                        Ok(e) => {
                            slot.insert(Arc::new(e));
                        }
                        Err(e) => errors.push(format!("{}: {e}", suite.path.display())),
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut scorers = Self {
            scorers: suite.scorers.clone(),
            embedders,
            patterns: HashMap::new(),
            judges: HashMap::new(),
        };
        scorers.check_values(suite, &mut errors);
        if errors.is_empty() {
            Ok(scorers)
        } else {
            Err(errors)
        }
    }

    /// Before any call: each pattern compiles, each number parses, each reference is embedded. A
    /// value that reads no variable is the same for every case: checked once, and the cases are
    /// read only for the values that vary.
    fn check_values(&mut self, suite: &Suite, errors: &mut Vec<String>) {
        let mut references: HashMap<PathBuf, Vec<String>> = HashMap::new();
        let mut per_case = vec![false; self.scorers.len()];
        for (i, scorer) in self.scorers.iter().enumerate() {
            let checked = matches!(
                scorer.test,
                Test::Text(TextTest::Regex) | Test::Number { .. } | Test::Similarity { .. }
            );
            if !(checked && scorer.has_value) {
                continue;
            }
            match suite.cases.fixed_value(i) {
                Some(value) => check_value(scorer, value, &mut self.patterns, &mut references)
                    .unwrap_or_else(|e| {
                        let line = scorer.line.map(|l| format!(":{l}")).unwrap_or_default();
                        errors.push(format!(
                            "{}{line}: scorers[{i}] ({}): {e}",
                            suite.path.display(),
                            scorer.name
                        ));
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
                for (i, (scorer, c)) in self.scorers.iter().zip(&case.checks).enumerate() {
                    let value = c.as_ref().and_then(|c| c.value.as_deref());
                    let Some(value) = value.filter(|_| per_case[i]) else {
                        continue;
                    };
                    if let Err(e) = check_value(scorer, value, &mut self.patterns, &mut references)
                    {
                        errors.push(format!(
                            "{}: case {}: scorers[{i}] ({}): {e}",
                            case.origin, case.id, scorer.name
                        ));
                    }
                }
            }
        }
        for (model, texts) in references {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            if let Err(e) = self.embedders[&model].embed_all(&texts) {
                errors.push(format!("{}: {e}", suite.path.display()));
            }
        }
    }

    /// Ids of the providers the suite's judges call, each once.
    pub fn judge_providers(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .scorers
            .iter()
            .filter_map(|s| match &s.test {
                Test::Judge { provider, .. } => Some(provider.clone()),
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

    /// The cosine of two texts' embeddings, on a blocking thread (ONNX Runtime blocks).
    async fn cosine(&self, model: &std::path::Path, a: String, b: String) -> Result<f64, String> {
        let embedder = self.embedders[model].clone();
        tokio::task::spawn_blocking(move || embedder.cosine(&a, &b))
            .await
            .map_err(|e| format!("the embedding worker failed: {e}"))?
    }

    /// A judge's verdict (score, passed, reason) and what its calls took.
    async fn judge(
        &self,
        provider: &str,
        rubric: &str,
        case: &Case,
        reference: Option<&str>,
        output: &str,
    ) -> ((f64, bool, String), Option<crate::record::JudgeCalls>) {
        let Some(call) = self.judges.get(provider) else {
            let why = format!("the judge's provider `{provider}` was not started for this run");
            return ((0.0, false, why), None);
        };
        let v = judge::judge(call.as_ref(), provider, rubric, case, reference, output).await;
        ((v.score, v.passed, v.reason), Some(v.calls))
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
        let (score, passed, reason) = match &scorer.test {
            Test::Text(kind) => {
                let (actual, expected) = normalized();
                let pattern = self.patterns.get(&expected);
                pass_fail(text::compare(*kind, &actual, &expected, pattern))
            }
            Test::Json { schema } => pass_fail(json::check(output, schema.as_deref())),
            Test::Similarity { threshold, model } => {
                let (actual, expected) = normalized();
                match self.cosine(model, actual, expected).await {
                    Ok(c) => reaches("cosine", c, *threshold),
                    Err(e) => (0.0, false, e),
                }
            }
            Test::RougeL { threshold } => {
                let (actual, expected) = normalized();
                reaches(
                    "ROUGE-L F",
                    overlap::rouge_l(&expected, &actual),
                    *threshold,
                )
            }
            Test::Bleu { threshold } => {
                let (actual, expected) = normalized();
                reaches("BLEU", overlap::bleu(&expected, &actual), *threshold)
            }
            Test::Number { tolerance } => {
                // Checked to parse before the run.
                let expected: f64 = value.trim().parse().unwrap_or(f64::NAN);
                pass_fail(text::number(output, expected, *tolerance))
            }
            Test::Judge { provider, rubric } => {
                let reference = scorer.has_value.then_some(value);
                let (verdict, calls) = self.judge(provider, rubric, case, reference, output).await;
                judge_calls = calls;
                verdict
            }
            Test::Command(program) => command::run(program, command_input(case, record)).await,
            Test::Latency { max_ms } => pass_fail(bounds::latency(record, *max_ms)),
            Test::Cost { max_usd } => pass_fail(bounds::cost(record, *max_usd)),
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

/// One scorer's value for one case (or for all): a pattern compiles, a number parses; a
/// similarity reference is set aside to be embedded with the others.
fn check_value(
    scorer: &Scorer,
    value: &str,
    patterns: &mut HashMap<String, Regex>,
    references: &mut HashMap<PathBuf, Vec<String>>,
) -> Result<(), String> {
    match &scorer.test {
        Test::Text(TextTest::Regex) => {
            if let Entry::Vacant(slot) = patterns.entry(normalize(value, &scorer.normalize)) {
                let re = Regex::new(slot.key()).map_err(|e| e.to_string())?;
                slot.insert(re);
            }
        }
        Test::Number { .. } if value.trim().parse::<f64>().is_err() => {
            return Err(format!("`value` {value:?} is not a number"));
        }
        Test::Similarity { model, .. } => references
            .entry(model.clone())
            .or_default()
            .push(normalize(value, &scorer.normalize)),
        _ => {}
    }
    Ok(())
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
