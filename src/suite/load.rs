//! Reading a suite file: YAML to `SuiteSpec` with located errors, then the checks serde cannot
//! express (references between sections, value ranges, fields that do not fit a provider kind).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::error::{did_you_mean, Diagnostic, SuiteError};
use super::{plan, Price, ProviderKind, ScorerConfig, ScorerType, Suite, SuiteSpec};

/// Reads, validates and expands a suite. Every problem found is reported at once.
pub fn load(path: &Path) -> Result<Suite, SuiteError> {
    let bytes = std::fs::read(path).map_err(|source| SuiteError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        SuiteError::Invalid(vec![Diagnostic::new(
            path,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )])
    })?;
    let source = Source::new(path, &text);
    let spec = parse(&source)?;

    let diags = validate(&spec, &source);
    if !diags.is_empty() {
        return Err(SuiteError::Invalid(diags));
    }
    let cases = plan::Cases::load(&spec, &source).map_err(SuiteError::Invalid)?;
    Ok(Suite {
        path: path.to_path_buf(),
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        spec,
        cases,
    })
}

/// JSON Schema of the suite file, generated from the same types the loader uses.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(SuiteSpec)).expect("a schema is plain JSON")
}

/// The suite's text, with what is needed to point at places in it.
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    tree: Option<Node>,
}

impl<'a> Source<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        Self {
            path,
            text,
            tree: build_tree(text),
        }
    }

    /// Directory that relative paths in the suite are resolved against.
    pub fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// A diagnostic pointing at `field` (a dotted path such as `providers.x.path` or `cases[2].file`).
    pub fn diag(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(self.path, message).field(field);
        if let Some(mark) = self
            .tree
            .as_ref()
            .and_then(|t| t.locate(&parse_path(field)))
        {
            d = d.at(mark.line(), mark.col() + 1).with_source(self.text);
        }
        d
    }
}

fn parse(source: &Source) -> Result<SuiteSpec, SuiteError> {
    let de = serde_yaml::Deserializer::from_str(source.text);
    serde_path_to_error::deserialize::<_, SuiteSpec>(de).map_err(|err| {
        let field = err.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let inner = err.inner();
        let message = clean_serde_message(&inner.to_string(), &field);
        let mut d = Diagnostic::new(source.path, message.clone()).field(field);
        if let Some(loc) = inner.location() {
            d = d.at(loc.line(), loc.column()).with_source(source.text);
        }
        if let Some(help) = suggestion(&message) {
            d = d.help(help);
        }
        SuiteError::Invalid(vec![d])
    })
}

/// serde_yaml prefixes its messages with (part of) the path and appends " at line L column C";
/// the diagnostic shows both itself.
fn clean_serde_message(message: &str, field: &str) -> String {
    let mut message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let mut prefix = field;
    while !prefix.is_empty() {
        if let Some(rest) = message
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(": "))
        {
            message = rest;
            break;
        }
        prefix = &prefix[..prefix.rfind(['.', '[']).unwrap_or(0)];
    }
    message.to_string()
}

/// "did you mean" for serde's `unknown field `x`, expected one of `a`, `b`` (and variants).
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (name, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(name, candidates.iter().copied()).map(|c| format!("did you mean `{c}`?"))
}

