//! Soak: the runner under many faults and many kills, against loopback servers only
//! (docs/security.md, "Soak"). `cargo test` runs a short pass of each; `make soak` runs the full
//! one (`MODELSWAP_SOAK_FAULTS=10000 MODELSWAP_SOAK_KILLS=100`) and docs/BENCHMARKS.md keeps
//! its figures.
//!
//! - `faults`: vendor responses across the five vendor kinds, a scheduled share of them faulted
//!   (429 with Retry-After, 500, 529, malformed JSON, streams cut short or reset, error events,
//!   slow first bytes, 401), each echoing the API key. Every record must match what the server
//!   sent: the attempts it saw, the answer of the last, the error of a terminal fault.
//! - `kills`: runs SIGKILLed at random moments, each followed by `--resume`, until the run
//!   completes; nothing lost, nothing twice.

mod faults;
mod kills;
mod vendors;

// The integration tests' loopback vendor server; the soak uses part of it.
#[allow(dead_code)]
#[path = "../it/vendor_server.rs"]
mod vendor_server;

use std::path::{Path, PathBuf};

use vendors::Vendor;

/// A count from the environment, or `default` for the short pass `cargo test` runs.
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: the soak's random choices, reproducible from their inputs.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A suite of `cases` cases ("soak case N", id `cN`) against `providers` (each with its first
/// byte timeout and concurrency), with `extra` YAML at the end (scorers).
fn write_suite(
    dir: &Path,
    base: &str,
    cases: u64,
    providers: &[Vendor],
    (first_byte_timeout_s, concurrency): (f64, usize),
    extra: &str,
) -> PathBuf {
    let rows: String = (0..cases)
        .map(|n| format!("{{\"id\": \"c{n}\", \"n\": {n}}}\n"))
        .collect();
    std::fs::write(dir.join("cases.jsonl"), rows).unwrap();
    let providers: String = providers
        .iter()
        .map(|v| v.provider_yaml(base, first_byte_timeout_s, concurrency))
        .collect();
    let suite = format!(
        "version: 1\nname: soak\nproviders:\n{providers}defaults: {{max_tokens: 8}}\n\
         prompt: {{user: \"soak case {{{{ n }}}}\"}}\ncases:\n  - file: cases.jsonl\n{extra}"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, suite).unwrap();
    path
}

/// Occurrences of `needle` in every file under `dir`, by file.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains(needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}
