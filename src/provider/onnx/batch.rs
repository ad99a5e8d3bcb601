//! Continuous batching: one thread per loaded model runs every case's decode. A case joins the
//! batch at a step boundary (its prompt prefilled on its own, its cache copied in as a new row)
//! and leaves it as soon as it finishes, so a long case never holds up a short one, and the cases
//! in flight share each step's pass over the weights.
//!
//! Only graphs whose attention takes each row's own length batch (`Decoder::batchable`): rows are
//! left-aligned in the cache, `attention_mask` gives each row's length, and the attention reads
//! just that many positions, so a row computes exactly what it computes alone (padding a row for
//! a shared mask would change its sums in the last bits and flip near-tie tokens). A case's
//! times run from its submission: the steps it shared and the prefills of cases that joined
//! meanwhile are in them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use ort::value::DynValue;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::cache::{self, RowSource};
use super::decode::{Decoder, StepInputs};
use super::folder::ModelFolder;
use super::sampling::{pick, DecodeParams};
use crate::chat::FinishReason;

pub struct Generation {
    pub tokens: Vec<u32>,
    pub text: String,
    pub finish_reason: FinishReason,
    pub ttft: Duration,
    pub total: Duration,
    /// When each token was produced, from the submission.
    pub token_at: Vec<Duration>,
}

type Reply = mpsc::SyncSender<Result<Generation, String>>;

/// A case waiting to join the batch.
struct Request {
    prompt: Vec<u32>,
    params: DecodeParams,
    cancel: Arc<AtomicBool>,
    submitted: Instant,
    reply: Reply,
}

/// The handle callers submit through; the thread ends when it is dropped.
pub struct Batcher {
    queue: mpsc::Sender<Request>,
    counts: Arc<StepCounts>,
}

/// Decode steps run and the rows they carried, since the model was loaded: their ratio is how
/// full the batch ran.
#[derive(Debug, Default)]
struct StepCounts {
    steps: AtomicU64,
    rows: AtomicU64,
}

impl Batcher {
    /// Starts the model's thread, decoding up to `max_batch` cases in one forward pass.
    pub fn start(
        folder: Arc<ModelFolder>,
        decoder: Arc<Decoder>,
        max_batch: usize,
    ) -> Result<Self, String> {
        let (queue, requests) = mpsc::channel();
        let limit = (folder.shape.max_positions.into_iter())
            .chain(folder.shape.kv_capacity)
            .min()
            .unwrap_or(usize::MAX);
        let counts = Arc::new(StepCounts::default());
        let engine = Engine {
            folder,
            decoder,
            max_batch: max_batch.max(1),
            limit,
            counts: counts.clone(),
        };
        std::thread::Builder::new()
            .name("modelswap-decode".into())
            .spawn(move || engine.serve(&requests))
            .map_err(|e| format!("cannot start the model's thread: {e}"))?;
        Ok(Self { queue, counts })
    }

    /// Steps run and rows carried so far.
    pub fn counts(&self) -> (u64, u64) {
        let c = &self.counts;
        (
            c.steps.load(Ordering::Relaxed),
            c.rows.load(Ordering::Relaxed),
        )
    }

