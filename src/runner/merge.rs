//! `modelswap merge`: sharded runs of one suite joined into one run directory, as if one machine
//! had run them all.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::manifest;
use crate::error::{Error, Result};
use crate::record::{self, Manifest, RunStatus};

/// Joins the runs in `dirs` into `out`; returns the number of records. Every run must come from
/// the same suite file (same sha256) and providers, and no record may appear twice.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize> {
    let Some((first, rest)) = dirs.split_first() else {
        return Err(Error::Input(
            "merge needs at least one run directory".into(),
        ));
    };
    let target = out.join(record::RECORDS_FILE);
    if target.exists() {
        return Err(Error::Input(format!(
            "{} already exists; merge into a new directory (runs are never overwritten)",
            target.display()
        )));
    }
    let mut merged = record::read_manifest(first).map_err(Error::input)?;
    let mut records = Records::default();
    records.add(first)?;
    for dir in rest {
        let m = record::read_manifest(dir).map_err(Error::input)?;
        check_same_run(first, &merged, dir, &m)?;
        records.add(dir)?;
        merged.cases += m.cases;
        merged.records_expected += m.records_expected;
        merged.started_at = merged.started_at.min(m.started_at);
        merged.finished_at = merged.finished_at.max(m.finished_at);
        if m.status != RunStatus::Completed {
            merged.status = m.status;
        }
    }
    merged.shard = None;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // Records first, the manifest last: a directory with a manifest is a finished merge.
    let mut file = std::fs::File::create_new(&target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    for line in &records.lines {
        file.write_all(line)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    file.sync_all()
        .with_context(|| format!("cannot write {}", target.display()))?;
    manifest::write(out, &merged)?;
    Ok(records.lines.len())
}

/// `m` (in `dir`) ran the same suite file and providers as `first`'s `merged`.
fn check_same_run(first: &Path, merged: &Manifest, dir: &Path, m: &Manifest) -> Result<()> {
    if m.suite.sha256 != merged.suite.sha256 {
        return Err(Error::Input(format!(
            "{} ran another suite ({} sha256 {}) than {} ({} sha256 {})",
            dir.display(),
            m.suite.path,
            m.suite.sha256,
            first.display(),
            merged.suite.path,
            merged.suite.sha256
        )));
    }
    let ids = |m: &Manifest| m.providers.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    if ids(m) != ids(merged) {
        return Err(Error::Input(format!(
            "{} ran providers {:?}, {} ran {:?}; merge runs of the same providers",
            dir.display(),
            ids(m),
            first.display(),
            ids(merged)
        )));
    }
    Ok(())
}

/// The merged records, each (provider, case, repeat) once.
#[derive(Default)]
struct Records {
    seen: HashSet<(String, String, u32)>,
    lines: Vec<Vec<u8>>,
}

impl Records {
    fn add(&mut self, dir: &Path) -> Result<()> {
        let path = dir.join(record::RECORDS_FILE);
        for r in record::read_records(&path).map_err(Error::input)? {
            if !self
                .seen
                .insert((r.provider.clone(), r.case_id.clone(), r.repeat))
            {
                return Err(Error::Input(format!(
                    "{}: provider `{}`, case `{}`, repeat {} is already in another of the runs (overlapping shards?)",
                    dir.display(),
                    r.provider,
                    r.case_id,
                    r.repeat
                )));
            }
            let mut line = serde_json::to_vec(&r).context("a record is plain JSON")?;
            line.push(b'\n');
            self.lines.push(line);
        }
        Ok(())
    }
}
