//! Invalid suites and datasets are refused before anything runs, with file, line, field and a hint.

use crate::common::{model, modelswap, stderr, stdout};

fn validate(yaml: &str, files: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    // The suites' local provider: the set-up's model, so that only the problem each test writes
    // is reported (validate checks the model folder in the same pass).
    std::os::unix::fs::symlink(model("smollm2-135m-instruct"), dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("s.yaml"), yaml).unwrap();
    let out = modelswap(&["validate", "s.yaml"], dir.path());
    (out.status.code().unwrap(), stderr(&out))
}

const HEAD: &str = "version: 1\nname: t\nproviders:\n  local:\n    kind: onnx\n    path: m\n";

#[test]
fn unknown_key_names_line_column_field_and_suggests() {
    let yaml = format!("{HEAD}    concurency: 2\nprompt:\n  user: hi\ncases:\n  - vars: {{}}\n");
    let (code, err) = validate(&yaml, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.yaml:7:5: providers.local.concurency: unknown field `concurency`"),
        "{err}"
    );
    assert!(err.contains("did you mean `concurrency`?"), "{err}");
    assert!(err.contains("7 |     concurency: 2"), "{err}");
}

#[test]
fn unknown_kind_and_wrong_types_are_located() {
    let yaml =
        "version: 1\nname: t\nproviders:\n  x:\n    kind: onx\nprompt:\n  user: hi\ncases: []\n";
    let (code, err) = validate(yaml, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:5:11: providers.x.kind: unknown variant `onx`"),
        "{err}"
    );
    assert!(err.contains("did you mean `onnx`?"), "{err}");

    let yaml = format!(
        "{HEAD}defaults:\n  max_tokens: lots\nprompt:\n  user: hi\ncases:\n  - vars: {{}}\n"
    );
    let (_, err) = validate(&yaml, &[]);
    assert!(
        err.contains(
            "s.yaml:8:15: defaults.max_tokens: invalid type: string \"lots\", expected u32"
        ),
        "{err}"
    );
}

#[test]
fn semantic_errors_are_all_reported_at_their_lines() {
    let yaml = format!(
        "{HEAD}prompt:\n  user: hi\ncases:\n  - vars: {{}}\ngate:\n  baseline: locl\n  candidates: [local]\n  min_pass_rate: 1.5\n"
    );
    let (code, err) = validate(&yaml, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:12:3: gate.baseline: no provider named `locl`"),
        "{err}"
    );
    assert!(err.contains("did you mean `local`?"), "{err}");
    assert!(
        err.contains("s.yaml:14:3: gate.min_pass_rate: must be in [0, 1]"),
        "{err}"
    );
    assert!(err.contains("2 problems in the suite"), "{err}");
}

#[test]
fn timeouts_must_be_positive_seconds() {
    let yaml = "version: 1\nname: t\nproviders:\n  api:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n    timeout_s: 0\n    first_byte_timeout_s: -1\nprompt:\n  user: hi\ncases:\n  - vars: {}\n";
    let (code, err) = validate(yaml, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.yaml:8:5: providers.api.timeout_s: must be a positive number of seconds"),
        "{err}"
    );
    assert!(
        err.contains(
            "s.yaml:9:5: providers.api.first_byte_timeout_s: must be a positive number of seconds"
        ),
        "{err}"
    );
}

#[test]
fn slo_bounds_must_be_positive_and_an_slo_must_bound_something() {
    let head = "version: 1\nname: t\nproviders:\n  api: {kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}\nprompt:\n  user: hi\ncases:\n  - vars: {}\n";
    let (code, err) = validate(
        &format!("{head}slo:\n  ttft_p95_ms: 0\n  e2e_p95_ms: -5\n"),
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s.yaml:10:3: slo.ttft_p95_ms: must be a positive number of milliseconds"),
        "{err}"
    );
    assert!(
        err.contains("s.yaml:11:3: slo.e2e_p95_ms: must be a positive"),
        "{err}"
    );
    let (code, err) = validate(&format!("{head}slo: {{}}\n"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("slo: names no bound"), "{err}");
    let (code, err) = validate(&format!("{head}slo: {{itl_p99_ms: 5}}\n"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field `itl_p99_ms`"), "{err}");
}

#[test]
fn missing_model_folder_says_how_to_install() {
    let yaml = "version: 1\nname: t\nproviders:\n  local:\n    kind: onnx\n    path: nowhere\nprompt:\n  user: hi\ncases:\n  - vars: {}\n";
    let (code, err) = validate(yaml, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:6:5: providers.local.path: model folder"),
        "{err}"
    );
    assert!(err.contains("make setup"), "{err}");
}

#[test]
fn bad_dataset_rows_name_file_and_line() {
    let yaml = format!("{HEAD}prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - file: d.jsonl\n");
    let (code, err) = validate(&yaml, &[("d.jsonl", "{\"q\": \"a\"}\n{\"q\": \"b\",}\n")]);
    assert_eq!(code, 2);
    assert!(err.contains("d.jsonl:2:"), "{err}");
    assert!(err.contains("invalid JSON"), "{err}");

    // A row without a variable the prompt uses: the case is named with its file and line.
    let (code, err) = validate(
        &yaml,
        &[("d.jsonl", "{\"q\": \"a\"}\n{\"id\": \"x\", \"other\": 1}\n")],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("d.jsonl:2: case x: prompt.user: undefined value"),
        "{err}"
    );
}

#[test]
fn template_syntax_errors_point_at_the_template() {
    let yaml = format!("{HEAD}prompt:\n  user: \"{{{{ q \"\ncases:\n  - vars: {{q: 1}}\n");
    let (code, err) = validate(&yaml, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("s.yaml:8:3: prompt.user: template error"),
        "{err}"
    );
}

#[test]
fn schema_is_json_schema_and_closed() {
    let out = modelswap(&["schema"], std::path::Path::new("."));
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "providers"));
    let provider = &schema["$defs"]["ProviderConfig"];
    assert_eq!(provider["additionalProperties"], false);
    assert!(provider["properties"]["concurrency"].is_object());
    let kinds = serde_json::to_string(&schema["$defs"]["ProviderKind"]).unwrap();
    assert!(kinds.contains("openai-compatible") && kinds.contains("onnx"));
}

#[test]
fn duplicate_case_ids_name_each_later_case() {
    let yaml = format!(
        "{HEAD}prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - id: a\n    vars: {{q: 1}}\n  - file: d.jsonl\n"
    );
    let rows = "{\"id\": \"b\", \"q\": 2}\n{\"id\": \"a\", \"q\": 3}\n{\"id\": \"c\", \"q\": 4}\n\n{\"id\": \"b\", \"q\": 5}\n";
    let (code, err) = validate(&yaml, &[("d.jsonl", rows)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("d.jsonl:2: case a: duplicate case id `a`"),
        "{err}"
    );
    assert!(
        err.contains("d.jsonl:5: case b: duplicate case id `b`"),
        "{err}"
    );
    assert!(err.contains("2 problems in the suite"), "{err}");
    assert!(!err.contains("case c"), "{err}");
}
