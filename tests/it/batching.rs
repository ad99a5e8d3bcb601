//! Continuous batching on real models: cases decoded together give each case the tokens it gets
//! alone, cases join a running batch and leave it at their own step, a cancelled case leaves
//! without disturbing the others, and a graph that cannot batch exactly decodes one at a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use modelswap::chat::{ChatRequest, Message, Role, Sampling};
use modelswap::provider::onnx::{DecodeParams, Model, Settings};

use crate::common::{model, repo};

const PROMPTS: [&str; 8] = [
    "What is 12 plus 30?",
    "Write a haiku about the sea.",
    "Name three primary colours.",
    "Explain in one sentence why the sky is blue, for a child who keeps asking.",
    "Hi",
    "Translate 'good morning' into French and Spanish.",
    "List the planets of the solar system in order from the sun, then say which is largest.",
    "What is the capital of Japan?",
];

fn load(dir: &std::path::Path, batch: usize) -> Model {
    let settings = Settings { threads: 2, batch };
    Model::load_variant(dir, None, settings).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// Each prompt's ids and a different length to decode, so rows leave at different steps.
fn cases(m: &Model) -> Vec<(Vec<u32>, usize)> {
    PROMPTS
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let prompt = m.folder.render(&[Message::new(Role::User, *text)], &[]);
            (m.folder.encode(&prompt.unwrap()).unwrap(), 6 + 5 * i)
        })
        .collect()
}

/// Every case submitted from its own thread, the later ones after a pause so that they join
/// a batch already decoding.
fn batched(m: &Model, cases: &[(Vec<u32>, usize)]) -> Vec<Vec<u32>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (cases.iter().enumerate())
            .map(|(i, (ids, max_tokens))| {
                s.spawn(move || {
                    if i >= 5 {
                        std::thread::sleep(Duration::from_millis(150));
                    }
                    m.generate(ids, DecodeParams::greedy(*max_tokens))
                        .unwrap()
                        .tokens
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn assert_batched_equals_alone(dir: &std::path::Path, batch: usize) {
    let alone = load(dir, 1);
    let cases = cases(&alone);
    let expected: Vec<Vec<u32>> = (cases.iter())
        .map(|(ids, n)| {
            alone
                .generate(ids, DecodeParams::greedy(*n))
                .unwrap()
                .tokens
        })
        .collect();
    drop(alone);
    let together = load(dir, batch);
    let got = batched(&together, &cases);
    for (i, (got, expected)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(
            got,
            expected,
            "{}: case {i} ({:?})",
            dir.display(),
            PROMPTS[i]
        );
    }
    let (steps, rows) = together.step_counts();
    // Rows shared steps, never more of them than `batch`.
    let per_step = rows as f64 / steps as f64;
    assert!(
        per_step > 1.5 && per_step <= batch as f64,
        "{}: {rows} rows in {steps} steps",
        dir.display()
    );
}

fn layout(name: &str) -> std::path::PathBuf {
    repo().join("models/layouts").join(name)
}

#[test]
fn cases_decoded_together_get_the_tokens_they_get_alone() {
    // SmolLM2 with GroupQueryAttention: a cache that grows, and one buffer past and present share.
    assert_batched_equals_alone(&layout("genai"), 8);
    assert_batched_equals_alone(&layout("genai-shared"), 8);
    assert_batched_equals_alone(&layout("genai"), 2);
}

#[test]
fn converted_architectures_batch_with_their_own_windows_caps_and_norms() {
    // `modelswap convert`'s default graphs: Gemma 2 (sliding window of 8 on every other layer,
    // soft-capping), Gemma 3 (5 sliding layers per global one, two RoPE bases), Qwen 3 (q/k norms),
    // Phi-3 (fused projections); the prompts run past the window.
    for name in ["gemma2", "gemma3", "qwen3", "phi3"] {
        assert_batched_equals_alone(&repo().join("models/tiny").join(name), 8);
    }
}

#[test]
fn a_graph_whose_attention_needs_padding_decodes_one_case_at_a_time() {
    let m = load(&model("smollm2-135m-instruct"), 8);
    assert_eq!(m.engine().batch, 1);
    let note = m.engine().batch_note.clone().unwrap();
    assert!(note.contains("GroupQueryAttention"), "{note}");
    let cases = cases(&m);
    let alone: Vec<Vec<u32>> = (cases.iter().take(3))
        .map(|(ids, n)| m.generate(ids, DecodeParams::greedy(*n)).unwrap().tokens)
        .collect();
    assert_eq!(batched(&m, &cases[..3]), alone);
    let (steps, rows) = m.step_counts();
    assert_eq!(steps, rows, "each step carried one row");
}

#[test]
fn a_cancelled_case_leaves_the_batch_and_the_others_finish_unchanged() {
    let m = load(&layout("genai"), 8);
    let cases = cases(&m);
    let (ids, _) = &cases[3];
    let expected = m.generate(ids, DecodeParams::greedy(40)).unwrap().tokens;
    let cancel = Arc::new(AtomicBool::new(false));
    std::thread::scope(|s| {
        let sampling = Sampling {
            temperature: 0.0,
            top_p: None,
            max_tokens: 400,
            seed: None,
            stop: Vec::new(),
        };
        let request = ChatRequest::new(vec![Message::new(Role::User, PROMPTS[0])], sampling);
        let (m, cancel_long) = (&m, cancel.clone());
        let long = s.spawn(move || m.complete(&request, cancel_long));
        let other = s.spawn(|| m.generate(ids, DecodeParams::greedy(40)).unwrap().tokens);
        std::thread::sleep(Duration::from_millis(300));
        cancel.store(true, Ordering::Relaxed);
        let err = long.join().unwrap().unwrap_err();
        assert_eq!(err, "cancelled");
        assert_eq!(other.join().unwrap(), expected);
    });
}
