//! A model folder as people have them: optimum-cli's (`model.onnx`, its weights perhaps in
//! `model.onnx_data`), optimum's older merged decoder (`decoder_model_merged.onnx`), or an
//! onnx-community / transformers.js repository (`onnx/model.onnx`, `onnx/model_fp16.onnx`, …,
//! with the tokenizer and configs one level up; `variant` picks one), or an onnxruntime-genai
//! model-builder folder (`genai_config.json`, read by `genai`). The graph is found here;
//! the configuration, tokenizer and chat template around it are read. Every problem names the
//! folder and the file.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tokenizers::Tokenizer;

use super::template::ChatTemplate;
use crate::chat::{Message, Tool};

/// What the decode loop needs to know about the model, read from its folder.
pub struct ModelFolder {
    pub dir: PathBuf,
    /// The graph the folder's layout (and `variant`) points to.
    pub graph: PathBuf,
    pub tokenizer: Tokenizer,
    pub shape: Shape,
    /// Token ids that end generation (generation_config.json and config.json together).
    pub eos_ids: Vec<u32>,
    template: ChatTemplate,
}

/// The KV cache's input and output names, `%d` standing for the layer.
pub struct CacheNames {
    pub past_key: String,
    pub past_value: String,
    pub present_key: String,
    pub present_value: String,
}

impl CacheNames {
    fn optimum() -> Self {
        Self {
            past_key: "past_key_values.%d.key".into(),
            past_value: "past_key_values.%d.value".into(),
            present_key: "present.%d.key".into(),
            present_value: "present.%d.value".into(),
        }
    }

    /// Layer `layer`'s (past input, present output) pairs, key then value.
    pub fn of_layer(&self, layer: usize) -> [(String, String); 2] {
        let at = |pattern: &str| pattern.replace("%d", &layer.to_string());
        [
            (at(&self.past_key), at(&self.present_key)),
            (at(&self.past_value), at(&self.present_value)),
        ]
    }
}

/// The model's shape, as config.json (or genai_config.json) gives it.
pub struct Shape {
    pub num_layers: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub max_positions: Option<usize>,
    /// A KV cache of this many positions that past and present share (genai's
    /// `past_present_share_buffer`); None: the cache grows with each step.
    pub kv_capacity: Option<usize>,
    pub cache: CacheNames,
    /// The file the shape was read from (config.json, or genai_config.json), for messages.
    pub config_file: &'static str,
}

impl Shape {
    fn of(config: &Json, dir: &Path) -> Result<Self, String> {
        let field = |name: &str| config.get(name).and_then(Json::as_u64).map(|v| v as usize);
        let config_err = |what: &str| format!("{}: config.json has no `{what}`", dir.display());
        let num_layers =
            field("num_hidden_layers").ok_or_else(|| config_err("num_hidden_layers"))?;
        let num_heads =
            field("num_attention_heads").ok_or_else(|| config_err("num_attention_heads"))?;
        let head_dim = match field("head_dim") {
            Some(d) => d,
            None => {
                field("hidden_size").ok_or_else(|| config_err("hidden_size"))? / num_heads.max(1)
            }
        };
        Ok(Self {
            num_layers,
            num_kv_heads: field("num_key_value_heads").unwrap_or(num_heads),
            head_dim,
            max_positions: field("max_position_embeddings"),
            kv_capacity: None,
            cache: CacheNames::optimum(),
            config_file: "config.json",
        })
    }
}

impl ModelFolder {
    pub fn open(dir: &Path) -> Result<Self, String> {
        Self::open_variant(dir, None)
    }

