//! Expanding `cases` (inline, dataset files, recorded traffic) into `Case`s with their prompt
//! rendered and each scorer's expected value bound, one case at a time as a run takes them.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use indexmap::IndexMap;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;

use super::dataset::{self, Row, Rows};
use super::error::{Diagnostic, SuiteError};
use super::source::SuiteText;
use super::traffic::{self, RequestExtras};
use super::{CaseEntry, Replay, SuiteSpec};
use crate::chat::{ChatRequest, Message, Role, Sampling};

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
    /// None for a rendered prompt, as most cases are: a case stays small on its way to a worker.
    pub extras: Option<Box<RequestExtras>>,
    /// Per scorer (same order as the suite's `scorers`): `None` when the scorer's `tags` exclude
    /// this case, else its `value` rendered for this case.
    pub checks: Vec<Option<Check>>,
}

/// A case's `vars` or `expect`, keys sorted (records list them in that order). Not a
/// `BTreeMap`: its smallest node holds eleven entries, about 1 KB for a one-field case.
pub type Fields = IndexMap<String, Value>;

impl Case {
    /// What the request carries beyond its messages (empty for a rendered prompt).
    pub fn extras(&self) -> &RequestExtras {
        static NONE: std::sync::LazyLock<RequestExtras> =
            std::sync::LazyLock::new(RequestExtras::default);
        self.extras.as_deref().unwrap_or(&NONE)
    }

