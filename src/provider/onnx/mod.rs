//! `kind: onnx`: an open model run in-process through ONNX Runtime, from a folder in
//! optimum-cli's layout, with the model's own chat template and a KV-cached decode loop that
//! batches the cases in flight (`batch`).

mod batch;
mod cache;
pub mod decode;
pub mod folder;
mod genai;
mod graph;
pub mod runtime;
mod sampling;
pub mod template;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use batch::Batcher;
pub use batch::Generation;
pub use decode::Decoder;
pub use folder::ModelFolder;
pub use sampling::DecodeParams;

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

/// How a local model runs: ONNX Runtime's intra-op threads, and the most cases decoded together
/// in one forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub threads: usize,
    pub batch: usize,
}

impl Default for Settings {
    /// Both cores; up to 8 cases per step (they batch only when `concurrency` lets several be
    /// in flight).
    fn default() -> Self {
        Self {
            threads: 2,
            batch: 8,
        }
    }
}

/// The folder and the loaded session, shared by the cases that run at once through the
/// model's batching thread.
pub struct Model {
    pub folder: Arc<ModelFolder>,
    pub decoder: Arc<Decoder>,
    batcher: Batcher,
    engine: crate::record::LocalEngine,
}

impl Model {
    pub fn load(dir: &Path, threads: usize) -> Result<Self, String> {
        let settings = Settings {
            threads,
            ..Settings::default()
        };
        Self::load_variant(dir, None, settings)
    }

    /// The folder's graph picked by `variant` (`ModelFolder::open_variant`), loaded. A graph
    /// that cannot batch (`Decoder::batchable`) decodes one case at a time.
    pub fn load_variant(
        dir: &Path,
        variant: Option<&str>,
        settings: Settings,
    ) -> Result<Self, String> {
        let folder = Arc::new(ModelFolder::open_variant(dir, variant)?);
        tracing::info!(graph = %folder.graph.display(), "local model");
        let decoder = Arc::new(Decoder::load(&folder, settings.threads)?);
        let (batch, batch_note) = match decoder.batchable() {
            Ok(()) => (settings.batch.max(1), None),
            Err(why) => (1, Some(why.to_string())),
        };
        let batcher = Batcher::start(folder.clone(), decoder.clone(), batch)?;
        let engine = crate::record::LocalEngine {
            threads: settings.threads,
            batch,
            batch_note,
        };
        Ok(Self {
            folder,
            decoder,
            batcher,
            engine,
        })
    }

    /// Decode steps run and the rows they carried since loading (prefills not counted).
    pub fn step_counts(&self) -> (u64, u64) {
        self.batcher.counts()
    }

    /// How this model runs, as `run.json` records it.
    pub fn engine(&self) -> &crate::record::LocalEngine {
        &self.engine
    }

    /// Generates from `prompt` through the batching thread, blocking until done.
    pub fn generate(&self, prompt: &[u32], params: DecodeParams) -> Result<Generation, String> {
        let never = Arc::new(AtomicBool::new(false));
        self.batcher.generate(prompt.to_vec(), params, never)
    }

    /// Renders, tokenizes and generates: the whole call, on the current (blocking) thread.
    /// Setting `cancel` abandons it at the next step.
    pub fn complete(
        &self,
        request: &ChatRequest,
        cancel: Arc<AtomicBool>,
    ) -> Result<Completion, String> {
        let prompt = self.folder.render(&request.messages, &request.tools)?;
        let ids = self.folder.encode(&prompt)?;
        let s = &request.sampling;
        let params = DecodeParams {
            max_tokens: s.max_tokens as usize,
            temperature: s.temperature,
            top_p: s.top_p,
            seed: s.seed,
            stop: s.stop.clone(),
        };
        let input_tokens = ids.len() as u64;
        let generation = self.batcher.generate(ids, params, cancel)?;
        Ok(Completion {
            quota: None,
            text: generation.text,
            tool_calls: Vec::new(),
            finish_reason: generation.finish_reason,
            usage: Usage {
                input_tokens,
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
    pub fn load(dir: &Path, variant: Option<&str>, settings: Settings) -> Result<Self, String> {
        Ok(Self {
            model: Arc::new(Model::load_variant(dir, variant, settings)?),
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
        tokio::task::spawn_blocking(move || model.complete(&request, cancelled))
            .await
            .map_err(|e| {
                ProviderError::new(ErrorKind::Model, format!("the model's worker failed: {e}"))
            })?
            .map_err(|e| ProviderError::new(ErrorKind::Model, e))
    }

    fn model_files(&self) -> Vec<PathBuf> {
        self.model.folder.files()
    }

    fn local_engine(&self) -> Option<crate::record::LocalEngine> {
        Some(self.model.engine().clone())
    }
}