    /// The folder, its graph picked by `variant` (`fp16` → `model_fp16.onnx`).
    pub fn open_variant(dir: &Path, variant: Option<&str>) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!("model folder {} does not exist", dir.display()));
        }
        let optional = |name: &str| match dir.join(name) {
            p if p.is_file() => read_json(&p).map(Some),
            _ => Ok(None),
        };
        let (graph, shape, config, genai_eos) = match optional("genai_config.json")? {
            Some(genai) => {
                if let Some(v) = variant {
                    return Err(format!(
                        "{} is an onnxruntime-genai folder: its genai_config.json names the graph, so `variant: {v}` does not apply",
                        dir.display()
                    ));
                }
                let g = super::genai::read(dir, &genai)?;
                (g.graph, g.shape, None, g.eos_ids)
            }
            None => {
                let graph = graph_of(dir, variant)?;
                require(dir, &["tokenizer.json", "config.json"])?;
                let config = read_json(&dir.join("config.json"))?;
                let shape = Shape::of(&config, dir)?;
                (graph, shape, Some(config), Vec::new())
            }
        };
        require(dir, &["tokenizer.json"])?;
        let generation = optional("generation_config.json")?;
        let tokenizer_config = optional("tokenizer_config.json")?;
        let tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| format!("{}: cannot load tokenizer.json: {e}", dir.display()))?;
        let special = |name: &str| -> String {
            match tokenizer_config.as_ref().and_then(|c| c.get(name)) {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Object(o)) => o
                    .get("content")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
                _ => String::new(),
            }
        };
        let mut eos_ids = eos_ids(generation.iter().chain(config.iter()));
        eos_ids.extend(genai_eos);
        eos_ids.sort_unstable();
        eos_ids.dedup();
        if eos_ids.is_empty() {
            // Last resort: the tokenizer's own eos token.
            eos_ids.extend(tokenizer.token_to_id(&special("eos_token")));
        }
        let source = chat_template(dir, tokenizer_config.as_ref())?;
        let template = ChatTemplate::new(source, special("bos_token"), special("eos_token"))
            .map_err(|e| format!("{}: the chat template does not parse: {e}", dir.display()))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            graph,
            tokenizer,
            shape,
            eos_ids,
            template,
        })
    }

    /// The conversation rendered with the model's own chat template, ready for generation; the
    /// request's tools are given to the template as transformers gives them.
    pub fn render(&self, messages: &[Message], tools: &[Tool]) -> Result<String, String> {
        self.template
            .render(messages, tools, None)
            .map_err(|e| format!("{}: chat template failed: {e}", self.dir.display()))
    }

    /// Prompt token ids. Special tokens are not added: the chat template carries the markers.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| format!("tokenizer failed: {e}"))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| format!("detokenizer failed: {e}"))
    }

    /// The files whose content determines the outputs.
    pub fn files(&self) -> Vec<PathBuf> {
        // The graph's external weights: optimum and onnx write `<graph>_data` or `<graph>.data`.
        let graph = self.graph.to_string_lossy();
        let data = [format!("{graph}_data"), format!("{graph}.data")];
        let mut files: Vec<PathBuf> = std::iter::once(self.graph.clone())
            .chain(data.iter().map(PathBuf::from))
            .filter(|p| p.is_file())
            .collect();
        let names = [
            "tokenizer.json",
            "tokenizer_config.json",
            "config.json",
            "generation_config.json",
            "chat_template.jinja",
            "genai_config.json",
        ];
        files.extend(
            names
                .iter()
                .map(|n| self.dir.join(n))
                .filter(|p| p.is_file()),
        );
        files
    }
}

/// The files a folder must hold beside its graph.
fn require(dir: &Path, files: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "model folder {} is missing {} (expected beside the graph, or one level above an `onnx/` folder: tokenizer.json, config.json, generation_config.json, tokenizer_config.json)",
        dir.display(),
        missing.join(", ")
    ))
}

/// The graph a folder holds: `model[_VARIANT].onnx` or the merged decoder, beside the
/// configuration or in its `onnx/` folder. A folder it cannot use names what it has.
fn graph_of(dir: &Path, variant: Option<&str>) -> Result<PathBuf, String> {
    let suffix = variant.map(|v| format!("_{v}")).unwrap_or_default();
    let candidates = [
        format!("model{suffix}.onnx"),
        format!("onnx/model{suffix}.onnx"),
        format!("decoder_model_merged{suffix}.onnx"),
        format!("onnx/decoder_model_merged{suffix}.onnx"),
    ];
    if let Some(found) = candidates.iter().map(|c| dir.join(c)).find(|p| p.is_file()) {
        return Ok(found);
    }
    let mut available: Vec<String> = ["", "onnx/"]
        .iter()
        .flat_map(|sub| {
            let entries = std::fs::read_dir(dir.join(sub))
                .into_iter()
                .flatten()
                .flatten();
            entries.filter_map(move |e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".onnx").then(|| format!("{sub}{name}"))
            })
        })
        .collect();
    available.sort();
    let wanted = match variant {
        Some(v) => format!("no graph of variant `{v}` (model_{v}.onnx, onnx/model_{v}.onnx)"),
        None => "no model.onnx (nor onnx/model.onnx, decoder_model_merged.onnx)".into(),
    };
    Err(if available.is_empty() {
        format!("model folder {} has {wanted}", dir.display())
    } else {
        format!(
            "model folder {} has {wanted}; it has {}: pick one with `variant:` (`model_fp16.onnx` is variant `fp16`)",
            dir.display(),
            available.join(", ")
        )
    })
}

fn read_json(path: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: invalid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// The chat template: `chat_template.jinja`, else `chat_template` in tokenizer_config.json (a
/// string, or a list of named templates of which `default` is used).
fn chat_template(dir: &Path, tokenizer_config: Option<&Json>) -> Result<String, String> {
    let file = dir.join("chat_template.jinja");
    if file.is_file() {
        return std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()));
    }
    match tokenizer_config.and_then(|c| c.get("chat_template")) {
        Some(Json::String(s)) => Ok(s.clone()),
        Some(Json::Array(named)) => named
            .iter()
            .find(|t| t.get("name").and_then(Json::as_str) == Some("default"))
            .and_then(|t| t.get("template").and_then(Json::as_str))
            .map(str::to_owned)
            .ok_or_else(|| format!("{}: tokenizer_config.json has no `default` chat template", dir.display())),
        _ => Err(format!(
            "model folder {} has no chat template (neither chat_template.jinja nor `chat_template` in tokenizer_config.json)",
            dir.display()
        )),
    }
}

/// The token ids that end generation, from generation_config.json and config.json together.
fn eos_ids<'a>(sources: impl Iterator<Item = &'a Json>) -> Vec<u32> {
    let mut ids = Vec::new();
    for source in sources {
        match source.get("eos_token_id") {
            Some(Json::Number(n)) => ids.extend(n.as_u64().map(|v| v as u32)),
            Some(Json::Array(items)) => {
                ids.extend(items.iter().filter_map(Json::as_u64).map(|v| v as u32));
            }
            _ => {}
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}
