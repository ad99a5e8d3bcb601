//! The workload half of the lock-in audit: a run's `lockin.json` (what the requests need against
//! each provider's capabilities) and the report's lock-in section with a code scan.

use serde_json::{json, Value};

use crate::common::{modelswap, repo, stderr};
use crate::vendor_server::{openai_json, Reply, VendorServer};

#[test]
fn the_workload_audit_names_what_each_candidate_lacks_and_the_report_shows_it() {
    let server = VendorServer::start();
    server.otherwise(Reply::json(openai_json("ok", (9, 2, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let long = "lorem ipsum ".repeat(40);
    let traffic = [
        json!({"messages": [{"role": "user", "content": "Where is order A-1?"}],
               "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]}),
        json!({"messages": [{"role": "user", "content": "Give JSON"}], "logprobs": true,
               "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}}}),
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
               {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}]}]}),
        json!({"messages": [{"role": "user", "content": long}]}),
    ];
    let lines: String = traffic.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(tmp.path().join("traffic.jsonl"), lines).unwrap();
    let suite = format!(
        "version: 1\nname: lockin\nproviders:\n\
         \x20 gpt:\n    kind: openai\n    model: gpt-4o-mini\n    base_url: {0}/v1\n    api_key_env: TEST_LOCKIN_KEY\n    stream: false\n\
         \x20 local:\n    kind: openai-compatible\n    model: small\n    base_url: {0}/v1\n\
         \x20   capabilities: {{tools: false, json_schema: false, vision: false, context_window: 50}}\n\
         \x20 engine:\n    kind: openai-compatible\n    model: big\n    base_url: {0}/v1\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n  - replay: traffic.jsonl\n",
        server.base
    );
    std::fs::write(tmp.path().join("suite.yaml"), suite).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(["run", "suite.yaml", "--out", "run", "--providers", "gpt"])
        .current_dir(tmp.path())
        .env("TEST_LOCKIN_KEY", "sk-x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("run/lockin.json")).unwrap())
            .unwrap();
    // `modelswap audit` gives the same audit without running anything.
    let printed = modelswap(&["audit", "suite.yaml", "--format", "json"], tmp.path());
    assert!(printed.status.success(), "{}", stderr(&printed));
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(printed, audit);
    let md = modelswap(&["audit", "suite.yaml"], tmp.path());
    let md = String::from_utf8_lossy(&md.stdout).into_owned();
    assert!(md.starts_with("### Workload lock-in (4 requests)"), "{md}");
    assert!(md.contains("| tools | 1 (25%) |"), "{md}");
    assert_eq!(audit["requests"], 4);
    let uses: Vec<(String, u64)> = audit["uses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["need"].as_str().unwrap().to_string(),
                u["requests"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        uses,
        [
            ("tools", 1),
            ("json-schema", 1),
            ("images", 1),
            ("logprobs", 1)
        ]
        .map(|(n, c)| (n.to_string(), c))
    );
    let provider = |id: &str| {
        audit["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["provider"] == id)
            .unwrap()
            .clone()
    };
    // The declared engine lacks tools, JSON schema, vision and a window for the long request;
    // logprobs it does not declare, so that request counts as unknown, not lacking.
    let local = provider("local");
    assert_eq!(local["lacking"], 4, "{local}");
    let gaps: Vec<&str> = local["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["need"].as_str().unwrap())
        .collect();
    assert_eq!(gaps, ["tools", "json-schema", "images", "long-context"]);
    // gpt-4o-mini (price table: tools, JSON schema, vision) lacks nothing known.
    assert_eq!(provider("gpt")["lacking"], 0);
    assert_eq!(provider("engine")["lacking"], 0);
    assert_eq!(
        provider("engine")["unknown"],
        3,
        "tools, JSON schema and images are unknown for it"
    );

    let app = repo().join("fixtures/sample-apps/python-ticket-classifier");
    let out = modelswap(
        &[
            "report",
            "run",
            "--format",
            "md,html",
            "--scan",
            app.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(
        md.contains("## Lock-in") && md.contains("Migration effort:"),
        "{md}"
    );
    assert!(md.contains("| local | 4 (100%) |"), "{md}");
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(html.contains("<section id=\"lockin\">") && html.contains("Dependency inventory"));
}
