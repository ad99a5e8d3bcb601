//! `modelswap scan PATH`: where a codebase depends on a closed AI vendor.

use modelswap::error::{Error, Result};
use modelswap::lockin::{self, ScanOptions};

use crate::cli::ScanArgs;

pub fn run(args: ScanArgs) -> Result<()> {
    let mut formats: Vec<lockin::Format> = Vec::new();
    for f in args.format {
        if !formats.contains(&f.0) {
            formats.push(f.0);
        }
    }
    if formats.len() > 1 && args.out.is_none() {
        return Err(Error::Input("several formats need --out FILE".into()));
    }
    let options = ScanOptions {
        max_file_bytes: args.max_file_size,
        hidden: args.hidden,
        ..ScanOptions::default()
    };
    let scan = lockin::scan(&args.path, &options)?;
    match &args.out {
        Some(out) => {
            for path in lockin::write(&scan, &formats, out)? {
                eprintln!("wrote {}", path.display());
            }
        }
        None => print!("{}", lockin::render(&scan, formats[0])),
    }
    eprintln!(
        "scanned {} files ({} bytes) in {} ms: {} findings in {} files, {} vendor packages, {} problems",
        scan.stats.files_scanned,
        scan.stats.bytes_scanned,
        scan.stats.duration_ms,
        scan.findings.len(),
        scan.files.len(),
        scan.dependencies.len(),
        scan.problems.len()
    );
    Ok(())
}