/// Every rate of a `price:` is a finite, non-negative number; a long-context tier starts above 0.
fn check_price(src: &Source, at: &str, price: &Price, out: &mut Vec<Diagnostic>) {
    let mut rates = vec![
        ("input_per_mtok", Some(price.input_per_mtok)),
        ("output_per_mtok", Some(price.output_per_mtok)),
        ("cached_input_per_mtok", price.cached_input_per_mtok),
    ];
    if let Some(b) = &price.batch {
        rates.extend([
            ("batch.input_per_mtok", Some(b.input_per_mtok)),
            ("batch.output_per_mtok", Some(b.output_per_mtok)),
            ("batch.cached_input_per_mtok", b.cached_input_per_mtok),
        ]);
    }
    if let Some(l) = &price.long_context {
        rates.extend([
            ("long_context.input_per_mtok", Some(l.input_per_mtok)),
            ("long_context.output_per_mtok", Some(l.output_per_mtok)),
            (
                "long_context.cached_input_per_mtok",
                l.cached_input_per_mtok,
            ),
        ]);
        if l.above_input_tokens == 0 {
            out.push(src.diag(
                &format!("{at}.long_context.above_input_tokens"),
                "must be at least 1",
            ));
        }
    }
    for (field, value) in rates {
        if matches!(value, Some(v) if !(v >= 0.0 && v.is_finite())) {
            out.push(src.diag(
                &format!("{at}.{field}"),
                "must be a non-negative number of USD per million tokens",
            ));
        }
    }
}

