//! `kind: onnx` on the ONNX layouts people arrive with, each made from SmolLM2 by
//! scripts/make_layouts.py and scripts/make_genai_layout.py (`make setup`): float16 with external
//! data, a transformers.js `onnx/` folder picked by `variant`, optimum's merged decoder, and
//! onnxruntime-genai folders (GroupQueryAttention, no position_ids, with and without a KV buffer
//! that past and present share). Each decodes greedily to the tokens the
//! Python onnxruntime loop (scripts/reference_decode.py) gives on the same graph; folders that
//! cannot be driven are refused naming what they lack.

use std::path::{Path, PathBuf};
use std::process::Command;

use modelswap::chat::{Message, Role};
use modelswap::provider::onnx::{DecodeParams, Model, ModelFolder};

use crate::common::{modelswap, repo, stderr};

/// A folder of `models/layouts/`, written by `make setup`.
fn layout(name: &str) -> PathBuf {
    let dir = repo().join("models/layouts").join(name);
    assert!(
        dir.is_dir(),
        "{} is missing: run `make setup` first",
        dir.display()
    );
    dir
}

/// Greedy tokens of `m` for `question`, and the reference loop's on `graph` (relative to `dir`).
fn both(m: &Model, dir: &Path, graph: &str, question: &str) -> (Vec<u64>, Vec<u64>) {
    let prompt = m
        .folder
        .render(&[Message::new(Role::User, question)], &[])
        .unwrap();
    let out = Command::new(repo().join(".venv/bin/python"))
        .arg(repo().join("scripts/reference_decode.py"))
        .arg(dir)
        .args([
            "--model-file",
            graph,
            "--prompt",
            &prompt,
            "--max-tokens",
            "16",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: Vec<u64> = serde_json::from_value(reference["output_ids"].clone()).unwrap();
    let params = DecodeParams::greedy(16);
    let ids = m.folder.encode(&prompt).unwrap();
    let g = m.generate(&ids, params).unwrap();
    let ours: Vec<u64> = g.tokens.iter().map(|&t| u64::from(t)).collect();
    // The reference keeps the end-of-turn token; the provider stops at it.
    if expected
        .last()
        .is_some_and(|&l| m.folder.eos_ids.contains(&(l as u32)))
    {
        expected.pop();
    }
    (ours, expected)
}

#[test]
fn each_layout_decodes_the_tokens_the_python_loop_gives_on_the_same_graph() {
    let cases = [
        ("fp16-external", None, "model.onnx"),
        ("transformers-js", None, "onnx/model.onnx"),
        ("transformers-js", Some("fp16"), "onnx/model_fp16.onnx"),
        ("merged", None, "decoder_model_merged.onnx"),
        ("genai", None, "model.onnx"),
        ("genai-shared", None, "model.onnx"),
    ];
    for (name, variant, graph) in cases {
        let dir = layout(name);
        let settings = modelswap::provider::onnx::Settings::default();
        let m =
            Model::load_variant(&dir, variant, settings).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.folder.graph, dir.join(graph), "{name} {variant:?}");
        for question in ["What is the capital of France?", "Name three colours."] {
            let (ours, expected) = both(&m, &dir, graph, question);
            assert_eq!(ours, expected, "{name} {variant:?}: {question}");
        }
    }
}

#[test]
fn a_float16_graph_answers_like_the_float32_one() {
    let m = Model::load(&layout("fp16-external"), 2).unwrap();
    let (ours, _) = both(
        &m,
        &layout("fp16-external"),
        "model.onnx",
        "What is the capital of France?",
    );
    let text = m
        .folder
        .decode(&ours.iter().map(|&t| t as u32).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(text, "The capital of France is Paris.");
}

#[test]
fn the_chosen_graph_and_its_weights_are_recorded_with_their_sha256() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = format!(
        "version: 1\nname: layouts\nproviders:\n  js:\n    kind: onnx\n    path: {}\n    variant: fp16\n\
         defaults:\n  max_tokens: 4\nprompt:\n  user: Hi\ncases:\n  - {{id: a, vars: {{}}}}\n",
        layout("transformers-js").display()
    );
    std::fs::write(tmp.path().join("suite.yaml"), suite).unwrap();
    let out = modelswap(&["run", "suite.yaml", "--out", "run"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/run.json")).unwrap()).unwrap();
    let p = &manifest["providers"][0];
    assert_eq!(p["config"]["variant"], "fp16");
    let files = p["model_files"].as_object().unwrap();
    for name in [
        "model_fp16.onnx",
        "model_fp16.onnx_data",
        "tokenizer.json",
        "config.json",
    ] {
        assert_eq!(
            files[name].as_str().map(str::len),
            Some(64),
            "{name}: {files:?}"
        );
    }
    assert!(
        !files.contains_key("model.onnx"),
        "the fp32 graph was not used: {files:?}"
    );
}

#[test]
fn folders_it_cannot_drive_are_refused_naming_what_they_hold() {
    // A variant the folder does not have: the graphs it has are listed.
    let err = ModelFolder::open_variant(&layout("transformers-js"), Some("q4"))
        .err()
        .unwrap();
    assert!(
        err.contains("has no graph of variant `q4`")
            && err.contains("onnx/model.onnx, onnx/model_fp16.onnx"),
        "{err}"
    );
    // An onnxruntime-genai folder whose configuration lacks what the loop needs, or renames an
    // input it drives, or is given a variant.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for f in ["tokenizer.json", "config.json"] {
        std::fs::copy(layout("merged").join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("model.onnx"), "").unwrap();
    let genai = |config: serde_json::Value| {
        std::fs::write(dir.join("genai_config.json"), config.to_string()).unwrap();
        ModelFolder::open(dir).err().unwrap()
    };
    let err = genai(serde_json::json!({"model": {"decoder": {"filename": "model.onnx"}}}));
    assert!(
        err.contains("genai_config.json has no `model.decoder.num_hidden_layers`"),
        "{err}"
    );
    let err = genai(serde_json::json!({"model": {"decoder": {"filename": "decoder.onnx"}}}));
    assert!(
        err.contains("names the graph") && err.contains("decoder.onnx, which does not exist"),
        "{err}"
    );
    let renamed = serde_json::json!({"model": {"decoder": {"filename": "model.onnx", "inputs": {"input_ids": "tokens"}}}});
    let err = genai(renamed);
    assert!(
        err.contains("renames the graph's `input_ids` to `tokens`"),
        "{err}"
    );
    let err = ModelFolder::open_variant(&layout("genai"), Some("fp16"))
        .err()
        .unwrap();
    assert!(err.contains("`variant: fp16` does not apply"), "{err}");
    // Only variants, no default graph.
    std::fs::remove_file(dir.join("genai_config.json")).unwrap();
    std::fs::remove_file(dir.join("model.onnx")).unwrap();
    std::fs::create_dir(dir.join("onnx")).unwrap();
    std::fs::write(dir.join("onnx/model_q4f16.onnx"), "").unwrap();
    let err = ModelFolder::open(dir).err().unwrap();
    assert!(
        err.contains("has no model.onnx")
            && err.contains("it has onnx/model_q4f16.onnx: pick one with `variant:`"),
        "{err}"
    );
    // `variant` belongs to local models only.
    let tmp = tempfile::tempdir().unwrap();
    let suite = "version: 1\nname: v\nproviders:\n  e:\n    kind: openai-compatible\n    model: m\n    base_url: http://127.0.0.1:9/v1\n    variant: fp16\n\
                 prompt:\n  user: Hi\ncases:\n  - {id: a, vars: {}}\n";
    std::fs::write(tmp.path().join("s.yaml"), suite).unwrap();
    let out = modelswap(&["validate", "s.yaml"], tmp.path());
    assert!(
        stderr(&out)
            .contains("providers.e.variant: `variant` does not apply to kind `openai-compatible`"),
        "{}",
        stderr(&out)
    );
}
