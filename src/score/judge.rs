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

const PAIR_INSTRUCTIONS: &str = "You are an impartial grader. You get a conversation with an AI \
assistant, two candidate answers (A and B), and a rubric. Decide which answer better meets the \
rubric; the order they are shown in means nothing, and neither length nor style counts unless \
the rubric says so. Reply with one JSON object and nothing else: {\"winner\": \"A\", \"B\" or \
\"tie\", \"reason\": \"one short sentence\"}.";

const PAIR_AGAIN: &str = "That was not the verdict asked for. Reply with only the JSON object: \
{\"winner\": \"A\", \"B\" or \"tie\", \"reason\": \"one short sentence\"}.";

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
    let mut calls = JudgeCalls::new(provider);
    let question = question(case, reference, output, rubric);
    match ask(
        call,
        &mut calls,
        INSTRUCTIONS,
        question,
        ASK_AGAIN,
        parse_verdict,
    )
    .await
    {
        Ok((passed, score, reason)) => Verdict {
            score,
            passed,
            reason: format!("judge: {reason}"),
            calls,
        },
        Err(reason) => Verdict {
            score: 0.0,
            passed: false,
            reason,
            calls,
        },
    }
}

/// The conversation the judged provider saw, between tags.
fn conversation(case: &Case) -> String {
    let mut q = String::from("<conversation>\n");
    for m in &case.messages {
        q.push_str(&format!("{}: {}\n", m.role.as_str(), m.content));
    }
    q.push_str("</conversation>\n");
    q
}

/// The two answers a pairwise judge compares.
pub struct Sides<'a> {
    pub reference: &'a str,
    pub output: &'a str,
}

/// How one order of a pairwise comparison came out, for the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Win,
    Tie,
    Loss,
}

/// Asks `provider` which of the reference answer and the candidate's better meets the rubric,
/// once in each order so that a judge's leaning towards the first (or second) answer cancels
/// out: the candidate wins only when it wins in both orders, loses only when it loses in both,
/// and ties otherwise. Score 1 / 0.5 / 0, passing at `threshold`.
pub async fn pairwise(
    call: &dyn Call,
    provider: &str,
    rubric: &str,
    case: &Case,
    sides: Sides<'_>,
    threshold: f64,
) -> Verdict {
    let mut calls = JudgeCalls::new(provider);
    let mut outcomes = Vec::new();
    for candidate_first in [false, true] {
        let (a, b) = if candidate_first {
            (sides.output, sides.reference)
        } else {
            (sides.reference, sides.output)
        };
        let question = pair_question(case, a, b, rubric);
        match ask(
            call,
            &mut calls,
            PAIR_INSTRUCTIONS,
            question,
            PAIR_AGAIN,
            parse_preference,
        )
        .await
        {
            Ok((winner, reason)) => {
                let outcome = match (winner, candidate_first) {
                    (None, _) => Outcome::Tie,
                    (Some(first), cf) if first == cf => Outcome::Win,
                    _ => Outcome::Loss,
                };
                outcomes.push((outcome, reason));
            }
            Err(reason) => {
                return Verdict {
                    score: 0.0,
                    passed: false,
                    reason,
                    calls,
                }
            }
        }
    }
    let outcome = match (outcomes[0].0, outcomes[1].0) {
        (Outcome::Win, Outcome::Win) => Outcome::Win,
        (Outcome::Loss, Outcome::Loss) => Outcome::Loss,
        _ => Outcome::Tie,
    };
    let score = match outcome {
        Outcome::Win => 1.0,
        Outcome::Tie => 0.5,
        Outcome::Loss => 0.0,
    };
    let word = |o: Outcome| match o {
        Outcome::Win => "win",
        Outcome::Tie => "tie",
        Outcome::Loss => "loss",
    };
    let passed = score >= threshold;
    let reason = format!(
        "pairwise {} against the reference ({} {} threshold {threshold}; reference first: {} — {}; candidate first: {} — {})",
        word(outcome),
        score,
        if passed { "≥" } else { "<" },
        word(outcomes[0].0),
        outcomes[0].1,
        word(outcomes[1].0),
        outcomes[1].1
    );
    Verdict {
        score,
        passed,
        reason,
        calls,
    }
}

