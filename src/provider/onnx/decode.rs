//! The decode loop over an optimum-style decoder: prefill once, then one token per step with the
//! KV cache carried from step to step (the prompt is never recomputed). The cache and the logits
//! are in the graph's own element type (float32, or float16 for fp16 exports); a merged decoder's
//! `use_cache_branch`, a graph without `position_ids` and a genai graph's shared cache buffer
//! (fed whole, `kv_capacity` positions, each step) are driven as they declare.

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ort::session::{builder::GraphOptimizationLevel, Session, SessionInputValue};
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::folder::ModelFolder;
use crate::chat::FinishReason;

/// A loaded session with the names of its inputs and outputs worked out once.
pub struct Decoder {
    /// `Session::run` needs `&mut`; cases running at once share the model and take turns per step.
    session: Mutex<Session>,
    has_position_ids: bool,
    has_cache_branch: bool,
    past_inputs: Vec<String>,
    present_outputs: Vec<String>,
    num_kv_heads: usize,
    head_dim: usize,
    /// The positions of a cache buffer past and present share (0: a cache that grows).
    kv_capacity: usize,
    /// The KV cache's element type (float32 or float16), as the graph declares it.
    kv_type: TensorElementType,
}

/// How to pick tokens and when to stop.
pub struct DecodeParams<'a> {
    pub max_tokens: usize,
    pub temperature: f32,
    pub top_p: Option<f32>,
    pub seed: Option<u64>,
    pub stop: &'a [String],
}

impl DecodeParams<'_> {
    /// Greedy decoding of up to `max_tokens` tokens, no stop strings: how the parity checks and
    /// benchmarks decode.
    pub fn greedy(max_tokens: usize) -> DecodeParams<'static> {
        DecodeParams {
            max_tokens,
            temperature: 0.0,
            top_p: None,
            seed: None,
            stop: &[],
        }
    }
}

pub struct Generation {
    pub tokens: Vec<u32>,
    pub text: String,
    pub finish_reason: FinishReason,
    pub ttft: Duration,
    pub total: Duration,
    /// When each token was produced, from the start.
    pub token_at: Vec<Duration>,
}

impl Decoder {
    pub fn load(folder: &ModelFolder, threads: usize) -> Result<Self, String> {
        let env = super::runtime::environment()?;
        let path = &folder.graph;
        let session = open_session(env, path, threads).map_err(|e| {
            format!(
                "{}: ONNX Runtime cannot load the model: {e}",
                path.display()
            )
        })?;
        let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        let outputs: Vec<&str> = session.outputs().iter().map(|o| o.name()).collect();
        let mismatch = |what: String| {
            format!(
                "{}: {what} (inputs: {}; outputs: {})",
                path.display(),
                inputs.join(", "),
                outputs.join(", ")
            )
        };

        for required in ["input_ids", "attention_mask"] {
            if !inputs.contains(&required) {
                return Err(mismatch(format!("the model has no `{required}` input")));
            }
        }
        if !outputs.contains(&"logits") {
            return Err(mismatch("the model has no `logits` output".into()));
        }
        let (past_inputs, present_outputs) =
            cache_names(folder, &inputs, &outputs).map_err(&mismatch)?;
        let known = |name: &str| {
            matches!(
                name,
                "input_ids" | "attention_mask" | "position_ids" | "use_cache_branch"
            ) || past_inputs.iter().any(|p| p == name)
        };
        if let Some(extra) = inputs.iter().find(|n| !known(n)) {
            return Err(mismatch(format!(
                "the model needs an input modelswap cannot supply: `{extra}`"
            )));
        }
        let kv_type = check_input_types(&session, folder, &past_inputs).map_err(&mismatch)?;
        let has_position_ids = inputs.contains(&"position_ids");
        let has_cache_branch = inputs.contains(&"use_cache_branch");
        Ok(Self {
            session: Mutex::new(session),
            has_position_ids,
            has_cache_branch,
            past_inputs,
            present_outputs,
            num_kv_heads: folder.shape.num_kv_heads,
            head_dim: folder.shape.head_dim,
            kv_capacity: folder.shape.kv_capacity.unwrap_or(0),
            kv_type,
        })
    }

