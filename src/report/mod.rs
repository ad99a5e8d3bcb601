//! Rendering a run for people and tools: Markdown (fits a PR comment) and JSON, from the records
//! and manifest alone; no model is called.

mod markdown;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::analysis::{self, stats, Comparison, Summary};
use crate::record::{self, Manifest, Record};

pub use markdown::render as markdown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
}

/// What every format renders: the summary, the comparisons the gate names, the failures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub manifest: Manifest,
    pub methodology: Methodology,
    pub summary: Summary,
    pub comparisons: Vec<Comparison>,
    /// Every failed record, per provider (manifest order) worst first.
    pub failures: Vec<Failure>,
}

/// How the quality figures were computed, for the reader and for anyone recomputing them.
#[derive(Debug, Clone, Serialize)]
pub struct Methodology {
    pub confidence: f64,
    pub pass_rate_interval: &'static str,
    pub score_interval: &'static str,
    pub bootstrap_resamples: usize,
    pub bootstrap_seed: u64,
    pub paired_test: &'static str,
    /// The level the paired test is read at: the gate's `significance`, else 0.05.
    pub alpha: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub provider: String,
    pub case_id: String,
    pub repeat: u32,
    pub score: f64,
    pub output: Option<String>,
    /// The error, or the reasons of the scorers that failed.
    pub reasons: Vec<String>,
    /// The gate's baseline on the same (case, repeat), for a provider other than the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineOutcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineOutcome {
    pub passed: bool,
    pub score: f64,
    pub output: Option<String>,
}

impl Report {
    pub fn build(manifest: Manifest, records: &[Record]) -> anyhow::Result<Self> {
        let summary = analysis::summarize(&manifest, records)?;
        let alpha = manifest
            .gate
            .as_ref()
            .and_then(|g| g.significance)
            .unwrap_or(analysis::DEFAULT_ALPHA);
        let mut comparisons = Vec::new();
        if let Some(gate) = &manifest.gate {
            for candidate in &gate.candidates {
                let c = analysis::compare(records, &gate.baseline, candidate, alpha)?;
                if c.pairs > 0 {
                    comparisons.push(c);
                }
            }
        }
        let baseline_id = manifest.gate.as_ref().map(|g| g.baseline.as_str());
        let baseline: HashMap<(&str, u32), &Record> = records
            .iter()
            .filter(|r| Some(r.provider.as_str()) == baseline_id)
            .map(|r| ((r.case_id.as_str(), r.repeat), r))
            .collect();
        let mut failures: Vec<Failure> = records
            .iter()
            .filter(|r| !r.passed)
            .map(|r| Failure {
                provider: r.provider.clone(),
                case_id: r.case_id.clone(),
                repeat: r.repeat,
                score: analysis::record_score(r),
                output: r.output.clone(),
                reasons: match &r.error {
                    Some(e) => vec![format!("{:?} error: {}", e.kind, e.message)],
                    None => r
                        .scores
                        .iter()
                        .filter(|s| !s.passed)
                        .map(|s| format!("{}: {}", s.scorer, s.reason))
                        .collect(),
                },
                baseline: (Some(r.provider.as_str()) != baseline_id)
                    .then(|| baseline.get(&(r.case_id.as_str(), r.repeat)))
                    .flatten()
                    .map(|b| BaselineOutcome {
                        passed: b.passed,
                        score: analysis::record_score(b),
                        output: b.output.clone(),
                    }),
            })
            .collect();
        let order = |id: &str| {
            manifest
                .providers
                .iter()
                .position(|p| p.id == id)
                .unwrap_or(usize::MAX)
        };
        // Worst first: where the baseline passed (a regression), then by score, lowest first.
        let regressed = |f: &Failure| f.baseline.as_ref().is_some_and(|b| b.passed);
        failures.sort_by(|a, b| {
            (order(&a.provider), !regressed(a))
                .cmp(&(order(&b.provider), !regressed(b)))
                .then(a.score.total_cmp(&b.score))
                .then_with(|| (&a.case_id, a.repeat).cmp(&(&b.case_id, b.repeat)))
        });
        Ok(Self {
            manifest,
            methodology: Methodology {
                confidence: analysis::CONFIDENCE,
                pass_rate_interval: "Wilson score interval, each record one trial",
                score_interval: "percentile bootstrap of the mean, resampling cases with all their repeats",
                bootstrap_resamples: stats::BOOTSTRAP_RESAMPLES,
                bootstrap_seed: stats::BOOTSTRAP_SEED,
                paired_test: "exact two-sided McNemar test on (case, repeat) pairs; paired percentile bootstrap of the score difference at 1 − alpha",
                alpha,
            },
            summary,
            comparisons,
            failures,
        })
    }

    /// Loads a run directory.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let manifest = record::read_manifest(dir)?;
        let records = record::read_records(&dir.join(record::RECORDS_FILE))?;
        Self::build(manifest, &records)
    }
}

/// Writes the report in each format into `dir`; returns the files written.
pub fn write(dir: &Path, report: &Report, formats: &[Format]) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for format in formats {
        let (name, body) = match format {
            Format::Md => ("report.md", markdown::render(report)),
            Format::Json => ("report.json", serde_json::to_string_pretty(report)? + "\n"),
        };
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, body).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
