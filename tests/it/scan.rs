//! `modelswap scan`: the exact findings on the sample apps, the walk's limits (ignore files,
//! binary, large and hidden files, symlinks out of the root and in loops), SARIF valid against
//! the 2.1.0 schema, and the command line.

use std::path::{Path, PathBuf};

use modelswap::lockin::{self, Format, Scan, ScanOptions};

use crate::common::{modelswap, repo, stderr, stdout};

fn app(name: &str) -> PathBuf {
    repo().join("fixtures/sample-apps").join(name)
}

fn scan(path: &Path) -> Scan {
    lockin::scan(path, &ScanOptions::default()).unwrap()
}

type Row<'a> = (&'a str, u32, &'a str, &'a str, &'a str);

/// (file, line, feature, rating, matched) of every finding.
fn rows(scan: &Scan) -> Vec<(String, u32, String, String, String)> {
    scan.findings
        .iter()
        .map(|f| {
            (
                f.file.clone(),
                f.line,
                f.feature.id().to_string(),
                f.rating.id().to_string(),
                f.matched.clone(),
            )
        })
        .collect()
}

fn assert_findings(scan: &Scan, expected: &[Row]) {
    let expected: Vec<_> = expected
        .iter()
        .map(|&(f, l, feature, rating, m)| {
            (
                f.to_string(),
                l,
                feature.to_string(),
                rating.to_string(),
                m.to_string(),
            )
        })
        .collect();
    assert_eq!(rows(scan), expected);
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
}

/// (file, line, name, version, vendor, rating) of a vendor package.
type DependencyRow<'a> = (&'a str, u32, &'a str, Option<&'a str>, &'a str, &'a str);

fn dependencies(scan: &Scan) -> Vec<DependencyRow<'_>> {
    scan.dependencies
        .iter()
        .map(|d| {
            (
                d.file.as_str(),
                d.line,
                d.name.as_str(),
                d.version.as_deref(),
                d.vendor.id(),
                d.rating.id(),
            )
        })
        .collect()
}

fn ranking(scan: &Scan) -> Vec<(&str, u32)> {
    scan.files
        .iter()
        .map(|f| (f.file.as_str(), f.effort))
        .collect()
}

#[test]
fn the_python_fastapi_classifier_findings_are_exact() {
    let scan = scan(&app("python-ticket-classifier"));
    #[rustfmt::skip]
    assert_findings(&scan, &[
        ("app/classifier.py", 7, "sdk", "portable", "from openai"),
        ("app/classifier.py", 32, "tool-calling", "portable", "\"type\": \"function\""),
        ("app/classifier.py", 62, "chat", "portable", ".chat.completions.create"),
        ("app/classifier.py", 66, "tool-calling", "portable", "tool_choice"),
        ("app/classifier.py", 67, "seed", "portable", "seed=7"),
        ("app/classifier.py", 71, "tool-calling", "portable", "tool_calls"),
        ("app/classifier.py", 73, "tool-calling", "portable", "tool_calls"),
        ("app/classifier.py", 80, "chat", "portable", ".chat.completions.create"),
        ("app/classifier.py", 84, "structured-outputs", "portable-with-work", "\"type\": \"json_schema\""),
        ("app/classifier.py", 85, "structured-outputs", "portable-with-work", "\"strict\": True"),
        ("app/classifier.py", 87, "logprobs", "portable", "logprobs"),
        ("app/classifier.py", 88, "logprobs", "portable", "top_logprobs"),
        ("app/classifier.py", 89, "seed", "portable", "seed=7"),
        ("app/classifier.py", 92, "logprobs", "portable", "logprobs"),
        ("app/nightly.py", 7, "sdk", "portable", "from openai"),
        ("app/nightly.py", 9, "fine-tuning", "vendor-only", "ft:gpt-4o-mini-2024-07-18:acme-support::A1b2C3d4"),
        ("app/nightly.py", 13, "moderation", "portable-with-work", ".moderations.create("),
        ("app/nightly.py", 13, "moderation", "portable-with-work", "omni-moderation-latest"),
        ("app/nightly.py", 28, "files-api", "portable-with-work", ".files.create("),
        ("app/nightly.py", 29, "batch", "portable-with-work", ".batches.create("),
        ("app/nightly.py", 32, "batch", "portable-with-work", "completion_window"),
        ("app/settings.py", 17, "api-key", "portable", "OPENAI_API_KEY"),
        ("app/settings.py", 18, "model-id", "portable-with-work", "gpt-4o-mini-2024-07-18"),
        ("app/settings.py", 19, "model-id", "portable-with-work", "text-embedding-3-small"),
        ("app/similar.py", 4, "sdk", "portable", "from openai"),
        ("app/similar.py", 16, "embeddings", "portable-with-work", ".embeddings.create("),
    ]);
    assert_eq!(
        dependencies(&scan),
        vec![
            (
                "requirements.txt",
                5,
                "openai",
                Some("==1.59.7"),
                "openai",
                "portable"
            ),
            (
                "requirements.txt",
                6,
                "tiktoken",
                Some("==0.8.0"),
                "openai",
                "portable-with-work"
            ),
        ]
    );
    // The fine-tuned model (vendor-only) outweighs the classifier's many portable calls.
    assert_eq!(
        ranking(&scan),
        vec![
            ("app/nightly.py", 8),
            ("app/classifier.py", 2),
            ("app/settings.py", 2),
            ("app/similar.py", 1),
        ]
    );
    let f = &scan.findings[1];
    assert_eq!((f.vendor.id(), f.column), ("openai", 5));
    assert!(f.reason.contains("tool_calls"), "{}", f.reason);
}

