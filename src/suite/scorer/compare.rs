//! What a comparing scorer compares with, resolved from the suite: its `reference` (another
//! answer to the same case), and json-match's `ignore`d paths.

use super::super::error::{did_you_mean, Diagnostic};
use super::super::{ScorerConfig, SuiteSpec};
use super::{Fields, Reference};

pub(super) fn unknown_provider(
    at: &Fields,
    field: &str,
    name: &str,
    spec: &SuiteSpec,
) -> Diagnostic {
    let mut d = at.at(field, format!("no provider named `{name}`"));
    if let Some(c) = did_you_mean(name, spec.providers.keys().map(String::as_str)) {
        d = d.help(format!("did you mean `{c}`?"));
    }
    d
}

/// `reference`: `logged`, `baseline` (the gate's baseline) or a provider id of the suite.
pub(super) fn resolve_reference(
    at: &Fields,
    s: &ScorerConfig,
    spec: &SuiteSpec,
    out: &mut Vec<Diagnostic>,
) -> Option<Reference> {
    let name = s.reference.as_deref()?;
    match name {
        "logged" => Some(Reference::Logged),
        "baseline" => match &spec.gate {
            Some(gate) => Some(Reference::Provider(gate.baseline.clone())),
            None => {
                let why =
                    "`reference: baseline` names the gate's baseline, and the suite has no `gate`";
                out.push(at.at("reference", why).help("name the provider instead"));
                None
            }
        },
        id if spec.providers.contains_key(id) => Some(Reference::Provider(id.to_string())),
        id => {
            let d = unknown_provider(at, "reference", id, spec);
            out.push(d.help("`baseline`, `logged`, or the id of one of the suite's providers"));
            None
        }
    }
}

/// json-match's `ignore`: JSON Pointers, split into segments (`~1` and `~0` unescaped).
pub(super) fn ignored_paths(
    at: &Fields,
    s: &ScorerConfig,
    out: &mut Vec<Diagnostic>,
) -> Option<Vec<Vec<String>>> {
    let mut paths = Vec::new();
    for (i, p) in s.ignore.iter().flatten().enumerate() {
        let Some(rest) = p.strip_prefix('/') else {
            let why = format!("`{p}` is not a JSON Pointer: it starts with `/`, e.g. `/id`");
            out.push(at.at(&format!("ignore[{i}]"), why));
            return None;
        };
        let segment = |x: &str| x.replace("~1", "/").replace("~0", "~");
        paths.push(rest.split('/').map(segment).collect());
    }
    Some(paths)
}
