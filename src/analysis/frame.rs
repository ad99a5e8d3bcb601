//! A run's records as the narrow polars frame every figure is computed from: `records.jsonl`
//! read through polars' NDJSON reader in chunks of whole lines, keeping only the fields the
//! analysis reads (no outputs, no reasons), so memory follows the record count, not the file size.

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;
use polars_buffer::Buffer;

use crate::record::{self, Line};

/// Bytes of whole lines handed to polars at a time. The file itself is never mapped nor held
/// whole: its outputs and reasons can be most of its size and the analysis reads none of them.
const CHUNK_BYTES: usize = 32 << 20;

/// The fields of a record polars reads (the record format is in `record::Record`). A struct
/// lists only the fields wanted: polars skips the others.
fn file_schema() -> Schema {
    let f = |name: &str, dtype: DataType| Field::new(name.into(), dtype);
    Schema::from_iter([
        f("provider", DataType::String),
        f("case_id", DataType::String),
        f("repeat", DataType::UInt32),
        f("replayed", DataType::Boolean),
        f("error", DataType::Struct(vec![f("kind", DataType::String)])),
        f(
            "usage",
            DataType::Struct(vec![
                f("input_tokens", DataType::UInt64),
                f("output_tokens", DataType::UInt64),
            ]),
        ),
        f(
            "timing",
            DataType::Struct(vec![
                f("ttft_ms", DataType::Float64),
                f("total_ms", DataType::Float64),
                f("tokens_per_s", DataType::Float64),
            ]),
        ),
        f("cost_usd", DataType::Float64),
        f(
            "scores",
            DataType::List(Box::new(DataType::Struct(vec![
                f("scorer", DataType::String),
                f("score", DataType::Float64),
                f("passed", DataType::Boolean),
            ]))),
        ),
        f("passed", DataType::Boolean),
        f("score", DataType::Float64),
        f("tags", DataType::List(Box::new(DataType::String))),
    ])
}

/// Fields `record::Record` requires that the analysis reads; polars reads a missing one as null.
const REQUIRED: [&str; 7] = [
    "provider", "case_id", "repeat", "passed", "usage", "timing", "scores",
];

/// One row per record. Columns: `row` (its place in the file), `provider`, `case_id`, `repeat`,
/// `passed`, `error` (the call failed), `score` (`analysis::record_score`), `total_ms`, `ttft_ms`,
/// `input_tokens`, `output_tokens` (null for a failed call: it has no comparable duration or
/// usage), `tokens_per_s`, `cost_usd`, `replayed`, `tags`. Beside it, each scorer's counts per
/// provider, summed while reading so the scores themselves are never kept.
#[derive(Debug, Clone)]
pub struct RecordFrame {
    records: DataFrame,
    /// `provider`, `scorer`, `scored`, `passed`; scorers in the order they first appear.
    scorers: DataFrame,
}

impl RecordFrame {
    /// Reads a records file. A last line cut off mid-write (a killed run) is skipped; any other
    /// bad line is an error naming the file, the line and what is wrong with it.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let mut chunk = Chunk::default();
        let (mut records, mut scorers) = (Vec::new(), Vec::new());
        record::walk_lines(path, |line| {
            if line.last && record::parse_line(path, &line)?.is_none() {
                return Ok(true);
            }
            chunk.push(&line);
            if chunk.bytes.len() >= CHUNK_BYTES {
                let (r, s) = std::mem::take(&mut chunk).parse(path)?;
                records.push(r.lazy());
                scorers.push(s.lazy());
            }
            Ok(true)
        })?;
        if !chunk.numbers.is_empty() || records.is_empty() {
            let (r, s) = chunk.parse(path)?;
            records.push(r.lazy());
            scorers.push(s.lazy());
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

    /// Each scorer's counts per provider.
    pub fn scorers(&self) -> &DataFrame {
        &self.scorers
    }
}

/// Whole non-blank lines, and their line numbers for error messages.
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    numbers: Vec<usize>,
    /// The first line's row.
    first_row: u64,
}

impl Chunk {
    fn push(&mut self, line: &Line) {
        if self.numbers.is_empty() {
            self.first_row = line.row;
        }
        self.bytes.extend_from_slice(line.bytes);
        self.bytes.push(b'\n');
        self.numbers.push(line.number);
    }

