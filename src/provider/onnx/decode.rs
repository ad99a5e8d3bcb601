//! One forward pass of an optimum-style decoder over a batch of rows: new tokens in, each row's
//! last logits and the grown KV cache out (the prompt is never recomputed). The cache and the
//! logits are in the graph's own element type (float32, or float16 for fp16 exports); a merged
//! decoder's `use_cache_branch`, a graph without `position_ids` and a genai graph's shared cache
//! buffer (fed whole, `kv_capacity` positions, each step) are driven as they declare. Which rows
//! run together is `batch`'s business.

use std::borrow::Cow;
use std::sync::Mutex;

use ort::memory::MemoryInfo;
use ort::session::{builder::GraphOptimizationLevel, Session, SessionInputValue};
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};

use super::folder::ModelFolder;

/// A loaded session with the names of its inputs and outputs worked out once.
pub struct Decoder {
    /// `Session::run` needs `&mut`; the batch thread is its one user, tests call it directly.
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
    /// The attention takes each row's length (`batchable`).
    per_row_attention: bool,
}

/// One forward pass's inputs: `rows` rows of `ids.len() / rows` new tokens each, after the
/// cache's columns; `mask` is `[rows, cached + new]`, `positions` `[rows, new]`.
pub struct StepInputs<'a> {
    pub rows: usize,
    pub ids: &'a [i64],
    pub mask: &'a [i64],
    pub positions: &'a [i64],
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
        let per_row_attention = super::graph::op_types(path)?.contains("GroupQueryAttention");
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
            per_row_attention,
        })
    }

    /// Logits of the last position for `ids` (one row), given `past_len` cached positions;
    /// replaces `past` with the grown cache.
    pub fn step(
        &self,
        ids: &[i64],
        past_len: usize,
        past: &mut Vec<DynValue>,
    ) -> Result<Vec<f32>, String> {
        let total = past_len + ids.len();
        let positions: Vec<i64> = (past_len..total).map(|p| p as i64).collect();
        let inputs = StepInputs {
            rows: 1,
            ids,
            mask: &vec![1; total],
            positions: &positions,
        };
        let mut rows = self.run(&inputs, past)?;
        Ok(rows.pop().unwrap_or_default())
    }

    /// Each row's last-position logits for one forward pass; `past` becomes the cache after it
    /// (grown, or the same shared buffer with the new positions written).
    pub fn run(
        &self,
        step: &StepInputs,
        past: &mut Vec<DynValue>,
    ) -> Result<Vec<Vec<f32>>, String> {
        let (rows, seq) = (step.rows, step.ids.len() / step.rows.max(1));
        let total = step.mask.len() / rows.max(1);
        let tensor = |shape: [usize; 2], data: &[i64]| -> Result<DynValue, String> {
            Tensor::from_array((shape, data.to_vec()))
                .map(|t| t.into_dyn())
                .map_err(ort_err)
        };
        let mut inputs: Vec<(&str, DynValue)> = vec![
            ("input_ids", tensor([rows, seq], step.ids)?),
            ("attention_mask", tensor([rows, total], step.mask)?),
        ];
        if self.has_position_ids {
            inputs.push(("position_ids", tensor([rows, seq], step.positions)?));
        }
        if self.has_cache_branch {
            let cached = Tensor::from_array(([1], vec![total > seq])).map_err(ort_err)?;
            inputs.push(("use_cache_branch", cached.into_dyn()));
        }
        let mut session = self
            .session
            .lock()
            .map_err(|_| "the model's session was poisoned by an earlier panic".to_string())?;
        if self.per_row_attention {
            return self.run_shared(&mut session, inputs, past, rows, seq);
        }
        let mut feed: Vec<(Cow<'_, str>, SessionInputValue<'_>)> =
            Vec::with_capacity(past.len() + inputs.len());
        for (name, value) in &inputs {
            feed.push(((*name).into(), value.into()));
        }
        for (name, value) in self.past_inputs.iter().zip(past.iter()) {
            feed.push((name.as_str().into(), value.into()));
        }
        let mut outputs = session.run(feed).map_err(ort_err)?;
        let last = last_logits(&outputs["logits"], rows, seq)?;
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

    /// A `GroupQueryAttention` graph's step with each layer's past and present bound to one
    /// buffer (`empty_past`'s): the operator sees the same memory on both sides and writes the
    /// new positions in place, where a fresh present would cost a copy of the whole cache.
    fn run_shared(
        &self,
        session: &mut Session,
        inputs: Vec<(&str, DynValue)>,
        past: &mut [DynValue],
        rows: usize,
        seq: usize,
    ) -> Result<Vec<Vec<f32>>, String> {
        let mut binding = session.create_binding().map_err(ort_err)?;
        for (name, value) in &inputs {
            binding.bind_input(*name, value).map_err(ort_err)?;
        }
        for (name, value) in self.past_inputs.iter().zip(past.iter()) {
            binding.bind_input(name.as_str(), value).map_err(ort_err)?;
        }
        for (name, value) in self.present_outputs.iter().zip(past.iter_mut()) {
            binding.bind_output(name.as_str(), value).map_err(ort_err)?;
        }
        binding
            .bind_output_to_device("logits", &MemoryInfo::default())
            .map_err(ort_err)?;
        let outputs = session.run_binding(&binding).map_err(ort_err)?;
        last_logits(&outputs["logits"], rows, seq)
    }

    /// Whether rows of different lengths can share a forward pass exactly: the attention must
    /// read each row's own length (`GroupQueryAttention` takes it from `attention_mask`). Other
    /// graphs would need rows padded to a common length, which changes their sums in the last
    /// bits, and so the answers at near ties. `Err` says why not.
    pub fn batchable(&self) -> Result<(), &'static str> {
        if self.per_row_attention {
            Ok(())
        } else {
            Err(
                "the graph's attention has no per-row lengths (no GroupQueryAttention), so rows \
                 decoded together would need padding that changes their numbers; it decodes one \
                 case at a time (`modelswap convert` writes graphs that batch)",
            )
        }
    }

    /// The KV cache's element type.
    pub fn kv_type(&self) -> TensorElementType {
        self.kv_type
    }

    /// The caches for one case's prefill, in the graph's element type: empty for a cache that
    /// grows; for a `GroupQueryAttention` graph a buffer of zeros with room for `positions`
    /// (or the folder's fixed `kv_capacity`), which its steps then write in place.
    pub fn empty_past(&self, positions: usize) -> Result<Vec<DynValue>, String> {
        let columns = match (self.kv_capacity, self.per_row_attention) {
            (0, false) => 0,
            (0, true) => positions,
            (capacity, _) => capacity,
        };
        let shape = [1, self.num_kv_heads, columns, self.head_dim];
        (0..self.past_inputs.len())
            .map(|_| super::cache::zeros(shape, self.kv_type))
            .collect()
    }
}