#[test]
fn the_typescript_next_routes_findings_are_exact() {
    let scan = scan(&app("ts-support-assistant"));
    #[rustfmt::skip]
    assert_findings(&scan, &[
        ("app/api/reply/route.ts", 1, "sdk", "portable-with-work", "\"@anthropic-ai/sdk\""),
        ("app/api/reply/route.ts", 7, "api-key", "portable", "ANTHROPIC_API_KEY"),
        ("app/api/reply/route.ts", 9, "model-id", "portable-with-work", "claude-3-5-sonnet-20241022"),
        ("app/api/reply/route.ts", 15, "tool-calling", "portable-with-work", "input_schema"),
        ("app/api/reply/route.ts", 29, "chat", "portable-with-work", ".messages.create"),
        ("app/api/reply/route.ts", 35, "prompt-caching", "portable-with-work", "cache_control"),
        ("app/api/reply/route.ts", 40, "tool-calling", "portable-with-work", "tool_use"),
        ("app/api/reply/route.ts", 46, "tool-calling", "portable-with-work", "tool_use"),
        ("lib/knowledge.ts", 1, "sdk", "portable", "\"openai\""),
        ("lib/knowledge.ts", 11, "vision", "portable-with-work", "input_image"),
        ("lib/knowledge.ts", 13, "responses-api", "portable-with-work", ".responses.create"),
        ("lib/knowledge.ts", 14, "model-id", "portable-with-work", "gpt-4.1-mini"),
        ("lib/knowledge.ts", 16, "file-search", "vendor-only", "\"file_search\""),
        ("lib/knowledge.ts", 22, "file-search", "vendor-only", ".vectorStores.files"),
        ("lib/summarize.ts", 1, "sdk", "portable-with-work", "\"@google/genai\""),
        ("lib/summarize.ts", 3, "api-key", "portable", "GEMINI_API_KEY"),
        ("lib/summarize.ts", 23, "chat", "portable-with-work", ".generateContent("),
        ("lib/summarize.ts", 24, "model-id", "portable-with-work", "gemini-2.0-flash"),
        ("lib/summarize.ts", 27, "json-mode", "portable-with-work", "responseMimeType"),
        ("lib/summarize.ts", 28, "structured-outputs", "portable-with-work", "responseSchema"),
        ("lib/transcribe.ts", 1, "sdk", "portable", "\"openai\""),
        ("lib/transcribe.ts", 8, "audio", "portable-with-work", ".audio.transcriptions"),
        ("lib/transcribe.ts", 8, "model-id", "portable-with-work", "whisper-1"),
    ]);
    assert_eq!(
        dependencies(&scan),
        vec![
            (
                "package.json",
                11,
                "@anthropic-ai/sdk",
                Some("^0.39.0"),
                "anthropic",
                "portable-with-work"
            ),
            (
                "package.json",
                12,
                "@google/genai",
                Some("^0.7.0"),
                "google",
                "portable-with-work"
            ),
            (
                "package.json",
                14,
                "openai",
                Some("^4.77.0"),
                "openai",
                "portable"
            ),
        ]
    );
    let vendors: Vec<_> = scan.findings.iter().map(|f| f.vendor.id()).collect();
    assert_eq!(&vendors[..8], ["anthropic"; 8]);
    assert_eq!(scan.findings[14].vendor.id(), "google");
}

