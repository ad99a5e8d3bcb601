//! Dataset files named by `cases: - file:` (.jsonl, .csv, .parquet). Each row becomes a case; an
//! error names the file, the line (for Parquet: the row number) and the column or key.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::{Map, Value};

use super::error::Diagnostic;

/// A case as a dataset row states it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Row {
    pub id: Option<String>,
    pub vars: super::plan::Fields,
    pub expect: super::plan::Fields,
    pub tags: Vec<String>,
    /// A request from a traffic file, sent as it was instead of the rendered prompt.
    pub logged: Option<Box<super::traffic::Request>>,
}

/// A file's rows as they are read, each with the 1-based line (Parquet: row) it came from, or
/// the problem with it. A problem with the whole file (unreadable, a bad header) ends the rows.
/// Rows are read on demand, so a dataset of any size takes the memory of a few rows.
pub(super) type Rows = Box<dyn Iterator<Item = Result<(Row, usize), Box<Diagnostic>>> + Send>;

/// The rows of a dataset file, by its extension.
pub(super) fn open(path: &Path) -> Rows {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let fail = |d: Diagnostic| -> Rows { Box::new(std::iter::once(Err(Box::new(d)))) };
    if !matches!(ext.as_str(), "jsonl" | "ndjson" | "csv" | "parquet") {
        let what = if ext.is_empty() {
            "a dataset file needs an extension".to_string()
        } else {
            format!("unsupported dataset extension `.{ext}`")
        };
        return fail(Diagnostic::new(path, what).help("use .jsonl, .csv or .parquet"));
    }
    let file = match crate::input::open(path) {
        Ok(f) => f,
        Err(e) => return fail(Diagnostic::new(path, format!("cannot read dataset: {e}"))),
    };
    match ext.as_str() {
        "csv" => csv_rows(path, crate::input::LineLimit::new(file)),
        "parquet" => parquet_rows(path, file),
        _ => jsonl_rows(path, BufReader::new(file)),
    }
}

/// The non-blank lines of a text file with their 1-based numbers; a line that cannot be read
/// (not UTF-8, longer than `input::LINE_MAX_BYTES`, an I/O error) is the last.
pub(super) fn lines<R: BufRead>(
    path: &Path,
    mut reader: R,
) -> impl Iterator<Item = Result<(usize, String), Box<Diagnostic>>> {
    let path = path.to_path_buf();
    let (mut number, mut done) = (0, false);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        number += 1;
        let mut bytes = Vec::new();
        let line = crate::input::read_line(&mut reader, &mut bytes).and_then(|n| {
            let text = String::from_utf8(bytes).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 ({e})"))
            })?;
            Ok((n, text))
        });
        match line {
            Ok((0, _)) => None,
            Ok((_, text)) => Some(Ok((
                number,
                text.trim_end_matches(['\n', '\r']).to_string(),
            ))),
            Err(e) => {
                done = true;
                let d = Diagnostic::new(&path, format!("cannot read line: {e}"));
                Some(Err(Box::new(d.at(number, 1))))
            }
        }
    })
    .filter(|line| !matches!(line, Ok((_, text)) if text.trim().is_empty()))
}

fn jsonl_rows<R: BufRead + Send + 'static>(path: &Path, reader: R) -> Rows {
    let path = path.to_path_buf();
    Box::new(lines(&path, reader).map(move |line| {
        let (n, line) = line?;
        let value: Value = serde_json::from_str(&line).map_err(|e| {
            Diagnostic::new(&path, format!("invalid JSON: {e}"))
                .at(n, e.column())
                .with_line(&line)
        })?;
        let Value::Object(obj) = value else {
            let d = Diagnostic::new(&path, "each line must be a JSON object");
            return Err(Box::new(d.at(n, 1)));
        };
        let row = row_from_object(obj)
            .map_err(|(field, msg)| Diagnostic::new(&path, msg).at(n, 1).field(field))?;
        Ok((row, n))
    }))
}

