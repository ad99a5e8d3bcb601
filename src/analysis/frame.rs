//! A run's records as the narrow polars frame every figure is computed from: `records.jsonl`
//! read in chunks of whole lines, each split among the cores and parsed with serde into only
//! the fields the analysis reads (no outputs, no reasons), so memory follows the record count,
//! not the file size. (polars' own NDJSON reader builds a value for every field, outputs
//! included, and read 1 GB at a third of this speed: docs/BENCHMARKS.md.)

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use anyhow::Context;

use polars::prelude::*;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::record;

/// Bytes of whole lines parsed at a time. The file itself is never mapped nor held whole: its
/// outputs and reasons can be most of its size and the analysis reads none of them.
const CHUNK_BYTES: usize = 32 << 20;

/// The fields of a record the analysis reads, borrowed from its line (the record format is
/// `record::Record`). serde skips the others, outputs and reasons (most of a file), without
/// copying them.
#[derive(Deserialize)]
struct RecordFields<'a> {
    #[serde(borrow)]
    provider: Cow<'a, str>,
    #[serde(borrow)]
    case_id: Cow<'a, str>,
    repeat: u32,
    #[serde(default)]
    replayed: Option<bool>,
    #[serde(default)]
    error: Option<IgnoredAny>,
    usage: UsageFields,
    #[serde(borrow)]
    timing: TimingFields<'a>,
    #[serde(default)]
    cost_usd: Option<f64>,
    #[serde(borrow)]
    scores: Vec<ScoreFields<'a>>,
    passed: bool,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default, borrow)]
    tags: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct UsageFields {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct TimingFields<'a> {
    #[serde(default, borrow)]
    started_at: Option<Cow<'a, str>>,
    #[serde(default)]
    ttft_ms: Option<f64>,
    #[serde(default)]
    total_ms: Option<f64>,
    #[serde(default)]
    tokens_per_s: Option<f64>,
}

#[derive(Deserialize)]
struct ScoreFields<'a> {
    #[serde(borrow)]
    scorer: Cow<'a, str>,
    #[serde(default)]
    score: Option<f64>,
    passed: bool,
    #[serde(default)]
    judge: Option<JudgeFields>,
    #[serde(default, borrow)]
    against: Option<Cow<'a, str>>,
    #[serde(default)]
    no_reference: bool,
}

#[derive(Deserialize)]
struct JudgeFields {
    calls: u32,
    #[serde(default)]
    cost_usd: Option<f64>,
}

impl RecordFields<'_> {
    /// `record::score_of`.
    fn score(&self) -> Option<f64> {
        let scorers: Vec<Option<f64>> = self.scores.iter().map(|s| s.score).collect();
        record::score_of(self.error.is_some(), self.score, self.passed, &scorers)
    }
}

/// One row per record. Columns: `row` (its place in the file), `provider`, `case_id`, `repeat`,
/// `passed`, `error` (the call failed), `score` (`analysis::record_score`), `unscored` (a
/// scorer had no reference answer: the record counts apart from quality figures), `started_s` (when the
/// successful attempt started, seconds since 1970), `total_ms`, `ttft_ms`,
/// `input_tokens`, `output_tokens` (null for a failed call: it has no comparable duration or
/// usage), `tokens_per_s`, `cost_usd`, `judge_calls` and `judge_cost_usd` (what judging it
/// took; the cost null when none was judged or a judge call's price is unknown), `replayed`,
/// `tags`. Beside it, each scorer's counts per
/// provider, summed while reading so the scores themselves are never kept.
#[derive(Debug, Clone)]
pub struct RecordFrame {
    records: DataFrame,
    /// `provider`, `scorer`, `against` (its reference, null without one), `scored` (records
    /// it scored, those without a reference answer included), `passed`, `unscored` (no
    /// reference answer), `score_sum`, `wins` and `ties` (scores of 1 and of 0.5), over the
    /// records it could score; scorers in the order they first appear.
    scorers: DataFrame,
}

