//! Rendering a run for people and tools: HTML (the procurement report), Markdown (fits a PR
//! comment), JSON, CSV/Parquet tables and JUnit XML, from the records and manifest alone; no
//! model is called. The tables and JUnit list every record, read one at a time from the file.

pub(crate) mod agreement;
mod charts;
mod comparison;
mod html;
mod junit;
mod markdown;
mod non_inferiority;
pub mod recommend;
mod rows;
mod tables;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use polars::prelude::*;
use serde::Serialize;

use crate::analysis::cost::CostSummary;
use crate::analysis::latency::ProviderLatency;
use crate::analysis::{self, Comparison, RecordFrame, Summary};
use crate::record::{self, Manifest, Record};
use crate::stats;

pub use agreement::Disagreement;
pub use html::render as html;
pub use markdown::render as markdown;
pub use recommend::{Decision, Executive, Recommendation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
    Json,
    Csv,
    Parquet,
    Junit,
}

impl Format {
    /// As `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Md => "md",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Junit => "junit",
        }
    }

    /// What it writes.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Html => {
                "report.html: one self-contained page with inline SVG charts, printable to PDF"
            }
            Self::Md => "report.md: fits a PR comment",
            Self::Json => "report.json: everything the other formats show, machine-readable",
            Self::Csv => "records.csv and aggregates.csv",
            Self::Parquet => "records.parquet and aggregates.parquet",
            Self::Junit => "junit.xml: one testcase per case × provider",
        }
    }
}

/// Failed records each report keeps per provider, worst first: more than any format shows
/// (the HTML shows 25, the Markdown 5 cases); records.csv/parquet hold every record.
pub const FAILURES_KEPT: usize = 100;

/// What every format renders: the summary, the comparisons the gate names, the worst failures.
/// Built from the run's aggregates; of the records themselves it holds only the failures shown.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub manifest: Manifest,
    pub methodology: Methodology,
    pub summary: Summary,
    pub comparisons: Vec<Comparison>,
    /// The worst failed records of each provider (at most `FAILURES_KEPT`; `summary` counts them
    /// all), provider by provider in the manifest's order, worst first.
    pub failures: Vec<Failure>,
    /// Outputs a reference-based scorer found different from the answer it compared with
    /// (at most `agreement::DISAGREEMENTS_KEPT` per provider, lowest score first).
    pub disagreements: Vec<Disagreement>,
    /// The gate's verdict and the recommendation for each candidate.
    pub executive: Executive,
    /// p50/p95/p99 of call duration and time to first token, per provider.
    pub latency: Vec<ProviderLatency>,
    pub cost: CostSummary,
    /// Load sweeps of the run's self-hosted providers (`modelswap load`), which their cost
    /// figures rest on.
    pub capacity: Vec<crate::load::Capacity>,
    /// The lock-in audit: the workload's needs against each provider (from the run's
    /// `lockin.json`) and, with `report --scan PATH`, the codebase's vendor dependencies.
    pub lockin: LockIn,
    /// The records file the figures come from, which the tables and JUnit list.
    #[serde(skip)]
    pub records: RecordsFile,
}

/// Where a report's records are: the run's records.jsonl, or (`--against`) the re-scored copy,
/// kept while the report lives.
#[derive(Debug, Clone, Default)]
pub struct RecordsFile {
    pub path: PathBuf,
    scratch: Option<Arc<tempfile::TempDir>>,
}

