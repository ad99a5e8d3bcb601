//! The suite's scorers, resolved once when the suite loads: each type with exactly the fields it
//! needs (the one place that says which fields a type takes and which it requires), their ranges
//! checked, and the files and programs they name found — a JSON Schema compiled, an embedding
//! model folder located, a program on PATH — so that none fails mid-run. `score` builds its
//! scorers from these.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

mod compare;

use compare::{ignored_paths, resolve_reference, unknown_provider};

use super::error::Diagnostic;
use super::source::SuiteText;
use super::{ArgumentsMatch, JudgeMode, Normalize, ScorerConfig, ScorerType, SuiteSpec};
use crate::installed::find_installed;

/// Where `make setup` installs the default embedding model, inside the checkout.
const DEFAULT_EMBEDDING_MODEL: &str = "models/all-minilm-l6-v2";
/// How long a `command` check may run when the suite says nothing.
const DEFAULT_COMMAND_TIMEOUT_S: f64 = 30.0;

/// One scorer of the suite, ready to run.
#[derive(Debug, Clone)]
pub struct Scorer {
    /// Where the suite file writes it, for problems found later (a pattern that does not compile).
    pub line: Option<usize>,
    /// As records and reports name it: its `name`, else its type as the suite writes it
    /// (`equals`, `rouge-l`, `judge-pairwise` …), with `#2`, `#3` … on the second and later
    /// scorers of one type, so that their figures stay apart.
    pub name: String,
    pub normalize: Vec<Normalize>,
    /// Whether the suite gave a `value` (for a judge, a reference answer).
    pub has_value: bool,
    /// Another answer to the same case to compare with, instead of `value`.
    pub reference: Option<Reference>,
    pub weight: f64,
    pub test: Test,
}

/// Where a scorer's reference answer comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// The response logged with a replayed request.
    Logged,
    /// This provider's answer to the same case and repeat (`baseline` names the gate's).
    Provider(String),
}

impl Reference {
    /// As records and reports name it: `logged`, or the provider id.
    pub fn label(&self) -> &str {
        match self {
            Self::Logged => "logged",
            Self::Provider(id) => id,
        }
    }
}

