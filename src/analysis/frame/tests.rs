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
fn a_cut_off_last_line_longer_than_the_rest_is_skipped() {
    // The last line is most of the file, so the split among cores leaves the parts after
    // the one holding it empty.
    let long = line("b", "c2", true, json!(["x".repeat(5000)]));
    let text = format!("{}\n{}", line("a", "c1", true, json!([])), &long[..4000]);
    let (_dir, frame) = read(&text);
    assert_eq!(frame.unwrap().len(), 1);
}

#[test]
fn blocks_split_anywhere_keep_rows_and_line_numbers() {
    let lines: Vec<String> = (0..40)
        .map(|i| line("a", &format!("c{i}"), i % 3 == 0, json!(["t"])))
        .collect();
    // Blank lines between records, and blocks shorter than one line.
    let text = lines.join("\n\n") + "\n";
    let (dir, _) = read(&text);
    let path = dir.path().join(record::RECORDS_FILE);
    for block in [50, 333, 1000, 1 << 20] {
        let frame = RecordFrame::read_in_blocks(&path, block).unwrap();
        let rows = column(&frame, "row", |c| {
            c.cast(&DataType::UInt64)
                .unwrap()
                .u64()
                .unwrap()
                .into_no_null_iter()
                .collect::<Vec<_>>()
        });
        assert_eq!(rows, (0..40).collect::<Vec<u64>>(), "block {block}");
        let cases = column(&frame, "case_id", |c| {
            c.str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        });
        assert_eq!(cases[39], "c39", "block {block}");
    }
    // Record 31 sits on line 61 (one blank line after each record).
    let bad = text.replace("\"case_id\":\"c30\"", "\"case_id\":30");
    std::fs::write(&path, &bad).unwrap();
    for block in [50, 333, 1 << 20] {
        let err = format!(
            "{:#}",
            RecordFrame::read_in_blocks(&path, block).unwrap_err()
        );
        assert!(
            err.contains("records.jsonl:61: not a valid record"),
            "{block}: {err}"
        );
    }
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
