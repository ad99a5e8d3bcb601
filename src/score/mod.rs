//! Scoring: every scorer of the suite, applied to each record once its output, usage, timing
//! and cost are known. A case passes when the call succeeded and every scorer that applies to it
//! passed; the record's `score` is the scorers' weighted mean.

mod bounds;
mod command;
mod json;
mod json_match;
mod judge;
mod overlap;
mod reference;
mod similarity;
mod text;
mod tool_call;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use regex::Regex;

use crate::record::{Record, Score};
use crate::suite::{Case, Scorer, Suite, Test, TextTest};

pub use judge::Call;
pub use reference::{Answer, Found, Lookup, Reference};
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
    /// The suite's `kind: logged` providers: their answers are the logged ones.
    logged: Vec<String>,
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
            logged: (suite.spec.providers.iter())
                .filter(|(_, p)| p.kind == crate::suite::ProviderKind::Logged)
                .map(|(id, _)| id.clone())
                .collect(),
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
                Test::Text(TextTest::Regex)
                    | Test::Number { .. }
                    | Test::Similarity { .. }
                    | Test::ToolCall { .. }
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

    /// Every reference the scorers compare with, each once.
    pub fn references(&self) -> Vec<Reference> {
        let mut all: Vec<Reference> = Vec::new();
        for r in self.scorers.iter().filter_map(|s| s.reference.clone()) {
            if !all.contains(&r) {
                all.push(r);
            }
        }
        all
    }

    /// The references scoring `provider`'s answer to `case` needs: those of the scorers that
    /// apply to the case, less `provider` itself (a reference is not scored against itself).
    pub fn needs(&self, case: &Case, provider: &str) -> Vec<Reference> {
        let mut needed: Vec<Reference> = Vec::new();
        for (scorer, check) in self.scorers.iter().zip(&case.checks) {
            match &scorer.reference {
                Some(r) if check.is_some() && !self.is_own(r, provider) && !needed.contains(r) => {
                    needed.push(r.clone());
                }
                _ => {}
            }
        }
        needed
    }

    /// Whether `reference` is `provider`'s own answer (a logged provider's answers are the
    /// logged ones): a reference is not scored against itself.
    fn is_own(&self, reference: &Reference, provider: &str) -> bool {
        match reference {
            Reference::Provider(id) => id == provider,
            Reference::Logged => self.logged.iter().any(|id| id == provider),
        }
    }

    /// Gives the judges that name `provider` their way to call it.
    pub fn connect(&mut self, provider: &str, call: Arc<dyn Call>) {
        self.judges.insert(provider.to_string(), call);
    }

    /// Scores `record` (an answer to `case`) with the reference answers `found` for it: fills
    /// its `scores`, `passed` and `score`. A failed call scores nothing and fails; a scorer
    /// whose reference is the record's own provider does not apply.
    pub async fn apply(&self, case: &Case, record: &mut Record, found: &Found) {
        let Some(output) = record.output.clone() else {
            record.scores = Vec::new();
            record.passed = false;
            record.score = Some(0.0);
            return;
        };
        let mut scores = Vec::new();
        for (scorer, check) in self.scorers.iter().zip(&case.checks) {
            let Some(check) = check else { continue };
            let against = match &scorer.reference {
                None => Against::Value(check.value.as_deref().unwrap_or_default()),
                Some(r) if self.is_own(r, &record.provider) => continue,
                Some(r) => match found.get(r) {
                    Some(Ok(answer)) => Against::Answer(r, answer),
                    Some(Err(why)) => {
                        scores.push(no_reference(scorer, r, why));
                        continue;
                    }
                    None => {
                        let why = "the reference answer was not looked up";
                        scores.push(no_reference(scorer, r, why));
                        continue;
                    }
                },
            };
            scores.push(self.score(scorer, &against, case, record, &output).await);
        }
        record.scores = scores;
        self.settle(record);
    }

    /// Scores again what `record` could not score for want of a reference answer, now that
    /// `found` has it (`gate --against`, `report --against`: the baseline's answers from another
    /// run). Judges are left as they were: judging calls a provider, which a run does. The
    /// record's `passed` and `score` follow.
    pub async fn rescore(&self, case: &Case, record: &mut Record, found: &Found) {
        let Some(output) = record.output.clone() else {
            return;
        };
        for i in 0..record.scores.len() {
            let name = &record.scores[i].scorer;
            let Some(scorer) = self.scorers.iter().find(|s| s.name == *name) else {
                continue;
            };
            let Some(r) = scorer
                .reference
                .as_ref()
                .filter(|_| record.scores[i].no_reference)
            else {
                continue;
            };
            let score = match found.get(r) {
                Some(Ok(_)) if matches!(scorer.test, Test::Judge { .. }) => continue,
                Some(Ok(answer)) => {
                    let against = Against::Answer(r, answer);
                    self.score(scorer, &against, case, record, &output).await
                }
                Some(Err(why)) => no_reference(scorer, r, why),
                None => continue,
            };
            record.scores[i] = score;
        }
        self.settle(record);
    }

    /// The record's `passed` (every score passed) and `score` (the scores' weighted mean; with
    /// no score, 1 or 0 by `passed`) from its scores.
    fn settle(&self, record: &mut Record) {
        let weight = |name: &str| {
            (self.scorers.iter())
                .find(|s| s.name == name)
                .map_or(1.0, |s| s.weight)
        };
        let passed = record.scores.iter().all(|s| s.passed);
        let total: f64 = record.scores.iter().map(|s| weight(&s.scorer)).sum();
        let weighted: f64 = (record.scores.iter())
            .map(|s| s.score * weight(&s.scorer))
            .sum();
        record.score = Some(if total > 0.0 {
            weighted / total
        } else if passed {
            1.0
        } else {
            0.0
        });
        record.passed = passed;
    }

    /// The cosine of two texts' embeddings, on a blocking thread (ONNX Runtime blocks).
    async fn cosine(&self, model: &std::path::Path, a: String, b: String) -> Result<f64, String> {
        let embedder = self.embedders[model].clone();
        tokio::task::spawn_blocking(move || embedder.cosine(&a, &b))
            .await
            .map_err(|e| format!("the embedding worker failed: {e}"))?
    }

    /// A judge's verdict (score, passed, reason) and what its calls took: graded by the rubric
    /// (with the reference answer shown when there is one), or, `pairwise`, compared with it.
    async fn judge(
        &self,
        test: (&str, &str, Option<f64>),
        case: &Case,
        reference: Option<&str>,
        output: &str,
    ) -> (Verdict, Option<crate::record::JudgeCalls>) {
        let (provider, rubric, pairwise) = test;
        let Some(call) = self.judges.get(provider) else {
            let why = format!("the judge's provider `{provider}` was not started for this run");
            return ((0.0, false, why), None);
        };
        let v = match (pairwise, reference) {
            (Some(threshold), Some(reference)) => {
                let sides = judge::Sides { reference, output };
                judge::pairwise(call.as_ref(), provider, rubric, case, sides, threshold).await
            }
            _ => judge::judge(call.as_ref(), provider, rubric, case, reference, output).await,
        };
        ((v.score, v.passed, v.reason), Some(v.calls))
    }

    /// One scorer's verdict on `output`, compared with what `against` says.
    async fn score(
        &self,
        scorer: &Scorer,
        against: &Against<'_>,
        case: &Case,
        record: &Record,
        output: &str,
    ) -> Score {
        let value = against.text();
        let mut judge_calls = None;
        let (score, passed, reason) = match &scorer.test {
            Test::Similarity { threshold, model } => {
                let (actual, expected) = normalized(scorer, output, &value);
                match self.cosine(model, actual, expected).await {
                    Ok(c) => reaches("cosine", c, *threshold),
                    Err(e) => (0.0, false, e),
                }
            }
            Test::Judge {
                provider,
                rubric,
                pairwise,
            } => {
                let reference = against.shown(scorer.has_value);
                let test = (provider.as_str(), rubric.as_str(), *pairwise);
                let (verdict, calls) = self.judge(test, case, reference.as_deref(), output).await;
                judge_calls = calls;
                verdict
            }
            Test::Command(program) => command::run(program, command_input(case, record)).await,
            _ => self.score_now(scorer, against, case, record, output),
        };
        Score {
            scorer: scorer.name.clone(),
            score,
            passed,
            reason,
            judge: judge_calls,
            against: against.label(),
            reference: match against {
                Against::Answer(_, answer) if !passed => Some(answer.shown()),
                _ => None,
            },
            no_reference: false,
        }
    }

    /// The verdicts that need no waiting: computed on the spot.
    fn score_now(
        &self,
        scorer: &Scorer,
        against: &Against<'_>,
        case: &Case,
        record: &Record,
        output: &str,
    ) -> Verdict {
        let value = against.text();
        let pass_fail =
            |(passed, reason): (bool, String)| (if passed { 1.0 } else { 0.0 }, passed, reason);
        match &scorer.test {
            Test::Text(kind) => {
                let (actual, expected) = normalized(scorer, output, &value);
                let pattern = self.patterns.get(&expected);
                pass_fail(text::compare(*kind, &actual, &expected, pattern))
            }
            Test::Json { schema } => pass_fail(json::check(output, schema.as_deref())),
            Test::RougeL { threshold } => {
                let (actual, expected) = normalized(scorer, output, &value);
                let f = overlap::rouge_l(&expected, &actual);
                reaches("ROUGE-L F", f, *threshold)
            }
            Test::Bleu { threshold } => {
                let (actual, expected) = normalized(scorer, output, &value);
                reaches("BLEU", overlap::bleu(&expected, &actual), *threshold)
            }
            Test::Number { tolerance } => match against {
                // Checked to parse before the run.
                Against::Value(v) => {
                    let expected = v.trim().parse().unwrap_or(f64::NAN);
                    pass_fail(text::number(output, expected, *tolerance))
                }
                Against::Answer(_, answer) => match text::first_number(&answer.text) {
                    Some(expected) => pass_fail(text::number(output, expected, *tolerance)),
                    None => (0.0, false, "the reference answer holds no number".into()),
                },
            },
            Test::ToolCall {
                ordered,
                arguments,
                threshold,
            } => {
                let options = tool_call::Options {
                    ordered: *ordered,
                    arguments: *arguments,
                    tools: &case.extras().tools,
                };
                tool_calls(against, output, record, &options, *threshold)
            }
            Test::JsonMatch {
                ordered,
                tolerance,
                ignore,
                threshold,
            } => {
                let options = json_match::Options {
                    ordered: *ordered,
                    tolerance: *tolerance,
                    ignore,
                };
                json_match::score(output, &value, &options, *threshold)
            }
            Test::Latency { max_ms } => pass_fail(bounds::latency(record, *max_ms)),
            Test::Cost { max_usd } => pass_fail(bounds::cost(record, *max_usd)),
            Test::Similarity { .. } | Test::Judge { .. } | Test::Command(_) => {
                unreachable!("scored by `score`, which awaits them")
            }
        }
    }
}