fn ort_err(e: ort::Error) -> String {
    format!("ONNX Runtime failed: {e}")
}

/// Each row's last-position logits as f32, whether the graph gives float32 or float16, and
/// whether it gives every position's (`[rows, seq, vocab]`, as optimum exports do) or only the
/// last one's (`[rows, 1, vocab]`, as `modelswap convert` writes them).
fn last_logits(logits: &DynValue, rows: usize, seq: usize) -> Result<Vec<Vec<f32>>, String> {
    let layout = |shape: &[i64]| -> Result<(usize, usize), String> {
        let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
        match dims[..] {
            [b, s, vocab] if b == rows && (s == seq || s == 1) && vocab > 0 => Ok((s, vocab)),
            _ => Err(format!(
                "logits have shape {shape:?}, expected [{rows}, {seq}, vocab] or [{rows}, 1, vocab]"
            )),
        }
    };
    let pick_rows = |s: usize, vocab: usize| {
        (0..rows).map(move |r| (r * s + s - 1) * vocab..(r * s + s) * vocab)
    };
    if let Ok((shape, data)) = logits.try_extract_tensor::<half::f16>() {
        let (s, vocab) = layout(shape)?;
        return Ok(pick_rows(s, vocab)
            .map(|range| data[range].iter().map(|x| x.to_f32()).collect())
            .collect());
    }
    let (shape, data) = logits.try_extract_tensor::<f32>().map_err(ort_err)?;
    let (s, vocab) = layout(shape)?;
    Ok(pick_rows(s, vocab)
        .map(|range| data[range].to_vec())
        .collect())
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

    #[test]
    fn the_last_positions_logits_are_read_from_every_position_or_only_the_last() {
        // Needs ONNX Runtime's library, as every model test does (`make setup`).
        crate::provider::onnx::runtime::environment().unwrap();
        let all: Vec<f32> = (0..12).map(|x| x as f32).collect();
        let every = Tensor::from_array(([1usize, 3, 4], all))
            .unwrap()
            .into_dyn();
        assert_eq!(last_logits(&every, 1, 3).unwrap(), [[8.0, 9.0, 10.0, 11.0]]);
        let only_last = Tensor::from_array(([1usize, 1, 4], vec![1f32, 2.0, 3.0, 4.0]))
            .unwrap()
            .into_dyn();
        assert_eq!(
            last_logits(&only_last, 1, 3).unwrap(),
            [[1.0, 2.0, 3.0, 4.0]]
        );
        let wrong = Tensor::from_array(([1usize, 2, 4], vec![0f32; 8]))
            .unwrap()
            .into_dyn();
        let err = last_logits(&wrong, 1, 3).unwrap_err();
        assert!(
            err.contains("expected [1, 3, vocab] or [1, 1, vocab]"),
            "{err}"
        );
        // Two rows: each row's last position.
        let batch =
            Tensor::from_array(([2usize, 2, 2], (0..8).map(|x| x as f32).collect::<Vec<_>>()))
                .unwrap()
                .into_dyn();
        assert_eq!(last_logits(&batch, 2, 2).unwrap(), [[2.0, 3.0], [6.0, 7.0]]);
    }
}