#[test]
fn the_go_service_findings_are_exact() {
    let scan = scan(&app("go-claims-service"));
    #[rustfmt::skip]
    assert_findings(&scan, &[
        ("internal/extract/azure.go", 8, "sdk", "portable", "\"github.com/openai/openai-go\""),
        ("internal/extract/azure.go", 9, "sdk", "portable-with-work", "\"github.com/openai/openai-go/azure\""),
        ("internal/extract/azure.go", 37, "chat", "portable", ".Chat.Completions.New("),
        ("internal/extract/azure.go", 44, "json-mode", "portable", "ResponseFormatJSONObjectParam"),
        ("internal/extract/azure.go", 46, "seed", "portable", "Seed: openai.Int("),
        ("internal/extract/bedrock.go", 9, "sdk", "portable-with-work", "\"github.com/aws/aws-sdk-go-v2/service/bedrockruntime\""),
        ("internal/extract/bedrock.go", 14, "model-id", "portable-with-work", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("internal/extract/bedrock.go", 29, "tool-calling", "portable-with-work", "ToolSpecification"),
        ("internal/extract/bedrock.go", 40, "chat", "portable-with-work", ".Converse("),
        ("internal/extract/bedrock.go", 49, "tool-calling", "portable-with-work", "ToolConfiguration"),
        ("internal/legacy/assistant.go", 12, "sdk", "portable", "\"github.com/sashabaranov/go-openai\""),
        ("internal/legacy/assistant.go", 39, "assistants", "vendor-only", ".CreateRun("),
        ("internal/legacy/assistant.go", 63, "assistants", "vendor-only", ".CreateThread("),
        ("main.go", 19, "api-key", "portable", "AZURE_OPENAI_API_KEY"),
        ("main.go", 26, "api-key", "portable", "OPENAI_API_KEY"),
    ]);
    assert_eq!(
        dependencies(&scan),
        vec![
            (
                "go.mod",
                8,
                "github.com/aws/aws-sdk-go-v2/service/bedrockruntime",
                Some("v1.30.0"),
                "aws-bedrock",
                "portable-with-work"
            ),
            (
                "go.mod",
                9,
                "github.com/openai/openai-go",
                Some("v1.8.2"),
                "openai",
                "portable"
            ),
            (
                "go.mod",
                10,
                "github.com/sashabaranov/go-openai",
                Some("v1.36.1"),
                "openai",
                "portable"
            ),
        ]
    );
    let vendors: Vec<_> = scan.findings.iter().map(|f| f.vendor.id()).collect();
    assert_eq!(vendors[1], "azure-openai");
    assert_eq!(&vendors[5..10], ["aws-bedrock"; 5]);
    assert_eq!(
        ranking(&scan),
        vec![
            ("internal/legacy/assistant.go", 6),
            ("internal/extract/bedrock.go", 5),
            ("internal/extract/azure.go", 1),
            ("main.go", 0),
        ]
    );
}

#[test]
fn the_app_without_ai_has_no_findings() {
    // Its code holds the ordinary words the gated patterns need context for: `seed=42`,
    // `"type": "function"`, `image_url`, a Cache-Control header, `strict=True`.
    let scan = scan(&app("python-inventory-service"));
    assert_findings(&scan, &[]);
    assert!(scan.dependencies.is_empty());
    assert!(scan.files.is_empty());
    assert_eq!(scan.stats.files_scanned, 7);
    assert!(
        lockin::render(&scan, Format::Md).contains("No dependency on a closed AI vendor found.")
    );
}

#[test]
fn sarif_output_is_valid_against_the_2_1_0_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("fixtures/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    for name in [
        "python-ticket-classifier",
        "ts-support-assistant",
        "go-claims-service",
        "python-inventory-service",
    ] {
        let scan = scan(&app(name));
        let sarif: serde_json::Value =
            serde_json::from_str(&lockin::render(&scan, Format::Sarif)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), scan.findings.len() + scan.dependencies.len());
        if let Some(first) = results.first() {
            // Located from the repository's top, as GitHub code scanning resolves them.
            let uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let file = &scan.findings[0].file;
            assert_eq!(uri, format!("fixtures/sample-apps/{name}/{file}"));
            let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap();
            let index = first["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], first["ruleId"]);
        }
    }
    // Something invalid is caught: the validator is not a rubber stamp.
    let mut bad: serde_json::Value = serde_json::from_str(&lockin::render(
        &scan(&app("go-claims-service")),
        Format::Sarif,
    ))
    .unwrap();
    bad["runs"][0]["results"][0]["level"] = "severe".into();
    assert!(!validator.is_valid(&bad));
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const IMPORT: &str = "from openai import OpenAI\n";

#[test]
fn the_walk_honours_ignore_files_and_skips_binary_large_hidden_and_third_party_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(&root.join(".gitignore"), "build/\n*.gen.py\n");
    write(&root.join("app.py"), IMPORT);
    write(&root.join("build/out.py"), IMPORT);
    write(&root.join("models.gen.py"), IMPORT);
    write(
        &root.join("node_modules/openai/index.js"),
        "import OpenAI from \"openai\";\n",
    );
    write(&root.join(".github/workflows/ci.py"), IMPORT);
    write(
        &root.join("logo.py"),
        [IMPORT.as_bytes(), b"\0\x89PNG"].concat(),
    );
    let mut big = IMPORT.to_string();
    big.push_str(&"x = 1\n".repeat(400_000));
    write(&root.join("generated.py"), big);
    write(&root.join("notes.md"), IMPORT);

    let scan = scan(root);
    let files: Vec<_> = scan.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["app.py"]);
    let s = &scan.stats;
    assert_eq!(
        (s.skipped_binary, s.skipped_large, s.files_other),
        (1, 1, 1)
    );
    assert_eq!(s.files_scanned, 1);
    // Named, with why: a vendor call in a skipped file is missing from the findings.
    let skipped: Vec<(&str, &str)> = (scan.skipped.iter())
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "generated.py",
                "larger than the 2097152-byte limit (2400026 bytes; --max-file-size raises it)"
            ),
            ("logo.py", "binary (it holds a NUL byte)"),
        ]
    );
    let md = lockin::render(&scan, Format::Md);
    assert!(
        md.contains("### Skipped files (2)\n\n- `generated.py`: larger than"),
        "{md}"
    );

    let options = ScanOptions {
        hidden: true,
        max_file_bytes: 8 * 1024 * 1024,
        ..ScanOptions::default()
    };
    let all = lockin::scan(root, &options).unwrap();
    let files: Vec<_> = all.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, [".github/workflows/ci.py", "app.py", "generated.py"]);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    let root = tmp.path().join("root");
    write(&outside.join("secret.py"), IMPORT);
    write(&root.join("app.py"), "import anthropic\n");
    symlink(&outside, root.join("linked_dir")).unwrap();
    symlink(outside.join("secret.py"), root.join("linked_file.py")).unwrap();

    let scan = scan(&root);
    let found: Vec<_> = scan
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.vendor.id()))
        .collect();
    assert_eq!(found, [("app.py", "anthropic")]);
    assert_eq!(scan.stats.skipped_symlinks, 2);
    let skipped: Vec<&str> = scan.skipped.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(skipped, ["linked_dir", "linked_file.py"]);
    assert_eq!(scan.stats.files_scanned, 1);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_not_entered() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(&root.join("a/b/app.py"), IMPORT);
    symlink(&root, root.join("a/b/up")).unwrap();
    symlink("..", root.join("a/parent")).unwrap();
    symlink("self", root.join("self")).unwrap();

    let scan = scan(&root);
    let files: Vec<_> = scan.findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files, ["a/b/app.py"]);
    assert_eq!(scan.stats.skipped_symlinks, 3);
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
}

