//! `tool-call`: the output's tool calls against the expected ones (the suite's `value`, or the
//! reference answer's calls). Calls match by name and arguments; the score is F1 over matched
//! calls, and the reason names the missing, extra and differing calls with the argument paths
//! that differ.

use serde_json::Value;

use super::json_match::{self, brief, listed, Agreement};
use super::text::shown;
use crate::chat::{Tool, ToolCall};
use crate::suite::ArgumentsMatch;

/// A call the output should make.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub name: String,
    pub arguments: Value,
}

/// How calls are compared.
pub struct Options<'a> {
    pub ordered: bool,
    pub arguments: ArgumentsMatch,
    /// The request's tool definitions (for `arguments: schema`).
    pub tools: &'a [Tool],
}

/// The suite's `value`: a JSON list of `{name, arguments}`, the arguments an object (or a JSON
/// string holding one, as the wire formats write them).
pub fn from_value(text: &str) -> Result<Vec<Expected>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "`value` is not a JSON list of {{name, arguments}} ({e}): {}",
            shown(text)
        )
    })?;
    let Value::Array(items) = value else {
        return Err(format!(
            "`value` must be a JSON list of {{name, arguments}}, not {}",
            shown(text)
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`value`[{i}] has no string `name`"))?;
            let arguments = match item.get("arguments") {
                None => Value::Object(Default::default()),
                Some(Value::String(s)) => serde_json::from_str(s)
                    .map_err(|e| format!("`value`[{i}].arguments is not JSON ({e})"))?,
                Some(v) => v.clone(),
            };
            Ok(Expected {
                name: name.to_string(),
                arguments,
            })
        })
        .collect()
}

/// A reference answer's calls; arguments that are not JSON are kept as the string they are.
pub fn from_calls(calls: &[ToolCall]) -> Vec<Expected> {
    calls
        .iter()
        .map(|c| Expected {
            name: c.name.clone(),
            arguments: parse_arguments(&c.arguments)
                .unwrap_or_else(|_| Value::String(c.arguments.clone())),
        })
        .collect()
}

/// A call as `name(arguments)`, its arguments as compact JSON cut short (for reasons).
pub fn render(name: &str, arguments: &str) -> String {
    format!("{name}({})", brief(&compact(arguments)))
}

/// A call as `name(arguments)`, its arguments whole, as compact JSON (for side-by-side views).
pub fn written(name: &str, arguments: &str) -> String {
    format!("{name}({})", compact(arguments))
}

/// Arguments as compact JSON; as written when they are not JSON.
fn compact(arguments: &str) -> String {
    parse_arguments(arguments).map_or_else(|_| arguments.to_string(), |v| v.to_string())
}

/// Arguments as the wire formats carry them; an empty string is an empty object.
fn parse_arguments(text: &str) -> Result<Value, serde_json::Error> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(text)
}

/// The verdict: (F1, passed at `threshold`, reason). `source` says what the expected calls are
/// ("the reference", "the value") in reasons.
pub fn score(
    output: &str,
    calls: &[ToolCall],
    expected: &[Expected],
    source: &str,
    options: &Options,
    threshold: f64,
) -> (f64, bool, String) {
    let shown_expected = || {
        let calls: Vec<String> = expected
            .iter()
            .map(|e| format!("{}({})", e.name, brief(&e.arguments.to_string())))
            .collect();
        calls.join(", ")
    };
    match (expected.is_empty(), calls.is_empty()) {
        (true, true) => return (1.0, true, format!("no tool call, as in {source}")),
        (false, true) => {
            let why = format!(
                "answered in text where {source} called {}: {}",
                shown_expected(),
                shown(output)
            );
            return (0.0, false, why);
        }
        (true, false) => {
            let made: Vec<String> = calls
                .iter()
                .map(|c| render(&c.name, &c.arguments))
                .collect();
            let why = format!("called {} where {source} answered in text", made.join(", "));
            return (0.0, false, why);
        }
        (false, false) => {}
    }
    let agree =
        |e: &Expected, a: &ToolCall| e.name == a.name && differences(e, a, options).is_empty();
    let pairs = if options.ordered {
        in_order(expected, calls, agree)
    } else {
        matched(expected, calls, agree)
    };
    let f1 = 2.0 * pairs.len() as f64 / (expected.len() + calls.len()) as f64;
    let passed = f1 >= threshold;
    let mut reason = format!(
        "F1 {f1:.4} {} threshold {threshold}: {} of {} calls of {source} matched, {} made",
        if passed { "≥" } else { "<" },
        pairs.len(),
        expected.len(),
        calls.len()
    );
    reason.push_str(&unmatched(expected, calls, &pairs, options));
    (f1, passed, reason)
}

