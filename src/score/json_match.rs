//! `json-match`: the candidate's JSON against the reference's, leaf by leaf. The score is the
//! fraction of the reference's leaf values (strings, numbers, booleans, nulls, empty containers)
//! that the candidate reproduces at the same path; what the candidate adds is not counted. The
//! same comparison decides whether two tool calls' arguments agree (`tool_call`).

use serde_json::Value;

use super::json::unfenced;
use super::text::shown;

/// How two JSON values are compared.
pub struct Options<'a> {
    /// Arrays position by position; else as multisets (each reference element matched with
    /// the candidate element that reproduces most of it).
    pub ordered: bool,
    /// Two numbers agree within this absolute difference.
    pub tolerance: f64,
    /// JSON Pointers split into segments, `*` matching any key or index: not compared.
    pub ignore: &'a [Vec<String>],
}

/// How much of the reference a candidate reproduces, and where it does not.
#[derive(Debug, Default, PartialEq)]
pub struct Agreement {
    pub reproduced: usize,
    pub leaves: usize,
    /// JSON Pointers of the reference's leaves the candidate lacks or differs at, each with
    /// what the candidate has there (first few only in reasons).
    pub differences: Vec<String>,
}

impl Agreement {
    /// The fraction reproduced; 1 when the reference has no leaf left to compare.
    pub fn fraction(&self) -> f64 {
        if self.leaves == 0 {
            1.0
        } else {
            self.reproduced as f64 / self.leaves as f64
        }
    }
}

/// The verdict of a `json-match` scorer: (score, passed, reason).
pub fn score(
    output: &str,
    reference: &str,
    options: &Options,
    threshold: f64,
) -> (f64, bool, String) {
    let parse = |text: &str| serde_json::from_str::<Value>(unfenced(text));
    let expected = match parse(reference) {
        Ok(v) => v,
        Err(e) => {
            return (
                0.0,
                false,
                format!("the reference is not JSON ({e}): {}", shown(reference)),
            )
        }
    };
    let actual = match parse(output) {
        Ok(v) => v,
        Err(e) => return (0.0, false, format!("not JSON ({e}): {}", shown(output))),
    };
    let a = compare(&expected, &actual, options);
    let fraction = a.fraction();
    let passed = fraction >= threshold;
    let mut reason = format!(
        "{} of {} reference values reproduced ({fraction:.4} {} threshold {threshold})",
        a.reproduced,
        a.leaves,
        if passed { "≥" } else { "<" }
    );
    if !a.differences.is_empty() {
        reason.push_str("; differs at ");
        reason.push_str(&listed(&a.differences));
    }
    (fraction, passed, reason)
}

/// JSON text cut to 80 characters, unquoted (it reads as JSON).
pub(super) fn brief(json: &str) -> String {
    crate::format::truncate(json, 80)
}

/// The first few items, and how many more.
pub(super) fn listed(items: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

/// How much of `expected` `actual` reproduces.
pub fn compare(expected: &Value, actual: &Value, options: &Options) -> Agreement {
    let mut agreement = Agreement::default();
    walk(
        expected,
        Some(actual),
        options,
        &mut Vec::new(),
        &mut agreement,
    );
    agreement
}

/// Compares `expected` at `path` with `actual` (None: the candidate has nothing there).
fn walk(
    expected: &Value,
    actual: Option<&Value>,
    options: &Options,
    path: &mut Vec<String>,
    out: &mut Agreement,
) {
    if ignored(path, options.ignore) {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Some(Value::Object(a))) if !e.is_empty() => {
            for (key, value) in e {
                path.push(key.clone());
                walk(value, a.get(key), options, path, out);
                path.pop();
            }
        }
        (Value::Array(e), Some(Value::Array(a))) if !e.is_empty() => {
            if options.ordered {
                for (i, value) in e.iter().enumerate() {
                    path.push(i.to_string());
                    walk(value, a.get(i), options, path, out);
                    path.pop();
                }
            } else {
                unordered(e, a, options, path, out);
            }
        }
        (Value::Object(_) | Value::Array(_), _) if !is_empty_container(expected) => {
            // The candidate has something else here: every leaf below is missed.
            let before = out.leaves;
            count_leaves(expected, options, path, out);
            if out.leaves > before {
                out.differences.push(difference(path, actual));
            }
        }
        (leaf, actual) => {
            out.leaves += 1;
            if actual.is_some_and(|a| same_leaf(leaf, a, options.tolerance)) {
                out.reproduced += 1;
            } else {
                out.differences.push(difference(path, actual));
            }
        }
    }
}

/// Each reference element against the unused candidate element that reproduces most of it.
fn unordered(
    expected: &[Value],
    actual: &[Value],
    options: &Options,
    path: &mut Vec<String>,
    out: &mut Agreement,
) {
    let mut used = vec![false; actual.len()];
    for (i, value) in expected.iter().enumerate() {
        path.push(i.to_string());
        let best = (0..actual.len()).filter(|j| !used[*j]).max_by_key(|j| {
            let mut trial = Agreement::default();
            walk(
                value,
                Some(&actual[*j]),
                options,
                &mut path.clone(),
                &mut trial,
            );
            // Most reproduced; on a tie the earliest (max_by_key keeps the last maximum).
            (trial.reproduced, std::cmp::Reverse(*j))
        });
        if let Some(j) = best {
            used[j] = true;
        }
        walk(value, best.map(|j| &actual[j]), options, path, out);
        path.pop();
    }
}

