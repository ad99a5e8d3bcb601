//! `modelswap audit SUITE`: the workload's lock-in audit, without running anything.

use std::path::Path;

use modelswap::error::Result;
use modelswap::lockin::workload;
use modelswap::suite;

use crate::cli::AuditFormat;

pub fn run(path: &Path, format: AuditFormat) -> Result<()> {
    let audit = workload::audit(&suite::load(path)?)?;
    match format {
        AuditFormat::Md => print!("{}", workload::markdown(&audit)),
        AuditFormat::Json => super::print_json(&audit)?,
    }
    Ok(())
}