    /// Generates from `prompt` until an eos id, a stop string, `max_tokens` or the context limit.
    /// `stop_requested` lets the caller abandon the generation between steps.
    pub fn generate(
        &self,
        folder: &ModelFolder,
        prompt: &[u32],
        params: &DecodeParams,
        stop_requested: &dyn Fn() -> bool,
    ) -> Result<Generation, String> {
        let start = Instant::now();
        let mut rng = match params.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let limit = (folder.shape.max_positions.into_iter())
            .chain(folder.shape.kv_capacity)
            .min()
            .unwrap_or(usize::MAX);
        if prompt.is_empty() {
            return Err("the rendered prompt has no tokens".into());
        }
        if prompt.len() >= limit {
            return Err(format!(
                "the prompt has {} tokens; the model's context is {limit}",
                prompt.len()
            ));
        }
        let mut past = self.empty_past()?;
        let mut step_ids: Vec<i64> = prompt.iter().map(|&t| t as i64).collect();
        let mut past_len = 0usize;
        let mut tokens: Vec<u32> = Vec::new();
        let mut ttft = None;
        let mut token_at = Vec::new();
        let mut finish_reason = FinishReason::Length;
        let mut text = None;

        while tokens.len() < params.max_tokens {
            if stop_requested() {
                return Err("cancelled".into());
            }
            let logits = self.step(&step_ids, past_len, &mut past)?;
            past_len += step_ids.len();
            let next = pick(&logits, params, &mut rng);
            ttft.get_or_insert_with(|| start.elapsed());
            if folder.eos_ids.contains(&next) {
                finish_reason = FinishReason::Stop;
                break;
            }
            tokens.push(next);
            token_at.push(start.elapsed());
            if !params.stop.is_empty() {
                let so_far = folder.decode(&tokens)?;
                if let Some(cut) = params
                    .stop
                    .iter()
                    .filter_map(|s| so_far.find(s.as_str()))
                    .min()
                {
                    text = Some(so_far[..cut].to_string());
                    finish_reason = FinishReason::Stop;
                    break;
                }
            }
            if past_len + 1 >= limit {
                break;
            }
            step_ids = vec![next as i64];
        }
        let text = match text {
            Some(t) => t,
            None => folder.decode(&tokens)?,
        };
        let total = start.elapsed();
        Ok(Generation {
            tokens,
            text,
            finish_reason,
            ttft: ttft.unwrap_or(total),
            total,
            token_at,
        })
    }

    /// Logits of the last position for `ids`, given `past_len` cached positions; replaces `past`
    /// with the grown cache.
    pub fn step(
        &self,
        ids: &[i64],
        past_len: usize,
        past: &mut Vec<DynValue>,
    ) -> Result<Vec<f32>, String> {
        let seq = ids.len();
        let ort_err = |e: ort::Error| format!("ONNX Runtime failed: {e}");
        let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> =
            Vec::with_capacity(past.len() + 4);
        inputs.push((
            "input_ids".into(),
            Tensor::from_array(([1, seq], ids.to_vec()))
                .map_err(ort_err)?
                .into(),
        ));
        inputs.push((
            "attention_mask".into(),
            Tensor::from_array(([1, past_len + seq], vec![1i64; past_len + seq]))
                .map_err(ort_err)?
                .into(),
        ));
        if self.has_position_ids {
            let positions: Vec<i64> = (past_len..past_len + seq).map(|p| p as i64).collect();
            inputs.push((
                "position_ids".into(),
                Tensor::from_array(([1, seq], positions))
                    .map_err(ort_err)?
                    .into(),
            ));
        }
        if self.has_cache_branch {
            inputs.push((
                "use_cache_branch".into(),
                Tensor::from_array(([1], vec![past_len > 0]))
                    .map_err(ort_err)?
                    .into(),
            ));
        }
        for (name, value) in self.past_inputs.iter().zip(past.iter()) {
            inputs.push((name.as_str().into(), value.into()));
        }

        let mut session = self
            .session
            .lock()
            .map_err(|_| "the model's session was poisoned by an earlier panic".to_string())?;
        let mut outputs = session.run(inputs).map_err(ort_err)?;
        let last = last_logits(&outputs["logits"], seq)?;
        let mut grown = Vec::with_capacity(self.present_outputs.len());
        for name in &self.present_outputs {
            grown.push(
                outputs
                    .remove(name)
                    .ok_or_else(|| format!("the model returned no `{name}`"))?,
            );
        }
        *past = grown;
        Ok(last)
    }

