//! Continuous batching against one case at a time, on the same model, cases and threads: the
//! same 8 chat cases decoded one after another (`batch: 1`) and all submitted at once (`batch:
//! N`), aggregate output tokens per second of wall time, each case's tokens compared.
//!
//! `cargo bench --bench batch -- [MODEL_DIR] [--max-tokens N] [--batch N] [--threads T] [--repeats K]`
//! The model must batch (a graph with GroupQueryAttention, e.g. models/layouts/genai).

use std::path::PathBuf;
use std::time::Instant;

use modelswap::chat::{Message, Role};
use modelswap::provider::onnx::{DecodeParams, Model, Settings};

const PROMPTS: [&str; 8] = [
    "Write a short story about a robot who learns to paint.",
    "Explain how a bicycle works to a ten-year-old.",
    "List five tips for writing clear emails at work.",
    "Describe the water cycle in detail.",
    "Write a poem about autumn leaves falling in a quiet park.",
    "Explain why exercise is good for your health.",
    "Give a recipe for a simple tomato soup, step by step.",
    "Describe a day in the life of a lighthouse keeper.",
];

struct Round {
    tokens: Vec<Vec<u32>>,
    wall_s: f64,
    ttft_ms: Vec<f64>,
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dir = repo.join("models/layouts/genai");
    let (mut max_tokens, mut batch, mut threads, mut repeats) = (64usize, 8usize, 2usize, 3usize);
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .expect("a number after the flag")
        };
        match arg.as_str() {
            "--max-tokens" => max_tokens = value(),
            "--batch" => batch = value(),
            "--threads" => threads = value(),
            "--repeats" => repeats = value(),
            other => dir = PathBuf::from(other),
        }
    }
    let load = |batch| {
        Model::load_variant(&dir, None, Settings { threads, batch })
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (alone, together) = (load(1), load(batch));
    assert_eq!(
        together.engine().batch,
        batch,
        "{:?}",
        together.engine().batch_note
    );
    let cases: Vec<Vec<u32>> = PROMPTS
        .iter()
        .map(|text| {
            let prompt = alone.folder.render(&[Message::new(Role::User, *text)], &[]);
            alone.folder.encode(&prompt.unwrap()).unwrap()
        })
        .collect();
    println!(
        "model: {}  cases: {}  max_tokens: {max_tokens}  batch: {batch}  threads: {threads}  repeats: {repeats}\nhost: {}\n",
        dir.display(),
        cases.len(),
        modelswap::host::Host::current().describe()
    );
    run(&together, &cases, max_tokens); // warm-up: first-run allocations
    let (mut seq, mut par) = (Vec::new(), Vec::new());
    for _ in 0..repeats {
        seq.push(run(&alone, &cases, max_tokens));
        par.push(run(&together, &cases, max_tokens));
    }
    let identical =
        (seq.iter().zip(&par)).all(|(a, b)| a.tokens == b.tokens && a.tokens == seq[0].tokens);
    let tokens: usize = seq[0].tokens.iter().map(Vec::len).sum();
    let rate = |rounds: &[Round]| median(rounds.iter().map(|r| tokens as f64 / r.wall_s).collect());
    let ttft = |rounds: &[Round]| median(rounds.iter().flat_map(|r| r.ttft_ms.clone()).collect());
    let (seq_rate, par_rate) = (rate(&seq), rate(&par));
    let (steps, rows) = together.step_counts();
    println!("| mode | output tokens | aggregate tok/s (median) | TTFT ms (median over cases) |");
    println!("|---|---:|---:|---:|");
    println!(
        "| one case at a time | {tokens} | {seq_rate:.1} | {:.0} |",
        ttft(&seq)
    );
    println!(
        "| {} at once, batch {batch} | {tokens} | {par_rate:.1} | {:.0} |",
        cases.len(),
        ttft(&par)
    );
    println!(
        "\nspeed-up: {:.2}x; mean rows per batched step: {:.2}; every case's tokens identical to its unbatched decode: {identical}",
        par_rate / seq_rate,
        rows as f64 / steps.max(1) as f64
    );
}

/// Every case submitted at once from its own thread (one at a time on a `batch: 1` model).
fn run(model: &Model, cases: &[Vec<u32>], max_tokens: usize) -> Round {
    let start = Instant::now();
    let generations = std::thread::scope(|s| {
        let handles: Vec<_> = (cases.iter())
            .map(|ids| {
                s.spawn(move || {
                    model
                        .generate(ids, DecodeParams::greedy(max_tokens))
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    Round {
        wall_s: start.elapsed().as_secs_f64(),
        ttft_ms: generations
            .iter()
            .map(|g| g.ttft.as_secs_f64() * 1e3)
            .collect(),
        tokens: generations.into_iter().map(|g| g.tokens).collect(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