/// How the quality figures were computed, for the reader and for anyone recomputing them.
#[derive(Debug, Clone, Serialize)]
pub struct Methodology {
    pub confidence: f64,
    pub pass_rate_interval: &'static str,
    /// How a mean score's interval is computed; each interval's `*_method` says which way was
    /// taken for it.
    pub score_interval: String,
    pub bootstrap_resamples: usize,
    pub bootstrap_seed: u64,
    /// Cases above which the normal interval replaces the bootstrap.
    pub bootstrap_max_cases: usize,
    pub paired_test: &'static str,
    /// The level the paired test is read at: the gate's `significance`, else 0.05.
    pub alpha: f64,
    /// How a non-inferiority margin is tested.
    pub non_inferiority: &'static str,
    /// Failed records kept per provider in `failures`.
    pub failures_kept: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub provider: String,
    pub case_id: String,
    pub repeat: u32,
    pub score: f64,
    /// The answer: its text, then its tool calls as `name(arguments)`; `null` for a failed call.
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
    /// The report of the records in `records`, read from the file at `path` (the failures shown
    /// are read back from it in full), with the load sweeps of its self-hosted providers.
    pub fn build(
        manifest: Manifest,
        records: &RecordFrame,
        path: &Path,
        capacity: Vec<crate::load::Capacity>,
    ) -> anyhow::Result<Self> {
        let clock = std::time::Instant::now();
        let lap =
            |stage: &str| tracing::debug!(stage, seconds = clock.elapsed().as_secs_f64(), "report");
        let summary = analysis::summarize(&manifest, records)?;
        lap("summary");
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
        lap("comparisons");
        let failures = failures(&manifest, records, path)?;
        let disagreements = agreement::collect(&summary, path)?;
        lap("failures");
        let cost = analysis::cost::summarize(&manifest, records, &summary, &capacity)?;
        let executive = recommend::recommend(&manifest, &summary, &comparisons, &cost, records);
        lap("cost");
        let latency = analysis::latency::summarize(&manifest, records)?;
        lap("latency");
        Ok(Self {
            lockin: LockIn::default(),
            latency,
            cost,
            capacity,
            executive,
            manifest,
            methodology: Methodology {
                confidence: analysis::CONFIDENCE,
                pass_rate_interval: "Wilson score interval; with repeats, its trials divided by the design effect of a case's repeats (Rao–Scott: the cluster-robust variance over the binomial one, at least 1), so a case counts once",
                score_interval: format!(
                    "percentile bootstrap of the mean, resampling cases with all their repeats; above {} cases, the normal interval the bootstrap converges to: mean ± z × the case-clustered standard error √Σ(sumᵢ − mean × nᵢ)² / Σnᵢ over cases i",
                    stats::BOOTSTRAP_MAX_CASES
                ),
                bootstrap_resamples: stats::BOOTSTRAP_RESAMPLES,
                bootstrap_seed: stats::BOOTSTRAP_SEED,
                bootstrap_max_cases: stats::BOOTSTRAP_MAX_CASES,
                paired_test: "exact two-sided McNemar test on the (case, repeat) pairs, or with repeats Durkalski et al.'s (2003) McNemar test for clustered matched pairs (a case's repeats together); paired interval of the score difference at 1 − alpha, resampling cases as the mean score's",
                non_inferiority: non_inferiority::HOW_TESTED,
                alpha,
                failures_kept: FAILURES_KEPT,
            },
            summary,
            comparisons,
            failures,
            disagreements,
            records: RecordsFile {
                path: path.to_path_buf(),
                scratch: None,
            },
        })
    }