#[test]
fn the_command_writes_each_format_and_exits_2_on_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let target = app("python-ticket-classifier");
    let target = target.to_str().unwrap();

    let out = modelswap(&["scan", target], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.starts_with("## Vendor lock-in scan:"), "{md}");
    assert!(
        md.contains("| `app/nightly.py` | production | 8 | 1 | 5 | 1 | OpenAI |"),
        "{md}"
    );
    assert!(
        md.contains("| vendor-only | OpenAI | fine-tuning | 1 |"),
        "{md}"
    );
    assert!(md.len() < 65_536);
    assert!(
        stderr(&out).contains("26 findings in 4 files"),
        "{}",
        stderr(&out)
    );

    let out_file = tmp.path().join("lockin.json");
    let out = modelswap(
        &[
            "scan",
            target,
            "--format",
            "md,json,sarif",
            "--out",
            out_file.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Scan = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(json.findings, scan(Path::new(target)).findings);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("lockin.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(tmp.path().join("lockin.md"))
        .unwrap()
        .starts_with("## Vendor lock-in scan:"));

    for (args, message) in [
        (vec!["scan", "no/such/dir"], "cannot scan no/such/dir"),
        (
            vec!["scan", target, "--format", "html"],
            "invalid value 'html'",
        ),
        (
            vec!["scan", target, "--format", "md,json"],
            "several formats need --out FILE",
        ),
        (
            vec!["scan", target, "--max-file-size", "2X"],
            "unknown unit",
        ),
    ] {
        let out = modelswap(&args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

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
