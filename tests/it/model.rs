//! The ONNX provider on the real SmolLM2 model: chat template, KV cache, greedy output, the Python
//! reference loop, and model folders that do not fit.

use std::process::Command;

use modelswap::chat::{ChatRequest, Message, Role, Sampling};
use modelswap::provider::onnx::{DecodeParams, Model, ModelFolder};

use crate::common::{model, repo};

fn user(text: &str) -> Vec<Message> {
    vec![Message::new(Role::User, text)]
}

fn greedy(max_tokens: u32) -> Sampling {
    Sampling {
        temperature: 0.0,
        top_p: None,
        max_tokens,
        seed: None,
        stop: Vec::new(),
    }
}

#[test]
fn chat_template_is_the_models_own_with_its_default_system_message() {
    let folder = ModelFolder::open(&model("smollm2-135m-instruct")).unwrap();
    assert_eq!(
        folder.render(&user("What is the capital of France?"), &[]).unwrap(),
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    );
    let with_system = vec![
        Message::new(Role::System, "Be brief."),
        Message::new(Role::User, "Hi"),
    ];
    assert_eq!(
        folder.render(&with_system, &[]).unwrap(),
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
}

#[test]
fn answers_the_capital_of_france_and_counts_tokens() {
    let m = Model::load(&model("smollm2-135m-instruct"), 2).unwrap();
    let request = ChatRequest::new(user("What is the capital of France?"), greedy(32));
    let c = m.complete(&request, Default::default()).unwrap();
    assert_eq!(c.text, "The capital of France is Paris.");
    assert_eq!(c.finish_reason, "stop");
    let prompt = m.folder.render(&request.messages, &request.tools).unwrap();
    assert_eq!(
        c.usage.input_tokens,
        m.folder.encode(&prompt).unwrap().len() as u64
    );
    assert_eq!(
        c.usage.output_tokens,
        m.folder.encode(&c.text).unwrap().len() as u64
    );
    assert!(c.ttft_ms > 0.0 && c.ttft_ms < c.total_ms);
}

#[test]
fn stop_strings_and_max_tokens_end_generation() {
    let m = Model::load(&model("smollm2-135m-instruct"), 2).unwrap();
    let mut sampling = greedy(32);
    sampling.stop = vec![" Paris".into()];
    let c = m
        .complete(
            &ChatRequest::new(user("What is the capital of France?"), sampling),
            Default::default(),
        )
        .unwrap();
    assert_eq!(c.text, "The capital of France is");
    assert_eq!(c.finish_reason, "stop");

    let c = m
        .complete(
            &ChatRequest::new(user("What is the capital of France?"), greedy(3)),
            Default::default(),
        )
        .unwrap();
    assert_eq!(c.usage.output_tokens, 3);
    assert_eq!(c.finish_reason, "length");
}

#[test]
fn kv_cache_decoding_equals_full_recomputation() {
    let m = Model::load(&model("smollm2-135m-instruct"), 2).unwrap();
    let prompt = m.folder.render(&user("Name three colours."), &[]).unwrap();
    let ids: Vec<i64> = m
        .folder
        .encode(&prompt)
        .unwrap()
        .into_iter()
        .map(i64::from)
        .collect();
    let argmax = |v: &[f32]| {
        v.iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0 as i64
    };

    // With the cache: prefill once, then one token per step.
    let mut past = m.decoder.empty_past(0).unwrap();
    let mut cached = Vec::new();
    let mut logits = m.decoder.step(&ids, 0, &mut past).unwrap();
    for past_len in ids.len()..ids.len() + 8 {
        let next = argmax(&logits);
        cached.push((next, logits.clone()));
        logits = m.decoder.step(&[next], past_len, &mut past).unwrap();
    }

    // Without: the whole sequence from scratch at every step.
    let mut seq = ids.clone();
    for (next, cached_logits) in &cached {
        let mut fresh = m.decoder.empty_past(0).unwrap();
        let full = m.decoder.step(&seq, 0, &mut fresh).unwrap();
        assert_eq!(argmax(&full), *next);
        let max_diff = full
            .iter()
            .zip(cached_logits)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_diff < 1e-3, "logits differ by {max_diff}");
        seq.push(*next);
    }
}