/// Both row forms: `{"vars": {...}, "expect": {...}, "tags": [...], "id": ...}`, or a flat object
/// whose keys are vars, with an `expect` object or `expect.NAME` keys becoming expect.
fn row_from_object(mut obj: Map<String, Value>) -> Result<Row, (String, String)> {
    let mut row = Row::default();
    if let Some(id) = obj.remove("id") {
        row.id = Some(match id {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => return Err(("id".into(), "must be a string or a number".into())),
        });
    }
    if let Some(tags) = obj.remove("tags") {
        row.tags = tags_from(tags)?;
    }
    if let Some(expect) = obj.remove("expect") {
        let Value::Object(e) = expect else {
            return Err(("expect".into(), "must be an object".into()));
        };
        row.expect.extend(e);
    }
    if let Some(vars) = obj.remove("vars") {
        // The inline form: nothing but id, tags, expect and vars.
        let Value::Object(v) = vars else {
            return Err(("vars".into(), "must be an object".into()));
        };
        if let Some(extra) = obj.keys().next() {
            return Err((
                extra.clone(),
                "unknown key beside `vars` (a row is either {vars, expect, tags, id} or flat)"
                    .into(),
            ));
        }
        row.vars.extend(v);
        return Ok(row);
    }
    for (key, value) in obj {
        match key.strip_prefix("expect.") {
            Some(name) => {
                row.expect.insert(name.to_string(), value);
            }
            None => {
                row.vars.insert(key, value);
            }
        }
    }
    Ok(row)
}

fn tags_from(value: Value) -> Result<Vec<String>, (String, String)> {
    match value {
        Value::String(s) => Ok(split_tags(&s)),
        Value::Array(items) => items
            .into_iter()
            .map(|t| match t {
                Value::String(s) => Ok(s),
                _ => Err(("tags".to_string(), "tags must be strings".to_string())),
            })
            .collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err((
            "tags".into(),
            "must be a list of strings or a comma-separated string".into(),
        )),
    }
}

fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn csv_rows<R: std::io::Read + Send + 'static>(path: &Path, reader: R) -> Rows {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = match csv_headers(path, &mut reader) {
        Ok(h) => h,
        Err(d) => return Box::new(std::iter::once(Err(d))),
    };
    let path = path.to_path_buf();
    Box::new(reader.into_records().map(move |record| {
        let record = record.map_err(|e| csv_diag(&path, &e))?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let mut row = Row::default();
        for (name, cell) in headers.iter().zip(record.iter()) {
            match name {
                "id" => row.id = Some(cell.to_string()).filter(|s| !s.is_empty()),
                "tags" => row.tags = split_tags(cell),
                _ => {
                    let cell = Value::String(cell.to_string());
                    match name.strip_prefix("expect.") {
                        Some(e) => row.expect.insert(e.to_string(), cell),
                        None => row.vars.insert(name.to_string(), cell),
                    };
                }
            }
        }
        Ok((row, line))
    }))
}

/// The header row: every column named, no name twice.
fn csv_headers<R: std::io::Read>(
    path: &Path,
    reader: &mut csv::Reader<R>,
) -> Result<csv::StringRecord, Box<Diagnostic>> {
    let headers = reader.headers().map_err(|e| csv_diag(path, &e))?.clone();
    let mut seen = std::collections::HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() {
            let d = Diagnostic::new(path, format!("column {} has no name", i + 1));
            return Err(Box::new(d.at(1, 1)));
        }
        if !seen.insert(h) {
            let d = Diagnostic::new(path, format!("duplicate column `{h}`"));
            return Err(Box::new(d.at(1, 1)));
        }
    }
    Ok(headers)
}