impl RecordFrame {
    /// Reads a records file. A last line cut off mid-write (a killed run) is skipped; any other
    /// bad line is an error naming the file, the line and what is wrong with it.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        Self::read_in_blocks(path, CHUNK_BYTES)
    }

    /// `read`, `block_bytes` of the file at a time (a line longer than that makes its block
    /// longer).
    fn read_in_blocks(path: &Path, block_bytes: usize) -> anyhow::Result<Self> {
        let mut file =
            crate::input::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut block = Vec::with_capacity(block_bytes);
        // The line number of the block's first byte, and the records before it.
        let (mut line, mut row) = (1usize, 0 as IdxSize);
        let (mut records, mut scorers) = (Vec::new(), Vec::new());
        loop {
            let got = (&mut file)
                .take(block_bytes as u64)
                .read_to_end(&mut block)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let last = got < block_bytes;
            // Whole lines only; the rest waits for the next block.
            let end = if last {
                block.len()
            } else {
                memchr::memrchr(b'\n', &block).map_or(0, |i| i + 1)
            };
            if end > 0 || (last && records.is_empty()) {
                let whole = &block[..end];
                let (r, s) = parse_block(path, whole, line, row, last)?;
                row += r.height() as IdxSize;
                line += memchr::memchr_iter(b'\n', whole).count();
                records.push(r.lazy());
                scorers.push(s.lazy());
            }
            block.drain(..end);
            if last {
                break;
            }
            if block.len() > crate::input::LINE_MAX_BYTES {
                anyhow::bail!(
                    "{}:{line}: a line is longer than {} MiB, the limit",
                    path.display(),
                    crate::input::LINE_MAX_BYTES >> 20
                );
            }
        }
        let records = concat(records, UnionArgs::default())?.collect()?;
        let scorers = sum_scorers(concat(scorers, UnionArgs::default())?)?;
        Ok(Self { records, scorers })
    }

    /// This run's records with those of `provider` replaced by `other`'s (a baseline from an
    /// earlier run, `gate --against`). The rows taken from `other` lose their `row`: it counts
    /// lines of another file.
    pub fn with_provider_from(self, provider: &str, other: Self) -> anyhow::Result<Self> {
        let is = |name: &str| col(name).eq(lit(provider.to_string()));
        let theirs = other
            .records
            .lazy()
            .filter(is("provider"))
            .with_column(lit(NULL).cast(IDX_DTYPE).alias("row"));
        let records = concat(
            [self.records.lazy().filter(is("provider").not()), theirs],
            UnionArgs::default(),
        )?
        .collect()?;
        let scorers = sum_scorers(concat(
            [
                self.scorers.lazy().filter(is("provider").not()),
                other.scorers.lazy().filter(is("provider")),
            ],
            UnionArgs::default(),
        )?)?;
        Ok(Self { records, scorers })
    }

    pub fn len(&self) -> usize {
        self.records.height()
    }

    pub fn is_empty(&self) -> bool {
        self.records.height() == 0
    }

    /// The records, to query.
    pub fn lazy(&self) -> LazyFrame {
        self.records.clone().lazy()
    }

    /// The records whose quality could be judged (none of their scorers lacked a reference
    /// answer), to query: every quality figure is computed from these.
    pub fn scored(&self) -> LazyFrame {
        self.lazy().filter(col("unscored").not())
    }

    /// Each scorer's counts per provider.
    pub fn scorers(&self) -> &DataFrame {
        &self.scorers
    }
}

/// The records and scorer counts of `block` (whole lines, the first numbered `line`, its first
/// record the file's `row`-th), its lines split among the cores. `last`: the block ends the
/// file, whose last line may have been cut off mid-write by a killed run.
fn parse_block(
    path: &Path,
    block: &[u8],
    line: usize,
    row: IdxSize,
    last: bool,
) -> anyhow::Result<(DataFrame, DataFrame)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Parts of about equal size, each ending after a newline (or at the block's end).
    let mut parts = Vec::with_capacity(threads);
    let mut start = 0;
    for t in 1..=threads {
        let target = (block.len() * t / threads).max(start);
        let end = if t == threads {
            block.len()
        } else {
            memchr::memchr(b'\n', &block[target..]).map_or(block.len(), |i| target + i + 1)
        };
        parts.push(&block[start..end]);
        start = end;
    }
    // The part holding the block's last line: a long last line leaves the parts after it empty.
    let final_part = parts.iter().rposition(|p| !p.is_empty());
    let results: Vec<Result<Columns, BadLine>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let ends_file = last && Some(i) == final_part;
                scope.spawn(move || Columns::parse(part, ends_file))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a parsing thread panicked"))
            .collect()
    });
    let (mut records, mut scorers) = (Vec::new(), Vec::new());
    let (mut row, mut line) = (row, line);
    for (part, result) in parts.iter().zip(results) {
        match result {
            Ok(columns) => {
                if let Some(i) = columns.cut_off {
                    tracing::warn!(
                        "{}:{}: skipping a record cut off mid-write",
                        path.display(),
                        line + i
                    );
                }
                let n = columns.provider.len();
                let (r, s) = columns.finish(row)?;
                row += n as IdxSize;
                records.push(r.lazy());
                scorers.push(s.lazy());
            }
            Err(bad) => {
                return Err(anyhow::anyhow!(
                    "{}:{}: not a valid record: {}",
                    path.display(),
                    line + bad.line,
                    bad.why
                ))
            }
        }
        line += memchr::memchr_iter(b'\n', part).count();
    }
    let records = concat(records, UnionArgs::default())?.collect()?;
    Ok((
        records,
        sum_scorers(concat(scorers, UnionArgs::default())?)?,
    ))
}

