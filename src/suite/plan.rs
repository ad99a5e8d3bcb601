//! Expanding `cases` (inline and dataset files) into `Case`s with their prompt rendered and each
//! scorer's expected value bound, so that a template error stops the suite before any call.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dataset::{self, Row};
use super::error::Diagnostic;
use super::load::Source;
use super::traffic;
use super::{Role, SamplingOverrides, SuiteSpec};
use crate::provider::{ResponseFormat, Tool, ToolChoice};

/// One workload item, ready to send.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub vars: Fields,
    pub expect: Fields,
    pub tags: Vec<String>,
    pub origin: Origin,
    /// The prompt rendered over `vars`.
    pub messages: Vec<Message>,
    /// What the request carries beyond its messages (replayed traffic), read through `extras()`.
    /// None for a rendered prompt: a suite holds every case at once, and most carry nothing.
    pub extras: Option<Box<RequestExtras>>,
    /// Per scorer (same order as the suite's `scorers`): `None` when the scorer's `tags` exclude
    /// this case, else its `value` rendered for this case.
    pub checks: Vec<Option<Check>>,
}

/// A case's `vars` or `expect`, keys sorted. Not a `BTreeMap`: its smallest node holds eleven
/// entries (about 1 KB), and a suite of 100,000 one-field cases would spend 200 MB on them.
pub type Fields = indexmap::IndexMap<String, Value>;

impl Case {
    /// What the request carries beyond its messages (empty for a rendered prompt).
    pub fn extras(&self) -> &RequestExtras {
        static NONE: std::sync::LazyLock<RequestExtras> =
            std::sync::LazyLock::new(RequestExtras::default);
        self.extras.as_deref().unwrap_or(&NONE)
    }
}

/// One chat message, vendor-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// An assistant's calls to tools (replayed conversations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For `role: tool`: the call this message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// What a case sends beyond its messages: nothing for cases written in the suite; for replayed
/// traffic, the tools, response format and sampling of the logged request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestExtras {
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    pub response_format: Option<ResponseFormat>,
    /// Win over the suite's and the provider's sampling: the request is replayed as it was.
    pub sampling: SamplingOverrides,
    /// Non-text inputs the logged request carried (`image_url`, `input_audio`, `file`).
    /// modelswap cannot send them yet: the runner leaves such a case out, the lock-in audit
    /// counts it.
    pub media: Vec<String>,
    /// Output-shaping fields the logged request set that are not replayed (`logprobs`, `n`, …).
    pub dropped: Vec<String>,
}

/// A request read from a traffic file.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// The model it was sent to (kept as a var for reference; every provider uses its own).
    pub model: Option<String>,
    pub messages: Vec<Message>,
    pub extras: RequestExtras,
}

/// A model's request to call a tool; `arguments` is the JSON text the model produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub value: Option<String>,
}

/// Where a case was written: the suite (with the line of its entry) or a dataset file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// Shared by every case of the file.
    pub file: Arc<Path>,
    pub line: Option<usize>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

type Loader = fn(&std::path::Path) -> Result<Vec<(Row, usize)>, Vec<Diagnostic>>;