/// The calls left unmatched: a left-over expected call and a left-over made call of the same
/// name differ (with the paths where); the rest are missing or extra.
fn unmatched(
    expected: &[Expected],
    calls: &[ToolCall],
    pairs: &[(usize, usize)],
    options: &Options,
) -> String {
    let mut made: Vec<usize> = (0..calls.len())
        .filter(|j| !pairs.iter().any(|p| p.1 == *j))
        .collect();
    let (mut missing, mut differing) = (Vec::new(), Vec::new());
    for (i, e) in expected.iter().enumerate() {
        if pairs.iter().any(|p| p.0 == i) {
            continue;
        }
        match made.iter().position(|j| calls[*j].name == e.name) {
            Some(k) => {
                let j = made.remove(k);
                let d = differences(e, &calls[j], options);
                differing.push(format!("{} at {}", e.name, listed(&d)));
            }
            None => missing.push(format!("{}({})", e.name, brief(&e.arguments.to_string()))),
        }
    }
    let extra: Vec<String> = made
        .iter()
        .map(|j| render(&calls[*j].name, &calls[*j].arguments))
        .collect();
    let mut out = String::new();
    for (what, items) in [
        ("missing", missing),
        ("differs", differing),
        ("extra", extra),
    ] {
        if !items.is_empty() {
            out.push_str(&format!("; {what}: {}", items.join(", ")));
        }
    }
    if options.ordered && out.is_empty() && pairs.len() < expected.len() {
        out.push_str("; the calls came in another order");
    }
    out
}

/// Where a made call's arguments fail the comparison (empty: they agree).
fn differences(e: &Expected, a: &ToolCall, options: &Options) -> Vec<String> {
    let actual = match parse_arguments(&a.arguments) {
        Ok(v) => v,
        Err(err) => return vec![format!("/ (arguments are not JSON: {err})")],
    };
    let strict = json_match::Options {
        ordered: true,
        tolerance: 0.0,
        ignore: &[],
    };
    match options.arguments {
        ArgumentsMatch::Schema => schema_errors(&a.name, &actual, options.tools),
        ArgumentsMatch::Subset => json_match::compare(&e.arguments, &actual, &strict).differences,
        ArgumentsMatch::Exact => {
            let mut d = json_match::compare(&e.arguments, &actual, &strict).differences;
            let extra: Agreement = json_match::compare(&actual, &e.arguments, &strict);
            d.extend(
                extra
                    .differences
                    .into_iter()
                    .filter(|x| x.ends_with("(missing)"))
                    .map(|x| x.replace("(missing)", "(not expected)")),
            );
            d
        }
    }
}

/// Where `arguments` break the `parameters` schema of the request's tool `name`.
fn schema_errors(name: &str, arguments: &Value, tools: &[Tool]) -> Vec<String> {
    let Some(tool) = tools.iter().find(|t| t.name == name) else {
        return vec![format!(
            "/ (the request defines no tool `{name}` to check against)"
        )];
    };
    match jsonschema::validator_for(&tool.parameters) {
        Err(e) => vec![format!(
            "/ (the tool's parameters are not a valid schema: {e})"
        )],
        Ok(v) => v
            .iter_errors(arguments)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("{} ({e})", if at.is_empty() { "/".into() } else { at })
            })
            .collect(),
    }
}

/// The most (expected, made) pairs that agree, each call in one pair at most (augmenting paths).
fn matched(
    expected: &[Expected],
    calls: &[ToolCall],
    agree: impl Fn(&Expected, &ToolCall) -> bool,
) -> Vec<(usize, usize)> {
    let ok: Vec<Vec<bool>> = expected
        .iter()
        .map(|e| calls.iter().map(|a| agree(e, a)).collect())
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; calls.len()];
    fn augment(i: usize, ok: &[Vec<bool>], seen: &mut [bool], owner: &mut [Option<usize>]) -> bool {
        for j in 0..owner.len() {
            if ok[i][j] && !seen[j] {
                seen[j] = true;
                if owner[j].is_none_or(|k| augment(k, ok, seen, owner)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }
    for i in 0..expected.len() {
        augment(i, &ok, &mut vec![false; calls.len()], &mut owner);
    }
    let mut pairs: Vec<(usize, usize)> = owner
        .iter()
        .enumerate()
        .filter_map(|(j, i)| i.map(|i| (i, j)))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// The longest run of agreeing pairs in both orders (a longest common subsequence).
fn in_order(
    expected: &[Expected],
    calls: &[ToolCall],
    agree: impl Fn(&Expected, &ToolCall) -> bool,
) -> Vec<(usize, usize)> {
    let (n, m) = (expected.len(), calls.len());
    let mut len = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i][j] = if agree(&expected[i], &calls[j]) {
                len[i + 1][j + 1] + 1
            } else {
                len[i + 1][j].max(len[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if agree(&expected[i], &calls[j]) && len[i][j] == len[i + 1][j + 1] + 1 {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if len[i + 1][j] >= len[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests;
