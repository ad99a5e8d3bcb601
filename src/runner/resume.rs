//! `--resume DIR`: what an interrupted run already recorded, so that only the rest is called.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::record::{self, Manifest, Record};
use crate::suite::Suite;

/// (provider, case, repeat) of each record already written.
pub(super) type Done = HashSet<(String, String, u32)>;

/// The run in `dir` to finish: its manifest (which must be of this suite, unchanged) and the
/// records it holds.
pub(super) fn previous(dir: &Path, suite: &Suite) -> Result<(Manifest, Done)> {
    let manifest =
        record::read_manifest(dir).map_err(|e| Error::Input(format!("--resume: {e:#}")))?;
    if manifest.suite.sha256 != suite.sha256 {
        return Err(Error::Input(format!(
            "--resume: {} changed since the run in {} started (sha256 {} then, {} now); resume it with the same suite, or start a new run",
            suite.path.display(),
            dir.display(),
            manifest.suite.sha256,
            suite.sha256
        )));
    }
    let done = recover(&dir.join(record::RECORDS_FILE))?;
    Ok((manifest, done))
}

/// The records of an interrupted run, read a line at a time (a large run's file can be bigger
/// than memory). A last line cut off mid-write (`record::cut_off`) is removed from the file, to
/// be redone; a whole last record that lost its line break gets it back, so the next one starts
/// a line of its own. Every other line must be a whole record. A run killed before its first
/// record has no file yet: nothing is done.
pub(crate) fn recover(path: &Path) -> Result<Done> {
    let cannot =
        |e: std::io::Error| Error::Input(format!("--resume: cannot read {}: {e}", path.display()));
    let file = match crate::input::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Done::new()),
        Err(e) => return Err(cannot(e)),
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut done = Done::new();
    let (mut line, mut whole, mut n) = (Vec::new(), 0u64, 0);
    loop {
        line.clear();
        let read = crate::input::read_line(&mut reader, &mut line).map_err(cannot)?;
        if read == 0 {
            return Ok(done);
        }
        n += 1;
        let last = line.last() != Some(&b'\n');
        if line.iter().all(u8::is_ascii_whitespace) {
            whole += read as u64;
            continue;
        }
        if last && record::cut_off(&line, true) {
            tracing::warn!(
                "{}: discarding a record cut off mid-write ({read} bytes)",
                path.display()
            );
            let file = OpenOptions::new().write(true).open(path).map_err(cannot)?;
            file.set_len(whole)
                .and_then(|()| file.sync_all())
                .map_err(cannot)?;
            return Ok(done);
        }
        let r: Record = serde_json::from_slice(&line).map_err(|e| {
            Error::Input(format!(
                "--resume: {}:{n}: not a valid record: {e}",
                path.display()
            ))
        })?;
        if last {
            let mut file = OpenOptions::new().append(true).open(path).map_err(cannot)?;
            file.write_all(b"\n")
                .and_then(|()| file.sync_all())
                .map_err(cannot)?;
        }
        whole += read as u64;
        done.insert((r.provider, r.case_id, r.repeat));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(case: &str) -> String {
        let r = serde_json::json!({
            "run_id": "r", "case_id": case, "provider": "p", "repeat": 0, "request_hash": "h",
            "output": "x", "finish_reason": "stop", "error": null,
            "usage": {"input_tokens": 1, "output_tokens": 1},
            "timing": {"started_at": "t", "ttft_ms": 1.0, "total_ms": 2.0, "tokens_per_s": null,
                       "attempts": 1, "retry_wait_ms": 0.0},
            "cost_usd": null, "scores": [], "passed": true
        });
        r.to_string()
    }

    fn keys(done: &Done) -> Vec<String> {
        let mut k: Vec<String> = done.iter().map(|(_, c, _)| c.clone()).collect();
        k.sort();
        k
    }

    #[test]
    fn a_cut_off_last_record_is_removed_and_a_whole_one_gets_its_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let (a, b) = (line("a"), line("b"));
        std::fs::write(&path, format!("{a}\n\n{}", &b[..b.len() / 2])).unwrap();
        assert_eq!(keys(&recover(&path).unwrap()), ["a"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{a}\n\n"));

        std::fs::write(&path, format!("{a}\n{b}")).unwrap();
        assert_eq!(keys(&recover(&path).unwrap()), ["a", "b"]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{a}\n{b}\n")
        );
    }

    #[test]
    fn a_damaged_record_is_named_by_its_line_and_a_missing_file_is_an_empty_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        std::fs::write(
            &path,
            format!("{}\n{{\"case_id\": 1}}\n{}\n", line("a"), line("c")),
        )
        .unwrap();
        let err = recover(&path).unwrap_err().to_string();
        assert!(err.contains("records.jsonl:2: not a valid record"), "{err}");
        assert!(recover(&dir.path().join("absent.jsonl"))
            .unwrap()
            .is_empty());
    }
}
