//! `modelswap merge DIR... --out DIR`: sharded runs joined into one.

use std::path::{Path, PathBuf};

use modelswap::error::Result;
use modelswap::runner;

pub fn run(dirs: &[PathBuf], out: &Path) -> Result<()> {
    let n = runner::merge(dirs, out)?;
    eprintln!(
        "merged {n} records from {} runs into {}",
        dirs.len(),
        out.display()
    );
    Ok(())
}