    /// Generates from `prompt` until an eos id, a stop string, `max_tokens` or the context
    /// limit, blocking until done. Setting `cancel` abandons the case at the next step.
    pub fn generate(
        &self,
        prompt: Vec<u32>,
        params: DecodeParams,
        cancel: Arc<AtomicBool>,
    ) -> Result<Generation, String> {
        let (reply, answer) = mpsc::sync_channel(1);
        let request = Request {
            prompt,
            params,
            cancel,
            submitted: Instant::now(),
            reply,
        };
        let stopped = || "the model's thread has stopped".to_string();
        self.queue.send(request).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

/// What the thread owns: the model and how far a case may go.
struct Engine {
    folder: Arc<ModelFolder>,
    decoder: Arc<Decoder>,
    max_batch: usize,
    /// Positions a case may reach: the model's context, or its shared cache buffer.
    limit: usize,
    counts: Arc<StepCounts>,
}

/// A case in the batch.
struct Row {
    request: Request,
    rng: StdRng,
    tokens: Vec<u32>,
    token_at: Vec<Duration>,
    ttft: Option<Duration>,
    /// A stop string's cut of the text, once one appeared.
    text: Option<String>,
    finish_reason: FinishReason,
    /// Positions of the row in the cache (its first columns).
    len: usize,
    /// The token the next step feeds.
    next: i64,
}

/// The rows decoding together and their cache.
#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    cache: Vec<DynValue>,
}

impl Batch {
    /// The cache's columns: at least the longest row.
    fn width(&self) -> usize {
        let shape = self.cache.first().and_then(|v| match v.dtype() {
            ort::value::ValueType::Tensor { shape, .. } => shape.get(2).copied(),
            _ => None,
        });
        shape.map_or(0, |w| w.max(0) as usize)
    }
}

impl Engine {
    fn serve(&self, requests: &mpsc::Receiver<Request>) {
        let mut batch = Batch::default();
        loop {
            let mut waiting = if batch.rows.is_empty() {
                match requests.recv() {
                    Ok(request) => Some(request),
                    Err(_) => return,
                }
            } else if batch.rows.len() < self.max_batch {
                requests.try_recv().ok()
            } else {
                None
            };
            while let Some(request) = waiting.take() {
                self.admit(&mut batch, request);
                if batch.rows.len() < self.max_batch {
                    waiting = requests.try_recv().ok();
                }
            }
            let cancelled: Vec<bool> = (batch.rows.iter())
                .map(|r| r.request.cancel.load(Ordering::Relaxed))
                .collect();
            if let Err(e) = self.leave(&mut batch, &cancelled, |_| Err("cancelled".into())) {
                fail_all(&mut batch, &e);
            }
            if !batch.rows.is_empty() {
                if let Err(e) = self.advance(&mut batch) {
                    fail_all(&mut batch, &e);
                }
            }
        }
    }

    /// Prefills a new case on its own and picks its first token; it joins the batch unless that
    /// already finished it.
    fn admit(&self, batch: &mut Batch, request: Request) {
        let prompt_len = request.prompt.len();
        let refusal = if request.cancel.load(Ordering::Relaxed) {
            Some("cancelled".to_string())
        } else if prompt_len == 0 {
            Some("the rendered prompt has no tokens".into())
        } else if prompt_len >= self.limit {
            let limit = self.limit;
            Some(format!(
                "the prompt has {prompt_len} tokens; the model's context is {limit}"
            ))
        } else {
            None
        };
        if let Some(why) = refusal {
            let _ = request.reply.send(Err(why));
            return;
        }
        let mut row = Row::new(request);
        if row.request.params.max_tokens == 0 {
            return row.finish(&self.folder);
        }
        let ids: Vec<i64> = row.request.prompt.iter().map(|&t| i64::from(t)).collect();
        // Room for the whole case, so that its buffer never has to grow.
        let room = (prompt_len + row.request.params.max_tokens + 1).min(self.limit);
        let prefilled = self.decoder.empty_past(room).and_then(|mut past| {
            let logits = self.decoder.step(&ids, 0, &mut past)?;
            Ok((logits, past))
        });
        let (logits, past) = match prefilled {
            Ok(done) => done,
            Err(e) => return row.fail(e),
        };
        row.len = prompt_len;
        match row.take(&logits, self) {
            Ok(true) => row.finish(&self.folder),
            Ok(false) => {
                if let Err(e) = self.join(batch, row, past) {
                    fail_all(batch, &e);
                }
            }
            Err(e) => row.fail(e),
        }
    }

    /// Puts a prefilled row in the batch as its last row.
    fn join(&self, batch: &mut Batch, row: Row, past: Vec<DynValue>) -> Result<(), String> {
        if batch.rows.is_empty() {
            batch.cache = past;
            batch.rows.push(row);
            return Ok(());
        }
        let joining = Batch {
            rows: Vec::new(),
            cache: past,
        };
        let width = batch.width().max(joining.width());
        let mut sources: Vec<RowSource> = (batch.rows.iter().enumerate())
            .map(|(i, r)| RowSource {
                from: &batch.cache,
                row: i,
                len: r.len,
            })
            .collect();
        sources.push(RowSource {
            from: &joining.cache,
            row: 0,
            len: row.len,
        });
        match cache::assemble(&sources, width, self.decoder.kv_type()) {
            Ok(cache) => {
                batch.cache = cache;
                batch.rows.push(row);
                Ok(())
            }
            Err(e) => {
                row.fail(e.clone());
                Err(e)
            }
        }
    }