/// Columns as in CSV (`id`, `tags`, `expect.NAME`, the rest vars), keeping each cell's type;
/// rows are numbered from 1. Read a row group at a time.
fn parquet_rows(path: &Path, file: File) -> Rows {
    use polars::prelude::{ParquetReader, SerReader};
    let fail = |message: String| -> Rows {
        Box::new(std::iter::once(Err(Box::new(Diagnostic::new(
            path, message,
        )))))
    };
    let read = || ParquetReader::new(file).get_metadata().cloned();
    let metadata = match crate::input::contain(|| read().map_err(|e| e.to_string())) {
        Ok(Ok(m)) => m,
        Ok(Err(e)) | Err(e) => return fail(format!("not a readable Parquet file: {e}")),
    };
    let mut first = 0;
    let groups: Vec<(usize, usize)> = metadata
        .row_groups
        .iter()
        .map(|g| {
            let group = (first, g.num_rows());
            first += g.num_rows();
            group
        })
        .filter(|(_, rows)| *rows > 0)
        .collect();
    let path = path.to_path_buf();
    Box::new(groups.into_iter().flat_map(move |(first, rows)| -> Rows {
        let group = crate::input::open(&path)
            .map_err(|e| format!("cannot read dataset: {e}"))
            .and_then(|file| {
                let mut reader = ParquetReader::new(file).with_slice(Some((first, rows)));
                reader.set_metadata(metadata.clone());
                let frame = crate::input::contain(|| reader.finish().map_err(|e| e.to_string()));
                frame
                    .and_then(|read| read)
                    .map_err(|e| format!("not a readable Parquet file: {e}"))
            });
        match group {
            // Rows are made one at a time from the group's columns, which take far less memory.
            Ok(df) => {
                let path = path.clone();
                Box::new((0..df.height()).map(move |i| frame_row(&path, &df, first, i)))
            }
            Err(message) => Box::new(std::iter::once(Err(Box::new(Diagnostic::new(
                &path, message,
            ))))),
        }
    }))
}

/// Row `i` of a row group whose first row is the file's row `first` (from 0).
fn frame_row(
    path: &Path,
    df: &polars::prelude::DataFrame,
    first: usize,
    i: usize,
) -> Result<(Row, usize), Box<Diagnostic>> {
    let n = first + i + 1;
    let mut row = Row::default();
    for column in df.columns() {
        let name = column.name().as_str();
        let value = column
            .get(i)
            .map(json_value)
            .map_err(|e| Diagnostic::new(path, format!("row {n}: column `{name}`: {e}")))?;
        match name {
            "id" => {
                row.id = match value {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                }
            }
            "tags" => {
                row.tags = tags_from(value).map_err(|(field, message)| {
                    Diagnostic::new(path, message).at(n, 1).field(field)
                })?;
            }
            _ => match name.strip_prefix("expect.") {
                Some(e) => {
                    row.expect.insert(e.to_string(), value);
                }
                None => {
                    row.vars.insert(name.to_string(), value);
                }
            },
        }
    }
    Ok((row, n))
}

fn json_value(value: polars::prelude::AnyValue) -> Value {
    use polars::prelude::AnyValue;
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(n) => n.into(),
        AnyValue::Int16(n) => n.into(),
        AnyValue::Int32(n) => n.into(),
        AnyValue::Int64(n) => n.into(),
        AnyValue::UInt8(n) => n.into(),
        AnyValue::UInt16(n) => n.into(),
        AnyValue::UInt32(n) => n.into(),
        AnyValue::UInt64(n) => n.into(),
        AnyValue::Float32(n) => f64::from(n).into(),
        AnyValue::Float64(n) => n.into(),
        other => Value::String(other.to_string()),
    }
}

