//! Rendering a run for people and tools: Markdown (fits a PR comment) and JSON, from the records
//! and manifest alone; no model is called.

mod markdown;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::analysis::{self, Comparison, Summary};
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
    pub summary: Summary,
    pub comparisons: Vec<Comparison>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub provider: String,
    pub case_id: String,
    pub repeat: u32,
    pub output: Option<String>,
    /// The error, or the reasons of the scorers that failed.
    pub reasons: Vec<String>,
}

impl Report {
    pub fn build(manifest: Manifest, records: &[Record]) -> anyhow::Result<Self> {
        let summary = analysis::summarize(&manifest, records)?;
        let comparisons = match &manifest.gate {
            Some(gate) => gate
                .candidates
                .iter()
                .map(|c| analysis::compare(records, &gate.baseline, c))
                .filter(|c| c.pairs > 0)
                .collect(),
            None => Vec::new(),
        };
        let mut failures: Vec<Failure> = records
            .iter()
            .filter(|r| !r.passed)
            .map(|r| Failure {
                provider: r.provider.clone(),
                case_id: r.case_id.clone(),
                repeat: r.repeat,
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
            })
            .collect();
        let order = |id: &str| {
            manifest
                .providers
                .iter()
                .position(|p| p.id == id)
                .unwrap_or(usize::MAX)
        };
        failures.sort_by(|a, b| {
            (order(&a.provider), &a.case_id, a.repeat).cmp(&(
                order(&b.provider),
                &b.case_id,
                b.repeat,
            ))
        });
        Ok(Self {
            manifest,
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