/// A line that is not a record: its place among its part's lines (0-based), and why.
struct BadLine {
    line: usize,
    why: String,
}

/// The record frame's columns as they are read, and each scorer's counts per provider.
#[derive(Default)]
struct Columns {
    provider: Vec<String>,
    case_id: Vec<String>,
    repeat: Vec<u32>,
    passed: Vec<bool>,
    error: Vec<bool>,
    score: Vec<Option<f64>>,
    unscored: Vec<bool>,
    started_s: Vec<Option<f64>>,
    total_ms: Vec<Option<f64>>,
    ttft_ms: Vec<Option<f64>>,
    tokens_per_s: Vec<Option<f64>>,
    input_tokens: Vec<Option<u64>>,
    output_tokens: Vec<Option<u64>>,
    cost_usd: Vec<Option<f64>>,
    judge_calls: Vec<u32>,
    judge_cost_usd: Vec<Option<f64>>,
    replayed: Vec<bool>,
    tags: Vec<Option<Vec<String>>>,
    /// (provider, scorer) → its counts, in the order first seen.
    scorers: indexmap::IndexMap<(String, String), ScorerCounts>,
    /// The part's last line (its place among the part's lines), cut off mid-write and skipped.
    cut_off: Option<usize>,
}

impl Columns {
    /// Every non-blank line of `part`. `ends_file`: its last line is the file's, skipped when
    /// a killed run cut it off mid-write.
    fn parse(part: &[u8], ends_file: bool) -> Result<Self, BadLine> {
        let mut c = Columns::default();
        let lines: Vec<&[u8]> = part
            .strip_suffix(b"\n")
            .unwrap_or(part)
            .split(|&b| b == b'\n')
            .collect();
        let final_line = lines
            .iter()
            .rposition(|l| !l.trim_ascii().is_empty())
            .filter(|_| ends_file);
        for (i, line) in lines.iter().enumerate() {
            if line.trim_ascii().is_empty() {
                continue;
            }
            let r: RecordFields = match serde_json::from_slice(line) {
                Ok(r) => r,
                Err(_) if record::cut_off(line, Some(i) == final_line) => {
                    c.cut_off = Some(i);
                    continue;
                }
                Err(e) => {
                    // The full record's account names the first problem as a user would see it.
                    let why = serde_json::from_slice::<record::Record>(line)
                        .err()
                        .map_or_else(|| e.to_string(), |full| full.to_string());
                    return Err(BadLine { line: i, why });
                }
            };
            for s in &r.scores {
                let counts = c
                    .scorers
                    .entry((r.provider.to_string(), s.scorer.to_string()))
                    .or_default();
                counts.add(s);
            }
            c.unscored.push(r.scores.iter().any(|s| s.no_reference));
            let failed = r.error.is_some();
            // A failed call has no comparable duration or usage.
            let ok = |v| if failed { None } else { v };
            c.score.push(r.score());
            c.provider.push(r.provider.into_owned());
            c.case_id.push(r.case_id.into_owned());
            c.repeat.push(r.repeat);
            c.passed.push(r.passed);
            c.error.push(failed);
            let started = r.timing.started_at.as_deref().and_then(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .map(|t| t.timestamp_millis() as f64 / 1e3)
            });
            c.started_s.push(ok(started));
            c.total_ms.push(ok(r.timing.total_ms));
            c.ttft_ms.push(ok(r.timing.ttft_ms));
            c.tokens_per_s.push(r.timing.tokens_per_s);
            c.input_tokens
                .push(if failed { None } else { r.usage.input_tokens });
            c.output_tokens
                .push(if failed { None } else { r.usage.output_tokens });
            c.cost_usd.push(r.cost_usd);
            let judged: Vec<&JudgeFields> =
                r.scores.iter().filter_map(|s| s.judge.as_ref()).collect();
            c.judge_calls.push(judged.iter().map(|j| j.calls).sum());
            c.judge_cost_usd.push(if judged.is_empty() {
                None
            } else {
                judged.iter().map(|j| j.cost_usd).sum()
            });
            c.replayed.push(r.replayed.unwrap_or(false));
            c.tags
                .push(r.tags.map(|t| t.into_iter().map(Cow::into_owned).collect()));
        }
        Ok(c)
    }

    /// The frames, the first record being the file's `row`-th.
    fn finish(self, row: IdxSize) -> PolarsResult<(DataFrame, DataFrame)> {
        let rows: Vec<IdxSize> = (row..row + self.provider.len() as IdxSize).collect();
        let mut tags =
            ListStringChunkedBuilder::new("tags".into(), self.tags.len(), self.tags.len());
        for t in &self.tags {
            match t {
                Some(t) => tags.append_values_iter(t.iter().map(String::as_str)),
                None => tags.append_null(),
            }
        }
        let records = DataFrame::new_infer_height(vec![
            IdxCa::from_vec("row".into(), rows).into_column(),
            Column::new("provider".into(), self.provider),
            Column::new("case_id".into(), self.case_id),
            Column::new("repeat".into(), self.repeat),
            Column::new("passed".into(), self.passed),
            Column::new("error".into(), self.error),
            Column::new("score".into(), self.score),
            Column::new("unscored".into(), self.unscored),
            Column::new("started_s".into(), self.started_s),
            Column::new("total_ms".into(), self.total_ms),
            Column::new("ttft_ms".into(), self.ttft_ms),
            Column::new("tokens_per_s".into(), self.tokens_per_s),
            Column::new("input_tokens".into(), self.input_tokens),
            Column::new("output_tokens".into(), self.output_tokens),
            Column::new("cost_usd".into(), self.cost_usd),
            Column::new("judge_calls".into(), self.judge_calls),
            Column::new("judge_cost_usd".into(), self.judge_cost_usd),
            Column::new("replayed".into(), self.replayed),
            tags.finish().into_column(),
        ])?;
        let mut t = ScorerColumns::default();
        for ((p, s), counts) in self.scorers {
            t.provider.push(p);
            t.scorer.push(s);
            t.against.push(counts.against);
            t.scored.push(counts.scored);
            t.passed.push(counts.passed);
            t.unscored.push(counts.unscored);
            t.score_sum.push(counts.score_sum);
            t.wins.push(counts.wins);
            t.ties.push(counts.ties);
        }
        let scorers = DataFrame::new_infer_height(vec![
            Column::new("provider".into(), t.provider),
            Column::new("scorer".into(), t.scorer),
            Column::new("against".into(), t.against),
            Column::new("scored".into(), t.scored),
            Column::new("passed".into(), t.passed),
            Column::new("unscored".into(), t.unscored),
            Column::new("score_sum".into(), t.score_sum),
            Column::new("wins".into(), t.wins),
            Column::new("ties".into(), t.ties),
        ])?;
        Ok((records, scorers))
    }
}

