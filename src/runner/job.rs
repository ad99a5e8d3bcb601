//! One call of one case to one provider, and the record it leaves: the outcome of its last
//! attempt, its timing (waiting on limits and retries kept apart from the latency) and its cost.
//! It is scored once the reference answers its scorers need exist (`references`).

use std::sync::Arc;

use super::target::{Answers, Attempt, Target};
use crate::record::{Record, RecordError, Timing};
use crate::suite::Case;

pub(super) struct Job {
    pub run_id: String,
    pub target: Arc<Target>,
    pub case: Arc<Case>,
    pub repeat: u32,
}

impl Job {
    /// Calls the provider and returns the record, not yet scored.
    pub async fn call(self) -> Record {
        let t = &self.target;
        let request = self.case.request(&t.sampling, self.repeat);
        let request_hash = t.endpoint.request_hash(&request);
        if matches!(t.answers, Answers::Logged) {
            return logged_record(self.run_id, &self.case, t, self.repeat, request_hash);
        }
        let attempt = t.call(&request, self.repeat, &self.case.id).await;
        build_record(
            self.run_id,
            &self.case,
            t,
            self.repeat,
            request_hash,
            attempt,
        )
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
    let ids = (run_id, request_hash);
    let mut record = blank_record(ids, case, target, repeat, attempt.started_at);
    record.replayed = attempt.replayed;
    record.timing.attempts = attempt.attempts;
    record.timing.retry_wait_ms = attempt.waited.as_secs_f64() * 1e3;
    match attempt.result {
        Ok(c) => {
            record.output = Some(c.text);
            record.tool_calls = c.tool_calls;
            record.finish_reason = Some(c.finish_reason);
            record.usage = c.usage;
            record.timing.ttft_ms = Some(c.ttft_ms);
            record.timing.total_ms = Some(c.total_ms);
            record.timing.machine_ms = attempt.machine_ms;
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
    record.cost_usd = target.price(
        &record.usage,
        record.timing.machine_ms,
        record.timing.total_ms,
    );
    record
}

/// A record of `case` for `target` (its run id and request hash in `ids`) with no outcome yet:
/// no output, no error, no timing but when it started.
fn blank_record(
    (run_id, request_hash): (String, String),
    case: &Case,
    target: &Target,
    repeat: u32,
    started_at: String,
) -> Record {
    Record {
        run_id,
        case_id: case.id.clone(),
        provider: target.id.clone(),
        repeat,
        request_hash,
        replayed: false,
        output: None,
        tool_calls: Vec::new(),
        finish_reason: None,
        error: None,
        usage: Default::default(),
        timing: Timing {
            started_at,
            ttft_ms: None,
            total_ms: None,
            tokens_per_s: None,
            attempts: 0,
            retry_wait_ms: 0.0,
            machine_ms: None,
        },
        cost_usd: None,
        scores: Vec::new(),
        passed: false,
        score: None,
        tags: case.tags.clone(),
    }
}

/// A `kind: logged` provider's record: the response logged with the case's request, as it was
/// answered in production. It has no timing (logs carry none: "logged, not measured") and made
/// no attempt; its usage is priced as `Pricing::of_logged` says.
fn logged_record(
    run_id: String,
    case: &Case,
    target: &Target,
    repeat: u32,
    request_hash: String,
) -> Record {
    use crate::provider::ErrorKind;
    let ids = (run_id, request_hash);
    let mut record = blank_record(ids, case, target, repeat, super::manifest::now());
    let error = |kind, message: &str| {
        Some(RecordError {
            kind,
            message: message.to_string(),
        })
    };
    match &case.extras().response {
        Some(Ok(r)) => {
            record.output = Some(r.text.clone());
            record.tool_calls = r.tool_calls.clone();
            record.finish_reason = r.finish_reason.clone();
            record.usage = r.usage;
            record.cost_usd = target.pricing.of_logged(&r.usage, r.model.as_deref());
        }
        Some(Err(why)) => record.error = error(ErrorKind::Server, why),
        None => {
            let why = "the case has no logged response (replay traffic with responses)";
            record.error = error(ErrorKind::InvalidResponse, why);
        }
    }
    record
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::chat::{FinishReason, Usage};
    use crate::provider::{Completion, ErrorKind, ProviderError};
    use crate::runner::target::Cassettes;

    /// A self-hosted engine at $3.60 an hour, fully used: a call costs its milliseconds / 1e6 USD.
    fn target() -> Target {
        let yaml = "kind: openai-compatible\nbase_url: http://127.0.0.1:9/v1\nmodel: m\n\
                    hosting: {usd_per_hour: 3.6, utilization: 1.0}\n";
        let config: crate::suite::ProviderConfig = serde_yaml::from_str(yaml).unwrap();
        let spec: crate::suite::SuiteSpec = serde_yaml::from_str(
            "version: 1\nname: t\nproviders: {}\nprompt: {user: x}\ncases: []\n",
        )
        .unwrap();
        let dir = std::path::Path::new(".");
        Target::build("engine", &config, &spec, dir, &Cassettes::default()).unwrap()
    }

    fn case() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        let suite = "version: 1\nname: t\nproviders:\n  p: {kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}\n\
                     prompt: {user: hi}\ncases:\n  - {id: c1, vars: {}, tags: [billing]}\n";
        std::fs::write(&path, suite).unwrap();
        let suite = crate::suite::load(&path).unwrap();
        let case = suite.cases.iter().next().unwrap();
        case.unwrap()
    }

    fn attempt(result: Result<Completion, ProviderError>) -> Attempt {
        Attempt {
            started_at: "2026-12-04T00:00:00.000Z".into(),
            attempts: 3,
            waited: Duration::from_millis(1500),
            replayed: false,
            // Shared with two other calls for most of its 600 ms.
            machine_ms: Some(250.0),
            result,
        }
    }

    #[test]
    fn a_success_keeps_the_last_attempts_timing_apart_from_the_waiting_and_costs_its_machine_time()
    {
        let completion = Completion {
            text: "billing".into(),
            tool_calls: Vec::new(),
            finish_reason: FinishReason::Stop,
            usage: Usage {
                input_tokens: 10,
                output_tokens: 11,
                cached_input_tokens: 0,
            },
            ttft_ms: 100.0,
            total_ms: 600.0,
            output_at_ms: vec![100.0, 600.0],
            quota: None,
        };
        let r = build_record(
            "run".into(),
            &case(),
            &target(),
            2,
            "h".into(),
            attempt(Ok(completion)),
        );
        assert_eq!(
            (r.case_id.as_str(), r.provider.as_str(), r.repeat),
            ("c1", "engine", 2)
        );
        assert_eq!(r.output.as_deref(), Some("billing"));
        assert_eq!(
            (r.timing.ttft_ms, r.timing.total_ms),
            (Some(100.0), Some(600.0))
        );
        // (11 − 1) tokens over the 500 ms after the first.
        assert_eq!(r.timing.tokens_per_s, Some(20.0));
        assert_eq!((r.timing.attempts, r.timing.retry_wait_ms), (3, 1500.0));
        // Its share of the machine, not its duration: 250 ms at $3.60/h.
        assert_eq!(r.timing.machine_ms, Some(250.0));
        assert!((r.cost_usd.unwrap() - 250.0 / 1e6).abs() < 1e-12);
        assert_eq!(r.tags, ["billing"]);
        assert!(
            r.error.is_none() && !r.passed && r.score.is_none(),
            "scored later"
        );
    }

    #[test]
    fn a_failure_keeps_its_kind_and_message_and_holds_no_output_nor_machine_time() {
        let error = ProviderError::new(ErrorKind::Server, "503 overloaded");
        let r = build_record(
            "run".into(),
            &case(),
            &target(),
            0,
            "h".into(),
            attempt(Err(error)),
        );
        let e = r.error.unwrap();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Server, "503 overloaded")
        );
        assert!(r.output.is_none() && r.finish_reason.is_none());
        assert_eq!((r.timing.total_ms, r.cost_usd), (None, None));
    }
}
