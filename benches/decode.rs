//! Greedy decode speed of the ONNX provider against the plain Python onnxruntime KV-cache loop
//! (scripts/reference_decode.py), on the same model files, prompts and thread count, in one run.
//!
//! `cargo bench --bench decode -- [MODEL_DIR] [--max-tokens N] [--repeats K] [--threads T]
//! [--prompt-file FILE]` (one prompt, the file's text, instead of the three: a long prefill)
//! Prints a Markdown table for docs/BENCHMARKS.md. Runs alternate (Rust, Python, Rust, …) so that
//! drift in the machine's speed hits both alike.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use modelswap::chat::{Message, Role};
use modelswap::provider::onnx::{DecodeParams, Model};

const PROMPTS: [&str; 3] = [
    "Write a short story about a robot who learns to paint.",
    "Explain how a bicycle works to a ten-year-old.",
    "List five tips for writing clear emails at work.",
];

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut model_dir = repo.join("models/smollm2-135m-instruct");
    let (mut max_tokens, mut repeats, mut threads) = (64usize, 3usize, 2usize);
    let mut prompts: Vec<String> = PROMPTS.iter().map(|p| p.to_string()).collect();
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        if arg == "--prompt-file" {
            let path = args.next().expect("a file after --prompt-file");
            prompts =
                vec![std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))];
            continue;
        }
        let mut value = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .expect("a number after the flag")
        };
        match arg.as_str() {
            "--max-tokens" => max_tokens = value(),
            "--repeats" => repeats = value(),
            "--threads" => threads = value(),
            other => model_dir = PathBuf::from(other),
        }
    }
    let python = repo.join(".venv/bin/python");
    let model = Model::load(&model_dir, threads).unwrap_or_else(|e| panic!("{e}"));

    // The CPU decides the speed and, for integer kernels, the answers: print it beside them.
    println!(
        "model: {}  max_tokens: {max_tokens}  repeats: {repeats}  threads: {threads}\nhost: {}\n",
        model_dir.display(),
        modelswap::host::Host::current().describe()
    );
    println!("| prompt | prompt tokens | output tokens | Rust TTFT ms | Python TTFT ms | Rust tok/s | Python tok/s | speed-up |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for text in &prompts {
        let messages = [Message::new(Role::User, text.as_str())];
        let prompt = model.folder.render(&messages, &[]).unwrap();
        let ids = model.folder.encode(&prompt).unwrap();
        let params = DecodeParams::greedy(max_tokens);
        // One warm-up each, so neither pays for first-run allocation.
        model.generate(&ids, params.clone()).unwrap();
        python_run(&python, &repo, &model_dir, &prompt, max_tokens, threads);

        let (mut rust_ttft, mut rust_tps, mut py_ttft, mut py_tps) =
            (vec![], vec![], vec![], vec![]);
        let mut out_tokens = 0;
        for _ in 0..repeats {
            let start = Instant::now();
            let g = model.generate(&ids, params.clone()).unwrap();
            let total = start.elapsed().as_secs_f64();
            let ttft = g.ttft.as_secs_f64();
            out_tokens = g.tokens.len();
            rust_ttft.push(ttft * 1e3);
            rust_tps.push((g.tokens.len() as f64 - 1.0) / (total - ttft));
            let py = python_run(&python, &repo, &model_dir, &prompt, max_tokens, threads);
            py_ttft.push(py["ttft_ms"].as_f64().unwrap());
            py_tps.push(py["tokens_per_s"].as_f64().unwrap());
        }
        let ratio = median(&rust_tps) / median(&py_tps);
        ratios.push(ratio);
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2}× |",
            text.chars().take(32).collect::<String>(),
            ids.len(),
            out_tokens,
            median(&rust_ttft),
            median(&py_ttft),
            median(&rust_tps),
            median(&py_tps),
            ratio
        );
    }
    println!(
        "\nmedian speed-up (decode tokens/s, Rust / Python): {:.2}×",
        median(&ratios)
    );
}

fn python_run(
    python: &Path,
    repo: &Path,
    model: &Path,
    prompt: &str,
    max_tokens: usize,
    threads: usize,
) -> serde_json::Value {
    let out = Command::new(python)
        .arg(repo.join("scripts/reference_decode.py"))
        .arg(model)
        .args([
            "--prompt",
            prompt,
            "--max-tokens",
            &max_tokens.to_string(),
            "--threads",
            &threads.to_string(),
            "--json",
        ])
        .output()
        .expect("the Python reference runs (make setup installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reference prints JSON")
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
