//! One load level: closed loop (a fixed number of requests always in flight) or open loop
//! (Poisson arrivals at a mean rate), the suite's requests taken in order and reused, a warm-up
//! left out, and what each request took, reduced to a `capacity::Level`.
//!
//! The measured window runs from the end of the warm-up to the last request sent, the span over
//! which the offered load was held (to the end of the only request, when one was sent). Throughput counts the output (and the completions) that
//! fell inside it, whichever request they belonged to, so requests still running from the
//! warm-up, or draining after the last send, neither inflate nor dilute it. Latency counts the
//! requests sent inside it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use tokio::task::JoinSet;

use super::capacity::{kind_name, Level, Percentiles};
use crate::chat::ChatRequest;
use crate::provider::{Completion, Provider, ProviderError};

/// The load a level offers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    Concurrency(usize),
    /// Mean requests per second, Poisson arrivals.
    Rate(f64),
}

/// How long a level's measured window lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Span {
    Seconds(f64),
    Requests(usize),
}

/// What every level shares: the provider, the requests (reused in order, continuing from one
/// level to the next), the warm-up and the span.
#[derive(Clone)]
pub struct Driver {
    pub provider: Arc<dyn Provider>,
    pub requests: Arc<Vec<ChatRequest>>,
    pub cursor: Arc<AtomicUsize>,
    pub warmup: Duration,
    pub span: Span,
    /// Seeds the open loop's arrivals: a sweep is repeatable.
    pub seed: u64,
    /// Called as each request ends (progress).
    pub on_request: Arc<dyn Fn() + Send + Sync>,
}

/// An open loop never has more requests in flight than this: past it the provider is far
/// beyond saturation, and arrivals are counted as errors rather than piling up without bound.
const OPEN_LOOP_MAX_IN_FLIGHT: usize = 4096;

struct Sample {
    /// Seconds from the level's start.
    start_s: f64,
    result: Result<Completion, ProviderError>,
}

/// The level's clock and shared state.
struct Shared {
    origin: Instant,
    samples: Mutex<Vec<Sample>>,
    /// Requests sent inside the window (what `Span::Requests` counts).
    counted: AtomicUsize,
}

impl Driver {
    pub async fn run(&self, load: Load) -> Level {
        let shared = Arc::new(Shared {
            origin: Instant::now(),
            samples: Mutex::new(Vec::new()),
            counted: AtomicUsize::new(0),
        });
        match load {
            Load::Concurrency(c) => self.closed(c, &shared).await,
            Load::Rate(r) => self.open(r, &shared).await,
        }
        let samples =
            std::mem::take(&mut *shared.samples.lock().unwrap_or_else(|e| e.into_inner()));
        reduce(load, &samples, self.warmup.as_secs_f64())
    }

    /// Whether a request may be sent now; counts it when it falls in the window.
    fn admit(&self, shared: &Shared) -> Option<f64> {
        let now = shared.origin.elapsed().as_secs_f64();
        let warm = self.warmup.as_secs_f64();
        if now < warm {
            return Some(now);
        }
        match self.span {
            Span::Seconds(s) if now >= warm + s => None,
            Span::Requests(n) if shared.counted.fetch_add(1, Ordering::SeqCst) >= n => None,
            _ => Some(now),
        }
    }

    fn next_request(&self) -> ChatRequest {
        let i = self.cursor.fetch_add(1, Ordering::Relaxed);
        self.requests[i % self.requests.len()].clone()
    }

    async fn call(&self, shared: &Shared, start_s: f64, request: ChatRequest) {
        let result = self.provider.complete(&request).await;
        (self.on_request)();
        let sample = Sample { start_s, result };
        shared
            .samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sample);
    }

    async fn closed(&self, concurrency: usize, shared: &Arc<Shared>) {
        let mut workers = JoinSet::new();
        for _ in 0..concurrency {
            let (me, shared) = (self.clone(), Arc::clone(shared));
            workers.spawn(async move {
                while let Some(start_s) = me.admit(&shared) {
                    let request = me.next_request();
                    me.call(&shared, start_s, request).await;
                }
            });
        }
        while workers.join_next().await.is_some() {}
    }

    async fn open(&self, rate: f64, shared: &Arc<Shared>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed);
        let mut requests = JoinSet::new();
        let mut next_s = 0.0;
        loop {
            // Exponential gaps: a Poisson process of the given mean rate.
            let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
            next_s += -u.ln() / rate;
            tokio::time::sleep_until((shared.origin + Duration::from_secs_f64(next_s)).into())
                .await;
            let Some(start_s) = self.admit(shared) else {
                break;
            };
            while requests.try_join_next().is_some() {}
            if requests.len() >= OPEN_LOOP_MAX_IN_FLIGHT {
                let refused = Err(ProviderError::new(
                    crate::provider::ErrorKind::RateLimited,
                    format!("more than {OPEN_LOOP_MAX_IN_FLIGHT} requests in flight: the provider is far past saturation"),
                ));
                let sample = Sample {
                    start_s,
                    result: refused,
                };
                shared
                    .samples
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(sample);
                continue;
            }
            let (me, shared) = (self.clone(), Arc::clone(shared));
            let request = me.next_request();
            requests.spawn(async move { me.call(&shared, start_s, request).await });
        }
        while requests.join_next().await.is_some() {}
    }
}

