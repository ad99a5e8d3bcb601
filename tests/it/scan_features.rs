//! `modelswap scan`: notebooks by cell, comments and docstrings, SARIF fingerprints, notebook
//! install lines, raw REST protocols, file classes, calls chained over lines and hosted tools.

use modelswap::lockin::{self, Format, ScanOptions};

use crate::common::{modelswap, stderr, write};
use crate::scan::{app, scan, IMPORT};

#[test]
fn a_notebook_is_scanned_by_code_cell_and_its_outputs_and_markdown_are_not() {
    let dir = app("notebook-research");
    let raw = std::fs::read_to_string(dir.join("compare.ipynb")).unwrap();
    // The JSON holds vendor words only in markdown and outputs, and the cells' quotes escaped.
    for text in [
        "openai.ChatCompletion",
        "api.openai.com",
        "gpt-4o-mini",
        "\\\"media_type\\\"",
    ] {
        assert!(raw.contains(text), "{text}");
    }
    let s = scan(&dir);
    /// (cell, line in the cell, line in the file, feature, matched).
    type CellRow<'a> = (Option<u32>, u32, Option<u32>, &'a str, String);
    let got: Vec<CellRow> = (s.findings.iter())
        .map(|f| {
            (
                f.cell,
                f.line,
                f.file_line,
                f.feature.id(),
                f.matched.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(2), 2, Some(18), "sdk", "import anthropic".to_string()),
            (
                Some(3),
                1,
                Some(46),
                "vision",
                "\"media_type\": \"image/".to_string()
            ),
            (Some(3), 2, Some(47), "chat", ".messages.create".to_string()),
            (
                Some(3),
                3,
                Some(48),
                "model-id",
                "claude-3-5-haiku-20241022".to_string()
            ),
        ]
    );
    assert!(s.findings.iter().all(|f| f.vendor.id() == "anthropic"));
    // The file line is the JSON's: the cell's source line is there.
    let line = |n: u32| raw.lines().nth(n as usize - 1).unwrap().to_string();
    assert!(
        line(47).contains("reply = client.messages.create("),
        "{}",
        line(47)
    );
    let md = lockin::render(&s, Format::Md);
    assert!(md.contains("compare.ipynb cell 3:2"), "{md}");
    let sarif: serde_json::Value =
        serde_json::from_str(&lockin::render(&s, Format::Sarif)).unwrap();
    let region = &sarif["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 47, "{region}");
    assert!(region.get("startColumn").is_none(), "{region}");
}

#[test]
fn a_large_notebook_is_read_and_a_broken_one_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    // 3 MiB of outputs, over the default 2 MiB limit for other files.
    let output = "x".repeat(3 << 20);
    let nb = serde_json::json!({"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "stream", "text": [output]}],
         "source": ["from openai import OpenAI\n"]}
    ], "nbformat": 4, "nbformat_minor": 5});
    std::fs::write(tmp.path().join("big.ipynb"), nb.to_string()).unwrap();
    std::fs::write(tmp.path().join("broken.ipynb"), "{\"cells\": [").unwrap();
    let s = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    assert_eq!(s.findings.len(), 1, "{:?}", s.findings);
    assert_eq!(
        (s.findings[0].file.as_str(), s.findings[0].cell),
        ("big.ipynb", Some(1))
    );
    assert_eq!(s.stats.skipped_large, 0);
    assert_eq!(s.problems.len(), 1);
    assert_eq!(s.problems[0].file.as_deref(), Some("broken.ipynb"));
    assert!(
        s.problems[0].message.starts_with("not a Jupyter notebook:"),
        "{:?}",
        s.problems
    );
}

#[test]
fn comments_and_docstrings_never_produce_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        // Vendor words only in comments and docstrings: nothing to migrate.
        ("doc.py", "\"\"\"Wraps openai.ChatCompletion for gpt-4o.\"\"\"\n# from anthropic import Anthropic\nx = 1\n"),
        ("note.ts", "// const client = new OpenAI(); model: 'gpt-4o'\n/* logprobs: true */\nexport const x = 1;\n"),
        ("main.go", "// client := anthropic.NewClient()\npackage main\n"),
        ("A.java", "/** Uses com.openai.client and gpt-4o-mini. */\nclass A {}\n"),
        // The same words in code are found, on their own lines.
        ("live.py", "# set up\nfrom anthropic import Anthropic  # the client\n"),
    ];
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let s = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let got: Vec<(&str, u32, &str)> = (s.findings.iter())
        .map(|f| (f.file.as_str(), f.line, f.matched.as_str()))
        .collect();
    assert_eq!(got, [("live.py", 2, "from anthropic")]);
}