#[test]
fn greedy_tokens_equal_the_python_onnxruntime_loop() {
    let python = repo().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `make setup`",
        python.display()
    );
    let dir = model("smollm2-135m-instruct");
    let m = Model::load(&dir, 2).unwrap();
    for question in ["What is 12 plus 30?", "Write a haiku about the sea."] {
        let prompt = m.folder.render(&user(question), &[]).unwrap();
        let out = Command::new(&python)
            .arg(repo().join("scripts/reference_decode.py"))
            .arg(&dir)
            .args(["--prompt", &prompt, "--max-tokens", "24", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reference: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected: Vec<u64> = serde_json::from_value(reference["output_ids"].clone()).unwrap();

        let prompt_ids = m.folder.encode(&prompt).unwrap();
        let reference_prompt: Vec<u32> =
            serde_json::from_value(reference["prompt_ids"].clone()).unwrap();
        assert_eq!(prompt_ids, reference_prompt, "tokenization of {question:?}");
        let params = DecodeParams::greedy(24);
        let generation = m.generate(&prompt_ids, params.clone()).unwrap();
        let mut ours: Vec<u64> = generation.tokens.iter().map(|&t| u64::from(t)).collect();
        // The provider stops at the end-of-turn token without keeping it; the reference may keep it.
        if let Some(&last) = expected.last() {
            if m.folder.eos_ids.contains(&(last as u32)) && ours.len() < expected.len() {
                ours.push(last);
            }
        }
        assert_eq!(ours, expected, "{question}");
    }
}

fn copy_model(dir: &std::path::Path) {
    let src = model("smollm2-135m-instruct");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        // A symlink for the big file keeps the copy cheap.
        if entry.file_name() == "model.onnx" {
            std::os::unix::fs::symlink(entry.path(), dir.join("model.onnx")).unwrap();
        } else {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn model_folders_that_do_not_fit_are_named_and_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_model(dir);

    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let err = ModelFolder::open(dir).err().unwrap();
    assert!(
        err.contains(&dir.display().to_string()) && err.contains("missing tokenizer.json"),
        "{err}"
    );
    std::fs::copy(
        model("smollm2-135m-instruct").join("tokenizer.json"),
        dir.join("tokenizer.json"),
    )
    .unwrap();

    // config.json disagreeing with the graph: more layers than the model has.
    let config_path = dir.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["num_hidden_layers"] = 31.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let err = Model::load(dir, 1).err().unwrap();
    assert!(err.contains("config.json says 31 layers"), "{err}");
    assert!(err.contains("past_key_values.30.key"), "{err}");

    config["num_hidden_layers"] = 30.into();
    config["num_key_value_heads"] = 4.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let err = Model::load(dir, 1).err().unwrap();
    assert!(err.contains("implies [batch, 4, past, 64]"), "{err}");

    std::fs::write(&config_path, "{ not json").unwrap();
    let err = ModelFolder::open(dir).err().unwrap();
    assert!(err.contains("config.json:1:3: invalid JSON"), "{err}");
}

/// The set-up's int8 model is quantized so that it answers the same on every CPU
/// (scripts/quantize_int8.py): here, whatever this machine's instruction sets, it must answer the
/// capital question and, on the demo's cases that fp32 answers right, be right at least 60% of
/// the time (a `quantize_dynamic` int8 file once answered garbage, 0 of 20, on an AVX2-only EPYC). The question is asked as the demo asks it: under
/// the model's default system prompt fp32's own first token is a coin toss (scripts/check_model.py).
#[test]
fn the_int8_model_answers_right_on_this_cpu_and_keeps_most_of_fp32s_demo_answers() {
    let cpu = modelswap::host::Host::current().describe();
    let m = Model::load(&model("smollm2-135m-instruct-int8"), 2).unwrap();
    let messages = vec![
        Message::new(Role::System, "Answer in one short sentence."),
        Message::new(Role::User, "What is the capital of France?"),
    ];
    let request = ChatRequest::new(messages, greedy(16));
    let answer = m.complete(&request, Default::default()).unwrap().text;
    assert!(
        answer.contains("Paris"),
        "int8 on {cpu} answered {answer:?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let run = crate::common::modelswap(
        &[
            "run",
            repo().join("suites/demo.yaml").to_str().unwrap(),
            "--providers",
            "smollm2-fp32,smollm2-int8",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(run.status.success(), "{}", crate::common::stderr(&run));
    let records = modelswap::record::read_records(&out.join("records.jsonl")).unwrap();
    let passed = |provider: &str| -> std::collections::HashSet<String> {
        records
            .iter()
            .filter(|r| r.provider == provider && r.passed)
            .map(|r| r.case_id.clone())
            .collect()
    };
    let (fp32, int8) = (passed("smollm2-fp32"), passed("smollm2-int8"));
    let kept = fp32.intersection(&int8).count();
    assert!(
        fp32.len() >= 5,
        "fp32 answered only {fp32:?} right on {cpu}"
    );
    assert!(
        kept * 10 >= fp32.len() * 6,
        "int8 on {cpu} is right on {kept} of the {} demo cases fp32 answers right ({fp32:?}; int8: {int8:?})",
        fp32.len()
    );
}
