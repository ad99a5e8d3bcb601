//! `modelswap merge`: sharded runs of one suite joined into one run directory, as if one machine
//! had run them all.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{write_manifest, InputError};
use crate::record::{self, Manifest};

/// Joins the runs in `dirs` into `out`; returns the number of records. Every run must come from
/// the same suite file (same sha256) and providers, and no record may appear twice.
pub fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<usize> {
    let input = |e: anyhow::Error| anyhow::Error::from(InputError(format!("{e:#}")));
    let Some((first, rest)) = dirs.split_first() else {
        return Err(InputError("merge needs at least one run directory".into()).into());
    };
    let target = out.join(record::RECORDS_FILE);
    if target.exists() {
        return Err(InputError(format!(
            "{} already exists; merge into a new directory (runs are never overwritten)",
            target.display()
        ))
        .into());
    }
    let mut merged: Manifest = record::read_manifest(first).map_err(input)?;
    let provider_ids = |m: &Manifest| m.providers.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    let mut add_records = |dir: &Path| -> anyhow::Result<()> {
        for r in record::read_records(&dir.join(record::RECORDS_FILE)).map_err(input)? {
            let key = (r.provider.clone(), r.case_id.clone(), r.repeat);
            if !seen.insert(key) {
                return Err(InputError(format!(
                    "{}: provider `{}`, case `{}`, repeat {} is already in another of the runs (overlapping shards?)",
                    dir.display(),
                    r.provider,
                    r.case_id,
                    r.repeat
                ))
                .into());
            }
            let mut line = serde_json::to_vec(&r)?;
            line.push(b'\n');
            lines.push(line);
        }
        Ok(())
    };
    add_records(first)?;
    for dir in rest {
        let m = record::read_manifest(dir).map_err(input)?;
        if m.suite.sha256 != merged.suite.sha256 {
            return Err(InputError(format!(
                "{} ran another suite ({} sha256 {}) than {} ({} sha256 {})",
                dir.display(),
                m.suite.path,
                m.suite.sha256,
                first.display(),
                merged.suite.path,
                merged.suite.sha256
            ))
            .into());
        }
        if provider_ids(&m) != provider_ids(&merged) {
            return Err(InputError(format!(
                "{} ran providers {:?}, {} ran {:?}; merge runs of the same providers",
                dir.display(),
                provider_ids(&m),
                first.display(),
                provider_ids(&merged)
            ))
            .into());
        }
        add_records(dir)?;
        merged.cases += m.cases;
        merged.records_expected += m.records_expected;
        merged.started_at = merged.started_at.min(m.started_at);
        merged.finished_at = merged.finished_at.max(m.finished_at);
        if m.status != "completed" {
            merged.status = m.status;
        }
    }
    merged.shard = None;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // Records first, the manifest last: a directory with a manifest is a finished merge.
    let mut file = std::fs::File::create_new(&target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    for line in &lines {
        file.write_all(line)?;
    }
    file.sync_all()?;
    write_manifest(out, &merged)?;
    Ok(lines.len())
}
