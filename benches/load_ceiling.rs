//! The load sweep's own ceiling: `modelswap load` against the batching loopback engine of the
//! tests (`tests/it/engine.rs`) with steps so short that the engine emits tokens as fast as this
//! machine lets it, comparing what `load` measured with what the engine counted it delivered.
//! Where the two part, the harness (or the machine it shares with the engine) bends the figures.
//!
//! `cargo bench --bench load_ceiling -- [--concurrency 1,4,16,64,256] [--step-us 1000,0]`
//! Prints a Markdown table row per (step, concurrency) for docs/BENCHMARKS.md.

mod common;

#[allow(dead_code)]
#[path = "../tests/it/vendor_server.rs"]
mod vendor_server;

#[allow(dead_code)]
#[path = "../tests/it/engine.rs"]
mod engine;

use std::process::Command;
use std::time::Duration;

use engine::{Engine, Law};

fn main() {
    let (mut levels, mut steps_us) = (vec![1usize, 4, 16, 64, 256], vec![1000u64, 0]);
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        let value = args.next().expect("a value after the flag");
        let list =
            |v: &str| -> Vec<u64> { v.split(',').map(|x| x.parse().expect("a number")).collect() };
        match arg.as_str() {
            "--concurrency" => levels = list(&value).into_iter().map(|c| c as usize).collect(),
            "--step-us" => steps_us = list(&value),
            other => panic!("unknown argument {other}"),
        }
    }
    let bin = common::modelswap();

    println!("| step | concurrency | engine delivered tokens/s | load measured tokens/s | measured ÷ delivered | engine mean step ms | ITL p50 ms measured |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for step_us in steps_us {
        let engine = Engine::start(Law {
            base: Duration::from_micros(step_us),
            per_sequence: Duration::ZERO,
            batch: 4096,
        });
        let dir = tempfile::tempdir().expect("a temp dir");
        let rows: String = (0..64)
            .map(|i| format!("{{\"q\": \"question {i}\"}}\n"))
            .collect();
        std::fs::write(dir.path().join("cases.jsonl"), rows).expect("dataset");
        let suite = format!(
            "version: 1\nname: ceiling\nproviders:\n  engine: {{kind: openai-compatible, base_url: '{}', model: m}}\n\
             defaults: {{max_tokens: 256}}\nprompt: {{user: \"{{{{ q }}}}\"}}\ncases:\n  - file: cases.jsonl\n",
            engine.base
        );
        std::fs::write(dir.path().join("s.yaml"), suite).expect("suite");
        for &c in &levels {
            let before = engine.delivered();
            let out = Command::new(&bin)
                .args([
                    "load",
                    "s.yaml",
                    "--provider",
                    "engine",
                    "--concurrency",
                    &c.to_string(),
                ])
                .args(["--duration", "5", "--warmup", "1", "--out", "cap"])
                .current_dir(dir.path())
                .env_remove("RUST_LOG")
                .output()
                .expect("modelswap runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let after = engine.delivered();
            let cap: serde_json::Value = serde_json::from_slice(
                &std::fs::read(dir.path().join("cap/capacity.json")).expect("capacity.json"),
            )
            .expect("JSON");
            let level = &cap["levels"][0];
            let measured = level["output_tokens_per_s"].as_f64().unwrap_or(0.0);
            let delivered = (after.tokens - before.tokens) as f64 / (after.busy_s - before.busy_s);
            let step_ms =
                (after.busy_s - before.busy_s) / (after.steps - before.steps) as f64 * 1e3;
            println!(
                "| {} | {c} | {delivered:.0} | {measured:.0} | {:.3} | {step_ms:.3} | {:.3} |",
                if step_us == 0 {
                    "0 (yield)".to_string()
                } else {
                    format!("{step_us} µs")
                },
                measured / delivered,
                level["itl_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
            );
        }
    }
}