/// What a scorer tests, with what it needs.
#[derive(Debug, Clone)]
pub enum Test {
    Text(TextTest),
    Json {
        schema: Option<Arc<jsonschema::Validator>>,
    },
    Similarity {
        threshold: f64,
        model: PathBuf,
    },
    RougeL {
        threshold: f64,
    },
    Bleu {
        threshold: f64,
    },
    Number {
        tolerance: f64,
    },
    Judge {
        provider: String,
        rubric: String,
        /// `mode: pairwise`: the score needed to pass (win 1, tie 0.5, loss 0).
        pairwise: Option<f64>,
    },
    Command(Program),
    Latency {
        max_ms: f64,
    },
    Cost {
        max_usd: f64,
    },
    ToolCall {
        ordered: bool,
        arguments: ArgumentsMatch,
        threshold: f64,
    },
    JsonMatch {
        ordered: bool,
        tolerance: f64,
        /// JSON Pointers split into their segments (`*`: any key or index).
        ignore: Vec<Vec<String>>,
        threshold: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextTest {
    Equals,
    Contains,
    Icontains,
    Regex,
    StartsWith,
}

/// A `command` scorer's program, found before the run.
#[derive(Debug, Clone)]
pub struct Program {
    /// Absolute: the program starts in `dir`, where a relative path would mean something else.
    pub path: PathBuf,
    pub args: Vec<String>,
    /// Where it runs: the suite file's folder, so paths in `run` read like the suite's own.
    pub dir: PathBuf,
    pub timeout: Duration,
    /// A printed score must also reach this to pass.
    pub threshold: Option<f64>,
}

/// Every scorer of the suite resolved, in order; problems go to `out`.
pub(super) fn resolve_all(
    spec: &SuiteSpec,
    src: &SuiteText,
    out: &mut Vec<Diagnostic>,
) -> Vec<Scorer> {
    let mut scorers: Vec<Scorer> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (i, config) in spec.scorers.iter().enumerate() {
        let at = Fields { i, src };
        let before = out.len();
        check_fields(&at, config, out);
        check_ranges(&at, config, out);
        let reference = resolve_reference(&at, config, spec, out);
        let test = resolve(&at, config, spec, out);
        if let (Some(test), true) = (test, out.len() == before) {
            // A pairwise judge's scores (win, tie, loss) are not a rubric's grades: counted apart.
            let pairwise = matches!(
                test,
                Test::Judge {
                    pairwise: Some(_),
                    ..
                }
            );
            let kind = if pairwise {
                "judge-pairwise"
            } else {
                config.kind.as_str()
            };
            let Some(name) = unique_name(&at, config.name.as_deref(), kind, &names, out) else {
                continue;
            };
            names.push(name.clone());
            scorers.push(Scorer {
                line: src.diag(&format!("scorers[{i}]"), "").line,
                name,
                normalize: config.normalize.clone(),
                has_value: config.value.is_some(),
                reference,
                weight: config.weight.unwrap_or(1.0),
                test,
            });
        }
    }
    scorers
}

/// The scorer's name: its own (which no other may take), else its type, numbered from the
/// second of a type on.
fn unique_name(
    at: &Fields,
    own: Option<&str>,
    kind: &str,
    taken: &[String],
    out: &mut Vec<Diagnostic>,
) -> Option<String> {
    if let Some(name) = own {
        if taken.iter().any(|t| t == name) {
            out.push(at.at("name", format!("another scorer is named `{name}`")));
            return None;
        }
        return Some(name.to_string());
    }
    let mut name = kind.to_string();
    let mut n = 1;
    while taken.contains(&name) {
        n += 1;
        name = format!("{kind}#{n}");
    }
    Some(name)
}

/// Diagnostics at the fields of `scorers[i]`.
struct Fields<'a> {
    i: usize,
    src: &'a SuiteText<'a>,
}

impl Fields<'_> {
    fn at(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        let path = if field.is_empty() {
            format!("scorers[{}]", self.i)
        } else {
            format!("scorers[{}].{field}", self.i)
        };
        self.src.diag(&path, message)
    }
}

/// A field the scorer's type does not take is refused (required ones are asked for by `resolve`).
fn check_fields(at: &Fields, s: &ScorerConfig, out: &mut Vec<Diagnostic>) {
    use ScorerType as T;
    let kind = s.kind;
    let text = matches!(
        kind,
        T::Equals | T::Contains | T::Icontains | T::Regex | T::StartsWith
    );
    let overlap = matches!(kind, T::Similarity | T::RougeL | T::Bleu);
    let structured = matches!(kind, T::ToolCall | T::JsonMatch);
    let compares = text || overlap || structured || matches!(kind, T::Number | T::Judge);
    let fields = [
        ("value", s.value.is_some(), compares),
        ("reference", s.reference.is_some(), compares),
        ("normalize", !s.normalize.is_empty(), text || overlap),
        ("schema", s.schema.is_some(), kind == T::Json),
        (
            "threshold",
            s.threshold.is_some(),
            overlap || structured || kind == T::Command || s.mode == Some(JudgeMode::Pairwise),
        ),
        ("ordered", s.ordered.is_some(), structured),
        ("arguments", s.arguments.is_some(), kind == T::ToolCall),
        ("ignore", s.ignore.is_some(), kind == T::JsonMatch),
        ("mode", s.mode.is_some(), kind == T::Judge),
        ("model", s.model.is_some(), kind == T::Similarity),
        ("provider", s.provider.is_some(), kind == T::Judge),
        ("rubric", s.rubric.is_some(), kind == T::Judge),
        ("run", s.run.is_some(), kind == T::Command),
        ("timeout_s", s.timeout_s.is_some(), kind == T::Command),
        ("max_ms", s.max_ms.is_some(), kind == T::Latency),
        ("max_usd", s.max_usd.is_some(), kind == T::Cost),
        (
            "tolerance",
            s.tolerance.is_some(),
            matches!(kind, T::Number | T::JsonMatch),
        ),
    ];
    for (field, set, applies) in fields {
        if set && !applies {
            out.push(at.at(
                field,
                format!("`{field}` does not apply to type `{}`", kind.as_str()),
            ));
        }
    }
}