    /// Loads a run directory, with its load sweep (`DIR/capacity.json`) and those in
    /// `capacity` (`capacity.json` files), and with `against` the gate baseline's records from
    /// that earlier run (`crate::against`); one that cannot be read (no run there, damaged
    /// records) is an input error.
    pub fn load(
        dir: &Path,
        capacity: &[PathBuf],
        against: Option<&Path>,
    ) -> crate::error::Result<Self> {
        use crate::error::Error;
        let clock = std::time::Instant::now();
        let (manifest, records, path, scratch) = match against {
            Some(base) => {
                let c = crate::against::combine(dir, base)?;
                (c.manifest, c.records, c.path, c.scratch)
            }
            None => {
                let manifest = record::read_manifest(dir).map_err(Error::input)?;
                let path = dir.join(record::RECORDS_FILE);
                let records = RecordFrame::read(&path).map_err(Error::input)?;
                (manifest, records, path, None)
            }
        };
        tracing::debug!(
            records = records.len(),
            seconds = clock.elapsed().as_secs_f64(),
            "read {}",
            path.display()
        );
        let mut sweeps = crate::load::capacity::in_dir(dir).map_err(Error::input)?;
        for file in capacity {
            sweeps.push(crate::load::Capacity::read(file).map_err(Error::input)?);
        }
        let mut report = Self::build(manifest, &records, &path, sweeps)?;
        report.records.scratch = scratch.map(Arc::new);
        report.lockin.workload = LockIn::read_workload(dir).map_err(Error::input)?;
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

/// The worst `FAILURES_KEPT` failed records of each provider: where the baseline passed the
/// same (case, repeat) first (a regression), then by score, lowest first. Chosen in polars; only
/// they are read back from `path` in full, with their baseline's.
fn failures(
    manifest: &Manifest,
    records: &RecordFrame,
    path: &Path,
) -> anyhow::Result<Vec<Failure>> {
    let baseline_id = manifest.gate.as_ref().map(|g| g.baseline.as_str());
    let mut picked = Vec::new();
    for p in &manifest.providers {
        let baseline = baseline_id.filter(|b| *b != p.id);
        picked.push((p.id.as_str(), worst_failed(records, &p.id, baseline)?));
    }
    let rows = |df: &DataFrame, name: &str| -> anyhow::Result<Vec<Option<u64>>> {
        let c = df.column(name)?.cast(&DataType::UInt64)?;
        Ok(c.u64()?.iter().collect())
    };
    let mut wanted = Vec::new();
    for (_, df) in &picked {
        wanted.extend(rows(df, "row")?.into_iter().flatten());
        wanted.extend(rows(df, "base_row")?.into_iter().flatten());
    }
    let full = record::read_rows(path, &wanted)?;
    let mut out = Vec::new();
    for (provider, df) in picked {
        let (row, base_row) = (rows(&df, "row")?, rows(&df, "base_row")?);
        let base_passed = df.column("base_passed")?.bool()?.clone();
        let base_score = df.column("base_score")?.f64()?.clone();
        let score = df.column("score")?.f64()?.clone();
        for i in 0..df.height() {
            // A baseline's record from the run `--against` names has no row here: its
            // failures are that run's report's.
            let Some(row) = row[i] else { continue };
            let Some(r) = full.get(&row) else {
                anyhow::bail!(
                    "{}: a failed record of `{provider}` is no longer in the file",
                    path.display()
                );
            };
            let base = base_row[i].and_then(|row| full.get(&row));
            out.push(Failure {
                provider: r.provider.clone(),
                case_id: r.case_id.clone(),
                repeat: r.repeat,
                score: score.get(i).unwrap_or_default(),
                output: shown(r),
                reasons: reasons(r),
                baseline: base_passed.get(i).map(|passed| BaselineOutcome {
                    passed,
                    score: base_score.get(i).unwrap_or_default(),
                    output: base.and_then(shown),
                }),
            });
        }
    }
    Ok(out)
}

/// A record's answer as a reader sees it: its text, then its tool calls as `name(arguments)`;
/// `None` for a failed call.
pub(super) fn shown(r: &Record) -> Option<String> {
    let text = r.output.clone()?;
    let answer = crate::score::Answer {
        text,
        tool_calls: r.tool_calls.clone(),
    };
    Some(answer.shown())
}

/// `provider`'s worst failed records (row, case, repeat, score), beside the baseline's outcome
/// on the same (case, repeat) when there is a baseline (`base_row`, `base_passed`, `base_score`).
fn worst_failed(
    records: &RecordFrame,
    provider: &str,
    baseline: Option<&str>,
) -> anyhow::Result<DataFrame> {
    let of = |id: &str| {
        records
            .lazy()
            .filter(col("provider").eq(lit(id.to_string())))
    };
    // A record without a reference answer did not fail: it is counted apart.
    let failed = of(provider)
        .filter(col("passed").not().and(col("unscored").not()))
        .select([col("row"), col("case_id"), col("repeat"), col("score")]);
    let keys = [col("case_id"), col("repeat")];
    let failed = match baseline {
        Some(b) => failed.join(
            of(b).select([
                col("case_id"),
                col("repeat"),
                col("row").alias("base_row"),
                col("passed").alias("base_passed"),
                col("score").alias("base_score"),
            ]),
            keys.clone(),
            keys,
            JoinArgs::new(JoinType::Left),
        ),
        None => failed.with_columns([
            lit(NULL).cast(IDX_DTYPE).alias("base_row"),
            lit(NULL).cast(DataType::Boolean).alias("base_passed"),
            lit(NULL).cast(DataType::Float64).alias("base_score"),
        ]),
    };
    let order = [
        col("base_passed").fill_null(lit(false)),
        col("score"),
        col("case_id"),
        col("repeat"),
    ];
    Ok(failed
        .sort_by_exprs(
            order,
            SortMultipleOptions::default().with_order_descending_multi([true, false, false, false]),
        )
        .limit(FAILURES_KEPT as IdxSize)
        .collect()?)
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
/// written to a hidden temporary file first, and only when all are complete does each replace its
/// old version at once, so a failure leaves no half-written report. (Formats are streamed to
/// disk rather than held: report.json of a big run holds every case's tally.)
pub fn write(dir: &Path, report: &Report, formats: &[Format]) -> anyhow::Result<Vec<PathBuf>> {
    let records = &report.records.path;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut stage = |name: &str, body: &dyn Fn(&mut BufWriter<File>) -> anyhow::Result<()>| {
        let tmp = dir.join(format!(".{name}.tmp"));
        // Staged first, so a failure below still removes it.
        staged.push((tmp.clone(), dir.join(name)));
        let file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut w = BufWriter::new(file);
        body(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", tmp.display()))
    };
    let rendered = formats.iter().try_for_each(|format| match format {
        Format::Html => stage("report.html", &|w| {
            Ok(w.write_all(html::render(report)?.as_bytes())?)
        }),
        Format::Md => stage("report.md", &|w| {
            Ok(w.write_all(markdown::render(report).as_bytes())?)
        }),
        Format::Json => stage("report.json", &|w| {
            serde_json::to_writer_pretty(&mut *w, report)?;
            Ok(w.write_all(b"\n")?)
        }),
        Format::Csv | Format::Parquet => {
            let table = match format {
                Format::Csv => tables::TableFormat::Csv,
                _ => tables::TableFormat::Parquet,
            };
            tables::render(report, records, table)?
                .into_iter()
                .try_for_each(|(name, body)| stage(&name, &|w| Ok(w.write_all(&body)?)))
        }
        Format::Junit => stage("junit.xml", &|w| {
            Ok(w.write_all(&junit::render(report, records)?)?)
        }),
    });
    if let Err(e) = rendered {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::analysis::frame::testing;

    /// A base and a candidate over 150 cases: the baseline fails the first 60; the candidate
    /// fails all 150, its calls to the last 10 with an error, the rest with scores 0.1 to 0.9.
    fn regressions() -> (Manifest, Vec<Record>) {
        let providers = ["base", "cand"].map(|id| {
            json!({"id": id, "config": {"kind": "openai", "model": "m"},
                   "sampling": {"temperature": 0.0, "max_tokens": 8}})
        });
        let manifest: Manifest = serde_json::from_value(json!({
            "run_id": "r", "status": "completed", "modelswap_version": "0", "started_at": "t",
            "finished_at": null,
            "suite": {"path": "s.yaml", "sha256": "0", "name": "s", "description": null},
            "providers": providers,
            "cases": 150, "repeats": 1, "records_expected": 300,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2}, "workload": null,
            "gate": {"baseline": "base", "candidates": ["cand"]}
        }))
        .unwrap();
        let record = |provider: &str, i: usize, passed: bool, error: bool, score: f64| -> Record {
            serde_json::from_value(json!({
                "run_id": "r", "case_id": format!("c{i:03}"), "provider": provider, "repeat": 0,
                "request_hash": "sha256:0", "output": if error { json!(null) } else { json!(format!("{provider} says {i}")) },
                "finish_reason": null,
                "error": if error { json!({"kind": "server", "message": "boom"}) } else { json!(null) },
                "usage": {"input_tokens": 1, "output_tokens": 1},
                "timing": {"started_at": "t", "ttft_ms": 1.0, "total_ms": 2.0, "tokens_per_s": null,
                           "attempts": 1, "retry_wait_ms": 0.0},
                "cost_usd": null,
                "scores": if error { json!([]) } else { json!([{"scorer": "s", "score": score, "passed": passed, "reason": format!("because {i}")}]) },
                "passed": passed, "score": score
            }))
            .unwrap()
        };
        let records: Vec<Record> = (0..150)
            .flat_map(|i| {
                let cand = if i >= 140 {
                    record("cand", i, false, true, 0.0)
                } else {
                    record("cand", i, false, false, 0.1 + (i % 9) as f64 / 10.0)
                };
                [
                    record("base", i, i >= 60, false, f64::from(u8::from(i >= 60))),
                    cand,
                ]
            })
            .collect();
        (manifest, records)
    }

    #[test]
    fn the_worst_failures_are_kept_per_provider_regressions_first_and_all_are_counted() {
        let (manifest, records) = regressions();
        let (_dir, path, frame) = testing::write(&records);
        let report = Report::build(manifest, &frame, &path, Vec::new()).unwrap();

        let base: Vec<&Failure> = report
            .failures
            .iter()
            .filter(|f| f.provider == "base")
            .collect();
        let cand: Vec<&Failure> = report
            .failures
            .iter()
            .filter(|f| f.provider == "cand")
            .collect();
        assert_eq!((base.len(), cand.len()), (60, FAILURES_KEPT));
        assert!(base.iter().all(|f| f.baseline.is_none()));
        // Regressions first (90 cases the baseline passed), the failed calls (score 0) leading;
        // then failures the baseline shares, by score.
        assert!(cand[..90]
            .iter()
            .all(|f| f.baseline.as_ref().unwrap().passed));
        assert!(cand[90..]
            .iter()
            .all(|f| !f.baseline.as_ref().unwrap().passed));
        let first: Vec<&str> = cand[..10].iter().map(|f| f.case_id.as_str()).collect();
        assert_eq!(
            first,
            (140..150).map(|i| format!("c{i}")).collect::<Vec<_>>()
        );
        assert_eq!(cand[0].reasons, ["Server error: boom"]);
        assert!(cand.windows(2).all(|w| {
            let regressed = |f: &Failure| f.baseline.as_ref().unwrap().passed;
            regressed(w[0]) && !regressed(w[1])
                || (regressed(w[0]) == regressed(w[1]) && w[0].score <= w[1].score)
        }));
        // Read back in full: the outputs and reasons, the baseline's output beside them.
        let f = cand.iter().find(|f| f.case_id == "c070").unwrap();
        assert_eq!(f.output.as_deref(), Some("cand says 70"));
        assert_eq!(f.reasons, ["s: because 70"]);
        let b = f.baseline.as_ref().unwrap();
        assert_eq!(
            (b.passed, b.score, b.output.as_deref()),
            (true, 1.0, Some("base says 70"))
        );

        // Every failure is counted, not only those kept.
        let p = &report.summary.providers[1];
        assert_eq!((p.records - p.passed, p.failed_cases), (150, 150));
        let md = markdown::render(&report);
        assert!(
            md.contains("### cand (150 of 150 records failed, in 150 of 150 cases)"),
            "{md}"
        );
        assert!(
            md.contains("…and 145 more failed cases (see report.json)."),
            "{md}"
        );
        let html = html::render(&report).unwrap();
        assert!(html.contains("cand: 150 of 150 records failed"), "{html}");
        assert!(html.contains("…and 125 more failures of cand"), "{html}");
    }
}