fn csv_diag(path: &Path, e: &csv::Error) -> Diagnostic {
    let d = Diagnostic::new(path, format!("invalid CSV: {e}"));
    match e.position() {
        Some(p) => d.at(p.line() as usize, 1),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn flat_rows_split_vars_and_expect() {
        let row = row_from_object(obj(
            json!({"ticket": "t", "expect.queue": "billing", "tags": "a, b"}),
        ))
        .unwrap();
        assert_eq!(row.vars.get("ticket"), Some(&json!("t")));
        assert_eq!(row.expect.get("queue"), Some(&json!("billing")));
        assert_eq!(row.tags, vec!["a", "b"]);
    }

    #[test]
    fn inline_rows_reject_stray_keys() {
        let err = row_from_object(obj(json!({"vars": {"a": 1}, "extra": 2}))).unwrap_err();
        assert_eq!(err.0, "extra");
    }

    /// The rows, or every problem found.
    fn rows_of(rows: Rows) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>> {
        let (ok, errors): (Vec<_>, Vec<_>) = rows.partition(Result::is_ok);
        if errors.is_empty() {
            Ok(ok.into_iter().map(Result::unwrap).collect())
        } else {
            Err(errors.into_iter().map(|e| *e.unwrap_err()).collect())
        }
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let jsonl = |text: &'static str| rows_of(jsonl_rows(Path::new("d.jsonl"), text.as_bytes()));
        let err = jsonl("{\"a\": 1}\n\n{\"a\": \n{\"b\": 2}\n[3]\n").unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert_eq!(err[0].line, Some(3));
        assert_eq!(err[0].source_line.as_deref(), Some("{\"a\": "));
        assert_eq!(err[1].line, Some(5));
        assert_eq!(err[1].message, "each line must be a JSON object");
        let rows = jsonl("\n{\"id\": 7, \"a\": 1}\n\n{\"b\": 2}").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].0.id.as_deref(), rows[0].1), (Some("7"), 2));
        assert_eq!(rows[1].1, 4);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named_and_ends_the_file() {
        let bytes: &'static [u8] = b"{\"a\": 1}\n{\"a\": \"\xff\"}\n{\"a\": 3}\n";
        let err = rows_of(jsonl_rows(Path::new("d.jsonl"), bytes)).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, Some(2));
        assert!(err[0].message.contains("UTF-8"), "{}", err[0].message);
    }

    #[test]
    fn parquet_columns_become_typed_vars_and_expect() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.parquet");
        let mut df = df!(
            "id" => ["a", "b", "c"],
            "ticket" => ["charged twice", "no login", "refund"],
            "priority" => [1i64, 3, 2],
            "expect.queue" => ["billing", "account", "billing"],
            "tags" => ["x, y", "", "z"],
        )
        .unwrap();
        // Two row groups: the file is read a group at a time, rows numbered across them.
        ParquetWriter::new(File::create(&path).unwrap())
            .with_row_group_size(Some(2))
            .finish(&mut df)
            .unwrap();
        let rows = rows_of(open(&path)).unwrap();
        assert_eq!(rows.len(), 3);
        let (row, n) = &rows[1];
        assert_eq!(*n, 2);
        assert_eq!(row.id.as_deref(), Some("b"));
        assert_eq!(row.vars.get("priority"), Some(&json!(3)));
        assert_eq!(row.expect.get("queue"), Some(&json!("account")));
        assert_eq!(rows[0].0.tags, vec!["x", "y"]);
        assert_eq!((rows[2].0.id.as_deref(), rows[2].1), (Some("c"), 3));
        assert_eq!(rows[2].0.tags, vec!["z"]);
        std::fs::write(&path, "not parquet").unwrap();
        let err = rows_of(open(&path)).unwrap_err();
        assert!(
            err[0].message.starts_with("not a readable Parquet file"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn csv_rows_carry_their_line() {
        let csv = |text: &'static str| rows_of(csv_rows(Path::new("d.csv"), text.as_bytes()));
        let rows = csv("ticket,expect.queue,tags\nhello,billing,\"x,y\"\nbye,tech,\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].1, 3);
        assert_eq!(rows[0].0.tags, vec!["x", "y"]);
        assert_eq!(rows[1].0.expect.get("queue"), Some(&json!("tech")));
        let err = csv("a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(err[0].line, Some(3));
        let err = csv("a,a\n1,2\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].message, "duplicate column `a`");
    }

    #[test]
    fn unknown_extensions_and_missing_files_are_named() {
        let err = rows_of(open(Path::new("cases.xlsx"))).unwrap_err();
        assert_eq!(err[0].message, "unsupported dataset extension `.xlsx`");
        let err = rows_of(open(Path::new("/nonexistent/cases.jsonl"))).unwrap_err();
        assert!(
            err[0].message.starts_with("cannot read dataset"),
            "{}",
            err[0].message
        );
    }
}
