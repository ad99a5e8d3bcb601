//! `modelswap init [PATH]`: a starter suite to edit.

use std::path::Path;

use modelswap::error::{Error, Result};
use modelswap::suite;

pub fn run(path: &Path) -> Result<()> {
    suite::write_starter(path).map_err(Error::input)?;
    eprintln!(
        "wrote {}; edit it, then: modelswap validate {}",
        path.display(),
        path.display()
    );
    Ok(())
}
