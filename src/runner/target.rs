//! One provider as the run drives it: live or answered from a cassette, and a call made through
//! its concurrency, rate limits and pauses, retried when a retry may help.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::cassette::Cassette;
use super::limits::{Aimd, Pause, RateLimiter, RetryPolicy};
use super::manifest::now;
use super::occupancy::Occupancy;
use crate::chat::{ChatRequest, Sampling};
use crate::cost::Pricing;
use crate::error::{Error, Result};
use crate::provider::{self, Completion, Endpoint, ErrorKind, Provider, ProviderError};
use crate::suite::{ProviderConfig, SuiteSpec};

/// Where a provider's answers come from.
pub(super) enum Answers {
    Live(Arc<dyn Provider>),
    /// A cassette: no network, the recorded timings.
    Replay(Arc<Cassette>),
    /// `kind: logged`: the responses logged with replayed traffic; no call, no timing.
    Logged,
}

pub(super) struct Target {
    pub id: String,
    pub endpoint: Endpoint,
    pub answers: Answers,
    /// `--record`: every call's outcome is appended here.
    recorder: Option<Arc<Cassette>>,
    pub sampling: Sampling,
    pub concurrency: Aimd,
    retry: RetryPolicy,
    rate: Option<RateLimiter>,
    /// Set when the vendor's rate-limit headers say a limit is exhausted.
    pause: Pause,
    /// The calls in flight, to charge each its share of a self-hosted machine.
    occupancy: Occupancy,
    pub pricing: Pricing,
}

/// A call as the runner made it: the last attempt's outcome, and what it took to get there.
pub(super) struct Attempt {
    pub started_at: String,
    pub attempts: u32,
    pub waited: Duration,
    /// Answered from a cassette (its timings were recorded, not measured).
    pub replayed: bool,
    /// The last attempt's share of the machine's time in milliseconds: its duration divided
    /// among the provider's calls in flight beside it (`cost::machine_time`). Recorded in a
    /// cassette; `None` when replaying one recorded before it was.
    pub machine_ms: Option<f64>,
    pub result: std::result::Result<Completion, ProviderError>,
}

/// The cassettes of a run: `--replay` answers for every provider, `--record` stores every call.
#[derive(Default)]
pub(super) struct Cassettes {
    pub replay_all: Option<Arc<Cassette>>,
    pub recorder: Option<Arc<Cassette>>,
}

impl Cassettes {
    pub fn open(mode: Option<&super::CassetteMode>) -> Result<Self> {
        use super::CassetteMode;
        Ok(match mode {
            None => Self::default(),
            Some(CassetteMode::Replay(path)) => Self {
                replay_all: Some(open_replay(path)?),
                recorder: None,
            },
            Some(CassetteMode::Record(path)) => Self {
                replay_all: None,
                recorder: Some(Arc::new(Cassette::record(path).map_err(Error::input)?)),
            },
        })
    }
}

impl Target {
    /// The provider as the run drives it: live, or answered from a cassette (`--replay`, or its
    /// own `cassette:` while its key is not set), recording into the run's recorder if any.
    pub fn build(
        id: &str,
        config: &ProviderConfig,
        spec: &SuiteSpec,
        base_dir: &Path,
        cassettes: &Cassettes,
    ) -> Result<Self> {
        // A provider's own cassette stands in for it while its key is not set: the demo and CI
        // run offline, and the same suite runs live wherever the key exists.
        let stand_in = match (&config.cassette, provider::api_key_var(config)) {
            (Some(path), Some(var)) if provider::lookup_env(&var).is_none() => {
                let path = base_dir.join(path);
                tracing::warn!(provider = %id, "{var} is not set: answering from the recording in {} (recorded, not measured)", path.display());
                Some(open_replay(&path)?)
            }
            _ => None,
        };
        let answers = match cassettes.replay_all.clone().or(stand_in) {
            _ if config.kind == crate::suite::ProviderKind::Logged => Answers::Logged,
            Some(cassette) => Answers::Replay(cassette),
            None => {
                tracing::info!(provider = %id, "loading");
                Answers::Live(provider::build(id, config, base_dir).map_err(Error::input)?)
            }
        };
        let local = config.kind.is_local();
        let rate = config.rate_limit.as_ref();
        Ok(Self {
            id: id.to_string(),
            endpoint: Endpoint::of(config),
            answers,
            recorder: cassettes.recorder.clone(),
            sampling: spec.sampling_for(config),
            concurrency: Aimd::new(config.concurrency_or_default()),
            // A local model's failure is deterministic: trying again gives the same error.
            retry: RetryPolicy::new(if local {
                0
            } else {
                config.retries.unwrap_or(4)
            }),
            rate: rate.and_then(|r| RateLimiter::new(r.requests_per_minute, r.tokens_per_minute)),
            pause: Pause::default(),
            occupancy: Occupancy::new(),
            pricing: Pricing::for_provider(id, config),
        })
    }