    /// The chunk's records and its scorers' counts.
    fn parse(self, path: &Path) -> anyhow::Result<(DataFrame, DataFrame)> {
        let offset = IdxSize::try_from(self.first_row)
            .map_err(|_| anyhow::anyhow!("{}: too many records", path.display()))?;
        let bytes = Buffer::from(self.bytes);
        let read =
            LazyJsonLineReader::new_with_sources(ScanSources::Buffers(Arc::from([bytes.clone()])))
                .with_schema(Some(Arc::new(file_schema())))
                .with_row_index(Some(RowIndex {
                    name: "row".into(),
                    offset,
                }))
                .finish()
                .and_then(|lf| lf.select(columns()).collect());
        let raw = match read {
            Ok(df) => df,
            Err(e) => return Err(locate(path, &bytes, &self.numbers, None, &e.to_string())),
        };
        let missing = raw.column("missing")?.str()?;
        if let Some((i, Some(field))) = missing.iter().enumerate().find(|(_, m)| m.is_some()) {
            let why = format!("`{field}` is missing or null");
            return Err(locate(path, &bytes, &self.numbers, Some(i), &why));
        }
        let scorers = raw
            .clone()
            .lazy()
            .select([col("provider"), col("scores")])
            .explode(
                cols(["scores"]),
                ExplodeOptions {
                    empty_as_null: false,
                    keep_nulls: false,
                },
            )
            .select([
                col("provider"),
                col("scores")
                    .struct_()
                    .field_by_name("scorer")
                    .alias("scorer"),
                col("scores")
                    .struct_()
                    .field_by_name("passed")
                    .alias("passed"),
            ]);
        let scorers = sum_scorers(scorers.select([
            col("provider"),
            col("scorer"),
            lit(1u32).alias("scored"),
            col("passed").cast(DataType::UInt32),
        ]))?;
        // The reader hands its rows over in small batches, each column a chunk per batch; kept
        // as they are, the batches' buffers take several times the data's memory.
        let mut records = raw.drop_many(["missing", "scores"]);
        records.rechunk_mut_par();
        Ok((records, scorers))
    }
}

/// Scorer counts summed per (provider, scorer), in the order they first appear.
fn sum_scorers(lf: LazyFrame) -> PolarsResult<DataFrame> {
    lf.group_by_stable([col("provider"), col("scorer")])
        .agg([col("scored").sum(), col("passed").sum()])
        .collect()
}

/// The record frame's columns from the file's fields, with `scores` (for the scorers' counts)
/// and `missing` (the first required field a record lacks) to be dropped once used.
fn columns() -> Vec<Expr> {
    let timing = |f: &str| col("timing").struct_().field_by_name(f);
    let usage = |f: &str| col("usage").struct_().field_by_name(f);
    let failed = col("error").is_not_null();
    // A failed call has no comparable duration or usage.
    let ok_only = |e: Expr, dtype: DataType| {
        when(failed.clone())
            .then(lit(NULL).cast(dtype))
            .otherwise(e)
    };
    let missing = REQUIRED
        .iter()
        .rev()
        .fold(lit(NULL).cast(DataType::String), |rest, name| {
            when(col(*name).is_null()).then(lit(*name)).otherwise(rest)
        });
    vec![
        col("row"),
        col("provider"),
        col("case_id"),
        col("repeat"),
        col("passed"),
        failed.clone().alias("error"),
        score().alias("score"),
        ok_only(timing("total_ms"), DataType::Float64).alias("total_ms"),
        ok_only(timing("ttft_ms"), DataType::Float64).alias("ttft_ms"),
        timing("tokens_per_s").alias("tokens_per_s"),
        ok_only(usage("input_tokens"), DataType::UInt64).alias("input_tokens"),
        ok_only(usage("output_tokens"), DataType::UInt64).alias("output_tokens"),
        col("cost_usd"),
        col("replayed").fill_null(lit(false)),
        col("tags"),
        col("scores"),
        missing.alias("missing"),
    ]
}

/// `analysis::record_score` as a polars expression over the file's fields.
fn score() -> Expr {
    let scores = col("scores");
    when(col("error").is_not_null())
        .then(lit(0.0))
        .when(col("score").is_not_null())
        .then(col("score"))
        .when(scores.clone().list().len().gt(lit(0)))
        .then(
            scores
                .list()
                .eval(element().struct_().field_by_name("score"))
                .list()
                .mean(),
        )
        .otherwise(col("passed").cast(DataType::Float64))
}

