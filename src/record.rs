//! What a run leaves in its directory: `records.jsonl` (one `Record` per case × provider × repeat)
//! and `run.json` (the `Manifest`). Field names are a public contract (docs/design.md): add, never rename.

use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::chat::Usage;
pub use crate::host::Host;
pub use crate::provider::ErrorKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub run_id: String,
    pub case_id: String,
    pub provider: String,
    pub repeat: u32,
    pub request_hash: String,
    /// Answered from a cassette: its timings were recorded earlier, not measured now.
    #[serde(default)]
    pub replayed: bool,
    pub output: Option<String>,
    /// Tools the model asked to call (empty for plain text answers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<crate::chat::ToolCall>,
    pub finish_reason: Option<crate::chat::FinishReason>,
    pub error: Option<RecordError>,
    pub usage: Usage,
    pub timing: Timing,
    /// `null` when no price is known for the provider.
    pub cost_usd: Option<f64>,
    pub scores: Vec<Score>,
    /// The call succeeded and every scorer that applies to the case passed (weights aside).
    pub passed: bool,
    /// The scorers' weighted mean score in [0, 1] (each scorer's `weight`, default 1). With no
    /// scorer applying it is 1.0 when the call succeeded, and a failed call scores 0.0. `null`
    /// only in records written before modelswap weighted its scores.
    #[serde(default)]
    pub score: Option<f64>,
    /// The case's tags (for per-tag breakdowns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// RFC 3339, UTC, milliseconds.
    pub started_at: String,
    pub ttft_ms: Option<f64>,
    pub total_ms: Option<f64>,
    /// Decode rate after the first token: (output_tokens − 1) / (total − ttft).
    pub tokens_per_s: Option<f64>,
    pub attempts: u32,
    pub retry_wait_ms: f64,
    /// The successful attempt's share of the machine: `total_ms` divided, moment by moment,
    /// among the provider's calls in flight (`cost::machine_time`). A self-hosted call costs
    /// this much machine time. Absent for failed calls, replays of cassettes recorded without
    /// it, and records written before it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_ms: Option<f64>,
}

impl Timing {
    /// The decode rate after the first token; `None` when it cannot be measured (one token, or no
    /// time between first and last).
    pub fn decode_rate(output_tokens: u64, ttft_ms: f64, total_ms: f64) -> Option<f64> {
        let span_s = (total_ms - ttft_ms) / 1e3;
        (output_tokens > 1 && span_s > 0.0).then(|| (output_tokens - 1) as f64 / span_s)
    }
}

/// One scorer's verdict on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub scorer: String,
    /// In [0, 1]; pass/fail scorers give 1.0 or 0.0.
    pub score: f64,
    pub passed: bool,
    pub reason: String,
    /// A judge's own calls, kept apart from the judged provider's usage and cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeCalls>,
    /// What the output was compared with when the scorer has a `reference`: `logged`, or the
    /// reference provider's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
    /// The reference answer as a reader sees it (its text, then its tool calls as
    /// `name(arguments)`), kept only when the output failed the comparison: the report shows
    /// the two side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The reference answer did not exist (its call failed, or it was not run or logged): the
    /// scorer could not score, `reason` says why, and the record counts apart from the pass
    /// rates (it neither passes nor fails on quality).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_reference: bool,
}

/// What judging one record took from the judge's provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeCalls {
    pub provider: String,
    /// Calls made: 2 when the first answer was not a verdict and the judge was asked again.
    pub calls: u32,
    /// Summed over the calls.
    pub usage: Usage,
    /// The calls' cost, priced as the judge provider's own calls are (a failed call costs
    /// nothing); `null` when its price is unknown. Kept apart from the judged record's cost.
    pub cost_usd: Option<f64>,
}

/// `run.json`: what was run, with what, where and when. No secrets: providers are recorded as
/// configured, and a configuration only ever names the environment variable of a key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    pub status: RunStatus,
    pub modelswap_version: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub suite: SuiteInfo,
    /// In the suite's order.
    pub providers: Vec<ProviderInfo>,
    pub cases: usize,
    pub repeats: u32,
    pub records_expected: usize,
    pub host: Host,
    pub workload: Option<crate::suite::Workload>,
    pub gate: Option<crate::suite::GateConfig>,
    /// The part of the suite this run covered (`run --shard I/N`); absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Calls are being made (or the run was killed before it could say otherwise).
    Running,
    Completed,
    /// Stopped before its last call (Ctrl-C, a suite file changed); `--resume` finishes it.
    Interrupted,
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Interrupted => "interrupted",
        })
    }
}

/// Shard `index` (1-based) of `count`: the cases at positions index-1, index-1+count, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: expected I/N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{s}`: the shard number must be between 1 and N"));
        }
        Ok(Self { index, count })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub path: String,
    pub sha256: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderInfo {
    pub id: String,
    pub config: crate::suite::ProviderConfig,
    pub sampling: crate::chat::Sampling,
    /// File name -> sha256 of the files that determine a local model's outputs.
    #[serde(default)]
    pub model_files: std::collections::BTreeMap<String, String>,
    /// The cassette this provider's answers were replayed from (its timings were recorded, not
    /// measured in this run); `null` when it ran live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed_from: Option<String>,
    /// How a local model ran, when one ran live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<LocalEngine>,
}

/// How a local model ran: its settings after defaults, and what the graph allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalEngine {
    /// ONNX Runtime intra-op threads.
    pub threads: usize,
    /// The most cases decoded together in one forward pass: `batch`, or 1 when the graph cannot
    /// batch.
    pub batch: usize,
    /// Why the graph decodes one case at a time, when it does despite `batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_note: Option<String>,
}

