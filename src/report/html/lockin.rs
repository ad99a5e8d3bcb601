//! Lock-in: the migration effort estimate, the workload's needs against each provider, and the
//! code scan's matrix, files and dependencies.

use serde::Serialize;

use std::collections::BTreeMap;

use super::{Ctx, Table};
use crate::lockin::workload::WorkloadAudit;
use crate::lockin::Scan;

#[derive(Serialize)]
pub(super) struct LockInSection {
    /// The migration effort estimate (with a code scan).
    effort: Option<String>,
    /// Requests per feature the workload uses.
    uses: Option<Table>,
    /// Per provider: requests needing something it lacks.
    fit: Option<Table>,
    /// Vendor × feature × portability, from the code scan.
    matrix: Option<Table>,
    files: Option<Table>,
    dependencies: Option<Table>,
}

impl Ctx<'_> {
    pub(super) fn lockin(&self) -> Option<LockInSection> {
        let l = &self.0.lockin;
        if l.workload.is_none() && l.code.is_none() {
            return None;
        }
        let (uses, fit) = l.workload.as_ref().map(workload_tables).unzip();
        let code = l.code.as_ref().map(|scan| {
            let effort = crate::lockin::effort_summary(scan).replace('`', "");
            (effort, matrix(scan), files(scan), dependencies(scan))
        });
        let (effort, matrix, files, dependencies) = match code {
            Some((e, m, f, d)) => (Some(e), Some(m), Some(f), Some(d)),
            None => (None, None, None, None),
        };
        Some(LockInSection {
            effort,
            uses,
            fit,
            matrix,
            files,
            dependencies,
        })
    }
}

/// `n` of `of` requests, with its share.
fn share(n: usize, of: usize) -> String {
    if of == 0 {
        "—".to_string()
    } else {
        format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

/// The features the workload uses, and per provider the requests needing something it lacks.
fn workload_tables(w: &WorkloadAudit) -> (Table, Table) {
    let mut uses = Table::new(&["feature", "#requests", "examples"]);
    for u in &w.uses {
        uses.row(vec![
            u.need.as_str().into(),
            share(u.requests, w.requests),
            u.examples.join(", "),
        ]);
    }
    let mut fit = Table::new(&[
        "provider",
        "#requests using something it lacks",
        "#unknown",
        "what it lacks",
        "capabilities from",
    ]);
    for p in &w.providers {
        fit.row(vec![
            p.provider.clone(),
            share(p.lacking, w.requests),
            p.unknown.to_string(),
            p.gaps_text(),
            p.capabilities.source.clone(),
        ]);
    }
    (uses, fit)
}

/// Vendor × feature × portability: how often each is used, and how to move it.
fn matrix(scan: &Scan) -> Table {
    let mut cells: BTreeMap<(&str, &str, &str), (usize, String)> = BTreeMap::new();
    for f in &scan.findings {
        let key = (f.vendor.label(), f.feature.label(), f.rating.label());
        cells
            .entry(key)
            .or_insert((0, f.hint.clone().unwrap_or_default()))
            .0 += 1;
    }
    let mut matrix = Table::new(&["vendor", "feature", "portability", "#uses", "how to move"]);
    for ((vendor, feature, rating), (n, hint)) in cells {
        matrix.row(vec![
            vendor.into(),
            feature.into(),
            rating.into(),
            n.to_string(),
            hint,
        ]);
    }
    matrix
}

/// The files that would take most work to move, first.
fn files(scan: &Scan) -> Table {
    let mut files = Table::new(&["file", "#effort", "#vendor-only", "#with work", "#portable"]);
    for f in scan.files.iter().take(15) {
        files.row(vec![
            f.file.clone(),
            f.effort.to_string(),
            f.vendor_only.to_string(),
            f.portable_with_work.to_string(),
            f.portable.to_string(),
        ]);
    }
    files
}

fn dependencies(scan: &Scan) -> Table {
    let mut deps = Table::new(&["manifest", "package", "version", "vendor", "portability"]);
    for d in &scan.dependencies {
        deps.row(vec![
            format!("{}:{}", d.file, d.line),
            d.name.clone(),
            d.version.clone().unwrap_or_else(|| "unpinned".into()),
            d.vendor.label().into(),
            d.rating.label().into(),
        ]);
    }
    deps
}
