//! `similarity`: cosine similarity of sentence embeddings from a local ONNX model in
//! sentence-transformers' layout (all-MiniLM-L6-v2 by default), each text embedded once per run.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use serde_json::Value;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::provider::onnx::{decode::open_session, runtime};

/// Texts per ONNX Runtime call.
const BATCH: usize = 32;
/// One thread: embeddings run beside local models whose latency is being measured.
const THREADS: usize = 1;

/// A sentence embedder: BERT-style encoder, mean pooling over the attention mask, L2 norm.
pub struct Embedder {
    dir: PathBuf,
    tokenizer: Tokenizer,
    /// `Session::run` needs `&mut`.
    session: Mutex<Session>,
    token_type_ids: bool,
    /// Embeddings by text, for the whole run.
    cache: Mutex<HashMap<String, Arc<[f32]>>>,
}

impl Embedder {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let at = |file: &str| dir.join(file);
        let read_json = |file: &str| -> Result<Option<Value>, String> {
            match std::fs::read_to_string(at(file)) {
                Ok(text) => serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| format!("{}: invalid JSON: {e}", at(file).display())),
                Err(_) => Ok(None),
            }
        };
        // sentence-transformers' own settings, where the folder has them.
        if let Some(pooling) = read_json("1_Pooling/config.json")? {
            if pooling.get("pooling_mode_mean_tokens") != Some(&Value::Bool(true)) {
                return Err(format!(
                    "{}: only mean pooling is supported (pooling_mode_mean_tokens: true)",
                    at("1_Pooling/config.json").display()
                ));
            }
        }
        let max_length = read_json("sentence_bert_config.json")?
            .and_then(|c| c.get("max_seq_length").and_then(Value::as_u64))
            .or(read_json("config.json")?
                .and_then(|c| c.get("max_position_embeddings").and_then(Value::as_u64)))
            .unwrap_or(512) as usize;

        let mut tokenizer = Tokenizer::from_file(at("tokenizer.json"))
            .map_err(|e| format!("{}: {e}", at("tokenizer.json").display()))?;
        let padding = PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..tokenizer.get_padding().cloned().unwrap_or_default()
        };
        tokenizer.with_padding(Some(padding));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length,
                ..Default::default()
            }))
            .map_err(|e| format!("{}: {e}", at("tokenizer.json").display()))?;

        let env = runtime::environment()?;
        let session = open_session(env, &at("model.onnx"), THREADS).map_err(|e| {
            format!(
                "{}: ONNX Runtime cannot load the model: {e}",
                at("model.onnx").display()
            )
        })?;
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
        let fits = ["input_ids", "attention_mask"]
            .iter()
            .all(|i| inputs.contains(i))
            && inputs
                .iter()
                .all(|i| matches!(*i, "input_ids" | "attention_mask" | "token_type_ids"))
            && outputs.contains(&"last_hidden_state");
        if !fits {
            return Err(format!(
                "{}: not a sentence encoder modelswap can run (inputs: {}; outputs: {}; expected \
                 input_ids, attention_mask, optionally token_type_ids -> last_hidden_state)",
                at("model.onnx").display(),
                inputs.join(", "),
                outputs.join(", ")
            ));
        }
        let token_type_ids = inputs.contains(&"token_type_ids");
        Ok(Self {
            dir: dir.to_path_buf(),
            tokenizer,
            session: Mutex::new(session),
            token_type_ids,
            cache: Mutex::default(),
        })
    }

    /// Embeds the texts not seen before in this run, `BATCH` at a time. Blocking.
    pub fn embed_all(&self, texts: &[&str]) -> Result<(), String> {
        let mut missing: Vec<&str> = {
            let cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            texts
                .iter()
                .copied()
                .filter(|t| !cache.contains_key(*t))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        for batch in missing.chunks(BATCH) {
            let vectors = self.run(batch)?;
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (text, v) in batch.iter().zip(vectors) {
                cache.insert((*text).to_string(), v.into());
            }
        }
        Ok(())
    }

    /// Cosine similarity of two texts' embeddings. Blocking.
    pub fn cosine(&self, a: &str, b: &str) -> Result<f64, String> {
        self.embed_all(&[a, b])?;
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (a, b) = (&cache[a], &cache[b]);
        Ok(a.iter().zip(b.iter()).map(|(x, y)| f64::from(x * y)).sum())
    }

    /// One ONNX Runtime call: mean-pooled, L2-normalised embeddings of `texts`.
    fn run(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let fail = |e: String| format!("{}: embedding failed: {e}", self.dir.display());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| fail(e.to_string()))?;
        let (batch, len) = (encodings.len(), encodings[0].len());
        let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<i64> {
            encodings
                .iter()
                .flat_map(|e| f(e).iter().map(|&v| i64::from(v)))
                .collect()
        };
        let mask = flat(&|e| e.get_attention_mask());
        let tensor = |data: Vec<i64>| {
            Tensor::from_array(([batch, len], data))
                .map(SessionInputValue::from)
                .map_err(|e| fail(e.to_string()))
        };
        let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
            ("input_ids".into(), tensor(flat(&|e| e.get_ids()))?),
            ("attention_mask".into(), tensor(mask.clone())?),
        ];
        if self.token_type_ids {
            inputs.push((
                "token_type_ids".into(),
                tensor(flat(&|e| e.get_type_ids()))?,
            ));
        }
        let mut session = self
            .session
            .lock()
            .map_err(|_| fail("the session was poisoned by an earlier panic".into()))?;
        let outputs = session.run(inputs).map_err(|e| fail(e.to_string()))?;
        let (shape, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .map_err(|e| fail(e.to_string()))?;
        let dim = *shape.last().unwrap_or(&0) as usize;
        if shape.len() != 3 || hidden.len() != batch * len * dim {
            return Err(fail(format!(
                "last_hidden_state has shape {shape:?}, expected [{batch}, {len}, hidden]"
            )));
        }
        Ok((0..batch)
            .map(|b| {
                let mut sum = vec![0f32; dim];
                let mut count = 0f32;
                for t in 0..len {
                    if mask[b * len + t] == 0 {
                        continue;
                    }
                    count += 1.0;
                    let row = &hidden[(b * len + t) * dim..(b * len + t + 1) * dim];
                    sum.iter_mut().zip(row).for_each(|(s, h)| *s += h);
                }
                // sentence-transformers clamps the token count at 1e-9 and the norm at 1e-12.
                let mean: Vec<f32> = sum.iter().map(|s| s / count.max(1e-9)).collect();
                let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                mean.iter().map(|v| v / norm).collect()
            })
            .collect())
    }
}
