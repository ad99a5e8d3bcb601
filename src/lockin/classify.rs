//! What a file is for — production code, a test, an example, documentation or data, generated or
//! vendored code — read from its path the way a reviewer would: the folder it sits in and the
//! naming conventions of its language. Findings in tests and examples are real uses of a vendor,
//! but they are not what a migration has to move first, so they are reported apart.

use super::FileClass;

impl Default for FileClass {
    /// A file no convention marks is production code: an estimate errs on the side of counting.
    fn default() -> Self {
        FileClass::Production
    }
}

const GENERATED_DIRS: [&str; 6] = [
    "generated",
    "__generated__",
    "vendor",
    "vendored",
    "third_party",
    "third-party",
];
const TEST_DIRS: [&str; 8] = [
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "testing",
    "testdata",
    "e2e",
];
const EXAMPLE_DIRS: [&str; 10] = [
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "cookbook",
    "cookbooks",
    "tutorial",
    "tutorials",
];
const DOCS_DIRS: [&str; 3] = ["docs", "doc", "documentation"];
const DATA_EXTENSIONS: [&str; 4] = [".csv", ".tsv", ".jsonl", ".ndjson"];

/// The class of `file` (relative to the scanned root, `/`-separated), the first that applies of
/// generated, test, example, docs/data, production.
pub(crate) fn classify(file: &str) -> FileClass {
    let lower = file.to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split('/').collect();
    let name = segments.pop().unwrap_or_default();
    let in_dir = |dirs: &[&str]| segments.iter().any(|s| dirs.contains(s));
    if in_dir(&GENERATED_DIRS) || generated_name(name) {
        FileClass::Generated
    } else if in_dir(&TEST_DIRS) || test_name(name) {
        FileClass::Test
    } else if in_dir(&EXAMPLE_DIRS) {
        FileClass::Example
    } else if in_dir(&DOCS_DIRS) || DATA_EXTENSIONS.iter().any(|e| name.ends_with(e)) {
        FileClass::Docs
    } else {
        FileClass::Production
    }
}

fn generated_name(name: &str) -> bool {
    name.contains(".generated.")
        || name.contains(".gen.")
        || name.contains("_generated.")
        || name.ends_with(".pb.go")
        || name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
}

/// Test files by each language's convention: pytest, Go, Jest/Vitest, JUnit, RSpec, xUnit.
fn test_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || name.ends_with("_test.go")
        || [".test.", ".spec."].iter().any(|m| name.contains(m))
        || ((stem.ends_with("test") || stem.ends_with("tests")) && name.ends_with(".java"))
        || ((stem.ends_with("test") || stem.ends_with("tests")) && name.ends_with(".kt"))
        || ((stem.ends_with("test") || stem.ends_with("tests")) && name.ends_with(".cs"))
        || name.ends_with("_spec.rb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_by_folder_and_naming_convention() {
        let cases = [
            ("src/app/client.py", FileClass::Production),
            ("config/models.yaml", FileClass::Production),
            ("tests/test_client.py", FileClass::Test),
            ("pkg/client_test.go", FileClass::Test),
            ("web/src/chat.spec.ts", FileClass::Test),
            ("web/src/__tests__/chat.tsx", FileClass::Test),
            ("src/main/java/AppTest.java", FileClass::Test),
            ("lib/client_spec.rb", FileClass::Test),
            ("app/conftest.py", FileClass::Test),
            ("examples/quickstart.py", FileClass::Example),
            ("Cookbook/vision.ipynb", FileClass::Example),
            ("docs/guide/setup.py", FileClass::Docs),
            ("data/eval.jsonl", FileClass::Docs),
            ("api/service_pb2.py", FileClass::Generated),
            ("internal/api/api.pb.go", FileClass::Generated),
            ("vendor/github.com/x/y.go", FileClass::Generated),
            ("src/contest.py", FileClass::Production),
            ("src/latest.py", FileClass::Production),
        ];
        for (path, class) in cases {
            assert_eq!(classify(path), class, "{path}");
        }
    }
}
