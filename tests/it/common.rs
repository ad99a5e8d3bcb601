//! Shared helpers: paths to the binary and the set-up's models, and running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use modelswap::record::{read_records, Record};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A model folder installed by `make setup`; a clear failure when it is missing.
pub fn model(name: &str) -> PathBuf {
    let dir = repo().join("models").join(name);
    assert!(
        dir.join("model.onnx").is_file(),
        "{} is missing: run `make setup` first (the README's test command does)",
        dir.display()
    );
    dir
}

pub fn modelswap(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// `modelswap run SUITE --out DIR/run -vv` in `dir`, with `key` as `TEST_VENDOR_KEY` (and no real
/// vendor key from the environment), and the records it wrote.
pub fn run_suite(dir: &Path, suite: &Path, key: Option<&str>) -> (Output, Vec<Record>) {
    let out_dir = dir.join("run");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelswap"));
    cmd.args([
        "run",
        suite.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        // Debug logging too, so that the tests that look for a leaked key see everything.
        "-vv",
    ])
    .current_dir(dir)
    .env_remove("RUST_LOG")
    .env_remove("OPENAI_API_KEY")
    .env_remove("AZURE_OPENAI_API_KEY");
    if let Some(k) = key {
        cmd.env("TEST_VENDOR_KEY", k);
    }
    let out = cmd.output().expect("the binary runs");
    let records = read_records(&out_dir.join("records.jsonl")).unwrap_or_default();
    (out, records)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A suite over the two bundled SmolLM2 models with `cases` (YAML list items) and `gate` (YAML).
pub fn smollm_suite(dir: &Path, cases: &str, gate: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: it\nproviders:\n  fp32:\n    kind: onnx\n    path: {}\n  int8:\n    kind: onnx\n    path: {}\n\
         defaults:\n  max_tokens: 12\nprompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}\nscorers:\n  - type: icontains\n    value: \"{{{{ expect.a }}}}\"\n{gate}",
        model("smollm2-135m-instruct").display(),
        model("smollm2-135m-instruct-int8").display(),
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes `text` to `path`, making its folders.
pub fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