    /// What this case sends, on its `repeat`-th run, to a provider whose own sampling is `sampling`:
    /// a replayed request keeps the tools, response format and sampling it was logged with. A
    /// seed moves on by one per repeat: the same seed every time would make a seeded sampler
    /// answer identically, and the repeats would measure nothing.
    pub fn request(&self, sampling: &Sampling, repeat: u32) -> ChatRequest {
        let extras = self.extras();
        let mut sampling = sampling.with(&extras.sampling);
        sampling.seed = sampling.seed.map(|s| s.wrapping_add(u64::from(repeat)));
        ChatRequest {
            messages: self.messages.clone(),
            sampling,
            tools: extras.tools.clone(),
            tool_choice: extras.tool_choice.clone(),
            response_format: extras.response_format.clone(),
        }
    }
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

/// The suite's cases. They are not held: each pass (`iter`) reads them again from the suite and
/// its files and renders them, so a run of a million cases takes the memory of a few. Loading
/// makes the first pass, which validates and counts every case, so a bad row or template stops
/// the suite before any call.
#[derive(Clone)]
pub struct Cases {
    plan: Arc<Plan>,
    len: usize,
    /// Positions of the cases whose logged request carries images, audio or files.
    media: Arc<[usize]>,
}

struct Plan {
    env: Environment<'static>,
    prompt: Vec<(Role, Prepared)>,
    /// Per scorer: the tags it is limited to, and its `value` template.
    scorers: Vec<(Option<Vec<String>>, Option<Prepared>)>,
    entries: Vec<CaseSource>,
}

/// One entry of the suite's `cases`.
enum CaseSource {
    /// A case written in the suite itself.
    Inline(Row, Origin),
    File {
        path: Arc<Path>,
        /// A traffic file (`replay:`) rather than a dataset, and the Batch output file that
        /// holds its logged responses, if any.
        replay: Option<Option<Arc<Path>>>,
        /// The file as the first pass found it.
        stamp: OnceLock<Stamp>,
    },
}

/// A file's size and modification time: a pass that finds them changed since loading stops
/// rather than send cases that were never validated.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Cases {
    /// Compiles the suite's templates and reads every case once; all problems are reported.
    pub(super) fn load(spec: &SuiteSpec, src: &SuiteText) -> Result<Cases, Vec<Diagnostic>> {
        let plan = Arc::new(Plan::new(spec, src)?);
        let mut diags = Vec::new();
        // Eight bytes a case, not the ids themselves: a million-case suite checks its ids in 8 MB.
        let mut id_hashes = Vec::new();
        let mut dropped: IndexMap<String, BTreeSet<String>> = IndexMap::new();
        let mut cases = CaseIter::new(plan.clone());
        let mut position = 0;
        let mut media = Vec::new();
        while let Some(case) = cases.next_case() {
            match case {
                Ok(case) => {
                    id_hashes.push(id_hash(&case.id));
                    let extras = case.extras();
                    if !extras.media.is_empty() {
                        media.push(position);
                    }
                    if !extras.dropped.is_empty() {
                        dropped
                            .entry(case.origin.file.display().to_string())
                            .or_default()
                            .extend(extras.dropped.iter().cloned());
                    }
                }
                Err(mut d) => diags.append(&mut d),
            }
            position += 1;
        }
        diags.extend(duplicate_ids(&plan, id_hashes));
        if position == 0 && diags.is_empty() {
            diags.push(src.diag("cases", "the suite's cases and files hold no case"));
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        for (file, fields) in dropped {
            tracing::warn!(
                "{file}: replayed without {} (modelswap cannot send these to every provider)",
                fields.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        Ok(Cases {
            plan,
            len: position,
            media: media.into(),
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cases in order, read and rendered one at a time. An error means a file changed since
    /// the suite was loaded.
    pub fn iter(&self) -> impl Iterator<Item = Result<Case, SuiteError>> + Send + 'static {
        let mut cases = CaseIter::new(self.plan.clone());
        std::iter::from_fn(move || cases.next_case().map(|c| c.map_err(SuiteError::Invalid)))
    }

    /// Scorer `i`'s `value` when it is the same for every case (its template reads no variable).
    pub fn fixed_value(&self, scorer: usize) -> Option<&str> {
        match self.plan.scorers.get(scorer) {
            Some((_, Some(Prepared::Fixed(text)))) => Some(text),
            _ => None,
        }
    }

    /// The positions (in `iter` order) of the cases whose logged request carries images, audio
    /// or files, which modelswap cannot send yet.
    pub fn with_media(&self) -> &[usize] {
        &self.media
    }
}

impl std::fmt::Debug for Cases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cases({})", self.len)
    }
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Every case whose id an earlier case has. Ids whose hashes match are compared exactly, in a
/// second pass that only a suite with a duplicate (or a hash collision) makes.
fn duplicate_ids(plan: &Arc<Plan>, mut hashes: Vec<u64>) -> Vec<Diagnostic> {
    hashes.sort_unstable();
    let shared: HashSet<u64> = hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    if shared.is_empty() {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut cases = CaseIter::new(plan.clone());
    std::iter::from_fn(|| cases.next_case())
        .filter_map(Result::ok)
        .filter(|case| shared.contains(&id_hash(&case.id)) && !seen.insert(case.id.clone()))
        .map(|case| {
            case_diag(
                &case.origin,
                &case.id,
                format!("duplicate case id `{}`", case.id),
            )
        })
        .collect()
}

fn case_diag(origin: &Origin, id: &str, message: String) -> Diagnostic {
    let mut d = Diagnostic::new(&origin.file, message).field(format!("case {id}"));
    d.line = origin.line;
    d
}

/// Where the `i`-th entry of `cases` takes its cases from.
fn case_source(i: usize, entry: &CaseEntry, src: &SuiteText) -> CaseSource {
    let responses = |r: &Replay| match r {
        Replay::File(_) => None,
        Replay::Batch { responses, .. } => Some(src.dir().join(responses).into()),
    };
    let file = (entry.file.as_deref().map(|f| (f, None)))
        .or_else(|| (entry.replay.as_ref()).map(|r| (r.requests(), Some(responses(r)))));
    if let Some((file, replay)) = file {
        return CaseSource::File {
            path: src.dir().join(file).into(),
            replay,
            stamp: OnceLock::new(),
        };
    }
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
    let origin = Origin {
        file: src.path.into(),
        line: src.diag(&format!("cases[{i}]"), "").line,
    };
    CaseSource::Inline(row, origin)
}

impl Plan {
    /// Compiles every template once; a syntax error points at its field.
    fn new(spec: &SuiteSpec, src: &SuiteText) -> Result<Plan, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A template that loops without end (nested `range`s) runs out instead of hanging.
        env.set_fuel(Some(crate::input::TEMPLATE_FUEL));
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
            return Err(diags);
        }
        let mut prepare = |field: &str| match Prepared::new(&env, field) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.push(src.diag(field, e));
                None
            }
        };
        let prompt: Vec<(Role, Prepared)> = prompt_fields
            .iter()
            .filter_map(|(role, field)| Some((*role, prepare(field)?)))
            .collect();
        let scorers = spec
            .scorers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let value = s
                    .value
                    .as_ref()
                    .and_then(|_| prepare(&format!("scorers[{i}].value")));
                (s.tags.clone(), value)
            })
            .collect();
        if !diags.is_empty() {
            return Err(diags);
        }
        let entries = (spec.cases.iter().enumerate())
            .map(|(i, entry)| case_source(i, entry, src))
            .collect();
        Ok(Plan {
            env,
            prompt,
            scorers,
            entries,
        })
    }

    /// The case a row states, its prompt rendered and each scorer's value bound; `position` (from
    /// 0, across the suite) names a case without an id.
    fn case(&self, position: usize, row: Row, origin: Origin) -> Result<Case, Vec<Diagnostic>> {
        let id = row
            .id
            .clone()
            .unwrap_or_else(|| format!("case-{:04}", position + 1));
        let mut diags = Vec::new();
        let ctx = minijinja::context! { expect => &row.expect, ..minijinja::Value::from_serialize(&row.vars) };
        let (messages, extras) = match row.logged {
            Some(logged) => (logged.messages, Some(Box::new(logged.extras))),
            None => {
                let mut messages = Vec::with_capacity(self.prompt.len());
                for (role, template) in &self.prompt {
                    match template.render(&self.env, &ctx) {
                        Ok(content) => messages.push(Message::new(*role, content)),
                        Err(e) => diags.push(case_diag(&origin, &id, e)),
                    }
                }
                (messages, None)
            }
        };
        let mut checks = Vec::with_capacity(self.scorers.len());
        for (tags, template) in &self.scorers {
            let applies = match tags {
                Some(tags) => tags.iter().any(|t| row.tags.contains(t)),
                None => true,
            };
            if !applies {
                checks.push(None);
                continue;
            }
            let value = match template {
                Some(template) => match template.render(&self.env, &ctx) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        diags.push(case_diag(&origin, &id, e));
                        None
                    }
                },
                None => None,
            };
            checks.push(Some(Check { value }));
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let sorted = |mut fields: Fields| {
            fields.sort_unstable_keys();
            fields
        };
        Ok(Case {
            id,
            vars: sorted(row.vars),
            expect: sorted(row.expect),
            tags: row.tags,
            origin,
            messages,
            extras,
            checks,
        })
    }
}