impl JudgeCalls {
    fn new(provider: &str) -> Self {
        Self {
            provider: provider.to_string(),
            calls: 0,
            usage: Usage::default(),
            // Nothing spent yet; a call whose cost is unknown makes the whole unknown.
            cost_usd: Some(0.0),
        }
    }
}

/// One question to the judge, asked again once when the answer does not `parse`; what the
/// calls took is added to `calls`. The error is the reason a score gives.
async fn ask<T>(
    call: &dyn Call,
    calls: &mut JudgeCalls,
    instructions: &str,
    question: String,
    again: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, String> {
    let mut messages = vec![
        Message::new(Role::System, instructions),
        Message::new(Role::User, question),
    ];
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            messages.push(Message::new(Role::Assistant, last.clone()));
            messages.push(Message::new(Role::User, again));
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
                return Err(format!(
                    "the judge's call failed ({:?}): {}",
                    e.kind, e.message
                ))
            }
        };
        let u = completion.usage;
        calls.usage.input_tokens += u.input_tokens;
        calls.usage.output_tokens += u.output_tokens;
        calls.usage.cached_input_tokens += u.cached_input_tokens;
        if let Some(v) = parse(&completion.text) {
            return Ok(v);
        }
        tracing::debug!(attempt, answer = %completion.text, "the judge gave no verdict");
        last = completion.text;
    }
    Err(format!(
        "the judge gave no verdict twice; last answer: {}",
        super::text::shown(&last)
    ))
}

/// The conversation the judged provider saw, the reference, the answer and the rubric, each
/// between tags so that text inside them cannot pass for instructions.
fn question(case: &Case, reference: Option<&str>, output: &str, rubric: &str) -> String {
    let mut q = conversation(case);
    if let Some(reference) = reference {
        q.push_str(&format!("<reference>\n{reference}\n</reference>\n"));
    }
    q.push_str(&format!(
        "<answer>\n{output}\n</answer>\n<rubric>\n{rubric}\n</rubric>\nReply with the JSON verdict only."
    ));
    q
}

/// The conversation, the two answers and the rubric, each between tags.
fn pair_question(case: &Case, a: &str, b: &str, rubric: &str) -> String {
    let mut q = conversation(case);
    q.push_str(&format!(
        "<answer_a>\n{a}\n</answer_a>\n<answer_b>\n{b}\n</answer_b>\n<rubric>\n{rubric}\n</rubric>\nReply with the JSON verdict only."
    ));
    q
}

/// A pairwise verdict: `Some(true)` when A (the first shown) is better, `Some(false)` when B
/// is, `None` for a tie; with the reason.
fn parse_preference(text: &str) -> Option<(Option<bool>, String)> {
    first_object(text, |map| {
        let winner = match map
            .get("winner")?
            .as_str()?
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "a" | "answer a" | "answer_a" => Some(true),
            "b" | "answer b" | "answer_b" => Some(false),
            "tie" | "equal" | "neither" | "both" => None,
            _ => return None,
        };
        let reason = map
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Some((winner, reason.trim().to_string()))
    })
}

/// The first JSON object in `text` that `read` accepts: in a code fence, after prose or
/// before it.
fn first_object<T>(text: &str, read: impl Fn(&Map<String, Value>) -> Option<T>) -> Option<T> {
    text.match_indices('{').find_map(|(i, _)| {
        let mut values = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(Value::Object(map))) => read(&map),
            _ => None,
        }
    })
}

/// The first JSON object in `text` that is a verdict: in a code fence, after prose or before it.
/// `pass` is required (a boolean, or "pass"/"fail"/"true"/"false"); `score`, when given, must be
/// in [0, 1] (else it is 1 for a pass and 0 for a fail); `reason` may be missing.
pub fn parse_verdict(text: &str) -> Option<(bool, f64, String)> {
    first_object(text, verdict)
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
