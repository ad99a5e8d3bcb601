//! An onnxruntime-genai model-builder folder: `genai_config.json` names the graph and its inputs
//! and outputs, and gives the model's shape (there is no config.json). Its graph computes
//! attention with `GroupQueryAttention`, taking `seqlens_k` and `total_sequence_length` from
//! `attention_mask` inside the graph, so the decode loop drives it as an optimum graph without
//! `position_ids` — except that with `search.past_present_share_buffer` the cache is one buffer of
//! `search.max_length` positions that past and present share, which the loop then feeds whole.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::folder::{CacheNames, Shape};

pub(super) struct Genai {
    pub graph: PathBuf,
    pub shape: Shape,
    pub eos_ids: Vec<u32>,
}

/// The inputs and outputs besides the cache that the decode loop knows, under their usual names.
const KNOWN_NAMES: [(&str, &str); 4] = [
    ("inputs", "input_ids"),
    ("inputs", "attention_mask"),
    ("inputs", "position_ids"),
    ("outputs", "logits"),
];

pub(super) fn read(dir: &Path, config: &Json) -> Result<Genai, String> {
    let at = |pointer: &str| config.pointer(pointer);
    let missing = |pointer: &str| {
        format!(
            "{}: genai_config.json has no `{}`",
            dir.display(),
            pointer.trim_start_matches('/').replace('/', ".")
        )
    };
    let number = |pointer: &str| -> Result<usize, String> {
        at(pointer)
            .and_then(Json::as_u64)
            .map(|v| v as usize)
            .ok_or_else(|| missing(pointer))
    };
    let name = |pointer: &str, default: &str| -> Result<String, String> {
        match at(pointer) {
            None => Ok(default.to_string()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!(
                "{}: genai_config.json `{pointer}` is not a string",
                dir.display()
            )),
        }
    };
    for (side, usual) in KNOWN_NAMES {
        let declared = name(&format!("/model/decoder/{side}/{usual}"), usual)?;
        if declared != usual {
            return Err(format!(
                "{}: genai_config.json renames the graph's `{usual}` to `{declared}`, which modelswap does not drive",
                dir.display()
            ));
        }
    }
    let graph = dir.join(
        at("/model/decoder/filename")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("/model/decoder/filename"))?,
    );
    if !graph.is_file() {
        return Err(format!(
            "{}: genai_config.json names the graph {}, which does not exist",
            dir.display(),
            graph.display()
        ));
    }
    let shared = at("/search/past_present_share_buffer").and_then(Json::as_bool) == Some(true);
    let cache = CacheNames {
        past_key: name(
            "/model/decoder/inputs/past_key_names",
            "past_key_values.%d.key",
        )?,
        past_value: name(
            "/model/decoder/inputs/past_value_names",
            "past_key_values.%d.value",
        )?,
        present_key: name("/model/decoder/outputs/present_key_names", "present.%d.key")?,
        present_value: name(
            "/model/decoder/outputs/present_value_names",
            "present.%d.value",
        )?,
    };
    let shape = Shape {
        num_layers: number("/model/decoder/num_hidden_layers")?,
        num_kv_heads: number("/model/decoder/num_key_value_heads")?,
        head_dim: number("/model/decoder/head_size")?,
        max_positions: at("/model/context_length")
            .and_then(Json::as_u64)
            .map(|v| v as usize),
        kv_capacity: if shared {
            Some(number("/search/max_length")?)
        } else {
            None
        },
        cache,
        config_file: "genai_config.json",
    };
    let eos_ids = match at("/model/eos_token_id") {
        Some(Json::Number(n)) => n.as_u64().map(|v| v as u32).into_iter().collect(),
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(Json::as_u64)
            .map(|v| v as u32)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Genai {
        graph,
        shape,
        eos_ids,
    })
}
