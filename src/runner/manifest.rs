//! `run.json` as a run writes it: what was run, with what, where and when, rewritten whole (never
//! half) when the run starts and when it ends.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{SecondsFormat, Utc};

use crate::record::{self, Host, Manifest, ProviderInfo, RunStatus, Shard, SuiteInfo};
use crate::suite::Suite;

/// Written aside and renamed, so a reader never sees half a manifest.
pub fn write(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let path = dir.join(record::MANIFEST_FILE);
    let tmp = dir.join(".run.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(manifest)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A new run's manifest, before its first call.
pub(super) fn new(
    suite: &Suite,
    providers: Vec<ProviderInfo>,
    cases: usize,
    shard: Option<Shard>,
) -> Manifest {
    let spec = &suite.spec;
    let repeats = spec.defaults.repeats;
    Manifest {
        run_id: new_run_id(),
        status: RunStatus::Running,
        modelswap_version: env!("CARGO_PKG_VERSION").into(),
        started_at: now(),
        finished_at: None,
        suite: SuiteInfo {
            path: suite.path.display().to_string(),
            sha256: suite.sha256.clone(),
            name: spec.name.clone(),
            description: spec.description.clone(),
        },
        records_expected: cases * providers.len() * repeats as usize,
        providers,
        cases,
        repeats,
        host: Host::current(),
        workload: spec.workload.clone(),
        gate: spec.gate.clone(),
        shard,
    }
}

/// The run's end: its status and time, written.
pub(super) fn finish(dir: &Path, manifest: &mut Manifest, status: RunStatus) -> anyhow::Result<()> {
    manifest.status = status;
    manifest.finished_at = Some(now());
    write(dir, manifest)
}

/// File name -> sha256 of the files that determine a local model's outputs.
pub(super) async fn hash_files(files: Vec<PathBuf>) -> anyhow::Result<BTreeMap<String, String>> {
    tokio::task::spawn_blocking(move || {
        let mut out = BTreeMap::new();
        for path in files {
            let sha = crate::input::sha256_file(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.insert(name, sha);
        }
        Ok(out)
    })
    .await?
}

/// Now, as records and manifests write times: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `<start time>-<8 hex digits>`: sortable, and apart for runs started in the same second.
pub(super) fn new_run_id() -> String {
    let t = Utc::now();
    let nanos = t.timestamp_subsec_nanos();
    format!(
        "{}-{:04x}{:04x}",
        t.format("%Y%m%dT%H%M%SZ"),
        std::process::id() & 0xffff,
        nanos & 0xffff
    )
}
