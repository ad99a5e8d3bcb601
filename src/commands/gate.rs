//! `modelswap gate DIR [--against DIR]`: the suite's gate applied to a run; the verdict printed
//! and written to `verdict.json`.

use std::path::Path;

use modelswap::error::{Error, Result};
use modelswap::gate;

pub fn run(dir: &Path, against: Option<&Path>) -> Result<()> {
    let verdict = gate::judge(dir, against)?;
    print!("{}", verdict.render());
    gate::write_verdict(dir, &verdict)?;
    if verdict.passed {
        Ok(())
    } else {
        Err(Error::GateFailed {
            failed: verdict.checks.iter().filter(|c| !c.passed).count(),
            checks: verdict.checks.len(),
        })
    }
}