/// A numeric field, its value, whether a value is allowed, and the rule in words.
type Range<'a> = (&'a str, Option<f64>, fn(f64) -> bool, &'a str);

fn check_ranges(at: &Fields, s: &ScorerConfig, out: &mut Vec<Diagnostic>) {
    let ranges: [Range; 6] = [
        (
            "weight",
            s.weight,
            |v| v >= 0.0 && v.is_finite(),
            "0 or more",
        ),
        (
            "threshold",
            s.threshold,
            |v| (0.0..=1.0).contains(&v),
            "in [0, 1]",
        ),
        (
            "tolerance",
            s.tolerance,
            |v| v >= 0.0 && v.is_finite(),
            "0 or more",
        ),
        (
            "timeout_s",
            s.timeout_s,
            // As `run` uses it: a Duration of that many seconds.
            |v| v > 0.0 && Duration::try_from_secs_f64(v).is_ok(),
            "a positive number of seconds",
        ),
        (
            "max_ms",
            s.max_ms,
            |v| v > 0.0,
            "a positive number of milliseconds",
        ),
        (
            "max_usd",
            s.max_usd,
            |v| v >= 0.0 && v.is_finite(),
            "0 or more",
        ),
    ];
    for (field, value, ok, rule) in ranges {
        if matches!(value, Some(v) if !ok(v)) {
            out.push(at.at(field, format!("must be {rule}")));
        }
    }
}

const COMPARE: &str = "what to compare with, e.g. \"{{ expect.answer }}\", or `reference: baseline` (another provider's answer; `logged` for replayed traffic's logged response)";
const PASS_AT: &str = "the score needed to pass, in [0, 1], e.g. 0.8";

/// Whether a field the scorer's type requires is set; a diagnostic when it is not.
fn need(
    at: &Fields,
    s: &ScorerConfig,
    out: &mut Vec<Diagnostic>,
    field: &str,
    set: bool,
    what: &str,
) -> bool {
    if !set {
        out.push(
            at.at("", format!("scorer `{}` needs `{field}`", s.kind.as_str()))
                .help(what),
        );
    }
    set
}

/// Whether the scorer says what to compare with: a `value` or a `reference`, not both.
fn compared(at: &Fields, s: &ScorerConfig, out: &mut Vec<Diagnostic>) -> bool {
    if s.value.is_some() && s.reference.is_some() {
        out.push(at.at(
            "reference",
            "give `value` or `reference`, not both: one is what the output is compared with",
        ));
        return false;
    }
    need(
        at,
        s,
        out,
        "value",
        s.value.is_some() || s.reference.is_some(),
        COMPARE,
    )
}

/// The threshold of a scorer that compares with a `value` and passes at a score.
fn threshold(at: &Fields, s: &ScorerConfig, out: &mut Vec<Diagnostic>) -> Option<f64> {
    let value = compared(at, s, out);
    let threshold = need(at, s, out, "threshold", s.threshold.is_some(), PASS_AT);
    if value && threshold {
        s.threshold
    } else {
        None
    }
}