fn count_leaves(value: &Value, options: &Options, path: &mut Vec<String>, out: &mut Agreement) {
    if ignored(path, options.ignore) {
        return;
    }
    match value {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                path.push(k.clone());
                count_leaves(v, options, path, out);
                path.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                count_leaves(v, options, path, out);
                path.pop();
            }
        }
        _ => out.leaves += 1,
    }
}

fn is_empty_container(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.is_empty()) || matches!(v, Value::Array(a) if a.is_empty())
}

/// Equal leaves: numbers by value (1, 1.0 and 1e0 are one number) within `tolerance`.
fn same_leaf(expected: &Value, actual: &Value, tolerance: f64) -> bool {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => match (e.as_f64(), a.as_f64()) {
            (Some(e), Some(a)) => e == a || (e - a).abs() <= tolerance,
            _ => e == a,
        },
        _ => expected == actual,
    }
}

fn ignored(path: &[String], ignore: &[Vec<String>]) -> bool {
    ignore
        .iter()
        .any(|p| p.len() == path.len() && p.iter().zip(path).all(|(p, s)| p == "*" || p == s))
}

/// `/a/0/b` (`/` for the whole value) and what the candidate holds there.
fn pointer(path: &[String]) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn difference(path: &[String], actual: Option<&Value>) -> String {
    match actual {
        None => format!("{} (missing)", pointer(path)),
        Some(v) => format!("{} (got {})", pointer(path), brief(&v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn opts(ordered: bool, tolerance: f64, ignore: &[Vec<String>]) -> Options<'_> {
        Options {
            ordered,
            tolerance,
            ignore,
        }
    }

    #[test]
    fn leaves_are_counted_at_their_paths_and_extras_are_free() {
        let e = json!({"name": "Ada", "age": 36, "tags": ["a", "b"], "addr": {"city": "London", "zip": null}});
        let a = json!({"age": 36.0, "name": "Ada", "tags": ["a", "c"], "addr": {"city": "Paris"}, "extra": 1});
        let r = compare(&e, &a, &opts(true, 0.0, &[]));
        // name, age (36 = 36.0), tags/0 reproduced; tags/1, addr/city, addr/zip not.
        assert_eq!((r.reproduced, r.leaves), (3, 6));
        assert_eq!(
            r.differences,
            [
                "/tags/1 (got \"c\")",
                "/addr/city (got \"Paris\")",
                "/addr/zip (missing)"
            ]
        );
    }

    #[test]
    fn tolerance_array_order_and_ignored_paths() {
        let e = json!({"id": "x1", "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}], "total": 9.99});
        let a = json!({"id": "zz", "items": [{"sku": "B", "qty": 1}, {"sku": "A", "qty": 2}], "total": 10.0});
        let ignore = [vec!["id".to_string()]];
        let ordered = compare(&e, &a, &opts(true, 0.0, &ignore));
        assert_eq!((ordered.reproduced, ordered.leaves), (0, 5));
        let loose = compare(&e, &a, &opts(false, 0.02, &ignore));
        assert_eq!((loose.reproduced, loose.leaves), (5, 5));
        let wildcard = [vec![
            "items".to_string(),
            "*".to_string(),
            "qty".to_string(),
        ]];
        let r = compare(&e, &a, &opts(true, 0.0, &wildcard));
        // id, items/0/sku, items/1/sku, total; qty ignored.
        assert_eq!((r.reproduced, r.leaves), (0, 4));
    }

    #[test]
    fn a_different_shape_misses_every_leaf_below_it() {
        let e = json!({"a": {"b": 1, "c": [1, 2]}});
        let r = compare(&e, &json!({"a": "flat"}), &opts(true, 0.0, &[]));
        assert_eq!((r.reproduced, r.leaves), (0, 3));
        assert_eq!(r.differences, ["/a (got \"flat\")"]);
        // Empty containers are leaves of their own.
        let r = compare(
            &json!({"a": [], "b": {}}),
            &json!({"a": [], "b": []}),
            &opts(true, 0.0, &[]),
        );
        assert_eq!((r.reproduced, r.leaves), (1, 2));
    }

    #[test]
    fn the_scorer_reads_fences_and_names_what_is_not_json() {
        let (s, passed, reason) = score(
            "```json\n{\"a\": 1, \"b\": 2}\n```",
            "{\"a\": 1, \"b\": 3}",
            &opts(true, 0.0, &[]),
            0.5,
        );
        assert_eq!((s, passed), (0.5, true));
        assert_eq!(
            reason,
            "1 of 2 reference values reproduced (0.5000 ≥ threshold 0.5); differs at /b (got 2)"
        );
        let (s, passed, reason) = score("sure!", "{}", &opts(true, 0.0, &[]), 1.0);
        assert_eq!((s, passed), (0.0, false));
        assert!(reason.starts_with("not JSON"), "{reason}");
    }
}
