//! `modelswap scan`: the exact findings on the sample apps, the walk's limits (ignore files,
//! binary, large and hidden files, symlinks out of the root and in loops), SARIF valid against
//! the 2.1.0 schema, and the command line.

use std::path::{Path, PathBuf};

use modelswap::lockin::{self, Format, Scan, ScanOptions};

use crate::common::{modelswap, repo, stderr, stdout, write};

pub(crate) fn app(name: &str) -> PathBuf {
    repo().join("fixtures/sample-apps").join(name)
}

pub(crate) fn scan(path: &Path) -> Scan {
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
        ("app/classifier.py", 65, "tool-calling", "portable", "tools=["),
        ("app/classifier.py", 66, "tool-calling", "portable", "tool_choice"),
        ("app/classifier.py", 67, "seed", "portable", "seed=7"),
        ("app/classifier.py", 71, "tool-calling", "portable", "tool_calls"),
        ("app/classifier.py", 73, "tool-calling", "portable", "tool_calls"),
        ("app/classifier.py", 77, "tool-calling", "portable", "tool_call_id"),
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
            ("app/nightly.py", 7),
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
        ("app/api/reply/route.ts", 48, "tool-calling", "portable-with-work", "tool_result"),
        ("app/api/reply/route.ts", 49, "tool-calling", "portable-with-work", "tool_use_id"),
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
    assert_eq!(scan.findings[17].vendor.id(), "google");
}

#[test]
fn the_go_service_findings_are_exact() {
    let scan = scan(&app("go-claims-service"));
    #[rustfmt::skip]
    assert_findings(&scan, &[
        ("internal/extract/azure.go", 8, "sdk", "portable-with-work", "\"github.com/openai/openai-go\""),
        ("internal/extract/azure.go", 9, "sdk", "portable-with-work", "\"github.com/openai/openai-go/azure\""),
        ("internal/extract/azure.go", 10, "sdk", "portable-with-work", "\"github.com/openai/openai-go/option\""),
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
        ("main.go", 18, "endpoint", "portable-with-work", "AZURE_OPENAI_ENDPOINT"),
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
    assert_eq!(&vendors[6..11], ["aws-bedrock"; 5]);
    assert_eq!(
        ranking(&scan),
        vec![
            ("internal/legacy/assistant.go", 6),
            ("internal/extract/bedrock.go", 5),
            ("internal/extract/azure.go", 3),
            ("main.go", 1),
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

pub(crate) const IMPORT: &str = "from openai import OpenAI\n";

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
        md.contains("| `app/nightly.py` | production | 7 | 1 | 4 | 1 | OpenAI |"),
        "{md}"
    );
    assert!(
        md.contains("| vendor-only | OpenAI | fine-tuning | 1 |"),
        "{md}"
    );
    assert!(md.len() < 65_536);
    assert!(
        stderr(&out).contains("27 findings in 4 files"),
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
