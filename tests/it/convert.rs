//! `modelswap convert` through the binary, on the tiny GGUFs `make setup` writes: the folder it
//! writes runs as `kind: onnx` and decodes as the set-up's conversion does; what it cannot
//! convert is refused with exit 2, naming why, and leaves nothing behind.

use std::path::{Path, PathBuf};

use modelswap::chat::{Message, Role};
use modelswap::provider::onnx::{DecodeParams, Model};

use crate::common::{modelswap, repo, stderr, stdout};

fn tiny(name: &str) -> PathBuf {
    let path = repo().join("models/tiny").join(format!("{name}.gguf"));
    assert!(
        path.is_file(),
        "{} is missing: run `make setup` first",
        path.display()
    );
    path
}

fn python() -> String {
    repo()
        .join(".venv/bin/python")
        .to_string_lossy()
        .into_owned()
}

fn convert(gguf: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let python = python();
    let mut args = vec![
        "convert",
        gguf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(["--python", &python]);
    args.extend_from_slice(extra);
    modelswap(&args, &repo())
}

fn greedy(dir: &Path) -> Vec<u32> {
    let m = Model::load(dir, 1).unwrap();
    let ids = m.folder.encode(" the cat sat on the mat").unwrap();
    let params = DecodeParams::greedy(12);
    m.generate(&ids, params).unwrap().tokens
}

#[test]
fn a_converted_gguf_runs_as_the_set_ups_conversion_does() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("qwen3");
    let run = convert(&tiny("qwen3"), &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("qwen3, 4 layers, 4/2 heads of 16"),
        "{}",
        stderr(&run)
    );
    let sha = modelswap::input::sha256_file(&out.join("model.onnx")).unwrap();
    assert!(
        stdout(&run).contains(&format!("sha256 {sha}")),
        "{}",
        stdout(&run)
    );
    assert_eq!(greedy(&out), greedy(&repo().join("models/tiny/qwen3")));
    // Nothing but the folder is left beside it.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn quantized_conversions_of_smollm2_still_name_paris() {
    let gguf = repo().join(".cache/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
    let tmp = tempfile::tempdir().unwrap();
    for (bits, quantize) in [(8, "int8"), (4, "int4")] {
        let out = tmp.path().join(quantize);
        let run = convert(&gguf, &out, &["--quantize", quantize]);
        assert!(run.status.success(), "{}", stderr(&run));
        let graph = std::fs::read(out.join("model.onnx")).unwrap();
        assert!(
            graph.windows(11).any(|w| w == b"MatMulNBits"),
            "{quantize}: no MatMulNBits node"
        );
        let m = Model::load(&out, 2).unwrap();
        // The demo's system prompt: under the model's default one, fp32's own first token is a
        // coin toss (scripts/check_model.py).
        let question = [
            Message::new(Role::System, "Answer in one short sentence."),
            Message::new(Role::User, "What is the capital of France?"),
        ];
        let ids = m
            .folder
            .encode(&m.folder.render(&question, &[]).unwrap())
            .unwrap();
        let params = DecodeParams::greedy(16);
        let text = m.generate(&ids, params.clone()).unwrap().text;
        assert!(text.contains("Paris"), "{bits}-bit: {text:?}");
    }
}

/// `--quantize int4` keeps a GGUF's Q4_0, Q4_1 and Q8_0 blocks (scripts/gguf_blocks.py): on a
/// tiny file holding all three, the converter says it kept every product's blocks, and the model
/// picks the fp32 conversion's first token on at least 30 of 40 prompts: all 40 when written (the
/// 8-bit activations can flip a tiny random model's close logits); with the nibbles packed in the
/// wrong order, none.
#[test]
fn int4_keeps_a_gguf_s_own_blocks_of_each_kind() {
    let gguf = repo().join("models/tiny/quantized/llama-spm.gguf");
    assert!(gguf.is_file(), "{}: run `make setup`", gguf.display());
    let tmp = tempfile::tempdir().unwrap();
    let (fp32, int4) = (tmp.path().join("fp32"), tmp.path().join("int4"));
    let run = convert(&gguf, &fp32, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let run = convert(&gguf, &int4, &["--quantize", "int4"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(
            "weights: 17 of 17 weight products keep the GGUF's own blocks (Q4_0 8, Q4_1 4, Q8_0 5)"
        ),
        "{}",
        stderr(&run)
    );
    let (a, b) = (
        Model::load(&fp32, 1).unwrap(),
        Model::load(&int4, 1).unwrap(),
    );
    let words = [
        "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "red", "blue",
    ];
    let agreed = (0..40)
        .filter(|i| {
            let text: Vec<&str> = (0..6)
                .map(|k| words[(i * 7 + k * k * 3 + k) % 10])
                .collect();
            let ids = a.folder.encode(&format!(" {}", text.join(" "))).unwrap();
            let first = |m: &Model| m.generate(&ids, DecodeParams::greedy(1)).unwrap().tokens;
            first(&a) == first(&b)
        })
        .count();
    assert!(agreed >= 30, "first tokens agree on {agreed} of 40 prompts");
}

#[test]
fn what_it_cannot_convert_is_refused_naming_why_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let expect_refusal = |run: std::process::Output, needle: &str| {
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(
            stderr(&run).contains(needle),
            "wanted {needle:?} in:\n{}",
            stderr(&run)
        );
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "scratch left behind"
        );
    };
    let not_gguf = repo().join("Cargo.toml");
    expect_refusal(convert(&not_gguf, &out, &[]), "is not a GGUF file");
    // Same-length renaming of every `qwen2` makes a consistent file of an unknown architecture.
    let bytes = std::fs::read(tiny("qwen2")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let renamed = elsewhere.path().join("renamed.gguf");
    std::fs::write(&renamed, replace_all(&bytes, b"qwen2", b"gpt99")).unwrap();
    expect_refusal(
        convert(&renamed, &out, &[]),
        "architecture 'gpt99' is not one the converter knows",
    );
    expect_refusal(
        convert(&tiny("gemma3"), &out, &[]),
        "carries no chat template (tokenizer.chat_template); give the model's own with --chat-template FILE",
    );
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let run = convert(&tiny("qwen2"), &out, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("already exists and is not an empty folder"));
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}
