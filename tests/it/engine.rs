//! A loopback OpenAI-compatible engine that batches like vLLM, with a known law: each step takes
//! `base + per_sequence × active` and gives every active sequence (at most `batch` of them; the
//! rest queue) one token. It counts what it delivered, so that a test can hold modelswap's
//! throughput figures against the engine's own.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::vendor_server::{on_loopback, read_request};

#[derive(Debug, Clone, Copy)]
pub struct Law {
    pub base: Duration,
    pub per_sequence: Duration,
    pub batch: usize,
}

/// What the engine delivered: output tokens, and the seconds it had at least one sequence to
/// serve (its busy time, steps included, waiting for arrivals not).
#[derive(Debug, Clone, Copy, Default)]
pub struct Delivered {
    pub tokens: u64,
    pub busy_s: f64,
    pub steps: u64,
}

pub struct Engine {
    pub base: String,
    delivered: Arc<Mutex<Delivered>>,
}

/// A sequence waiting for, or in, the batch: tokens left, and where each token goes.
struct Sequence {
    left: usize,
    tokens: mpsc::UnboundedSender<()>,
}

impl Engine {
    pub fn start(law: Law) -> Self {
        let delivered = Arc::new(Mutex::new(Delivered::default()));
        let stats = Arc::clone(&delivered);
        let (arrive, arrivals) = mpsc::unbounded_channel();
        let base = on_loopback(
            move || {
                tokio::spawn(schedule(law, arrivals, stats));
            },
            move |socket| serve(socket, arrive.clone()),
        );
        Self {
            base: format!("{base}/v1"),
            delivered,
        }
    }

    pub fn delivered(&self) -> Delivered {
        *self.delivered.lock().unwrap()
    }
}

/// The engine's loop: admit what fits in the batch, take one step, hand out its tokens.
async fn schedule(
    law: Law,
    mut arrivals: mpsc::UnboundedReceiver<Sequence>,
    stats: Arc<Mutex<Delivered>>,
) {
    let (mut queue, mut active) = (VecDeque::new(), Vec::<Sequence>::new());
    loop {
        if active.is_empty() && queue.is_empty() {
            match arrivals.recv().await {
                Some(s) => queue.push_back(s),
                None => return,
            }
        }
        while let Ok(s) = arrivals.try_recv() {
            queue.push_back(s);
        }
        while active.len() < law.batch {
            let Some(s) = queue.pop_front() else { break };
            active.push(s);
        }
        let started = Instant::now();
        let step = law.base + law.per_sequence * active.len() as u32;
        if step.is_zero() {
            // As fast as the engine's loop runs: a timer would round it up to a millisecond.
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(step).await;
        }
        let n = active.len() as u64;
        for s in &mut active {
            let _ = s.tokens.send(());
            s.left -= 1;
        }
        active.retain(|s| s.left > 0);
        let mut d = stats.lock().unwrap();
        d.tokens += n;
        d.busy_s += started.elapsed().as_secs_f64();
        d.steps += 1;
    }
}

/// One request: `max_tokens` tokens from the scheduler, streamed as they come (or at the end).
async fn serve(mut socket: TcpStream, arrive: mpsc::UnboundedSender<Sequence>) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
    let max_tokens = body["max_tokens"].as_u64().unwrap_or(16).max(1) as usize;
    let streamed = body["stream"].as_bool().unwrap_or(false);
    let (tokens, mut received) = mpsc::unbounded_channel();
    let _ = arrive.send(Sequence {
        left: max_tokens,
        tokens,
    });
    let chunk = |delta: serde_json::Value| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"id": "e", "object": "chat.completion.chunk", "choices": [delta]})
        )
    };
    if streamed {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
        let _ = socket.write_all(head.as_bytes()).await;
    }
    let mut text = String::new();
    while received.recv().await.is_some() {
        text.push_str("t ");
        if streamed {
            let c = chunk(serde_json::json!({"index": 0, "delta": {"content": "t "}}));
            let _ = socket.write_all(c.as_bytes()).await;
        }
    }
    let usage = serde_json::json!({"prompt_tokens": 8, "completion_tokens": max_tokens});
    if streamed {
        let finish = chunk(serde_json::json!({"index": 0, "delta": {}, "finish_reason": "length"}));
        let tail = format!(
            "{finish}data: {}\n\ndata: [DONE]\n\n",
            serde_json::json!({"id": "e", "object": "chat.completion.chunk", "choices": [], "usage": usage})
        );
        let _ = socket.write_all(tail.as_bytes()).await;
    } else {
        let body = serde_json::json!({"id": "e", "object": "chat.completion", "usage": usage,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}]})
        .to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(body.as_bytes()).await;
    }
    let _ = socket.shutdown().await;
}
