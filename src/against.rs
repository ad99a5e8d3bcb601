//! A run beside an earlier run's baseline (`gate --against`, `report --against`): the
//! baseline's records and configuration are taken from the earlier run, and what this run could
//! not score for want of the baseline's answers (`reference: baseline` with the baseline not run
//! here) is scored against that run's answers. The run's own files are never changed: re-scored
//! records go to a scratch file the figures are read from.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analysis::RecordFrame;
use crate::error::{Error, Result};
use crate::record::{self, Manifest, Record};
use crate::score::{Answer, Found, Lookup, Reference, Scorers};

/// The run with the earlier run's baseline.
pub struct Combined {
    pub manifest: Manifest,
    pub records: RecordFrame,
    /// The records file the frame's rows refer to: the run's own, or its re-scored copy.
    pub path: PathBuf,
    /// Holds the re-scored copy: keep it while `path` is read.
    pub scratch: Option<tempfile::TempDir>,
}

/// The run in `dir`, its gate's baseline taken from the run in `base_dir`.
pub fn combine(dir: &Path, base_dir: &Path) -> Result<Combined> {
    let mut manifest = record::read_manifest(dir).map_err(Error::input)?;
    let baseline = manifest.gate.as_ref().map(|g| g.baseline.clone()).ok_or_else(|| {
        Error::Input(format!(
            "--against takes the gate's baseline from another run, and the suite of the run in {} has no `gate`",
            dir.display()
        ))
    })?;
    let base = record::read_manifest(base_dir).map_err(Error::input)?;
    manifest.providers.retain(|p| p.id != baseline);
    manifest
        .providers
        .extend(base.providers.into_iter().filter(|p| p.id == baseline));
    let own = dir.join(record::RECORDS_FILE);
    let base_records = base_dir.join(record::RECORDS_FILE);
    let (path, scratch) = if waits_for(&own, &baseline).map_err(Error::input)? {
        let scratch = tempfile::tempdir().context("cannot create a scratch folder")?;
        let path = scratch.path().join(record::RECORDS_FILE);
        rescore(&manifest, &own, &base_records, &baseline, &path)?;
        (path, Some(scratch))
    } else {
        (own, None)
    };
    let read = |p: &Path| RecordFrame::read(p).map_err(Error::input);
    let records = read(&path)?
        .with_provider_from(&baseline, read(&base_records)?)
        .map_err(Error::input)?;
    Ok(Combined {
        manifest,
        records,
        path,
        scratch,
    })
}

/// Whether a record of the run has a score left without the baseline's answer.
fn waits_for(records: &Path, baseline: &str) -> anyhow::Result<bool> {
    let mut found = false;
    record::for_each_record(records, |_, r| {
        found |= r
            .scores
            .iter()
            .any(|s| s.no_reference && s.against.as_deref() == Some(baseline));
        Ok(())
    })?;
    Ok(found)
}

/// Writes the run's records to `out`, each score that lacked the baseline's answer made against
/// the earlier run's (same case and repeat). Needs the run's suite, unchanged.
fn rescore(
    manifest: &Manifest,
    own: &Path,
    base_records: &Path,
    baseline: &str,
    out: &Path,
) -> Result<()> {
    let suite_path = Path::new(&manifest.suite.path);
    let suite = crate::suite::load(suite_path).map_err(|e| {
        Error::Input(format!(
            "--against scores this run against the baseline's answers, with the run's suite {} (run from the folder the run was made in): {e}",
            suite_path.display()
        ))
    })?;
    if suite.sha256 != manifest.suite.sha256 {
        return Err(Error::Input(format!(
            "--against: {} changed since the run was made; its scorers may not be the run's",
            suite_path.display()
        )));
    }
    let scorers = Scorers::prepare(&suite).map_err(|e| Error::Input(e.join("\n")))?;
    let answers = answers_of(base_records, baseline).map_err(Error::input)?;
    let mut cases = HashMap::new();
    let wanted: HashSet<String> = answers.keys().map(|(c, _)| c.clone()).collect();
    for case in suite.cases.iter() {
        let case = case.map_err(|e| Error::Input(e.to_string()))?;
        if wanted.contains(&case.id) {
            cases.insert(case.id.clone(), case);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the scoring runtime")?;
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let reference = Reference::Provider(baseline.to_string());
    record::for_each_record(own, |_, mut r| {
        if let Some(case) = cases.get(&r.case_id) {
            let answer = answers
                .get(&(r.case_id.clone(), r.repeat))
                .cloned()
                .unwrap_or_else(|| {
                    Err(format!(
                        "`{baseline}` has no answer to this case in the run --against names"
                    ))
                });
            let found = Found::from([(reference.clone(), answer)]);
            runtime.block_on(scorers.rescore(case, &mut r, &found));
        }
        serde_json::to_writer(&mut writer, &r)?;
        writer.write_all(b"\n")?;
        Ok(())
    })
    .map_err(Error::input)?;
    writer
        .flush()
        .context("cannot write the re-scored records")?;
    Ok(())
}

/// The baseline's answers in a records file, by (case, repeat).
fn answers_of(path: &Path, baseline: &str) -> anyhow::Result<HashMap<(String, u32), Lookup>> {
    let mut answers = HashMap::new();
    record::for_each_record(path, |_, r: Record| {
        if r.provider == baseline {
            answers.insert((r.case_id.clone(), r.repeat), Answer::of(&r));
        }
        Ok(())
    })?;
    Ok(answers)
}
