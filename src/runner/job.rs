//! One call of one case to one provider, and the record it leaves: the outcome of its last
//! attempt, its timing (waiting on limits and retries kept apart from the latency), its cost,
//! and its scores.

use std::sync::Arc;

use super::target::{Attempt, Target};
use crate::record::{Record, RecordError, Timing};
use crate::score::Scorers;
use crate::suite::Case;

pub(super) struct Job {
    pub run_id: String,
    pub target: Arc<Target>,
    pub case: Arc<Case>,
    pub repeat: u32,
    pub scorers: Arc<Scorers>,
}

impl Job {
    /// Calls the provider and returns the record, scored.
    pub async fn execute(self) -> Record {
        let t = &self.target;
        let request = self.case.request(&t.sampling, self.repeat);
        let request_hash = t.endpoint.request_hash(&request);
        let attempt = t.call(&request, self.repeat, &self.case.id).await;
        let mut record = build_record(
            self.run_id,
            &self.case,
            t,
            self.repeat,
            request_hash,
            attempt,
        );
        // Scored last, when output, usage, timing and cost are known (`cost` reads cost_usd).
        self.scorers.apply(&self.case, &mut record).await;
        record
    }
}

/// The record of a call, not yet scored. It keeps the last attempt's timing, so waiting on rate
/// limits and retries never inflates the latency figures.
fn build_record(
    run_id: String,
    case: &Case,
    target: &Target,
    repeat: u32,
    request_hash: String,
    attempt: Attempt,
) -> Record {
    let mut record = Record {
        run_id,
        case_id: case.id.clone(),
        provider: target.id.clone(),
        repeat,
        request_hash,
        replayed: attempt.replayed,
        output: None,
        tool_calls: Vec::new(),
        finish_reason: None,
        error: None,
        usage: Default::default(),
        timing: Timing {
            started_at: attempt.started_at,
            ttft_ms: None,
            total_ms: None,
            tokens_per_s: None,
            attempts: attempt.attempts,
            retry_wait_ms: attempt.waited.as_secs_f64() * 1e3,
        },
        cost_usd: None,
        scores: Vec::new(),
        passed: false,
        score: None,
        tags: case.tags.clone(),
    };
    match attempt.result {
        Ok(c) => {
            record.output = Some(c.text);
            record.tool_calls = c.tool_calls;
            record.finish_reason = Some(c.finish_reason);
            record.usage = c.usage;
            record.timing.ttft_ms = Some(c.ttft_ms);
            record.timing.total_ms = Some(c.total_ms);
            record.timing.tokens_per_s =
                Timing::decode_rate(c.usage.output_tokens, c.ttft_ms, c.total_ms);
        }
        Err(e) => {
            record.error = Some(RecordError {
                kind: e.kind,
                message: e.message,
            });
        }
    }
    record.cost_usd = target.pricing.of(&record.usage, record.timing.total_ms);
    record
}
