use serde_json::json;

use super::*;

fn call(name: &str, arguments: &str) -> ToolCall {
    ToolCall {
        id: format!("call_{name}"),
        name: name.into(),
        arguments: arguments.into(),
    }
}

fn expected(calls: Value) -> Vec<Expected> {
    from_value(&calls.to_string()).unwrap()
}

fn run(
    made: &[ToolCall],
    want: &[Expected],
    arguments: ArgumentsMatch,
    ordered: bool,
) -> (f64, bool, String) {
    let tools = [Tool {
        name: "refund".into(),
        description: None,
        parameters: json!({"type": "object", "required": ["order_id", "amount"], "properties": {
            "order_id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}}),
    }];
    let options = Options {
        ordered,
        arguments,
        tools: &tools,
    };
    score("", made, want, "the reference", &options, 1.0)
}

#[test]
fn the_same_calls_with_reordered_keys_whitespace_and_number_spelling_match() {
    let want = expected(json!([{"name": "refund", "arguments": {"order_id": "A1", "amount": 20}}]));
    let made = [call(
        "refund",
        "{ \"amount\" : 20.0,\n \"order_id\": \"A1\" }",
    )];
    let (f1, passed, reason) = run(&made, &want, ArgumentsMatch::Exact, false);
    assert_eq!((f1, passed), (1.0, true));
    assert_eq!(
        reason,
        "F1 1.0000 ≥ threshold 1: 1 of 1 calls of the reference matched, 1 made"
    );
}

#[test]
fn a_different_argument_names_its_path() {
    let want = expected(json!([{"name": "refund", "arguments": {"order_id": "A1", "amount": 20}}]));
    let made = [call(
        "refund",
        r#"{"order_id": "A1", "amount": 25, "note": "x"}"#,
    )];
    let (f1, passed, reason) = run(&made, &want, ArgumentsMatch::Exact, false);
    assert_eq!((f1, passed), (0.0, false));
    assert_eq!(
        reason,
        "F1 0.0000 < threshold 1: 0 of 1 calls of the reference matched, 1 made; \
         differs: refund at /amount (got 25), /note (not expected)"
    );
    // `subset` lets the extra argument through, not the different one.
    let (_, _, reason) = run(&made, &want, ArgumentsMatch::Subset, false);
    assert!(
        reason.ends_with("differs: refund at /amount (got 25)"),
        "{reason}"
    );
}

#[test]
fn an_extra_parallel_call_halves_precision() {
    let want = expected(json!([{"name": "lookup", "arguments": {"order_id": "A1"}}]));
    let made = [
        call("lookup", r#"{"order_id":"A1"}"#),
        call("refund", r#"{"order_id":"A1","amount":5}"#),
    ];
    let (f1, passed, reason) = run(&made, &want, ArgumentsMatch::Exact, false);
    // Precision 1/2, recall 1/1: F1 = 2/3.
    assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
    assert!(!passed);
    assert_eq!(
        reason,
        "F1 0.6667 < threshold 1: 1 of 1 calls of the reference matched, 2 made; \
         extra: refund({\"order_id\":\"A1\",\"amount\":5})"
    );
}

#[test]
fn text_instead_of_a_call_and_a_call_instead_of_text_fail_with_that_reason() {
    let want = expected(json!([{"name": "lookup", "arguments": {"order_id": "A1"}}]));
    let options = Options {
        ordered: false,
        arguments: ArgumentsMatch::Exact,
        tools: &[],
    };
    let (f1, passed, reason) = score(
        "Your order is on its way.",
        &[],
        &want,
        "the reference",
        &options,
        1.0,
    );
    assert_eq!((f1, passed), (0.0, false));
    assert_eq!(
        reason,
        "answered in text where the reference called lookup({\"order_id\":\"A1\"}): \"Your order is on its way.\""
    );
    let made = [call("lookup", r#"{"order_id":"A1"}"#)];
    let (f1, passed, reason) = score("", &made, &[], "the reference", &options, 1.0);
    assert_eq!((f1, passed), (0.0, false));
    assert_eq!(
        reason,
        "called lookup({\"order_id\":\"A1\"}) where the reference answered in text"
    );
    let (f1, passed, _) = score("hi", &[], &[], "the reference", &options, 1.0);
    assert_eq!((f1, passed), (1.0, true));
}

#[test]
fn schema_mode_checks_the_tools_parameters_not_the_values() {
    let want = expected(json!([{"name": "refund", "arguments": {"order_id": "A1", "amount": 20}}]));
    let fine = [call("refund", r#"{"order_id": "B7", "amount": 3}"#)];
    assert_eq!(run(&fine, &want, ArgumentsMatch::Schema, false).0, 1.0);
    let broken = [call("refund", r#"{"order_id": 7, "amount": -1}"#)];
    let (f1, _, reason) = run(&broken, &want, ArgumentsMatch::Schema, false);
    assert_eq!(f1, 0.0);
    assert!(
        reason.ends_with(
            "differs: refund at /order_id (7 is not of type \"string\"), /amount (-1 is less than the minimum of 0)"
        ),
        "{reason}"
    );
    let missing = [call("refund", r#"{"order_id": "B7"}"#)];
    let (_, _, reason) = run(&missing, &want, ArgumentsMatch::Schema, false);
    assert!(
        reason.contains("\"amount\" is a required property"),
        "{reason}"
    );
    let unknown = expected(json!([{"name": "cancel"}]));
    let (_, _, reason) = run(
        &[call("cancel", "{}")],
        &unknown,
        ArgumentsMatch::Schema,
        false,
    );
    assert!(
        reason.contains("the request defines no tool `cancel`"),
        "{reason}"
    );
}

#[test]
fn order_counts_only_when_asked() {
    let want = expected(json!([{"name": "a"}, {"name": "b"}]));
    let made = [call("b", "{}"), call("a", "")];
    assert_eq!(run(&made, &want, ArgumentsMatch::Exact, false).0, 1.0);
    let (f1, _, reason) = run(&made, &want, ArgumentsMatch::Exact, true);
    assert_eq!(f1, 0.5);
    assert!(reason.contains("1 of 2 calls"), "{reason}");
}

#[test]
fn values_are_read_as_lists_of_name_and_arguments() {
    let v = from_value(r#"[{"name": "f", "arguments": "{\"x\": 1}"}, {"name": "g"}]"#).unwrap();
    assert_eq!(v[0].arguments, json!({"x": 1}));
    assert_eq!(v[1].arguments, json!({}));
    assert!(from_value(r#"{"name": "f"}"#)
        .unwrap_err()
        .contains("must be a JSON list"));
    assert!(from_value(r#"[{"arguments": {}}]"#)
        .unwrap_err()
        .contains("[0] has no string `name`"));
}