/// The scorer's test, with what it names found; `None` (and a diagnostic) when a required field
/// is missing or a file or program cannot be used.
fn resolve(
    at: &Fields,
    s: &ScorerConfig,
    spec: &SuiteSpec,
    out: &mut Vec<Diagnostic>,
) -> Option<Test> {
    use ScorerType as T;
    let dir = at.src.dir();
    let text = |out: &mut Vec<Diagnostic>, t| compared(at, s, out).then_some(Test::Text(t));
    match s.kind {
        T::Equals => text(out, TextTest::Equals),
        T::Contains => text(out, TextTest::Contains),
        T::Icontains => text(out, TextTest::Icontains),
        T::Regex if s.reference.is_some() => {
            let why = "a reference answer is text, not a pattern: use `equals` or `contains`";
            out.push(at.at("reference", why));
            None
        }
        T::Regex => text(out, TextTest::Regex),
        T::StartsWith => text(out, TextTest::StartsWith),
        T::RougeL => threshold(at, s, out).map(|threshold| Test::RougeL { threshold }),
        T::Bleu => threshold(at, s, out).map(|threshold| Test::Bleu { threshold }),
        T::Number => compared(at, s, out).then(|| Test::Number {
            tolerance: s.tolerance.unwrap_or(0.0),
        }),
        T::ToolCall => compared(at, s, out).then(|| Test::ToolCall {
            ordered: s.ordered.unwrap_or(false),
            arguments: s.arguments.unwrap_or(ArgumentsMatch::Exact),
            threshold: s.threshold.unwrap_or(1.0),
        }),
        T::JsonMatch => {
            let ignore = ignored_paths(at, s, out);
            (compared(at, s, out) && ignore.is_some()).then(|| Test::JsonMatch {
                ordered: s.ordered.unwrap_or(true),
                tolerance: s.tolerance.unwrap_or(0.0),
                ignore: ignore.unwrap_or_default(),
                threshold: s.threshold.unwrap_or(1.0),
            })
        }
        T::Latency => {
            let what = "the largest total time of a call, in milliseconds";
            need(at, s, out, "max_ms", s.max_ms.is_some(), what);
            s.max_ms.map(|max_ms| Test::Latency { max_ms })
        }
        T::Cost => {
            let what = "the largest cost of a call in USD; records need a price for their provider";
            need(at, s, out, "max_usd", s.max_usd.is_some(), what);
            s.max_usd.map(|max_usd| Test::Cost { max_usd })
        }
        T::Json => match &s.schema {
            None => Some(Test::Json { schema: None }),
            Some(path) => match compile_schema(&dir.join(path)) {
                Ok(v) => Some(Test::Json {
                    schema: Some(Arc::new(v)),
                }),
                Err(e) => {
                    out.push(at.at("schema", e));
                    None
                }
            },
        },
        T::Similarity => {
            let threshold = threshold(at, s, out);
            match embedding_model_dir(s.model.as_deref(), &dir) {
                Ok(model) => threshold.map(|threshold| Test::Similarity { threshold, model }),
                Err(e) => {
                    out.push(at.at(if s.model.is_some() { "model" } else { "" }, e));
                    None
                }
            }
        }
        T::Judge => resolve_judge(at, s, spec, out),
        T::Command => resolve_command(at, s, &dir, out),
    }
}

fn resolve_judge(
    at: &Fields,
    s: &ScorerConfig,
    spec: &SuiteSpec,
    out: &mut Vec<Diagnostic>,
) -> Option<Test> {
    let what = "the id of the provider of this suite that judges";
    need(at, s, out, "provider", s.provider.is_some(), what);
    let what = "what a good answer does, e.g. \"names the right queue and gives no advice\"";
    need(at, s, out, "rubric", s.rubric.is_some(), what);
    let pairwise = s.mode == Some(JudgeMode::Pairwise);
    if pairwise && s.value.is_none() && s.reference.is_none() {
        let what = "the answer the candidate's is compared with, e.g. `reference: baseline`";
        out.push(
            at.at("", "a pairwise judge needs `reference` or `value`")
                .help(what),
        );
    }
    let name = s.provider.clone()?;
    match spec.providers.get(&name) {
        None => {
            out.push(unknown_provider(at, "provider", &name, spec));
            return None;
        }
        Some(p) if p.kind == super::ProviderKind::Logged => {
            out.push(at.at(
                "provider",
                format!("`{name}` is a logged provider: it answers nothing, and cannot judge"),
            ));
            return None;
        }
        Some(_) => {}
    }
    Some(Test::Judge {
        provider: name,
        rubric: s.rubric.clone()?,
        pairwise: pairwise.then(|| s.threshold.unwrap_or(0.5)),
    })
}