    /// The caches for the prefill, in the graph's element type: empty, or a shared buffer of
    /// zeros.
    pub fn empty_past(&self) -> Result<Vec<DynValue>, String> {
        let shape = [1, self.num_kv_heads, self.kv_capacity, self.head_dim];
        let len = self.num_kv_heads * self.kv_capacity * self.head_dim;
        (0..self.past_inputs.len())
            .map(|_| {
                let t = match self.kv_type {
                    TensorElementType::Float16 => {
                        Tensor::from_array((shape, vec![half::f16::ZERO; len]))
                            .map(|t| t.into_dyn())
                    }
                    _ => Tensor::from_array((shape, vec![0f32; len])).map(|t| t.into_dyn()),
                };
                t.map_err(|e| format!("ONNX Runtime failed: {e}"))
            })
            .collect()
    }
}

/// The last position's logits as f32, whether the graph gives float32 or float16, and whether it
/// gives every position's (`[1, seq, vocab]`, as optimum exports do) or only the last one's
/// (`[1, 1, vocab]`, as `modelswap convert` writes them).
fn last_logits(logits: &DynValue, seq: usize) -> Result<Vec<f32>, String> {
    let ort_err = |e: ort::Error| format!("ONNX Runtime failed: {e}");
    let slice = |shape: &[i64], len: usize| -> Result<std::ops::Range<usize>, String> {
        let vocab = *shape.last().ok_or("logits have no dimensions")? as usize;
        let positions = len.checked_div(vocab).unwrap_or(0);
        if vocab == 0 || len % vocab != 0 || (positions != seq && positions != 1) {
            return Err(format!(
                "logits have shape {shape:?}, expected [1, {seq}, vocab] or [1, 1, vocab]"
            ));
        }
        Ok(len - vocab..len)
    };
    if let Ok((shape, data)) = logits.try_extract_tensor::<half::f16>() {
        let range = slice(shape, data.len())?;
        return Ok(data[range].iter().map(|x| x.to_f32()).collect());
    }
    let (shape, data) = logits.try_extract_tensor::<f32>().map_err(ort_err)?;
    let range = slice(shape, data.len())?;
    Ok(data[range].to_vec())
}

/// A session with the project's options: all graph optimisations, `threads` intra-op threads.
pub(crate) fn open_session(
    env: &ort::environment::Environment,
    path: &std::path::Path,
    threads: usize,
) -> Result<Session, String> {
    let msg = |e: ort::Error<ort::session::builder::SessionBuilder>| e.message().to_string();
    Session::builder(env)
        .map_err(|e| e.message().to_string())?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(msg)?
        .with_intra_threads(threads)
        .map_err(msg)?
        .with_inter_threads(1)
        .map_err(msg)?
        .commit_from_file(path)
        .map_err(|e| e.message().to_string())
}

