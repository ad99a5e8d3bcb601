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
    let config = Config { dir, json: config };
    for (side, usual) in KNOWN_NAMES {
        let declared = config.name(&format!("/model/decoder/{side}/{usual}"), usual)?;
        if declared != usual {
            return Err(format!(
                "{}: genai_config.json renames the graph's `{usual}` to `{declared}`, which modelswap does not drive",
                dir.display()
            ));
        }
    }
    let graph = dir.join(
        config
            .at("/model/decoder/filename")
            .and_then(Json::as_str)
            .ok_or_else(|| config.missing("/model/decoder/filename"))?,
    );
    if !graph.is_file() {
        return Err(format!(
            "{}: genai_config.json names the graph {}, which does not exist",
            dir.display(),
            graph.display()
        ));
    }
    let shared = config
        .at("/search/past_present_share_buffer")
        .and_then(Json::as_bool)
        == Some(true);
    let shape = Shape {
        num_layers: config.number("/model/decoder/num_hidden_layers")?,
        num_kv_heads: config.number("/model/decoder/num_key_value_heads")?,
        head_dim: config.number("/model/decoder/head_size")?,
        max_positions: config
            .at("/model/context_length")
            .and_then(Json::as_u64)
            .map(|v| v as usize),
        kv_capacity: if shared {
            Some(config.number("/search/max_length")?)
        } else {
            None
        },
        cache: config.cache_names()?,
        config_file: "genai_config.json",
    };
    Ok(Genai {
        graph,
        shape,
        eos_ids: config.eos_ids(),
    })
}

/// `genai_config.json`, read field by field, each error naming the folder and the field.
struct Config<'a> {
    dir: &'a Path,
    json: &'a Json,
}

impl Config<'_> {
    fn at(&self, pointer: &str) -> Option<&Json> {
        self.json.pointer(pointer)
    }

    fn missing(&self, pointer: &str) -> String {
        format!(
            "{}: genai_config.json has no `{}`",
            self.dir.display(),
            pointer.trim_start_matches('/').replace('/', ".")
        )
    }

    fn number(&self, pointer: &str) -> Result<usize, String> {
        self.at(pointer)
            .and_then(Json::as_u64)
            .map(|v| v as usize)
            .ok_or_else(|| self.missing(pointer))
    }

    /// A name the config may declare, `default` where it does not.
    fn name(&self, pointer: &str, default: &str) -> Result<String, String> {
        match self.at(pointer) {
            None => Ok(default.to_string()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!(
                "{}: genai_config.json `{pointer}` is not a string",
                self.dir.display()
            )),
        }
    }

    fn cache_names(&self) -> Result<CacheNames, String> {
        let (inputs, outputs) = ("/model/decoder/inputs", "/model/decoder/outputs");
        Ok(CacheNames {
            past_key: self.name(
                &format!("{inputs}/past_key_names"),
                "past_key_values.%d.key",
            )?,
            past_value: self.name(
                &format!("{inputs}/past_value_names"),
                "past_key_values.%d.value",
            )?,
            present_key: self.name(&format!("{outputs}/present_key_names"), "present.%d.key")?,
            present_value: self.name(
                &format!("{outputs}/present_value_names"),
                "present.%d.value",
            )?,
        })
    }

    /// One id or a list of them; none where the config says nothing.
    fn eos_ids(&self) -> Vec<u32> {
        match self.at("/model/eos_token_id") {
            Some(Json::Number(n)) => n.as_u64().map(|v| v as u32).into_iter().collect(),
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(Json::as_u64)
                .map(|v| v as u32)
                .collect(),
            _ => Vec::new(),
        }
    }
}
