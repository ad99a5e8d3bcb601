//! `modelswap validate SUITE`: everything a run checks before its first call, without calling.

use std::path::Path;

use modelswap::error::Result;
use modelswap::{runner, suite};

pub fn run(path: &Path) -> Result<()> {
    let suite = suite::load_checked(path, &runner::problems)?;
    runner::check(&suite)?;
    let (cases, providers) = (suite.cases.len(), suite.spec.providers.len());
    let repeats = suite.spec.defaults.repeats;
    println!(
        "{}: ok — {cases} cases × {providers} providers × {repeats} repeat(s) = {} calls",
        suite.path.display(),
        cases * providers * repeats as usize
    );
    Ok(())
}
