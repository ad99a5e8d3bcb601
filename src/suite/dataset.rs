//! Dataset files named by `cases: - file:` (.jsonl, .csv, .parquet). Each row becomes a case; an
//! error names the file, the line (for Parquet: the row number) and the column or key.

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
    pub logged: Option<Box<super::plan::Logged>>,
}

/// Rows with the 1-based line each came from.
pub(super) fn load(path: &Path) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let ext = ext.to_ascii_lowercase();
    if ext == "parquet" {
        return load_parquet(path);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![Diagnostic::new(
                path,
                format!("cannot read dataset: {e}"),
            )])
        }
    };
    match ext.as_str() {
        "jsonl" | "ndjson" => load_jsonl(path, &text),
        "csv" => load_csv(path, &text),
        _ => Err(vec![Diagnostic::new(
            path,
            format!("unsupported dataset extension `.{ext}`"),
        )
        .help("use .jsonl, .csv or .parquet")]),
    }
}

fn load_jsonl(path: &Path, text: &str) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>> {
    let mut rows = Vec::new();
    let mut diags = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                diags.push(
                    Diagnostic::new(path, format!("invalid JSON: {e}"))
                        .at(n, e.column())
                        .with_source(text),
                );
                continue;
            }
        };
        let Value::Object(obj) = value else {
            diags.push(Diagnostic::new(path, "each line must be a JSON object").at(n, 1));
            continue;
        };
        match row_from_object(obj) {
            Ok(row) => rows.push((row, n)),
            Err((field, msg)) => diags.push(Diagnostic::new(path, msg).at(n, 1).field(field)),
        }
    }
    if diags.is_empty() {
        Ok(rows)
    } else {
        Err(diags)
    }
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

fn load_csv(path: &Path, text: &str) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![csv_diag(path, &e)]),
    };
    let mut seen = std::collections::HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() {
            return Err(vec![Diagnostic::new(
                path,
                format!("column {} has no name", i + 1),
            )
            .at(1, 1)]);
        }
        if !seen.insert(h) {
            return Err(vec![Diagnostic::new(
                path,
                format!("duplicate column `{h}`"),
            )
            .at(1, 1)]);
        }
    }
    let mut rows = Vec::new();
    let mut diags = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                diags.push(csv_diag(path, &e));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let mut row = Row::default();
        for (name, cell) in headers.iter().zip(record.iter()) {
            match name {
                "id" => row.id = Some(cell.to_string()).filter(|s| !s.is_empty()),
                "tags" => row.tags = split_tags(cell),
                _ => match name.strip_prefix("expect.") {
                    Some(e) => {
                        row.expect
                            .insert(e.to_string(), Value::String(cell.to_string()));
                    }
                    None => {
                        row.vars
                            .insert(name.to_string(), Value::String(cell.to_string()));
                    }
                },
            }
        }
        rows.push((row, line));
    }
    if diags.is_empty() {
        Ok(rows)
    } else {
        Err(diags)
    }
}

/// Columns as in CSV (`id`, `tags`, `expect.NAME`, the rest vars), keeping each cell's type;
/// rows are numbered from 1.
fn load_parquet(path: &Path) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>> {
    use polars::prelude::{AnyValue, ParquetReader, SerReader};
    let fail = |message: String| vec![Diagnostic::new(path, message)];
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read dataset: {e}")))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| fail(format!("not a readable Parquet file: {e}")))?;
    let json = |value: AnyValue| -> Value {
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
    };
    let mut rows = vec![Row::default(); df.height()];
    for column in df.columns() {
        let name = column.name().as_str();
        for (i, row) in rows.iter_mut().enumerate() {
            let value = column
                .get(i)
                .map(json)
                .map_err(|e| fail(format!("row {}: column `{name}`: {e}", i + 1)))?;
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
                        vec![Diagnostic::new(path, message).at(i + 1, 1).field(field)]
                    })?
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
    }
    Ok(rows.into_iter().zip(1..).collect())
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

    #[test]
    fn jsonl_errors_name_the_line() {
        let err = load_jsonl(Path::new("d.jsonl"), "{\"a\": 1}\n\n{\"a\": \n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, Some(3));
        let err = load_jsonl(Path::new("d.jsonl"), "[1]\n").unwrap_err();
        assert_eq!(err[0].message, "each line must be a JSON object");
    }

    #[test]
    fn parquet_columns_become_typed_vars_and_expect() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.parquet");
        let mut df = df!(
            "id" => ["a", "b"],
            "ticket" => ["charged twice", "no login"],
            "priority" => [1i64, 3],
            "expect.queue" => ["billing", "account"],
            "tags" => ["x, y", ""],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let rows = load(&path).unwrap();
        assert_eq!(rows.len(), 2);
        let (row, n) = &rows[1];
        assert_eq!(*n, 2);
        assert_eq!(row.id.as_deref(), Some("b"));
        assert_eq!(row.vars.get("priority"), Some(&json!(3)));
        assert_eq!(row.expect.get("queue"), Some(&json!("account")));
        assert_eq!(rows[0].0.tags, vec!["x", "y"]);
        std::fs::write(&path, "not parquet").unwrap();
        let err = load(&path).unwrap_err();
        assert!(
            err[0].message.starts_with("not a readable Parquet file"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn csv_rows_carry_their_line() {
        let rows = load_csv(
            Path::new("d.csv"),
            "ticket,expect.queue,tags\nhello,billing,\"x,y\"\nbye,tech,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].1, 3);
        assert_eq!(rows[0].0.tags, vec!["x", "y"]);
        assert_eq!(rows[1].0.expect.get("queue"), Some(&json!("tech")));
        let err = load_csv(Path::new("d.csv"), "a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(err[0].line, Some(3));
    }
}