/// One pass over the cases.
struct CaseIter {
    plan: Arc<Plan>,
    /// The next entry of the suite's `cases`.
    entry: usize,
    /// The rows of the file being read, its path and its entry.
    rows: Option<(Rows, Arc<Path>, usize)>,
    position: usize,
}

impl CaseIter {
    fn new(plan: Arc<Plan>) -> Self {
        Self {
            plan,
            entry: 0,
            rows: None,
            position: 0,
        }
    }

    fn next_case(&mut self) -> Option<Result<Case, Vec<Diagnostic>>> {
        loop {
            if let Some((rows, path, entry)) = &mut self.rows {
                match rows.next() {
                    Some(Ok((row, line))) => {
                        let origin = Origin {
                            file: path.clone(),
                            line: Some(line),
                        };
                        return Some(self.render(row, origin));
                    }
                    Some(Err(d)) => return Some(Err(vec![*d])),
                    None => {
                        // Changed while it was read: the rows read may mix two versions.
                        let changed = match &self.plan.entries[*entry] {
                            CaseSource::File { stamp, .. } => unchanged(path, stamp).err(),
                            CaseSource::Inline(..) => None,
                        };
                        self.rows = None;
                        if let Some(d) = changed {
                            return Some(Err(vec![*d]));
                        }
                    }
                }
            }
            let plan = self.plan.clone();
            let entry = plan.entries.get(self.entry)?;
            self.entry += 1;
            match entry {
                CaseSource::Inline(row, origin) => {
                    return Some(self.render(row.clone(), origin.clone()))
                }
                CaseSource::File {
                    path,
                    replay,
                    stamp,
                } => {
                    if let Err(d) = unchanged(path, stamp) {
                        return Some(Err(vec![*d]));
                    }
                    let rows = match replay {
                        Some(responses) => traffic::open(path, responses.as_deref()),
                        None => dataset::open(path),
                    };
                    self.rows = Some((rows, path.clone(), self.entry - 1));
                }
            }
        }
    }

    fn render(&mut self, row: Row, origin: Origin) -> Result<Case, Vec<Diagnostic>> {
        self.position += 1;
        self.plan.case(self.position - 1, row, origin)
    }
}

/// Records the file's stamp on the first pass; on later ones, an error if it has changed.
fn unchanged(path: &Path, stamp: &OnceLock<Stamp>) -> Result<(), Box<Diagnostic>> {
    // A file that cannot be read is named by the reader that tries to.
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let now = Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    };
    if *stamp.get_or_init(|| now) == now {
        return Ok(());
    }
    let d = Diagnostic::new(
        path,
        "changed since the suite was loaded; its cases were checked as they were then",
    );
    Err(Box::new(d.help(
        "leave a suite's files as they are while it runs, then run it again",
    )))
}

/// A suite template ready to render per case: a template that reads no variable is rendered
/// once (a suite of 100,000 cases would otherwise render its fixed system prompt 100,000 times).
enum Prepared {
    Fixed(String),
    /// The template's field, its name in the environment.
    Varying(String),
}

impl Prepared {
    fn new(env: &Environment<'static>, field: &str) -> Result<Self, String> {
        let template = env.get_template(field).map_err(|e| template_message(&e))?;
        if template.undeclared_variables(false).is_empty() {
            let text = template
                .render(())
                .map_err(|e| format!("template error: {}", template_message(&e)))?;
            return Ok(Prepared::Fixed(text));
        }
        Ok(Prepared::Varying(field.to_owned()))
    }

    /// The text for one case; errors name the template's field.
    fn render(&self, env: &Environment<'static>, ctx: &minijinja::Value) -> Result<String, String> {
        match self {
            Prepared::Fixed(text) => Ok(text.clone()),
            Prepared::Varying(field) => env
                .get_template(field)
                .and_then(|template| template.render(ctx))
                .map_err(|e| format!("{field}: {}", template_message(&e))),
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

#[cfg(test)]
mod tests;