/// One scorer's counts for one provider, as they are read.
#[derive(Default)]
struct ScorerCounts {
    against: Option<String>,
    scored: u32,
    passed: u32,
    unscored: u32,
    score_sum: f64,
    wins: u32,
    ties: u32,
}

impl ScorerCounts {
    fn add(&mut self, s: &ScoreFields) {
        self.scored += 1;
        if self.against.is_none() {
            self.against = s.against.as_deref().map(str::to_string);
        }
        if s.no_reference {
            self.unscored += 1;
            return;
        }
        self.passed += u32::from(s.passed);
        let score = s.score.unwrap_or(if s.passed { 1.0 } else { 0.0 });
        self.score_sum += score;
        self.wins += u32::from(score == 1.0);
        self.ties += u32::from(score == 0.5);
    }
}

#[derive(Default)]
struct ScorerColumns {
    provider: Vec<String>,
    scorer: Vec<String>,
    against: Vec<Option<String>>,
    scored: Vec<u32>,
    passed: Vec<u32>,
    unscored: Vec<u32>,
    score_sum: Vec<f64>,
    wins: Vec<u32>,
    ties: Vec<u32>,
}

/// Scorer counts summed per (provider, scorer), in the order they first appear.
fn sum_scorers(lf: LazyFrame) -> PolarsResult<DataFrame> {
    lf.group_by_stable([col("provider"), col("scorer")])
        .agg([
            col("against").drop_nulls().first(),
            col("scored").sum(),
            col("passed").sum(),
            col("unscored").sum(),
            col("score_sum").sum(),
            col("wins").sum(),
            col("ties").sum(),
        ])
        .collect()
}

/// Records as a run writes them, for the tests of everything computed from them.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::PathBuf;

    use super::RecordFrame;
    use crate::record::Record;

    /// `records` written to a records file in a fresh directory (kept while the first value
    /// lives), the file, and the frame read from it.
    pub fn write(records: &[Record]) -> (tempfile::TempDir, PathBuf, RecordFrame) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::record::RECORDS_FILE);
        let lines: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        std::fs::write(&path, lines).unwrap();
        let frame = RecordFrame::read(&path).unwrap();
        (dir, path, frame)
    }
}

#[cfg(test)]
mod tests;