    /// What a successful call cost: its usage at the provider's price, or for self-hosted
    /// hardware its share of the machine (`machine_ms`; a replay of a cassette recorded without
    /// it: `total_ms`, as if the call had run alone).
    pub fn price(
        &self,
        usage: &crate::chat::Usage,
        machine_ms: Option<f64>,
        total_ms: Option<f64>,
    ) -> Option<f64> {
        self.pricing.of(usage, machine_ms.or(total_ms))
    }

    /// Calls the provider (or its cassette), retrying what a retry may fix; `label` names the
    /// call in logs, `repeat` tells repeats of one request apart in cassettes.
    pub async fn call(&self, request: &ChatRequest, repeat: u32, label: &str) -> Attempt {
        let attempt = match &self.answers {
            Answers::Logged => {
                let why =
                    format!("{label}: a logged provider answers from the case, not by a call");
                Attempt {
                    started_at: now(),
                    attempts: 0,
                    waited: Duration::ZERO,
                    replayed: false,
                    machine_ms: None,
                    result: Err(ProviderError::new(ErrorKind::BadRequest, why)),
                }
            }
            Answers::Live(provider) => self.call_live(provider.as_ref(), request, label).await,
            Answers::Replay(cassette) => {
                let (result, machine_ms) = cassette
                    .answer(&self.endpoint, request, repeat)
                    .unwrap_or_else(|| {
                        // The run's own calls are checked before it starts; a judge's may be missing.
                        let missing = format!(
                            "{label}: cassette {} has no recording of this call",
                            cassette.path().display()
                        );
                        (
                            Err(ProviderError::new(ErrorKind::BadRequest, missing)),
                            None,
                        )
                    });
                Attempt {
                    started_at: now(),
                    attempts: 1,
                    waited: Duration::ZERO,
                    replayed: true,
                    machine_ms,
                    result,
                }
            }
        };
        if let (Some(recorder), false) = (&self.recorder, attempt.replayed) {
            let stored = recorder.store(
                &self.endpoint,
                request,
                repeat,
                &attempt.result,
                attempt.machine_ms,
            );
            if let Err(e) = stored {
                tracing::error!("{e:#}");
            }
        }
        attempt
    }

    async fn call_live(
        &self,
        provider: &dyn Provider,
        request: &ChatRequest,
        label: &str,
    ) -> Attempt {
        let estimated_tokens = request
            .messages
            .iter()
            .map(|m| m.content.len() as u32 / 4)
            .sum::<u32>()
            + request.sampling.max_tokens;
        let mut attempts = 0;
        let mut waited = Duration::ZERO;
        loop {
            attempts += 1;
            self.pause.wait().await;
            if let Some(rate) = &self.rate {
                rate.acquire(estimated_tokens).await;
            }
            let slot = self.concurrency.acquire().await;
            let started_at = now();
            let call = self.occupancy.enter();
            let result = provider.complete(request).await;
            let machine_ms = self.occupancy.leave(call);
            drop(slot);
            let retry = match &result {
                Ok(c) => {
                    self.concurrency.on_success();
                    if let Some(quota) = c.quota {
                        self.respect(quota, estimated_tokens);
                    }
                    None
                }
                Err(e) if e.kind.is_retryable() && attempts <= self.retry.retries => {
                    if e.kind == ErrorKind::RateLimited {
                        self.concurrency.on_rate_limited();
                    }
                    let delay = self.retry.delay(attempts, e.retry_after);
                    tracing::debug!(provider = %self.id, call = %label, attempt = attempts, ?delay, error = %e, "retrying");
                    Some(delay)
                }
                Err(_) => None,
            };
            match retry {
                Some(delay) => {
                    waited += delay;
                    tokio::time::sleep(delay).await;
                }
                None => {
                    return Attempt {
                        started_at,
                        attempts,
                        waited,
                        replayed: false,
                        machine_ms: Some(machine_ms),
                        result,
                    }
                }
            }
        }
    }

    /// Slows down before the vendor has to refuse: at most as many calls in flight as it has
    /// requests left, and none until the reset once a limit is spent.
    fn respect(&self, quota: provider::http::Quota, next_tokens: u32) {
        if let Some(left) = quota.remaining_requests {
            self.concurrency.cap(left);
        }
        let spent = quota.remaining_requests == Some(0)
            || quota
                .remaining_tokens
                .is_some_and(|t| t < u64::from(next_tokens));
        if spent {
            let reset = quota.reset.unwrap_or(Duration::from_secs(1));
            tracing::debug!(provider = %self.id, ?reset, "vendor limit spent; holding new calls");
            self.pause.hold(reset);
        }
    }
}

/// A judge's calls go through the provider's limits and retries, like the run's own, and are
/// priced like them.
#[async_trait::async_trait]
impl crate::score::Call for Target {
    async fn complete(
        &self,
        request: &ChatRequest,
    ) -> std::result::Result<(Completion, Option<f64>), ProviderError> {
        let attempt = self.call(request, 0, "judge").await;
        attempt.result.map(|c| {
            let cost = self.price(&c.usage, attempt.machine_ms, Some(c.total_ms));
            (c, cost)
        })
    }
}

pub(super) fn open_replay(path: &Path) -> Result<Arc<Cassette>> {
    Cassette::replay(path).map(Arc::new).map_err(Error::input)
}