    /// One decode step for every row, then the rows it finished leave.
    fn advance(&self, batch: &mut Batch) -> Result<(), String> {
        let width = batch.rows.iter().map(|r| r.len + 1).max().unwrap_or(1);
        let ids: Vec<i64> = batch.rows.iter().map(|r| r.next).collect();
        let positions: Vec<i64> = batch.rows.iter().map(|r| r.len as i64).collect();
        let mut mask = Vec::with_capacity(batch.rows.len() * width);
        for row in &batch.rows {
            mask.extend(std::iter::repeat_n(1, row.len + 1));
            mask.extend(std::iter::repeat_n(0, width - row.len - 1));
        }
        let inputs = StepInputs {
            rows: batch.rows.len(),
            ids: &ids,
            mask: &mask,
            positions: &positions,
        };
        let logits = self.decoder.run(&inputs, &mut batch.cache)?;
        self.counts.steps.fetch_add(1, Ordering::Relaxed);
        (self.counts.rows).fetch_add(batch.rows.len() as u64, Ordering::Relaxed);
        let mut done = Vec::with_capacity(batch.rows.len());
        for (row, logits) in batch.rows.iter_mut().zip(&logits) {
            row.len += 1;
            done.push(row.take(logits, self)?);
        }
        self.leave(batch, &done, |row| row.generation(&self.folder))
    }

    /// Removes the rows marked in `gone`, answering each with `answer`.
    fn leave(
        &self,
        batch: &mut Batch,
        gone: &[bool],
        answer: impl Fn(&Row) -> Result<Generation, String>,
    ) -> Result<(), String> {
        if !gone.contains(&true) {
            return Ok(());
        }
        let rows = std::mem::take(&mut batch.rows);
        let (mut kept, mut kept_at) = (Vec::new(), Vec::new());
        for (i, row) in rows.into_iter().enumerate() {
            if gone[i] {
                let _ = row.request.reply.send(answer(&row));
            } else {
                kept_at.push(i);
                kept.push(row);
            }
        }
        if kept.is_empty() {
            *batch = Batch::default();
            return Ok(());
        }
        let width = batch.width();
        let sources: Vec<RowSource> = (kept.iter().zip(&kept_at))
            .map(|(row, &i)| RowSource {
                from: &batch.cache,
                row: i,
                len: row.len,
            })
            .collect();
        batch.cache = cache::assemble(&sources, width, self.decoder.kv_type())?;
        batch.rows = kept;
        Ok(())
    }
}

/// An error that leaves the batch's cache unusable ends every case in it.
fn fail_all(batch: &mut Batch, error: &str) {
    for row in batch.rows.drain(..) {
        row.fail(error.to_string());
    }
    *batch = Batch::default();
}

impl Row {
    fn new(request: Request) -> Self {
        let rng = match request.params.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        Self {
            request,
            rng,
            tokens: Vec::new(),
            token_at: Vec::new(),
            ttft: None,
            text: None,
            finish_reason: FinishReason::Length,
            len: 0,
            next: 0,
        }
    }

    /// Picks the next token from this row's logits; true when the case is finished (an eos
    /// id, a stop string, `max_tokens` or the context limit).
    fn take(&mut self, logits: &[f32], engine: &Engine) -> Result<bool, String> {
        let next = pick(logits, &self.request.params, &mut self.rng);
        let at = self.request.submitted.elapsed();
        self.ttft.get_or_insert(at);
        if engine.folder.eos_ids.contains(&next) {
            self.finish_reason = FinishReason::Stop;
            return Ok(true);
        }
        self.tokens.push(next);
        self.token_at.push(at);
        let stop = &self.request.params.stop;
        if !stop.is_empty() {
            let so_far = engine.folder.decode(&self.tokens)?;
            if let Some(cut) = stop.iter().filter_map(|s| so_far.find(s.as_str())).min() {
                self.text = Some(so_far[..cut].to_string());
                self.finish_reason = FinishReason::Stop;
                return Ok(true);
            }
        }
        self.next = i64::from(next);
        Ok(self.tokens.len() >= self.request.params.max_tokens || self.len + 1 >= engine.limit)
    }

    fn generation(&self, folder: &ModelFolder) -> Result<Generation, String> {
        let text = match &self.text {
            Some(t) => t.clone(),
            None => folder.decode(&self.tokens)?,
        };
        let total = self.request.submitted.elapsed();
        Ok(Generation {
            tokens: self.tokens.clone(),
            text,
            finish_reason: self.finish_reason.clone(),
            ttft: self.ttft.unwrap_or(total),
            total,
            token_at: self.token_at.clone(),
        })
    }

    fn finish(self, folder: &ModelFolder) {
        let _ = self.request.reply.send(self.generation(folder));
    }

    fn fail(self, error: String) {
        let _ = self.request.reply.send(Err(error));
    }
}