/// A SARIF alert keeps its fingerprint when code is added above it, so GitHub code scanning
/// tracks one alert across commits instead of closing and reopening it.
#[test]
fn sarif_fingerprints_do_not_move_with_line_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let code = "from openai import OpenAI\nclient = OpenAI()\n\
                client.chat.completions.create(model=\"gpt-4o-mini\", messages=[])\n\
                client.chat.completions.create(model=\"gpt-4o-mini\", messages=[])\n";
    let fingerprints = |source: &str| -> Vec<(String, u64)> {
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("app.py"), source).unwrap();
        let out_file = tmp.path().join("lockin.json");
        let args = [
            "scan",
            "src",
            "--format",
            "json,sarif",
            "--out",
            out_file.to_str().unwrap(),
        ];
        let out = modelswap(&args, tmp.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let sarif: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join("lockin.sarif")).unwrap(),
        )
        .unwrap();
        let mut prints: Vec<(String, u64)> =
            (sarif["runs"][0]["results"].as_array().unwrap().iter())
                .map(|r| {
                    let print = r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap();
                    let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap();
                    (print.to_string(), line)
                })
                .collect();
        prints.sort();
        prints
    };
    let before = fingerprints(code);
    let after = fingerprints(&format!("import os\nimport sys\n\n{code}"));
    assert!(before.len() >= 3, "{before:?}");
    let unique: std::collections::HashSet<_> = before.iter().map(|p| &p.0).collect();
    assert_eq!(
        unique.len(),
        before.len(),
        "two alerts share a fingerprint: {before:?}"
    );
    for ((print_before, line_before), (print_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(print_before, print_after);
        assert_eq!(line_after - line_before, 3);
    }
}

/// `%pip install` and `!pip install` lines in a notebook's code cells declare packages as a
/// requirements file does: the vendor ones become dependencies at their line in the notebook.
#[test]
fn notebook_install_lines_declare_vendor_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let notebook = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["%pip install cohere\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": ["%pip install -q -U openai \"anthropic>=0.30\" -r extra.txt numpy\n",
                        "!python -m pip install langchain-openai==0.1.0  # pinned\n",
                        "import openai\n"]}
        ]
    });
    let text = serde_json::to_string_pretty(&notebook).unwrap();
    std::fs::write(tmp.path().join("demo.ipynb"), &text).unwrap();
    let result = scan(tmp.path());
    let mut got: Vec<(String, Option<String>, u32)> = (result.dependencies.iter())
        .map(|d| (d.name.clone(), d.version.clone(), d.line))
        .collect();
    got.sort();
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1;
    let first = line_of("%pip install -q");
    let second = line_of("!python -m pip");
    assert_eq!(
        got,
        vec![
            ("anthropic".into(), Some(">=0.30".into()), first),
            ("langchain-openai".into(), Some("==0.1.0".into()), second),
            ("openai".into(), None, first),
        ],
        "markdown cells, options, option values and non-vendor packages give nothing"
    );
}

/// Vendors called over raw REST, with no SDK to import: their version headers, paths, API-key
/// headers and api-version queries are found in any language and attributed to the vendor.
#[test]
fn raw_rest_calls_are_found_and_attributed_in_any_language() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("client.ts"),
        "const res = await fetch(`${base}/v1/messages`, {\n  headers: { 'anthropic-version': '2023-06-01', 'x-api-key': key },\n});\n\
         const url = `${endpoint}/openai/deployments/${name}/chat/completions?api-version=2024-10-21`;\n",
    );
    write(
        &tmp.path().join("gemini.go"),
        "req.Header.Set(\"x-goog-api-key\", key)\nurl := base + \"/models/\" + model + \":streamGenerateContent?alt=sse\"\n",
    );
    write(
        &tmp.path().join("notes.py"),
        "# the anthropic-version header is set by the SDK\nx = 1\n",
    );
    let result = scan(tmp.path());
    let found: Vec<(&str, u32, &str, &str)> = (result.findings.iter())
        .map(|f| (f.file.as_str(), f.line, f.vendor.id(), f.feature.id()))
        .collect();
    assert_eq!(
        found,
        [
            ("client.ts", 1, "anthropic", "rest-protocol"),
            ("client.ts", 2, "anthropic", "rest-protocol"),
            ("client.ts", 4, "azure-openai", "rest-protocol"),
            ("gemini.go", 1, "google", "rest-protocol"),
            ("gemini.go", 2, "google", "rest-protocol"),
        ],
        "a comment naming the header gives nothing"
    );
}

