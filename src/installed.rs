//! Finding what `make setup` installed (ONNX Runtime's library, the bundled models): in the
//! current directory or in the checkout the executable was built in, so `target/debug/modelswap`
//! finds them from any directory. A leaf: it imports nothing else of the crate.

use std::path::{Path, PathBuf};

/// Something the set-up installed, at `relative` in the current directory or in the checkout the
/// executable was built in (any of its ancestors); else the places looked at.
pub fn find_installed(relative: &Path) -> Result<PathBuf, Vec<String>> {
    let mut tried = Vec::new();
    let mut roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    for root in roots {
        let candidate = root.join(relative);
        if candidate.exists() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
    tried.dedup();
    Err(tried)
}