pub(super) fn expand(spec: &SuiteSpec, src: &Source, diags: &mut Vec<Diagnostic>) -> Vec<Case> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Compile every template once; a syntax error points at its field.
    let mut add = |env: &mut Environment<'static>, field: String, source: &str| {
        if let Err(e) = env.add_template_owned(field.clone(), source.to_owned()) {
            diags.push(src.diag(&field, format!("template error: {}", template_message(&e))));
        }
    };
    let prompt = &spec.prompt;
    let mut prompt_fields = Vec::new();
    if let Some(messages) = &prompt.messages {
        for (i, m) in messages.iter().enumerate() {
            let field = format!("prompt.messages[{i}].content");
            add(&mut env, field.clone(), &m.content);
            prompt_fields.push((m.role, field));
        }
    } else {
        if let Some(system) = &prompt.system {
            add(&mut env, "prompt.system".into(), system);
            prompt_fields.push((Role::System, "prompt.system".into()));
        }
        if let Some(user) = &prompt.user {
            add(&mut env, "prompt.user".into(), user);
            prompt_fields.push((Role::User, "prompt.user".into()));
        }
    }
    for (i, s) in spec.scorers.iter().enumerate() {
        if let Some(value) = &s.value {
            add(&mut env, format!("scorers[{i}].value"), value);
        }
    }
    if !diags.is_empty() {
        return Vec::new();
    }
    let mut prepare = |field: &str| match Prepared::new(&env, field) {
        Ok(p) => Some(p),
        Err(e) => {
            diags.push(src.diag(field, e));
            None
        }
    };
    let prompt_templates: Vec<(Role, Option<Prepared>)> = prompt_fields
        .iter()
        .map(|(role, field)| (*role, prepare(field)))
        .collect();
    let scorer_templates: Vec<Option<Prepared>> = (0..spec.scorers.len())
        .map(|i| {
            let field = format!("scorers[{i}].value");
            spec.scorers[i].value.as_ref().and_then(|_| prepare(&field))
        })
        .collect();
    if !diags.is_empty() {
        return Vec::new();
    }

    let mut rows: Vec<(Row, Origin)> = Vec::new();
    for (i, entry) in spec.cases.iter().enumerate() {
        let file = entry
            .file
            .as_ref()
            .map(|f| (f, dataset::load as Loader))
            .or_else(|| entry.replay.as_ref().map(|f| (f, traffic::load as Loader)));
        if let Some((file, load)) = file {
            let path: Arc<Path> = src.dir().join(file).into();
            match load(&path) {
                Ok(file_rows) => rows.extend(file_rows.into_iter().map(|(row, line)| {
                    let origin = Origin {
                        file: path.clone(),
                        line: Some(line),
                    };
                    (row, origin)
                })),
                Err(mut errs) => diags.append(&mut errs),
            }
        } else {
            let field = format!("cases[{i}]");
            let line = src.diag(&field, "").line;
            let row = Row {
                id: entry.id.clone(),
                vars: entry.vars.clone().unwrap_or_default().into_iter().collect(),
                expect: entry
                    .expect
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                tags: entry.tags.clone().unwrap_or_default(),
                logged: None,
            };
            rows.push((
                row,
                Origin {
                    file: src.path.into(),
                    line,
                },
            ));
        }
    }

    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(rows.len());
    for (n, (row, origin)) in rows.into_iter().enumerate() {
        let id = row
            .id
            .clone()
            .unwrap_or_else(|| format!("case-{:04}", n + 1));
        let case_diag = |message: String| {
            let mut d = Diagnostic::new(&origin.file, message).field(format!("case {id}"));
            d.line = origin.line;
            d
        };
        if !seen.insert(id.clone()) {
            diags.push(case_diag(format!("duplicate case id `{id}`")));
            continue;
        }
        let ctx = minijinja::context! { expect => &row.expect, ..minijinja::Value::from_serialize(&row.vars) };
        let (messages, extras) = match row.logged {
            Some(logged) => (logged.messages, Some(Box::new(logged.extras))),
            None => {
                let mut messages = Vec::with_capacity(prompt_templates.len());
                for (role, template) in &prompt_templates {
                    let Some(template) = template else { continue };
                    match template.render(&ctx) {
                        Ok(content) => messages.push(Message::new(*role, content)),
                        Err(e) => diags.push(case_diag(e)),
                    }
                }
                (messages, None)
            }
        };
        let mut checks = Vec::new();
        for (i, s) in spec.scorers.iter().enumerate() {
            let applies = match &s.tags {
                Some(tags) => tags.iter().any(|t| row.tags.contains(t)),
                None => true,
            };
            if !applies {
                checks.push(None);
                continue;
            }
            let value = match &scorer_templates[i] {
                Some(template) => match template.render(&ctx) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        diags.push(case_diag(e));
                        None
                    }
                },
                None => None,
            };
            checks.push(Some(Check { value }));
        }
        let compact = |mut fields: Fields| {
            fields.sort_unstable_keys();
            fields.shrink_to_fit();
            fields
        };
        cases.push(Case {
            id,
            vars: compact(row.vars),
            expect: compact(row.expect),
            tags: row.tags,
            origin,
            messages,
            extras,
            checks,
        });
    }
    if cases.is_empty() && diags.is_empty() {
        diags.push(src.diag("cases", "the suite's cases and files hold no case"));
    }
    cases
}

/// A suite template ready to render per case: a template that reads no variable is rendered
/// once (a suite of 100,000 cases would otherwise render its fixed system prompt 100,000 times).
enum Prepared<'env> {
    Fixed(String),
    Varying {
        field: String,
        template: minijinja::Template<'env, 'env>,
    },
}

impl<'env> Prepared<'env> {
    fn new(env: &'env Environment<'static>, field: &str) -> Result<Self, String> {
        let template = env.get_template(field).map_err(|e| template_message(&e))?;
        if template.undeclared_variables(false).is_empty() {
            let text = template
                .render(())
                .map_err(|e| format!("template error: {}", template_message(&e)))?;
            return Ok(Prepared::Fixed(text));
        }
        Ok(Prepared::Varying {
            field: field.to_owned(),
            template,
        })
    }

    /// The text for one case; errors name the template's field.
    fn render(&self, ctx: &minijinja::Value) -> Result<String, String> {
        match self {
            Prepared::Fixed(text) => Ok(text.clone()),
            Prepared::Varying { field, template } => {
                // Rendering leaves slack in the string; every case keeps its text for the run.
                let mut text = template
                    .render(ctx)
                    .map_err(|e| format!("{field}: {}", template_message(&e)))?;
                text.shrink_to_fit();
                Ok(text)
            }
        }
    }
}

/// minijinja's message without its own "(in template:line)" suffix noise.
fn template_message(e: &minijinja::Error) -> String {
    let mut msg = e
        .detail()
        .map(str::to_owned)
        .unwrap_or_else(|| e.kind().to_string());
    if let Some(line) = e.line() {
        msg.push_str(&format!(" (template line {line})"));
    }
    msg
}
