//! `judge`: a provider of the suite grades the output against a rubric and answers with a JSON
//! verdict (pass, score, reason). Unparseable answers are asked again once.

use serde_json::{Map, Value};

use crate::chat::{ChatRequest, Message, ResponseFormat, Role, Sampling, Usage};
use crate::provider::{Completion, ProviderError};
use crate::record::JudgeCalls;
use crate::suite::Case;

/// How scorers reach a provider of the suite. The runner implements it with the provider's
/// rate limits, concurrency and retries, so a judge's calls are paced like any other, and prices
/// each answer as it prices the provider's own calls (`None`: no price is known).
#[async_trait::async_trait]
pub trait Call: Send + Sync {
    async fn complete(
        &self,
        request: &ChatRequest,
    ) -> Result<(Completion, Option<f64>), ProviderError>;
}

/// A verdict needs a few sentences at most; greedy, so the same answer gets the same grade.
const MAX_TOKENS: u32 = 512;

const INSTRUCTIONS: &str = "You are an impartial grader. You get a conversation with an AI \
assistant, the assistant's answer, a rubric, and sometimes a reference answer. Decide whether \
the answer meets the rubric. Reply with one JSON object and nothing else: {\"pass\": true or \
false, \"score\": a number from 0 to 1, \"reason\": \"one short sentence\"}.";

const ASK_AGAIN: &str = "That was not the verdict asked for. Reply with only the JSON object: \
{\"pass\": true or false, \"score\": a number from 0 to 1, \"reason\": \"one short sentence\"}.";

/// A judge's grade of one output.
pub struct Verdict {
    pub score: f64,
    pub passed: bool,
    pub reason: String,
    pub calls: JudgeCalls,
}

/// Asks `provider` (through `call`) to grade `output` for `case`; a second, last request when the
/// first answer holds no verdict.
pub async fn judge(
    call: &dyn Call,
    provider: &str,
    rubric: &str,
    case: &Case,
    reference: Option<&str>,
    output: &str,
) -> Verdict {
    let mut messages = vec![
        Message::new(Role::System, INSTRUCTIONS),
        Message::new(Role::User, question(case, reference, output, rubric)),
    ];
    let mut calls = JudgeCalls {
        provider: provider.to_string(),
        calls: 0,
        usage: Usage::default(),
        // Nothing spent yet; a call whose cost is unknown makes the whole unknown.
        cost_usd: Some(0.0),
    };
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            messages.push(Message::new(Role::Assistant, last.clone()));
            messages.push(Message::new(Role::User, ASK_AGAIN));
        }
        let mut request = ChatRequest::new(
            messages.clone(),
            Sampling {
                temperature: 0.0,
                top_p: None,
                max_tokens: MAX_TOKENS,
                seed: None,
                stop: Vec::new(),
            },
        );
        request.response_format = Some(ResponseFormat::JsonObject);
        calls.calls += 1;
        let completion = match call.complete(&request).await {
            Ok((c, cost)) => {
                calls.cost_usd = calls.cost_usd.zip(cost).map(|(a, b)| a + b);
                c
            }
            Err(e) => {
                return Verdict {
                    score: 0.0,
                    passed: false,
                    reason: format!("the judge's call failed ({:?}): {}", e.kind, e.message),
                    calls,
                }
            }
        };
        let u = completion.usage;
        calls.usage.input_tokens += u.input_tokens;
        calls.usage.output_tokens += u.output_tokens;
        calls.usage.cached_input_tokens += u.cached_input_tokens;
        if let Some((passed, score, reason)) = parse_verdict(&completion.text) {
            return Verdict {
                score,
                passed,
                reason: format!("judge: {reason}"),
                calls,
            };
        }
        tracing::debug!(case = %case.id, attempt, answer = %completion.text, "the judge gave no verdict");
        last = completion.text;
    }
    Verdict {
        score: 0.0,
        passed: false,
        reason: format!(
            "the judge gave no verdict twice; last answer: {}",
            super::text::shown(&last)
        ),
        calls,
    }
}

/// The conversation the judged provider saw, the reference, the answer and the rubric, each
/// between tags so that text inside them cannot pass for instructions.
fn question(case: &Case, reference: Option<&str>, output: &str, rubric: &str) -> String {
    let mut q = String::from("<conversation>\n");
    for m in &case.messages {
        q.push_str(&format!("{}: {}\n", m.role.as_str(), m.content));
    }
    q.push_str("</conversation>\n");
    if let Some(reference) = reference {
        q.push_str(&format!("<reference>\n{reference}\n</reference>\n"));
    }
    q.push_str(&format!(
        "<answer>\n{output}\n</answer>\n<rubric>\n{rubric}\n</rubric>\nReply with the JSON verdict only."
    ));
    q
}

/// The first JSON object in `text` that is a verdict: in a code fence, after prose or before it.
/// `pass` is required (a boolean, or "pass"/"fail"/"true"/"false"); `score`, when given, must be
/// in [0, 1] (else it is 1 for a pass and 0 for a fail); `reason` may be missing.
pub fn parse_verdict(text: &str) -> Option<(bool, f64, String)> {
    text.match_indices('{').find_map(|(i, _)| {
        let mut values = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(Value::Object(map))) => verdict(&map),
            _ => None,
        }
    })
}

fn verdict(map: &Map<String, Value>) -> Option<(bool, f64, String)> {
    let passed = match map.get("pass").or_else(|| map.get("passed"))? {
        Value::Bool(b) => *b,
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "pass" | "passed" | "yes" => true,
            "false" | "fail" | "failed" | "no" => false,
            _ => return None,
        },
        _ => return None,
    };
    let score = match map.get("score") {
        None | Some(Value::Null) => {
            if passed {
                1.0
            } else {
                0.0
            }
        }
        Some(v) => v.as_f64().filter(|s| (0.0..=1.0).contains(s))?,
    };
    let reason = map
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    Some((passed, score, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_parse_from_fences_prose_and_bare_json() {
        let bare = r#"{"pass": true, "score": 0.9, "reason": "names billing"}"#;
        assert_eq!(
            parse_verdict(bare),
            Some((true, 0.9, "names billing".into()))
        );
        let fenced = "Let me check.\n```json\n{\"pass\": false, \"score\": 0.2, \"reason\": \"gives advice\"}\n```\nHope this helps!";
        assert_eq!(
            parse_verdict(fenced),
            Some((false, 0.2, "gives advice".into()))
        );
        // Trailing prose with braces of its own, and an object that is not a verdict first.
        let noisy = r#"Context {"note": 1} then {"pass": "PASS", "reason": "ok"} and {more}"#;
        assert_eq!(parse_verdict(noisy), Some((true, 1.0, "ok".into())));
    }

    #[test]
    fn what_is_not_a_verdict() {
        assert_eq!(parse_verdict("The answer is fine."), None);
        assert_eq!(parse_verdict(r#"{"score": 0.5}"#), None);
        assert_eq!(parse_verdict(r#"{"pass": true, "score": 8}"#), None);
        assert_eq!(parse_verdict(r#"{"pass": "maybe"}"#), None);
        assert_eq!(parse_verdict(r#"{"pass": true, "#), None);
    }
}