pub const RECORDS_FILE: &str = "records.jsonl";
pub const MANIFEST_FILE: &str = "run.json";
/// The workload's lock-in audit (`lockin::workload`), written at the start of a run.
pub const LOCKIN_FILE: &str = "lockin.json";

pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let text = crate::input::read(&path, 16 << 20).and_then(|b| {
        String::from_utf8(b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    });
    let text = text.map_err(|e| {
        anyhow::anyhow!(
            "cannot read {}: {e} (is {} a run directory?)",
            path.display(),
            dir.display()
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: invalid manifest: {e}", path.display()))
}

/// Reads a records file. A last line cut off mid-write (a killed run) is skipped; any other bad
/// line is an error naming the file and line.
pub fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let mut records = Vec::new();
    for_each_record(path, |_, r| {
        records.push(r);
        Ok(())
    })?;
    Ok(records)
}

/// Calls `f` with each record of a records file and its row (its place among the file's records,
/// from 0), one at a time, so a run of any size is read in little memory. Bad lines as in
/// `read_records`.
pub fn for_each_record(
    path: &Path,
    mut f: impl FnMut(u64, Record) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    walk_lines(path, |line| {
        if let Some(r) = parse_line(path, &line)? {
            f(line.row, r)?;
        }
        Ok(true)
    })
}

/// The records at `rows` (places among the file's records, as `for_each_record` numbers them),
/// by row; reading stops after the last one wanted.
pub fn read_rows(path: &Path, rows: &[u64]) -> anyhow::Result<HashMap<u64, Record>> {
    let wanted: HashSet<u64> = rows.iter().copied().collect();
    let last = rows.iter().copied().max();
    let mut found = HashMap::new();
    walk_lines(path, |line| {
        if wanted.contains(&line.row) {
            if let Some(r) = parse_line(path, &line)? {
                found.insert(line.row, r);
            }
        }
        Ok(Some(line.row) < last)
    })?;
    Ok(found)
}

/// A record's score in [0, 1], the one rule every reader follows: 0 for a failed call; its
/// `score`; for records written before that field, the mean of its scorers' scores (those
/// known); with no scorer, 1 or 0 by `passed`. `None` only when it has scorers and none knows.
pub fn score_of(
    failed: bool,
    score: Option<f64>,
    passed: bool,
    scorers: &[Option<f64>],
) -> Option<f64> {
    if failed {
        return Some(0.0);
    }
    if score.is_some() {
        return score;
    }
    if scorers.is_empty() {
        return Some(if passed { 1.0 } else { 0.0 });
    }
    let known: Vec<f64> = scorers.iter().flatten().copied().collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

/// Whether a line that does not parse is a record cut off mid-write: the file's last line, its
/// JSON object never closed. A killed run can leave one (each record is appended in one write);
/// every reader skips it, and `--resume` removes it and makes the call again. Any other bad line
/// is damage, reported with its place.
pub(crate) fn cut_off(line: &[u8], last: bool) -> bool {
    last && !line.trim_ascii_end().ends_with(b"}")
}

/// One record's line: `Ok(None)` for a last line cut off mid-write, which is skipped.
pub(crate) fn parse_line(path: &Path, line: &Line) -> anyhow::Result<Option<Record>> {
    match serde_json::from_slice::<Record>(line.bytes) {
        Ok(r) => Ok(Some(r)),
        Err(_) if cut_off(line.bytes, line.last) => {
            tracing::warn!(
                "{}:{}: skipping a record cut off mid-write",
                path.display(),
                line.number
            );
            Ok(None)
        }
        Err(e) => anyhow::bail!(
            "{}:{}: not a valid record: {e}",
            path.display(),
            line.number
        ),
    }
}

/// A non-blank line of a records file.
pub(crate) struct Line<'a> {
    /// 1-based, counting blank lines too, as an editor shows it.
    pub number: usize,
    /// Its place among the non-blank lines, from 0: the row polars gives it.
    pub row: u64,
    /// Without the line break.
    pub bytes: &'a [u8],
    /// No non-blank line follows.
    pub last: bool,
}

/// Calls `f` with every non-blank line of `path` (blank as polars' NDJSON reader counts it: only
/// spaces, tabs and carriage returns) until it returns `false`.
pub(crate) fn walk_lines(
    path: &Path,
    mut f: impl FnMut(Line) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let file = crate::input::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let read_err = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", path.display());
    let blank = |l: &[u8]| l.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    // One line of lookahead, to know which line is the last.
    let (mut current, mut next) = (Vec::new(), Vec::new());
    let (mut number, mut current_number, mut row) = (0, 0, 0);
    loop {
        next.clear();
        let n = crate::input::read_line(&mut reader, &mut next).map_err(read_err)?;
        if n > 0 {
            number += 1;
            if blank(&next) {
                continue;
            }
        }
        if !current.is_empty() {
            let bytes = current.strip_suffix(b"\n").unwrap_or(&current);
            let line = Line {
                number: current_number,
                row,
                bytes,
                last: n == 0,
            };
            if !f(line)? {
                return Ok(());
            }
            row += 1;
        }
        if n == 0 {
            return Ok(());
        }
        std::mem::swap(&mut current, &mut next);
        current_number = number;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rate_follows_the_counting_rule() {
        assert_eq!(Timing::decode_rate(11, 100.0, 600.0), Some(20.0));
        assert_eq!(Timing::decode_rate(1, 100.0, 100.0), None);
        assert_eq!(Timing::decode_rate(5, 100.0, 100.0), None);
    }
}
