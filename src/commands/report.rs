//! `modelswap report DIR`: a run's report in the formats asked for, from its records alone.

use std::path::{Path, PathBuf};

use modelswap::error::Result;
use modelswap::lockin::{self, ScanOptions};
use modelswap::report::{self, Report};

use crate::cli::ReportFormat;

pub fn run(
    dir: &Path,
    formats: &[ReportFormat],
    scan: Option<&Path>,
    capacity: &[PathBuf],
    against: Option<&Path>,
) -> Result<()> {
    let mut report = Report::load(dir, capacity, against)?;
    if let Some(path) = scan {
        report.lockin.code = Some(lockin::scan(path, &ScanOptions::default())?);
    }
    let formats: Vec<report::Format> = formats.iter().map(|f| f.0).collect();
    for path in report::write(dir, &report, &formats)? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
