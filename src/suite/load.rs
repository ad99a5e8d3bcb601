//! Reading a suite file: YAML to `SuiteSpec` with located errors, then the checks serde cannot
//! express (`check`), the scorers resolved (`scorer`), and the cases read once (`plan`).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::{did_you_mean, Diagnostic, SuiteError};
use super::source::SuiteText;
use super::{check, plan, scorer, Suite, SuiteSpec};

/// Reads, validates and expands a suite. Every problem found is reported at once.
pub fn load(path: &Path) -> Result<Suite, SuiteError> {
    load_checked(path, &|_, _| Vec::new())
}

/// A problem a caller's own check finds in a suite (`load_checked`): the field it is at and why.
pub struct Problem {
    /// A dotted path such as `providers.local.path`.
    pub field: String,
    pub message: String,
    pub help: Option<String>,
}

/// `load`, with `more`'s problems (given the spec and the suite's folder: checks of what the
/// providers name, which the suite module cannot make) reported in the same pass as the suite's
/// own, each at its field.
pub fn load_checked(
    path: &Path,
    more: &dyn Fn(&SuiteSpec, &Path) -> Vec<Problem>,
) -> Result<Suite, SuiteError> {
    let bytes = crate::input::read(path, crate::input::SUITE_MAX_BYTES).map_err(|source| {
        SuiteError::Read {
            path: path.to_path_buf(),
            source,
        }
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
    let source = SuiteText::new(path, &text);
    if let Some(d) = source.structure_error() {
        return Err(SuiteError::Invalid(vec![d]));
    }
    let spec = parse(&source)?;

    let mut diags = check::check(&spec, &source);
    let scorers = scorer::resolve_all(&spec, &source, &mut diags);
    for p in more(&spec, &source.dir()) {
        let d = source.diag(&p.field, p.message);
        diags.push(match p.help {
            Some(help) => d.help(help),
            None => d,
        });
    }
    // The cases are read even when the rest has problems, so that one pass reports them all.
    let cases = plan::Cases::load(&spec, &source);
    match cases {
        Err(case_diags) => diags.extend(case_diags),
        Ok(_) if !diags.is_empty() => {}
        Ok(cases) => {
            return Ok(Suite {
                path: path.to_path_buf(),
                sha256: format!("{:x}", Sha256::digest(&bytes)),
                spec,
                scorers,
                cases,
            })
        }
    }
    Err(SuiteError::Invalid(diags))
}

/// JSON Schema of the suite file, generated from the same types the loader uses.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(SuiteSpec)).expect("a schema is plain JSON")
}

fn parse(source: &SuiteText) -> Result<SuiteSpec, SuiteError> {
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
