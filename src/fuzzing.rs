//! Fuzz targets: each parser of outside input, fed arbitrary bytes the way a user or a vendor
//! could hand them over. A target returns normally for every input (an error is a fine answer);
//! a panic, a hang or unbounded memory is a finding. `fuzz/` runs them under AFL++ (coverage
//! guided, `make fuzz`); `tests/fuzz.rs` runs them over `fixtures/fuzz/` and seeded mutations
//! of it on every `cargo test` (docs/security.md, "Fuzzing").

use std::path::PathBuf;

use crate::provider::http::StreamReader;
use crate::provider::sse::{SseEvent, SseParser};
use crate::provider::{anthropic, gemini, openai};

/// A fuzz target: takes any bytes, and must return for every input.
pub type Target = fn(&[u8]);

/// The targets, by name (the name is also the folder of its seeds in `fixtures/fuzz/`).
pub const TARGETS: [(&str, Target); 12] = [
    ("suite", suite),
    ("jsonl", jsonl),
    ("csv", csv),
    ("parquet", parquet),
    ("traffic", traffic),
    ("batch-output", batch_output),
    ("cassette", cassette),
    ("records", records),
    ("sse-openai", sse_openai),
    ("sse-anthropic", sse_anthropic),
    ("sse-gemini", sse_gemini),
    ("manifests", manifests),
];

/// A suite file, loaded and validated as `modelswap validate` does.
pub fn suite(data: &[u8]) {
    let path = scratch("suite.yaml", data);
    if let Ok(suite) = crate::suite::load_checked(&path, &crate::runner::problems) {
        drain(&suite);
    }
}

/// A JSONL dataset of a suite.
pub fn jsonl(data: &[u8]) {
    dataset("d.jsonl", "file", data);
}

/// A CSV dataset of a suite.
pub fn csv(data: &[u8]) {
    dataset("d.csv", "file", data);
}

/// A Parquet dataset of a suite.
pub fn parquet(data: &[u8]) {
    dataset("d.parquet", "file", data);
}

/// A traffic file (logged chat-completions bodies or Batch lines) of a suite.
pub fn traffic(data: &[u8]) {
    dataset("t.jsonl", "replay", data);
}

/// A Batch API output file, the logged responses of a Batch input file of two requests.
pub fn batch_output(data: &[u8]) {
    let line = |id: &str| {
        format!("{{\"custom_id\": \"{id}\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {{\"messages\": [{{\"role\": \"user\", \"content\": \"hi\"}}]}}}}\n")
    };
    let requests = scratch("in.jsonl", (line("a") + &line("b")).as_bytes());
    let responses = scratch("out.jsonl", data);
    let files = format!(
        "{{requests: {}, responses: {}}}",
        requests.display(),
        responses.display()
    );
    dataset_of(&files, "replay");
}

/// A cassette, read to replay.
pub fn cassette(data: &[u8]) {
    let _ = crate::runner::Cassette::replay(&scratch("c.jsonl", data));
}

/// A records file, as `report`, `gate` and `merge` read it, and as `--resume` reads and
/// repairs it (last, since it may cut the file).
pub fn records(data: &[u8]) {
    let path = scratch("records.jsonl", data);
    let _ = crate::record::read_records(&path);
    let _ = crate::analysis::RecordFrame::read(&path);
    let _ = crate::runner::recover_records(&path);
}

/// A streamed OpenAI-format response, in chunks split where the input says.
pub fn sse_openai(data: &[u8]) {
    stream(data, openai::StreamState::default());
}

pub fn sse_anthropic(data: &[u8]) {
    stream(data, anthropic::StreamState::new(Some("answer")));
}

pub fn sse_gemini(data: &[u8]) {
    stream(data, gemini::StreamState::default());
}

/// A dependency manifest, as `modelswap scan` reads it: the first byte picks which kind.
pub fn manifests(data: &[u8]) {
    const NAMES: [&str; 9] = [
        "requirements.txt",
        "pyproject.toml",
        "package.json",
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "app.csproj",
        "Gemfile",
    ];
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(kind) % NAMES.len()];
    let _ = crate::lockin::scan(&scratch(name, body), &Default::default());
}

/// A suite of one provider whose cases come from `name` (`field`: `file` or `replay`).
fn dataset(name: &str, field: &str, data: &[u8]) {
    let file = scratch(name, data);
    dataset_of(&file.display().to_string(), field);
}

/// A suite of one provider whose cases come from `source`, the YAML value of `field`.
fn dataset_of(source: &str, field: &str) {
    let suite = format!(
        "version: 1\nname: fuzz\nproviders:\n  p: {{kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}}\n\
         prompt: {{user: \"{{{{ q | default('') }}}}\"}}\ncases:\n  - {field}: {source}\n"
    );
    if let Ok(suite) = crate::suite::load(&scratch("suite.yaml", suite.as_bytes())) {
        drain(&suite);
    }
}

/// Reads every case again, as a run's pass does.
fn drain(suite: &crate::suite::Suite) {
    for case in suite.cases.iter() {
        if case.is_err() {
            break;
        }
    }
}

/// Feeds `data` to a vendor's stream reader: the first byte says where to split it into chunks
/// (streams arrive in arbitrary pieces), then every event is applied and the stream finished.
fn stream(data: &[u8], mut state: impl StreamReader) {
    let Some((&step, body)) = data.split_first() else {
        return;
    };
    let mut parser = SseParser::default();
    let mut events: Vec<SseEvent> = Vec::new();
    for chunk in body.chunks(usize::from(step).max(1)) {
        match parser.push(chunk) {
            Ok(more) => events.extend(more),
            Err(_) => return,
        }
    }
    events.extend(parser.finish());
    for event in &events {
        match state.apply(event) {
            Ok(true) | Err(_) => break,
            Ok(false) => {}
        }
    }
    let _ = state.finish(1.0, 2.0);
}

/// `data` written to `name` in this thread's scratch folder (a temporary folder, reused by every
/// input the thread runs, so that targets run side by side in tests do not share files).
fn scratch(name: &str, data: &[u8]) -> PathBuf {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::Builder::new()
            .prefix("modelswap-fuzz-")
            .tempdir()
            .expect("a scratch folder in the temporary directory");
    }
    let path = DIR.with(|dir| dir.path().join(name));
    std::fs::write(&path, data).expect("the scratch folder is writable");
    path
}