fn validate(spec: &SuiteSpec, src: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if spec.version != 1 {
        out.push(
            src.diag(
                "version",
                format!("unsupported suite version {}", spec.version),
            )
            .help("this modelswap reads version 1"),
        );
    }
    if spec.providers.is_empty() {
        out.push(src.diag("providers", "no providers: name at least one"));
    }
    for (id, p) in &spec.providers {
        let at = |field: &str| format!("providers.{id}.{field}");
        let not_for_kind = |field: &str, set: bool, out: &mut Vec<Diagnostic>| {
            if set {
                out.push(src.diag(
                    &at(field),
                    format!("`{field}` does not apply to kind `{}`", p.kind.as_str()),
                ));
            }
        };
        let required = |field: &str, set: bool, why: &str, out: &mut Vec<Diagnostic>| {
            if !set {
                out.push(
                    src.diag(
                        &format!("providers.{id}"),
                        format!("kind `{}` needs `{field}`", p.kind.as_str()),
                    )
                    .help(why),
                );
            }
        };
        let local = p.kind == ProviderKind::Onnx;
        not_for_kind("path", !local && p.path.is_some(), &mut out);
        not_for_kind("threads", !local && p.threads.is_some(), &mut out);
        for (field, set) in [
            ("base_url", p.base_url.is_some()),
            ("api_key_env", p.api_key_env.is_some()),
            ("rate_limit", p.rate_limit.is_some()),
            ("retries", p.retries.is_some()),
            ("stream", p.stream.is_some()),
            ("price", p.price.is_some()),
            ("timeout_s", p.timeout_s.is_some()),
            ("first_byte_timeout_s", p.first_byte_timeout_s.is_some()),
        ] {
            not_for_kind(field, local && set, &mut out);
        }
        let azure = p.kind == ProviderKind::AzureOpenai;
        not_for_kind("deployment", !azure && p.deployment.is_some(), &mut out);
        not_for_kind("api_version", !azure && p.api_version.is_some(), &mut out);
        let compatible = p.kind == ProviderKind::OpenaiCompatible;
        not_for_kind(
            "extra_body",
            !compatible && p.extra_body.is_some(),
            &mut out,
        );
        // Hosting prices hardware a team runs itself; a vendor's API has a price per token instead.
        not_for_kind(
            "hosting",
            !(local || compatible) && p.hosting.is_some(),
            &mut out,
        );
        match p.kind {
            ProviderKind::Onnx => match &p.path {
                None => required("path", false, "the model folder as optimum-cli exports it, relative to the suite file", &mut out),
                Some(rel) => {
                    let dir = src.dir().join(rel);
                    if !dir.is_dir() {
                        out.push(
                            src.diag(&at("path"), format!("model folder {} does not exist", dir.display()))
                                .help("run `make setup` to install the bundled models, or fix the path (it is relative to the suite file)"),
                        );
                    }
                }
            },
            ProviderKind::AzureOpenai => {
                required("base_url", p.base_url.is_some(), "the resource endpoint, e.g. https://acme.openai.azure.com", &mut out);
                required("deployment", p.deployment.is_some(), "the deployment name of the model", &mut out);
            }
            ProviderKind::OpenaiCompatible => {
                required("base_url", p.base_url.is_some(), "the engine's OpenAI-compatible endpoint, e.g. http://gpu-box:8000/v1", &mut out);
                required("model", p.model.is_some(), "the served model's name", &mut out);
            }
            ProviderKind::Openai | ProviderKind::Anthropic | ProviderKind::Gemini => {
                required("model", p.model.is_some(), "the vendor's model id, e.g. gpt-4o-mini, claude-3-5-haiku-20241022, gemini-2.0-flash", &mut out)
            }
        }
        for (field, value) in [
            ("timeout_s", p.timeout_s),
            ("first_byte_timeout_s", p.first_byte_timeout_s),
        ] {
            if matches!(value, Some(t) if !(t > 0.0 && t.is_finite())) {
                out.push(src.diag(&at(field), "must be a positive number of seconds"));
            }
        }
        if let Some(r) = &p.rate_limit {
            if r.requests_per_minute == Some(0) || r.tokens_per_minute == Some(0) {
                out.push(src.diag(
                    &at("rate_limit"),
                    "limits must be at least 1 (leave a limit out for none)",
                ));
            }
        }
        if p.concurrency == Some(0) {
            out.push(src.diag(&at("concurrency"), "must be at least 1"));
        }
        if p.threads == Some(0) {
            out.push(src.diag(&at("threads"), "must be at least 1"));
        }
        if let Some(price) = &p.price {
            check_price(src, &at("price"), price, &mut out);
            if p.hosting.is_some() {
                out.push(src.diag(
                    &at("price"),
                    "give `price` (per token) or `hosting` (per hour), not both",
                ));
            }
        }
        if let Some(h) = &p.hosting {
            if !(h.utilization > 0.0 && h.utilization <= 1.0) {
                out.push(src.diag(&at("hosting.utilization"), "must be in (0, 1]"));
            }
            if h.usd_per_hour < 0.0 {
                out.push(src.diag(&at("hosting.usd_per_hour"), "must not be negative"));
            }
        }
        check_sampling(
            src,
            &format!("providers.{id}"),
            p.temperature,
            p.top_p,
            p.max_tokens,
            &mut out,
        );
    }
    let d = &spec.defaults;
    check_sampling(
        src,
        "defaults",
        Some(d.temperature),
        d.top_p,
        Some(d.max_tokens),
        &mut out,
    );
    if d.repeats == 0 {
        out.push(src.diag("defaults.repeats", "must be at least 1"));
    }

    let prompt = &spec.prompt;
    let system_or_user = prompt.system.is_some() || prompt.user.is_some();
    match &prompt.messages {
        Some(_) if system_or_user => out.push(src.diag(
            "prompt",
            "give either `messages`, or `system` and `user`, not both",
        )),
        Some(m) if m.is_empty() => out.push(src.diag("prompt.messages", "is empty")),
        None if prompt.user.is_none() => out.push(src.diag(
            "prompt",
            "needs `user` (and optionally `system`) or `messages`",
        )),
        _ => {}
    }

    if spec.cases.is_empty() {
        out.push(src.diag(
            "cases",
            "no cases: add inline cases, a dataset `file` or a traffic file to `replay`",
        ));
    }
    for (i, entry) in spec.cases.iter().enumerate() {
        let inline = entry.vars.is_some()
            || entry.expect.is_some()
            || entry.tags.is_some()
            || entry.id.is_some();
        let sources = usize::from(inline)
            + usize::from(entry.file.is_some())
            + usize::from(entry.replay.is_some());
        match sources {
            0 => out.push(src.diag(
                &format!("cases[{i}]"),
                "empty case: give `vars`, a dataset `file` or a traffic file to `replay`",
            )),
            1 => {}
            _ => out.push(src.diag(
                &format!("cases[{i}]"),
                "an entry is one of: an inline case (vars, expect, tags, id), a `file`, or a `replay` file",
            )),
        }
    }

    for (i, s) in spec.scorers.iter().enumerate() {
        check_scorer(i, s, spec, src, &mut out);
    }

    if let Some(gate) = &spec.gate {
        let ids: Vec<&str> = spec.providers.keys().map(String::as_str).collect();
        let mut check_ref = |field: String, name: &str| {
            if !spec.providers.contains_key(name) {
                let mut d = src.diag(&field, format!("no provider named `{name}`"));
                if let Some(c) = did_you_mean(name, ids.iter().copied()) {
                    d = d.help(format!("did you mean `{c}`?"));
                }
                out.push(d);
            }
        };
        check_ref("gate.baseline".into(), &gate.baseline);
        for (i, c) in gate.candidates.iter().enumerate() {
            check_ref(format!("gate.candidates[{i}]"), c);
        }
        if gate.candidates.is_empty() {
            out.push(src.diag("gate.candidates", "name at least one candidate"));
        }
        if gate.candidates.contains(&gate.baseline) {
            out.push(src.diag("gate.candidates", "the baseline cannot also be a candidate"));
        }
        for (field, value) in [
            ("min_pass_rate", gate.min_pass_rate),
            ("max_pass_rate_drop", gate.max_pass_rate_drop),
        ] {
            if matches!(value, Some(v) if !(0.0..=1.0).contains(&v)) {
                out.push(src.diag(&format!("gate.{field}"), "must be in [0, 1]"));
            }
        }
        if matches!(gate.significance, Some(v) if !(v > 0.0 && v < 1.0)) {
            out.push(src.diag("gate.significance", "must be in (0, 1), e.g. 0.05"));
        }
        if matches!(gate.max_p95_latency_ms, Some(v) if v <= 0.0) {
            out.push(src.diag("gate.max_p95_latency_ms", "must be positive"));
        }
    }
    out
}