fn resolve_command(
    at: &Fields,
    s: &ScorerConfig,
    dir: &Path,
    out: &mut Vec<Diagnostic>,
) -> Option<Test> {
    let what = "the program and its arguments, e.g. [\"python3\", \"checks/policy.py\"]";
    need(at, s, out, "run", s.run.is_some(), what);
    let Some((program, args)) = s.run.as_deref()?.split_first() else {
        out.push(at.at("run", "is empty: give the program and its arguments"));
        return None;
    };
    match find_program(program, dir) {
        Ok(path) => Some(Test::Command(Program {
            path,
            args: args.to_vec(),
            dir: dir.to_path_buf(),
            // check_ranges refused a timeout no Duration holds.
            timeout: Duration::try_from_secs_f64(s.timeout_s.unwrap_or(DEFAULT_COMMAND_TIMEOUT_S))
                .unwrap_or(Duration::MAX),
            threshold: s.threshold,
        })),
        Err(e) => {
            out.push(at.at("run[0]", e));
            None
        }
    }
}

/// A JSON Schema file (draft 2020-12, whatever its `$schema` says; remote `$ref`s are not fetched).
fn compile_schema(path: &Path) -> Result<jsonschema::Validator, String> {
    let bytes = crate::input::read(path, crate::input::SCHEMA_MAX_BYTES)
        .map_err(|e| format!("cannot read the schema {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("the schema {} is not UTF-8 text", path.display()))?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the schema {} is not JSON: {e}", path.display()))?;
    jsonschema::draft202012::new(&schema).map_err(|e| {
        let at = e.instance_path().to_string();
        let at = if at.is_empty() { "/" } else { &at };
        format!(
            "{} is not a valid JSON Schema (at {at}: {e})",
            path.display()
        )
    })
}

/// `program` as the suite names it: on PATH when it is a bare name, else relative to `dir` (the
/// suite file's folder). It must be an executable file.
fn find_program(program: &str, dir: &Path) -> Result<PathBuf, String> {
    let found = which::which_in(program, std::env::var_os("PATH"), dir).map_err(|_| {
        if program.contains('/') {
            format!(
                "program {} does not exist or is not executable (paths are relative to the suite file)",
                dir.join(program).display()
            )
        } else {
            format!("program `{program}` is not on PATH")
        }
    })?;
    std::path::absolute(&found).map_err(|e| format!("{}: {e}", found.display()))
}

/// The embedding model folder a `similarity` scorer uses: `configured` relative to the suite's
/// folder, else the one the set-up installs. It must hold `model.onnx` and `tokenizer.json`.
fn embedding_model_dir(configured: Option<&Path>, suite_dir: &Path) -> Result<PathBuf, String> {
    let dir = match configured {
        Some(p) => suite_dir.join(p),
        None => find_installed(Path::new(DEFAULT_EMBEDDING_MODEL)).map_err(|tried| {
            format!(
                "the default embedding model is not installed (looked in: {}); run `make setup` \
                 in the modelswap checkout, or give `model`",
                tried.join(", ")
            )
        })?,
    };
    if !dir.is_dir() {
        return Err(format!(
            "embedding model folder {} does not exist (run `make setup` for the default one; paths are relative to the suite file)",
            dir.display()
        ));
    }
    let missing: Vec<&str> = ["model.onnx", "tokenizer.json"]
        .into_iter()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "embedding model folder {} has no {}",
            dir.display(),
            missing.join(" or ")
        ));
    }
    Ok(dir)
}