/// The error for a chunk polars could not read (`row: None`) or whose record `row` lacks a field:
/// serde's account of the first bad line where it has one, naming the file, line and field.
fn locate(
    path: &Path,
    bytes: &[u8],
    numbers: &[usize],
    row: Option<usize>,
    why: &str,
) -> anyhow::Error {
    let lines = bytes.split(|&b| b == b'\n');
    for (i, (line, &number)) in lines.zip(numbers).enumerate() {
        if row.is_some_and(|r| r != i) {
            continue;
        }
        if let Err(e) = serde_json::from_slice::<record::Record>(line) {
            return anyhow::anyhow!("{}:{number}: not a valid record: {e}", path.display());
        }
        if row.is_some() {
            return anyhow::anyhow!("{}:{number}: not a valid record: {why}", path.display());
        }
    }
    let (first, last) = (numbers.first().unwrap_or(&0), numbers.last().unwrap_or(&0));
    anyhow::anyhow!(
        "{}: lines {first}-{last}: cannot be read: {why}",
        path.display()
    )
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
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn line(provider: &str, case: &str, passed: bool, tags: Value) -> String {
        json!({
            "run_id": "r", "case_id": case, "provider": provider, "repeat": 0,
            "request_hash": "sha256:0", "output": "an output the frame never holds",
            "finish_reason": "stop", "error": null,
            "usage": {"input_tokens": 10, "output_tokens": 4, "cached_input_tokens": 0},
            "timing": {"started_at": "t", "ttft_ms": 5.0, "total_ms": 9.0, "tokens_per_s": 750.0,
                       "attempts": 1, "retry_wait_ms": 0.0},
            "cost_usd": 0.001,
            "scores": [{"scorer": "equals", "score": f64::from(u8::from(passed)), "passed": passed,
                        "reason": "r", "judge": null}],
            "passed": passed, "score": f64::from(u8::from(passed)), "tags": tags
        })
        .to_string()
    }

    fn read(text: &str) -> (tempfile::TempDir, anyhow::Result<RecordFrame>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        std::fs::write(&path, text).unwrap();
        let frame = RecordFrame::read(&path);
        (dir, frame)
    }

    fn column<T>(frame: &RecordFrame, name: &str, f: impl Fn(&Column) -> Vec<T>) -> Vec<T> {
        let df = frame.lazy().select([col(name)]).collect().unwrap();
        f(df.column(name).unwrap())
    }

    #[test]
    fn rows_count_records_blank_lines_aside_and_a_cut_off_last_line_is_skipped() {
        let text = format!(
            "{}\n\n  \n{}\n{}\n{}",
            line("a", "c1", true, json!(["x", "y"])),
            line("a", "c2", false, json!([])),
            line("b", "c1", false, Value::Null),
            &line("b", "c2", true, json!(["x"]))[..40],
        );
        let (_dir, frame) = read(&text);
        let frame = frame.unwrap();
        assert_eq!(frame.len(), 3);
        let rows = column(&frame, "row", |c| {
            c.cast(&DataType::UInt64)
                .unwrap()
                .u64()
                .unwrap()
                .into_no_null_iter()
                .collect()
        });
        assert_eq!(rows, [0, 1, 2]);
        let tags = column(&frame, "tags", |c| {
            let lists = c.list().unwrap();
            (0..lists.len())
                .map(|i| lists.get_as_series(i).map_or(0, |s| s.len()))
                .collect()
        });
        assert_eq!(tags, [2, 0, 0]);
        // The scorers' counts, summed while reading.
        let s = frame.scorers();
        assert_eq!(s.height(), 2);
        let passed: Vec<_> = s
            .column("passed")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(passed, [1, 0]);
    }

    #[test]
    fn a_bad_record_is_an_error_naming_the_file_line_and_field() {
        let good = line("a", "c1", true, json!([]));
        // A type polars cannot read: serde names the line and the field.
        let bad = good.replace("\"repeat\":0", "\"repeat\":\"first\"");
        assert_ne!(bad, good);
        let (dir, frame) = read(&format!("{good}\n\n{bad}\n{good}\n"));
        let err = format!("{:#}", frame.unwrap_err());
        let path = dir.path().join("records.jsonl");
        assert!(
            err.starts_with(&format!("{}:3: not a valid record: ", path.display())),
            "{err}"
        );
        assert!(err.contains("invalid type"), "{err}");

        // A field polars reads as null when it is missing.
        let mut missing: Value = serde_json::from_str(&good).unwrap();
        missing.as_object_mut().unwrap().remove("provider");
        let (_dir, frame) = read(&format!("{good}\n{missing}\n"));
        let err = format!("{:#}", frame.unwrap_err());
        assert!(
            err.contains(":2: not a valid record: missing field `provider`"),
            "{err}"
        );

        // Not JSON at all, in the middle of the file.
        let (_dir, frame) = read(&format!("{good}\nnot json\n{good}\n"));
        let err = format!("{:#}", frame.unwrap_err());
        assert!(err.contains(":2: not a valid record: "), "{err}");
    }

    #[test]
    fn an_empty_file_is_an_empty_frame_with_every_column() {
        let (_dir, frame) = read("");
        let frame = frame.unwrap();
        assert!(frame.is_empty());
        let df = frame.lazy().collect().unwrap();
        for name in ["row", "provider", "case_id", "score", "total_ms", "tags"] {
            assert!(df.column(name).is_ok(), "{name}: {df}");
        }
    }

    #[test]
    fn a_provider_can_come_from_another_run() {
        let ours = format!(
            "{}\n{}\n",
            line("base", "c1", false, json!([])),
            line("cand", "c1", true, json!([]))
        );
        let theirs = format!(
            "{}\n{}\n",
            line("cand", "c1", false, json!([])),
            line("base", "c1", true, json!([]))
        );
        let (_a, ours) = read(&ours);
        let (_b, theirs) = read(&theirs);
        let merged = ours
            .unwrap()
            .with_provider_from("base", theirs.unwrap())
            .unwrap();
        let df = merged
            .lazy()
            .sort(["provider"], SortMultipleOptions::default())
            .collect()
            .unwrap();
        let passed: Vec<_> = df
            .column("passed")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(passed, [Some(true), Some(true)], "{df}");
        // The baseline's record is in another file: it has no row here.
        let rows = df.column("row").unwrap();
        assert_eq!(rows.null_count(), 1);
        assert!(rows.get(0).unwrap().is_null(), "{df}");
        let s = merged.scorers();
        let passed: u64 = s
            .column("passed")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .sum();
        assert_eq!((s.height(), passed), (2, 2));
    }
}