/// A scorer's fields against its type, their ranges, and what it needs to run: its schema file,
/// embedding model, judge provider or program, so that none of them fails mid-run.
fn check_scorer(
    i: usize,
    s: &ScorerConfig,
    spec: &SuiteSpec,
    src: &Source,
    out: &mut Vec<Diagnostic>,
) {
    use ScorerType as T;
    let at = |field: &str| format!("scorers[{i}].{field}");
    let kind = s.kind;
    let text = matches!(
        kind,
        T::Equals | T::Contains | T::Icontains | T::Regex | T::StartsWith
    );
    let reference = matches!(kind, T::Similarity | T::RougeL | T::Bleu);
    // (field, set, applies to this type, required by it, what to give)
    let fields = [
        (
            "value",
            s.value.is_some(),
            text || reference || kind == T::Number || kind == T::Judge,
            text || reference || kind == T::Number,
            "what to compare with, e.g. \"{{ expect.answer }}\"",
        ),
        (
            "normalize",
            !s.normalize.is_empty(),
            text || reference,
            false,
            "",
        ),
        ("schema", s.schema.is_some(), kind == T::Json, false, ""),
        (
            "threshold",
            s.threshold.is_some(),
            reference || kind == T::Command,
            reference,
            "the score needed to pass, in [0, 1], e.g. 0.8",
        ),
        ("model", s.model.is_some(), kind == T::Similarity, false, ""),
        (
            "provider",
            s.provider.is_some(),
            kind == T::Judge,
            kind == T::Judge,
            "the id of the provider of this suite that judges",
        ),
        (
            "rubric",
            s.rubric.is_some(),
            kind == T::Judge,
            kind == T::Judge,
            "what a good answer does, e.g. \"names the right queue and gives no advice\"",
        ),
        (
            "run",
            s.run.is_some(),
            kind == T::Command,
            kind == T::Command,
            "the program and its arguments, e.g. [\"python3\", \"checks/policy.py\"]",
        ),
        (
            "timeout_s",
            s.timeout_s.is_some(),
            kind == T::Command,
            false,
            "",
        ),
        (
            "max_ms",
            s.max_ms.is_some(),
            kind == T::Latency,
            kind == T::Latency,
            "the largest total time of a call, in milliseconds",
        ),
        (
            "max_usd",
            s.max_usd.is_some(),
            kind == T::Cost,
            kind == T::Cost,
            "the largest cost of a call in USD; records need a price for their provider",
        ),
        (
            "tolerance",
            s.tolerance.is_some(),
            kind == T::Number,
            false,
            "",
        ),
    ];
    for (field, set, applies, required, what) in fields {
        if set && !applies {
            out.push(src.diag(
                &at(field),
                format!("`{field}` does not apply to type `{}`", kind.as_str()),
            ));
        } else if !set && required {
            out.push(
                src.diag(
                    &format!("scorers[{i}]"),
                    format!("scorer `{}` needs `{field}`", kind.as_str()),
                )
                .help(what),
            );
        }
    }

    let mut range = |field: &str, value: Option<f64>, ok: fn(f64) -> bool, rule: &str| {
        if matches!(value, Some(v) if !ok(v)) {
            out.push(src.diag(&at(field), format!("must be {rule}")));
        }
    };
    range(
        "weight",
        s.weight,
        |v| v >= 0.0 && v.is_finite(),
        "0 or more",
    );
    range(
        "threshold",
        s.threshold,
        |v| (0.0..=1.0).contains(&v),
        "in [0, 1]",
    );
    range(
        "tolerance",
        s.tolerance,
        |v| v >= 0.0 && v.is_finite(),
        "0 or more",
    );
    range(
        "timeout_s",
        s.timeout_s,
        |v| v > 0.0 && v.is_finite(),
        "a positive number of seconds",
    );
    range(
        "max_ms",
        s.max_ms,
        |v| v > 0.0,
        "a positive number of milliseconds",
    );
    range(
        "max_usd",
        s.max_usd,
        |v| v >= 0.0 && v.is_finite(),
        "0 or more",
    );

    let dir = src.dir();
    if let (T::Json, Some(schema)) = (kind, &s.schema) {
        if let Err(e) = crate::score::compile_schema(&dir.join(schema)) {
            out.push(src.diag(&at("schema"), e));
        }
    }
    if kind == T::Similarity {
        if let Err(e) = crate::score::embedding_model_dir(s.model.as_deref(), &dir) {
            let field = if s.model.is_some() {
                at("model")
            } else {
                format!("scorers[{i}]")
            };
            out.push(src.diag(&field, e));
        }
    }
    if let Some(name) = &s.provider {
        if !spec.providers.contains_key(name) {
            let mut d = src.diag(&at("provider"), format!("no provider named `{name}`"));
            if let Some(c) = did_you_mean(name, spec.providers.keys().map(String::as_str)) {
                d = d.help(format!("did you mean `{c}`?"));
            }
            out.push(d);
        }
    }
    match s.run.as_deref() {
        Some([]) => out.push(src.diag(&at("run"), "is empty: give the program and its arguments")),
        Some([program, ..]) => {
            if let Err(e) = crate::score::find_program(program, &dir) {
                out.push(src.diag(&format!("scorers[{i}].run[0]"), e));
            }
        }
        None => {}
    }
}

