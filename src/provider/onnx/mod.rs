//! `kind: onnx`: an open model run in-process through ONNX Runtime, from a folder in
//! optimum-cli's layout, with the model's own chat template and a KV-cached decode loop.

pub mod decode;
pub mod folder;
mod genai;
pub mod runtime;
pub mod template;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use decode::{DecodeParams, Decoder, Generation};
pub use folder::ModelFolder;

use super::{Completion, ErrorKind, Provider, ProviderError};
use crate::chat::{ChatRequest, Usage};
use crate::suite::{Problem, ProviderKind, SuiteSpec};

/// Every local model folder of the suite opens (configuration, tokenizer and chat template
/// read; the graph is loaded only by a run), each failure at the provider's `path`.
pub fn folder_problems(spec: &SuiteSpec, suite_dir: &Path) -> Vec<Problem> {
    let onnx = spec
        .providers
        .iter()
        .filter(|(_, p)| p.kind == ProviderKind::Onnx);
    onnx.filter_map(|(id, p)| {
        let dir = suite_dir.join(p.path.as_ref()?);
        let e = ModelFolder::open_variant(&dir, p.variant.as_deref()).err()?;
        Some(Problem {
            field: format!("providers.{id}.path"),
            message: e,
            help: Some("run `make setup` to install the bundled models, or fix the path (it is relative to the suite file)".into()),
        })
    })
    .collect()
}

pub struct OnnxProvider {
    model: Arc<Model>,
}

/// The folder and the loaded session, shared by the cases that run at once.
pub struct Model {
    pub folder: ModelFolder,
    pub decoder: Decoder,
}

impl Model {
    pub fn load(dir: &Path, threads: usize) -> Result<Self, String> {
        Self::load_variant(dir, None, threads)
    }

    /// The folder's graph picked by `variant` (`ModelFolder::open_variant`), loaded.
    pub fn load_variant(dir: &Path, variant: Option<&str>, threads: usize) -> Result<Self, String> {
        let folder = ModelFolder::open_variant(dir, variant)?;
        tracing::info!(graph = %folder.graph.display(), "local model");
        let decoder = Decoder::load(&folder, threads)?;
        Ok(Self { folder, decoder })
    }

    /// Renders, tokenizes and generates: the whole call, on the current (blocking) thread.
    pub fn complete(
        &self,
        request: &ChatRequest,
        stop_requested: &dyn Fn() -> bool,
    ) -> Result<Completion, String> {
        let prompt = self.folder.render(&request.messages, &request.tools)?;
        let ids = self.folder.encode(&prompt)?;
        let s = &request.sampling;
        let params = DecodeParams {
            max_tokens: s.max_tokens as usize,
            temperature: s.temperature,
            top_p: s.top_p,
            seed: s.seed,
            stop: &s.stop,
        };
        let generation = self
            .decoder
            .generate(&self.folder, &ids, &params, stop_requested)?;
        Ok(Completion {
            quota: None,
            text: generation.text,
            tool_calls: Vec::new(),
            finish_reason: generation.finish_reason,
            usage: Usage {
                input_tokens: ids.len() as u64,
                output_tokens: generation.tokens.len() as u64,
                cached_input_tokens: 0,
            },
            ttft_ms: generation.ttft.as_secs_f64() * 1e3,
            total_ms: generation.total.as_secs_f64() * 1e3,
            output_at_ms: (generation.token_at.iter())
                .map(|t| t.as_secs_f64() * 1e3)
                .collect(),
        })
    }
}

impl OnnxProvider {
    pub fn load(dir: &Path, variant: Option<&str>, threads: usize) -> Result<Self, String> {
        Ok(Self {
            model: Arc::new(Model::load_variant(dir, variant, threads)?),
        })
    }
}

/// Tells the blocking decode loop to give up when the call's future is dropped (Ctrl-C, a run
/// that stops early): a blocking thread cannot be aborted from outside.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[async_trait::async_trait]
impl Provider for OnnxProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancelled.clone());
        let model = self.model.clone();
        let request = request.clone();
        tokio::task::spawn_blocking(move || {
            model.complete(&request, &|| cancelled.load(Ordering::Relaxed))
        })
        .await
        .map_err(|e| {
            ProviderError::new(ErrorKind::Model, format!("the model's worker failed: {e}"))
        })?
        .map_err(|e| ProviderError::new(ErrorKind::Model, e))
    }

    fn model_files(&self) -> Vec<PathBuf> {
        self.model.folder.files()
    }
}
