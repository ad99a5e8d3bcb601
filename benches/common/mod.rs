//! What the benches that run the binary share.

use std::path::PathBuf;

/// The release-optimised `modelswap` that `cargo bench` builds beside the bench:
/// `<target>/release/{deps/<bench>-…, modelswap}`.
pub fn modelswap() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's own path");
    let bin = exe
        .ancestors()
        .nth(2)
        .expect("<target>/release")
        .join("modelswap");
    assert!(
        bin.is_file(),
        "{} is missing: cargo build --profile bench --bin modelswap",
        bin.display()
    );
    bin
}