fn check_sampling(
    src: &Source,
    at: &str,
    temperature: Option<f32>,
    top_p: Option<f32>,
    max_tokens: Option<u32>,
    out: &mut Vec<Diagnostic>,
) {
    if matches!(temperature, Some(t) if !(t >= 0.0 && t.is_finite())) {
        out.push(src.diag(&format!("{at}.temperature"), "must be 0 or more"));
    }
    if matches!(top_p, Some(p) if !(p > 0.0 && p <= 1.0)) {
        out.push(src.diag(&format!("{at}.top_p"), "must be in (0, 1]"));
    }
    if max_tokens == Some(0) {
        out.push(src.diag(&format!("{at}.max_tokens"), "must be at least 1"));
    }
}

// --- locating a field in the YAML text -------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `providers.x.path` / `cases[2].file` into segments. Keys may contain dots only when the path
/// came from serde (it never produces such keys for our schema), so a plain split is enough.
fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segs.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    segs.push(Seg::Index(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            segs.push(Seg::Key(rest.to_string()));
        }
    }
    segs
}

#[derive(Debug)]
enum Node {
    Map(Marker, Vec<(String, Marker, Node)>),
    Seq(Marker, Vec<Node>),
    Leaf(Marker),
}

impl Node {
    /// A block mapping's start event is marked after its first key, so a map is placed at its
    /// first key instead.
    fn mark(&self) -> Marker {
        match self {
            Node::Map(_, entries) if !entries.is_empty() => entries[0].1,
            Node::Map(m, _) | Node::Seq(m, _) | Node::Leaf(m) => *m,
        }
    }

