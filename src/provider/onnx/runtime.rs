//! Finding and loading the ONNX Runtime shared library once per process.
//!
//! `ort` is built with `load-dynamic`: its default binary download fails offline, and an ort call
//! without a loaded library panics. So the library is resolved here, explicitly, with an error that
//! says how to install it.

use std::path::{Path, PathBuf};

use crate::installed::find_installed;
use std::sync::OnceLock;

use ort::environment::Environment;

/// The file the set-up installs (from the PyPI `onnxruntime==1.31.1` wheel).
pub const LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";
/// Where the set-up puts it, relative to the project root.
const PROJECT_DIR: &str = "runtime/lib";

static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment, loading the library on first use.
pub fn environment() -> Result<&'static Environment, String> {
    ENVIRONMENT
        .get_or_init(|| {
            let path = locate()?;
            let builder = ort::init_from(&path)
                .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", path.display()))?;
            builder
                .with_name("modelswap")
                .build()
                .map_err(|e| format!("cannot start ONNX Runtime from {}: {e}", path.display()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// `ORT_DYLIB_PATH`, else `runtime/lib/` in the current directory or beside the executable's
/// project (so `target/debug/modelswap` finds the set-up's copy from any directory).
pub fn locate() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "ORT_DYLIB_PATH points at {}, which does not exist; point it at {LIBRARY_FILE}, \
                 or unset it and run `make setup` in the modelswap checkout to install the library",
                p.display()
            ))
        };
    }
    find_installed(&Path::new(PROJECT_DIR).join(LIBRARY_FILE)).map_err(|tried| {
        format!(
            "ONNX Runtime 1.31.1 is not installed (looked for {LIBRARY_FILE} in: {}). \
             Run `make setup` in the modelswap checkout to install it, or set ORT_DYLIB_PATH to the library file",
            tried.join(", ")
        )
    })
}
