//! How fast a provider may be called: retries with backoff, adaptive concurrency (AIMD) that
//! backs off on 429s and recovers, and token buckets for requests and tokens per minute.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Exponential backoff with jitter; a vendor's Retry-After wins when it gives one.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub retries: u32,
    pub base: Duration,
    pub max: Duration,
}

impl RetryPolicy {
    pub fn new(retries: u32) -> Self {
        Self {
            retries,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(Duration::from_secs(600));
        }
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max);
        // "Full jitter" between half and all of the step spreads retries of concurrent calls.
        exp.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// Concurrency that halves on a rate-limit response and grows back by one after a window of
/// successes (additive increase, multiplicative decrease), never above the configured maximum.
pub struct Aimd {
    max: usize,
    state: Mutex<AimdState>,
    freed: Notify,
}

struct AimdState {
    limit: usize,
    in_flight: usize,
    successes: usize,
}

pub struct Slot<'a>(&'a Aimd);

impl Aimd {
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            state: Mutex::new(AimdState {
                limit: max.max(1),
                in_flight: 0,
                successes: 0,
            }),
            freed: Notify::new(),
        }
    }

    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            let notified = self.freed.notified();
            {
                let mut s = self.state.lock().expect("limiter state");
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return Slot(self);
                }
            }
            notified.await;
        }
    }

    #[cfg(test)]
    pub fn limit(&self) -> usize {
        self.state.lock().expect("limiter state").limit
    }

    /// The configured concurrency, which the limit never exceeds.
    pub fn max(&self) -> usize {
        self.max
    }

    pub fn on_success(&self) {
        let mut s = self.state.lock().expect("limiter state");
        s.successes += 1;
        if s.successes >= s.limit && s.limit < self.max {
            s.limit += 1;
            s.successes = 0;
            self.freed.notify_waiters();
        }
    }

    /// A vendor says only `remaining` requests are left in its window: no more than that many
    /// in flight, before a 429 has to say so.
    pub fn cap(&self, remaining: u64) {
        let mut s = self.state.lock().expect("limiter state");
        let remaining = usize::try_from(remaining).unwrap_or(usize::MAX).max(1);
        if remaining < s.limit {
            s.limit = remaining;
            s.successes = 0;
        }
    }

    pub fn on_rate_limited(&self) {
        let mut s = self.state.lock().expect("limiter state");
        s.limit = (s.limit / 2).max(1);
        s.successes = 0;
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.state.lock().expect("limiter state").in_flight -= 1;
        self.0.freed.notify_waiters();
    }
}

/// A hold on new calls until a vendor's exhausted limit refills (from its rate-limit headers).
#[derive(Default)]
pub struct Pause {
    until: Mutex<Option<Instant>>,
}

impl Pause {
    pub fn hold(&self, duration: Duration) {
        let end = Instant::now() + duration.min(Duration::from_secs(600));
        let mut until = self.until.lock().expect("pause state");
        if until.is_none_or(|u| u < end) {
            *until = Some(end);
        }
    }

    pub async fn wait(&self) {
        let until = *self.until.lock().expect("pause state");
        if let Some(t) = until {
            tokio::time::sleep_until(t).await;
        }
    }
}

/// Requests-per-minute and tokens-per-minute buckets, refilled continuously.
pub struct RateLimiter {
    buckets: Mutex<Vec<Bucket>>,
}

struct Bucket {
    capacity: f64,
    per_second: f64,
    level: f64,
    updated: Instant,
    /// 0: requests, 1: tokens.
    unit: usize,
}

impl RateLimiter {
    pub fn new(requests_per_minute: Option<u32>, tokens_per_minute: Option<u32>) -> Option<Self> {
        let bucket = |per_minute: u32, unit| Bucket {
            capacity: per_minute as f64,
            per_second: per_minute as f64 / 60.0,
            level: per_minute as f64,
            updated: Instant::now(),
            unit,
        };
        let buckets: Vec<Bucket> = [
            requests_per_minute.map(|r| bucket(r, 0)),
            tokens_per_minute.map(|t| bucket(t, 1)),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!buckets.is_empty()).then(|| Self {
            buckets: Mutex::new(buckets),
        })
    }

    /// Waits until one request of about `tokens` tokens fits, then takes it from the buckets.
    pub async fn acquire(&self, tokens: u32) {
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("rate limiter state");
                let now = Instant::now();
                let mut wait = Duration::ZERO;
                for b in buckets.iter_mut() {
                    b.level = (b.level
                        + now.duration_since(b.updated).as_secs_f64() * b.per_second)
                        .min(b.capacity);
                    b.updated = now;
                    // A request larger than the whole bucket waits for a full bucket, not forever.
                    let need = if b.unit == 0 {
                        1.0
                    } else {
                        (tokens as f64).min(b.capacity)
                    };
                    if b.level < need {
                        wait = wait.max(Duration::from_secs_f64((need - b.level) / b.per_second));
                    }
                }
                if wait.is_zero() {
                    for b in buckets.iter_mut() {
                        b.level -= if b.unit == 0 {
                            1.0
                        } else {
                            (tokens as f64).min(b.capacity)
                        };
                    }
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let p = RetryPolicy::new(4);
        for attempt in 1..=4 {
            let d = p.delay(attempt, None);
            let step = Duration::from_millis(500 * (1 << (attempt - 1)));
            assert!(d >= step / 2 && d <= step, "{attempt}: {d:?}");
        }
        assert_eq!(p.delay(20, None).max(p.max), p.max);
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn aimd_halves_on_rate_limits_and_recovers_one_step_per_window() {
        let a = Aimd::new(8);
        a.on_rate_limited();
        assert_eq!(a.limit(), 4);
        a.on_rate_limited();
        a.on_rate_limited();
        a.on_rate_limited();
        assert_eq!(a.limit(), 1);
        a.on_success();
        assert_eq!(a.limit(), 2);
        a.on_success();
        assert_eq!(a.limit(), 2);
        a.on_success();
        assert_eq!(a.limit(), 3);
        for _ in 0..100 {
            a.on_success();
        }
        assert_eq!(a.limit(), 8);
    }

    #[test]
    fn a_vendors_remaining_quota_caps_concurrency() {
        let aimd = Aimd::new(8);
        aimd.cap(3);
        assert_eq!(aimd.limit(), 3);
        aimd.cap(0);
        assert_eq!(aimd.limit(), 1, "never below one call");
        aimd.cap(50);
        assert_eq!(
            aimd.limit(),
            1,
            "a cap only lowers; successes raise it again"
        );
        aimd.on_success();
        assert_eq!(aimd.limit(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_calls_until_the_reset() {
        let pause = Pause::default();
        let start = Instant::now();
        pause.wait().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pause.hold(Duration::from_secs(2));
        pause.hold(Duration::from_secs(1));
        pause.wait().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(2),
            "the later hold wins"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn token_buckets_pace_requests() {
        let limiter = RateLimiter::new(Some(60), None).unwrap();
        let start = Instant::now();
        for _ in 0..62 {
            limiter.acquire(10).await;
        }
        // 60 at once, then one per second.
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1990) && waited < Duration::from_millis(2100),
            "{waited:?}"
        );
    }
}
