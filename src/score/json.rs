//! `json`: the output parses as JSON (bare, or in a Markdown code fence), and with a schema it
//! is valid against it (JSON Schema draft 2020-12).

use jsonschema::Validator;
use serde_json::Value;

use super::text::shown;

/// Reads and compiles a JSON Schema file as draft 2020-12 (whatever its `$schema` says). Remote
/// `$ref`s are not fetched: a scorer must give the same verdict offline.
/// Whether `output` is JSON (valid against `schema` when one is given), and why not.
pub fn check(output: &str, schema: Option<&Validator>) -> (bool, String) {
    let body = unfenced(output);
    let value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return (false, format!("not JSON ({e}): {}", shown(body))),
    };
    let Some(schema) = schema else {
        return (true, "valid JSON".into());
    };
    let first_error = schema.iter_errors(&value).next().map(|error| {
        let path = error.instance_path().to_string();
        let at = if path.is_empty() { "/" } else { &path };
        format!("at {at}: {error}")
    });
    match first_error {
        None => (true, "valid JSON, valid against the schema".into()),
        Some(reason) => (false, reason),
    }
}

/// The body of the first ``` fence (```json or a bare one) when the output has one, else the
/// output itself, trimmed.
pub(super) fn unfenced(output: &str) -> &str {
    let Some(start) = output.find("```") else {
        return output.trim();
    };
    let after = &output[start + 3..];
    // The info string (`json`, `JSON`, nothing) runs to the end of the opening line.
    let body = after.find('\n').map_or("", |i| &after[i + 1..]);
    match body.find("```") {
        Some(end) => body[..end].trim(),
        None => body.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator(schema: Value) -> Validator {
        jsonschema::draft202012::new(&schema).unwrap()
    }

    #[test]
    fn bare_and_fenced_json_parse() {
        assert!(check(" {\"a\": 1} ", None).0);
        assert!(
            check(
                "Here it is:\n```json\n{\"a\": [1, 2]}\n```\nAnything else?",
                None
            )
            .0
        );
        assert!(check("```\n[true]\n```", None).0);
        let (passed, reason) = check("{\"a\": 1,}", None);
        assert!(!passed);
        assert!(reason.starts_with("not JSON (trailing comma"), "{reason}");
    }

    #[test]
    fn schema_failures_name_the_instance_path() {
        let schema = validator(serde_json::json!({
            "type": "object",
            "required": ["queue", "items"],
            "properties": {
                "queue": {"enum": ["billing", "technical"]},
                "items": {"type": "array", "items": {"type": "integer"}}
            }
        }));
        assert!(check("{\"queue\": \"billing\", \"items\": [1]}", Some(&schema)).0);
        let (passed, reason) = check(
            "{\"queue\": \"billing\", \"items\": [1, \"x\"]}",
            Some(&schema),
        );
        assert!(!passed);
        assert_eq!(reason, "at /items/1: \"x\" is not of type \"integer\"");
        let (_, reason) = check("{\"items\": []}", Some(&schema));
        assert_eq!(reason, "at /: \"queue\" is a required property");
    }

    #[test]
    fn draft_2020_12_keywords_apply() {
        // `prefixItems` exists only from draft 2020-12 on.
        let schema = validator(serde_json::json!({
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "number"}],
            "items": false
        }));
        assert!(check("[\"a\", 1]", Some(&schema)).0);
        assert!(!check("[\"a\", \"b\"]", Some(&schema)).0);
        assert!(!check("[\"a\", 1, 2]", Some(&schema)).0);
    }
}