/// Tests, examples and docs are reported apart from production code, which the estimate counts
/// and which comes first in the ranking even when a test file has more findings.
#[test]
fn files_are_classified_and_only_production_code_is_estimated() {
    let tmp = tempfile::tempdir().unwrap();
    let call =
        "client.chat.completions.create(model=\"gpt-4o-mini\", messages=[], logprobs=True)\n";
    write(
        &tmp.path().join("app/service.py"),
        format!("{IMPORT}{call}"),
    );
    write(
        &tmp.path().join("tests/test_service.py"),
        format!("{IMPORT}{call}{call}{call}"),
    );
    write(
        &tmp.path().join("examples/demo.py"),
        format!("{IMPORT}{call}"),
    );
    let result = scan(tmp.path());
    let files: Vec<(&str, &str)> = (result.files.iter())
        .map(|f| (f.file.as_str(), f.class.id()))
        .collect();
    assert_eq!(
        files,
        [
            ("app/service.py", "production"),
            ("tests/test_service.py", "test"),
            ("examples/demo.py", "example")
        ]
    );
    let md = lockin::render(&result, Format::Md);
    // One OpenAI client in production code, rated by its model id (with work): 1-3 days.
    assert!(
        md.contains("Production code: 1 integration point(s) (0 vendor-only, 1 portable with work, 0 portable), roughly 1–3 engineer-days at the assumed sizes (per point: portable 0.25–0.5 days, portable with work 1–3 days, vendor-only 5–10 days). Reported apart, not in the estimate: test 1, example 1."),
        "{md}"
    );
}

/// A call chained over two lines is found on its first, and a tools array opened on the line above
/// a hosted tool is that tool's use, not also one of tool calling.
#[test]
fn a_chained_call_and_a_tools_array_above_a_hosted_tool() {
    let chained = "import OpenAI from 'openai';\nconst openai = new OpenAI();\nconst stream = await openai.chat.completions\n  .stream({ model, messages })\n";
    let chained = crate::scan_coverage::scan_one("stream.ts", chained);
    let chat: Vec<u32> = (chained.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| f.line)
        .collect();
    assert_eq!(chat, [3]);
    let agent = "from agents import Agent, FileSearchTool\nagent = Agent(\n    tools=[\n        FileSearchTool(vector_store_ids=[store]),\n    ],\n)\n";
    let agent = crate::scan_coverage::scan_one("agent.py", agent);
    let features: Vec<(u32, &str)> = (agent.findings.iter())
        .map(|f| (f.line, f.feature.id()))
        .collect();
    assert_eq!(features, [(1, "agent-sdk"), (4, "file-search")]);
}

#[test]
fn a_tools_array_of_a_hosted_tool_and_a_function_is_both() {
    // The array's opening is the hosted tool's use; the function tool beside it is tool calling.
    let py = "from openai import OpenAI\nclient = OpenAI()\n\
              client.responses.create(model=M, input=q, tools=[{\"type\": \"web_search_preview\"}])\n\
              client.responses.create(model=M, input=q, tools=[{\"type\": \"web_search_preview\"}, {\"type\": \"function\", \"name\": \"lookup\", \"parameters\": P}])\n";
    let scan = crate::scan_coverage::scan_one("mixed.py", py);
    let mut features: Vec<(u32, &str)> = (scan.findings.iter())
        .filter(|f| f.line >= 3)
        .map(|f| (f.line, f.feature.id()))
        .collect();
    features.sort();
    assert_eq!(
        features,
        [
            (3, "hosted-tools"),
            (3, "responses-api"),
            (4, "hosted-tools"),
            (4, "responses-api"),
            (4, "tool-calling")
        ]
    );
}

#[test]
fn shared_words_in_a_file_that_names_no_vendor_are_no_vendor_s() {
    // A project's own protocol types (charmbracelet/mods' `internal/proto`), a request built for
    // whichever provider, and a notebook that only reads tool calls: no vendor named, no finding.
    let go =
        "package proto\n\ntype Message struct {\n\tRole      string\n\tToolCalls []ToolCall\n}\n";
    let py = "def request(messages, tools):\n    return {\"messages\": messages, \"tools\": tools, \"tool_choice\": \"auto\"}\n";
    let nb = crate::scan_coverage::notebook(&["calls = response.choices[0].message.tool_calls"]);
    for (name, text) in [
        ("proto.go", go),
        ("request.py", py),
        ("read.ipynb", nb.as_str()),
    ] {
        let scan = crate::scan_coverage::scan_one(name, text);
        assert!(scan.findings.is_empty(), "{name}: {:?}", scan.findings);
    }
    // A call shaped like a vendor's API on a client passed in names that API's shape: it and its
    // words stay.
    let injected = "def ask(client, q):\n    return client.chat.completions.create(model=M, messages=q, tools=T, tool_choice=\"auto\")\n";
    let scan = crate::scan_coverage::scan_one("ask.py", injected);
    let features: Vec<_> = (scan.findings.iter())
        .map(|f| (f.line, f.vendor.id(), f.feature.id()))
        .collect();
    assert_eq!(
        features,
        [(2, "openai", "chat"), (2, "openai", "tool-calling")]
    );
    // The same words beside a vendor's import are its.
    let named = "import anthropic\n\ndef request(messages, tools):\n    return {\"messages\": messages, \"tools\": tools, \"tool_choice\": {\"type\": \"auto\"}}\n";
    let scan = crate::scan_coverage::scan_one("named.py", named);
    let tools: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect();
    assert_eq!(tools, [(4, "anthropic")]);
}