/// (score, passed, reason).
type Verdict = (f64, bool, String);

/// A `tool-call` verdict: the record's calls against the value's, or the reference answer's.
fn tool_calls(
    against: &Against<'_>,
    output: &str,
    record: &Record,
    options: &tool_call::Options,
    threshold: f64,
) -> Verdict {
    let (expected, source) = match against {
        Against::Value(v) => match tool_call::from_value(v) {
            Ok(e) => (e, "the value".to_string()),
            Err(e) => return (0.0, false, e),
        },
        Against::Answer(r, answer) => (
            tool_call::from_calls(&answer.tool_calls),
            format!("the reference ({})", r.label()),
        ),
    };
    tool_call::score(
        output,
        &record.tool_calls,
        &expected,
        &source,
        options,
        threshold,
    )
}

/// What a scorer compares the output with.
enum Against<'a> {
    /// Its `value`, rendered for the case ("" when it has none).
    Value(&'a str),
    /// A reference answer.
    Answer(&'a Reference, &'a Answer),
}

impl Against<'_> {
    /// The text compared with.
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Value(v) => std::borrow::Cow::Borrowed(v),
            Self::Answer(_, a) => std::borrow::Cow::Borrowed(a.text.as_str()),
        }
    }

    /// What a judge is shown as the reference: the answer with its tool calls, or the value
    /// when the suite gave one.
    fn shown(&self, has_value: bool) -> Option<String> {
        match self {
            Self::Value(v) => has_value.then(|| v.to_string()),
            Self::Answer(_, a) => Some(a.shown()),
        }
    }

    fn label(&self) -> Option<String> {
        match self {
            Self::Value(_) => None,
            Self::Answer(r, _) => Some(r.label().to_string()),
        }
    }
}

/// The score of a scorer whose reference answer does not exist: counted apart, not failed.
fn no_reference(scorer: &Scorer, reference: &Reference, why: &str) -> Score {
    Score {
        scorer: scorer.name.clone(),
        score: 0.0,
        passed: false,
        reason: format!(
            "not scored: no reference answer ({}): {why}",
            reference.label()
        ),
        judge: None,
        against: Some(reference.label().to_string()),
        reference: None,
        no_reference: true,
    }
}

/// The output and the compared text, each normalized as the scorer says.
fn normalized(scorer: &Scorer, output: &str, value: &str) -> (String, String) {
    (
        normalize(output, &scorer.normalize),
        normalize(value, &scorer.normalize),
    )
}

/// A graded score against its threshold.
fn reaches(what: &str, score: f64, threshold: f64) -> Verdict {
    let passed = score >= threshold;
    let relation = if passed { "≥" } else { "<" };
    (
        score.clamp(0.0, 1.0),
        passed,
        format!("{what} {score:.4} {relation} threshold {threshold}"),
    )
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
        Test::ToolCall { .. } => {
            tool_call::from_value(value)?;
        }
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
