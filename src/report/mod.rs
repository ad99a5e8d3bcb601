//! Rendering a run for people and tools: HTML (the procurement report), Markdown (fits a PR
//! comment), JSON, CSV/Parquet tables and JUnit XML, from the records and manifest alone; no
//! model is called.

mod charts;
mod html;
mod junit;
mod markdown;
pub mod recommend;
mod tables;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::analysis::cost::CostSummary;
use crate::analysis::latency::ProviderLatency;
use crate::analysis::{self, stats, Comparison, Summary};
use crate::record::{self, Manifest, Record};

pub use html::render as html;
pub use markdown::render as markdown;
pub use recommend::{Decision, Executive, Recommendation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `report.html`: one self-contained page with inline SVG charts, printable to PDF.
    Html,
    /// `report.md`: fits a PR comment.
    Md,
    /// `report.json`: everything the other formats show, machine-readable.
    Json,
    /// `records.csv` and `aggregates.csv`.
    Csv,
    /// `records.parquet` and `aggregates.parquet`.
    Parquet,
    /// `junit.xml`: one testcase per case × provider.
    Junit,
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
    /// The gate's verdict and the recommendation for each candidate.
    pub executive: Executive,
    /// p50/p95/p99 of call duration and time to first token, per provider.
    pub latency: Vec<ProviderLatency>,
    pub cost: CostSummary,
    /// The lock-in audit: the workload's needs against each provider (from the run's
    /// `lockin.json`) and, with `report --scan PATH`, the codebase's vendor dependencies.
    pub lockin: LockIn,
    /// The records themselves, for the tables and JUnit (report.json leaves them out).
    #[serde(skip)]
    pub records: Vec<Record>,
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
                reasons: reasons(r),
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
        let cost = analysis::cost::summarize(&manifest, records);
        let executive = recommend::recommend(&manifest, &summary, &comparisons, &cost, records);
        Ok(Self {
            lockin: LockIn::default(),
            latency: analysis::latency::summarize(&manifest, records)?,
            cost,
            executive,
            records: records.to_vec(),
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
        let mut report = Self::build(manifest, &records)?;
        report.lockin.workload = LockIn::read_workload(dir)?;
        Ok(report)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LockIn {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::lockin::workload::WorkloadAudit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::lockin::Scan>,
}

impl LockIn {
    /// The run's `lockin.json`; runs made before modelswap wrote it have none.
    fn read_workload(dir: &Path) -> anyhow::Result<Option<crate::lockin::workload::WorkloadAudit>> {
        let path = dir.join(record::LOCKIN_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("{}: not a lock-in audit", path.display()))
    }
}

/// Why a record did not pass: its error, or the reasons of the scorers that failed.
fn reasons(r: &Record) -> Vec<String> {
    match &r.error {
        Some(e) => vec![format!("{:?} error: {}", e.kind, e.message)],
        None => r
            .scores
            .iter()
            .filter(|s| !s.passed)
            .map(|s| format!("{}: {}", s.scorer, s.reason))
            .collect(),
    }
}

/// Writes the report in each format into `dir`; returns the files written. Every format is
/// rendered before any file is written, and each file replaces its old version at once, so a
/// failure leaves no half-written report.
pub fn write(dir: &Path, report: &Report, formats: &[Format]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for format in formats {
        let one = |name: &str, body: Vec<u8>| vec![(name.to_string(), body)];
        files.extend(match format {
            Format::Html => one("report.html", html::render(report)?.into_bytes()),
            Format::Md => one("report.md", markdown::render(report).into_bytes()),
            Format::Json => one(
                "report.json",
                (serde_json::to_string_pretty(report)? + "\n").into_bytes(),
            ),
            Format::Csv => tables::render(report, tables::TableFormat::Csv)?,
            Format::Parquet => tables::render(report, tables::TableFormat::Parquet)?,
            Format::Junit => one("junit.xml", junit::render(report)?),
        });
    }
    let mut written = Vec::new();
    for (name, body) in files {
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, body).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