    /// The place of the deepest part of `path` that exists: the key itself for a map entry.
    fn locate(&self, path: &[Seg]) -> Option<Marker> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self.mark());
        };
        match (self, first) {
            (Node::Map(_, entries), Seg::Key(k)) => {
                match entries.iter().find(|(name, _, _)| name == k) {
                    Some((_, key_mark, child)) if rest.is_empty() => {
                        Some(*key_mark).or(Some(child.mark()))
                    }
                    Some((_, _, child)) => child.locate(rest),
                    None => Some(self.mark()),
                }
            }
            (Node::Seq(_, items), Seg::Index(i)) => match items.get(*i) {
                Some(child) => child.locate(rest),
                None => Some(self.mark()),
            },
            _ => Some(self.mark()),
        }
    }
}

#[derive(Default)]
struct TreeBuilder {
    /// Open containers; for maps, the key waiting for its value.
    stack: Vec<(Node, Option<(String, Marker)>)>,
    root: Option<Node>,
}

impl TreeBuilder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Node::Seq(_, items), _)) => items.push(node),
            Some((Node::Map(_, entries), pending)) => match pending.take() {
                Some((key, mark)) => entries.push((key, mark, node)),
                // A complex (non-scalar) key: the schema has none, so it only needs a place.
                None => *pending = Some((String::from("?"), node.mark())),
            },
            Some((Node::Leaf(_), _)) => unreachable!("leaves are never pushed on the stack"),
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                // A scalar in key position names the key.
                if let Some((Node::Map(..), pending @ None)) = self.stack.last_mut() {
                    *pending = Some((value, mark));
                } else {
                    self.push_value(Node::Leaf(mark));
                }
            }
            Event::Alias(_) => self.push_value(Node::Leaf(mark)),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(mark, Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(mark, Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            _ => {}
        }
    }
}

fn build_tree(text: &str) -> Option<Node> {
    let mut builder = TreeBuilder::default();
    Parser::new_from_str(text).load(&mut builder, false).ok()?;
    builder.root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            parse_path("cases[2].vars.ticket"),
            vec![
                Seg::Key("cases".into()),
                Seg::Index(2),
                Seg::Key("vars".into()),
                Seg::Key("ticket".into())
            ]
        );
    }

    #[test]
    fn locates_keys_and_sequence_items() {
        let text = "name: x\nproviders:\n  a:\n    kind: onnx\n    path: m\ncases:\n  - vars: {t: 1}\n  - file: d.jsonl\n";
        let tree = build_tree(text).unwrap();
        let at = |p: &str| {
            let m = tree.locate(&parse_path(p)).unwrap();
            (m.line(), m.col() + 1)
        };
        assert_eq!(at("providers.a.path"), (5, 5));
        assert_eq!(at("cases[1].file"), (8, 5));
        assert_eq!(at("cases[1]"), (8, 5));
        // A missing key points at the map that should hold it.
        assert_eq!(at("providers.a.threads"), (4, 5));
    }
}
