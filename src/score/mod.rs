//! Scoring: every scorer of the suite, applied to each record. A case passes when the call
//! succeeded and every scorer that applies to it passed.

mod text;

use std::collections::HashMap;

use regex::Regex;

use crate::record::Score;
use crate::suite::{Case, ScorerConfig, ScorerType, Suite};

pub use text::normalize;

/// The suite's scorers, with everything that can fail checked before the run.
pub struct Scorers {
    configs: Vec<ScorerConfig>,
    /// Compiled patterns by their rendered source (a templated pattern differs per case).
    patterns: HashMap<String, Regex>,
}

impl Scorers {
    /// Compiles what each case will need; an invalid pattern is an error naming the case.
    pub fn prepare(suite: &Suite) -> Result<Self, Vec<String>> {
        let configs = suite.spec.scorers.clone();
        let mut patterns = HashMap::new();
        let mut errors = Vec::new();
        for case in &suite.cases {
            for (i, (config, check)) in configs.iter().zip(&case.checks).enumerate() {
                let (ScorerType::Regex, Some(check)) = (config.kind, check) else {
                    continue;
                };
                let Some(source) = &check.value else { continue };
                let source = normalize(source, &config.normalize);
                if patterns.contains_key(&source) {
                    continue;
                }
                match Regex::new(&source) {
                    Ok(re) => {
                        patterns.insert(source, re);
                    }
                    Err(e) => errors.push(format!(
                        "{}: case {}: scorers[{i}] (regex): {e}",
                        case.origin, case.id
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(Self { configs, patterns })
        } else {
            Err(errors)
        }
    }

    /// Scores one output of `case`. `None` output (a failed call) scores nothing and fails.
    pub fn score(&self, case: &Case, output: Option<&str>) -> (Vec<Score>, bool) {
        let Some(output) = output else {
            return (Vec::new(), false);
        };
        let mut scores = Vec::new();
        for (config, check) in self.configs.iter().zip(&case.checks) {
            let Some(check) = check else { continue };
            let expected = normalize(
                check.value.as_deref().unwrap_or_default(),
                &config.normalize,
            );
            let actual = normalize(output, &config.normalize);
            let pattern = self.patterns.get(&expected);
            let (passed, reason) = text::compare(config.kind, &actual, &expected, pattern);
            scores.push(Score {
                scorer: config.kind.as_str().to_string(),
                score: if passed { 1.0 } else { 0.0 },
                passed,
                reason,
            });
        }
        let passed = scores.iter().all(|s| s.passed);
        (scores, passed)
    }
}