/// A level's figures from its samples (see the module's comment for the window).
fn reduce(load: Load, samples: &[Sample], warm: f64) -> Level {
    let counted: Vec<&Sample> = samples.iter().filter(|s| s.start_s >= warm).collect();
    let last_sent = counted.iter().map(|s| s.start_s).fold(warm, f64::max);
    // One request in the window (`--requests 1`) spans no time between sends: its own then.
    let end = if last_sent > warm {
        last_sent
    } else {
        (counted.iter())
            .filter_map(|s| s.result.as_ref().ok().map(|c| s.start_s + c.total_ms / 1e3))
            .fold(warm, f64::max)
    };
    let duration_s = end - warm;
    let inside = |t: f64| (warm..=end).contains(&t);
    let (mut tokens, mut completed) = (0.0, 0usize);
    for s in samples {
        let Ok(c) = &s.result else { continue };
        if inside(s.start_s + c.total_ms / 1e3) {
            completed += 1;
        }
        // The output's tokens, spread evenly over the events that carried them.
        let per_event = c.usage.output_tokens as f64 / c.output_at_ms.len().max(1) as f64;
        tokens += per_event
            * (c.output_at_ms.iter())
                .filter(|t| inside(s.start_s + **t / 1e3))
                .count() as f64;
    }
    let per_s = |x: f64| {
        if duration_s > 0.0 {
            x / duration_s
        } else {
            0.0
        }
    };
    let mut level = Level {
        concurrency: match load {
            Load::Concurrency(c) => Some(c),
            Load::Rate(_) => None,
        },
        rate: match load {
            Load::Rate(r) => Some(r),
            Load::Concurrency(_) => None,
        },
        requests: counted.len(),
        errors: 0,
        errors_by_kind: Default::default(),
        duration_s,
        requests_per_s: per_s(completed as f64),
        output_tokens_per_s: per_s(tokens),
        ttft_ms: None,
        itl_ms: None,
        tpot_ms: None,
        e2e_ms: None,
    };
    let (mut ttft, mut itl, mut tpot, mut e2e) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in counted {
        match &s.result {
            Err(e) => {
                level.errors += 1;
                *level.errors_by_kind.entry(kind_name(e.kind)).or_default() += 1;
            }
            Ok(c) => {
                ttft.push(c.ttft_ms);
                e2e.push(c.total_ms);
                if c.usage.output_tokens > 1 {
                    tpot.push((c.total_ms - c.ttft_ms) / (c.usage.output_tokens - 1) as f64);
                }
                itl.extend(c.output_at_ms.windows(2).map(|w| w[1] - w[0]));
            }
        }
    }
    level.ttft_ms = Percentiles::of(ttft);
    level.itl_ms = Percentiles::of(itl);
    level.tpot_ms = Percentiles::of(tpot);
    level.e2e_ms = Percentiles::of(e2e);
    level
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{FinishReason, Usage};

    /// A request sent at `start_s` whose output events came at `at_s` (seconds from its start),
    /// one token each.
    fn sample(start_s: f64, at_s: &[f64]) -> Sample {
        let output_at_ms: Vec<f64> = at_s.iter().map(|t| t * 1e3).collect();
        Sample {
            start_s,
            result: Ok(Completion {
                text: String::new(),
                tool_calls: Vec::new(),
                finish_reason: FinishReason::Stop,
                usage: Usage {
                    input_tokens: 1,
                    output_tokens: at_s.len() as u64,
                    cached_input_tokens: 0,
                },
                ttft_ms: output_at_ms[0],
                total_ms: *output_at_ms.last().unwrap(),
                output_at_ms,
                quota: None,
            }),
        }
    }

    #[test]
    fn the_window_counts_the_output_inside_it_whichever_request_made_it() {
        // Warm-up 1 s. A warm-up request still streaming into the window, one sent at 1 s, the
        // last sent at 3 s: the window is [1, 3] s, and holds 3 + 4 + 1 of their tokens.
        let samples = [
            sample(0.5, &[0.25, 0.75, 1.0, 1.25]),
            sample(1.0, &[0.5, 1.0, 1.5, 2.0, 2.5]),
            sample(3.0, &[0.0, 0.5]),
        ];
        let level = reduce(Load::Concurrency(2), &samples, 1.0);
        assert_eq!((level.requests, level.duration_s), (2, 2.0));
        assert_eq!(level.output_tokens_per_s, 8.0 / 2.0);
        // Completions inside the window: the warm-up request's (at 1.75 s) only.
        assert_eq!(level.requests_per_s, 1.0 / 2.0);
        // Latency of the requests sent in the window only.
        assert_eq!(level.ttft_ms.unwrap().p50, 250.0);
        assert_eq!(level.itl_ms.unwrap().p50, 500.0);
    }

    #[test]
    fn a_single_request_is_measured_over_itself() {
        let level = reduce(
            Load::Concurrency(1),
            &[sample(0.0, &[0.5, 1.0, 1.5, 2.0])],
            0.0,
        );
        assert_eq!(level.duration_s, 2.0);
        assert_eq!(level.output_tokens_per_s, 2.0);
        assert_eq!(level.tpot_ms.unwrap().p50, 500.0);
    }
}