/// Greedy at temperature 0 (the first maximum, as numpy's argmax); otherwise temperature and
/// nucleus (top-p) sampling.
fn pick(logits: &[f32], params: &DecodeParams, rng: &mut StdRng) -> u32 {
    if params.temperature <= 0.0 {
        return argmax(logits) as u32;
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut probs: Vec<(usize, f32)> = logits
        .iter()
        .enumerate()
        .map(|(i, &l)| (i, ((l - max) / params.temperature).exp()))
        .collect();
    let sum: f32 = probs.iter().map(|p| p.1).sum();
    probs.iter_mut().for_each(|p| p.1 /= sum);
    let top_p = params.top_p.unwrap_or(1.0);
    if top_p < 1.0 {
        probs.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        let mut cumulative = 0.0;
        let keep = probs
            .iter()
            .position(|p| {
                cumulative += p.1;
                cumulative >= top_p
            })
            .map_or(probs.len(), |i| i + 1);
        probs.truncate(keep);
    }
    let total: f32 = probs.iter().map(|p| p.1).sum();
    let mut target = rng.random::<f32>() * total;
    for &(i, p) in &probs {
        if target < p {
            return i as u32;
        }
        target -= p;
    }
    probs.last().map_or(0, |p| p.0 as u32)
}

fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// The KV cache's input and output names, layer by layer, as the graph must declare them.
fn cache_names(
    folder: &ModelFolder,
    inputs: &[&str],
    outputs: &[&str],
) -> Result<(Vec<String>, Vec<String>), String> {
    let (mut past_inputs, mut present_outputs) = (Vec::new(), Vec::new());
    for layer in 0..folder.shape.num_layers {
        for (input, output) in folder.shape.cache.of_layer(layer) {
            if !inputs.contains(&input.as_str()) || !outputs.contains(&output.as_str()) {
                return Err(format!(
                    "{} says {} layers but the model has no `{input}` input / `{output}` output \
                     (export it with a KV cache: optimum-cli's text-generation-with-past task)",
                    folder.shape.config_file, folder.shape.num_layers
                ));
            }
            past_inputs.push(input);
            present_outputs.push(output);
        }
    }
    Ok((past_inputs, present_outputs))
}

/// Each input's element type, and the KV cache's shape against config.json; the cache's element
/// type (float32 or float16, the same for every layer).
fn check_input_types(
    session: &Session,
    folder: &ModelFolder,
    past_inputs: &[String],
) -> Result<TensorElementType, String> {
    let mut kv_type = None;
    for outlet in session.inputs() {
        let ValueType::Tensor { ty, shape, .. } = outlet.dtype() else {
            continue;
        };
        let past = past_inputs.iter().any(|p| p == outlet.name());
        let expected_ty = if past {
            let first = *kv_type.get_or_insert(*ty);
            if !matches!(ty, TensorElementType::Float32 | TensorElementType::Float16) {
                return Err(format!(
                    "input `{}` is {ty:?}: modelswap drives float32 and float16 KV caches",
                    outlet.name()
                ));
            }
            first
        } else if outlet.name() == "use_cache_branch" {
            TensorElementType::Bool
        } else {
            TensorElementType::Int64
        };
        if *ty != expected_ty {
            return Err(format!(
                "input `{}` is {ty:?}, expected {expected_ty:?}",
                outlet.name()
            ));
        }
        let dims: Vec<i64> = shape.iter().copied().collect();
        let fixed_ok =
            |i: usize, want: usize| dims.get(i).is_none_or(|&d| d < 0 || d as usize == want);
        if past
            && (dims.len() != 4
                || !fixed_ok(1, folder.shape.num_kv_heads)
                || !fixed_ok(3, folder.shape.head_dim))
        {
            return Err(format!(
                "input `{}` has shape {dims:?}, but {} implies [batch, {}, past, {}]",
                outlet.name(),
                folder.shape.config_file,
                folder.shape.num_kv_heads,
                folder.shape.head_dim
            ));
        }
    }
    Ok(kv_type.unwrap_or(TensorElementType::Float32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(temperature: f32, top_p: Option<f32>) -> DecodeParams<'static> {
        DecodeParams {
            max_tokens: 1,
            temperature,
            top_p,
            seed: Some(1),
            stop: &[],
        }
    }

    #[test]
    fn the_last_positions_logits_are_read_from_every_position_or_only_the_last() {
        // Needs ONNX Runtime's library, as every model test does (`make setup`).
        crate::provider::onnx::runtime::environment().unwrap();
        let all: Vec<f32> = (0..12).map(|x| x as f32).collect();
        let every = Tensor::from_array(([1usize, 3, 4], all))
            .unwrap()
            .into_dyn();
        assert_eq!(last_logits(&every, 3).unwrap(), [8.0, 9.0, 10.0, 11.0]);
        let only_last = Tensor::from_array(([1usize, 1, 4], vec![1f32, 2.0, 3.0, 4.0]))
            .unwrap()
            .into_dyn();
        assert_eq!(last_logits(&only_last, 3).unwrap(), [1.0, 2.0, 3.0, 4.0]);
        let wrong = Tensor::from_array(([1usize, 2, 4], vec![0f32; 8]))
            .unwrap()
            .into_dyn();
        let err = last_logits(&wrong, 3).unwrap_err();
        assert!(
            err.contains("expected [1, 3, vocab] or [1, 1, vocab]"),
            "{err}"
        );
    }

    #[test]
    fn greedy_takes_the_first_maximum() {
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(
            pick(&[0.1, 3.0, 3.0, -1.0], &params(0.0, None), &mut rng),
            1
        );
    }

    #[test]
    fn tiny_top_p_keeps_only_the_most_likely_token() {
        let mut rng = StdRng::seed_from_u64(0);
        for _ in 0..50 {
            assert_eq!(
                pick(&[0.0, 5.0, 1.0], &params(1.0, Some(0.01)), &mut rng),
                1
            );
        }
    }

    #[test]
    fn sampling_is_reproducible_with_a_seed_and_spreads_without_top_p() {
        let logits = [1.0, 1.0, 1.0, 1.0];
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..64)
                .map(|_| pick(&logits, &params(1.0, None), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let seen: std::collections::HashSet<_> = draw(7).into_iter().collect();
        assert_eq!(seen.len(), 4);
    }
}
