//! Manifests: which vendor packages a project declares, with the requirement and line as
//! written. TOML, JSON and XML go through real parsers; requirements files, go.mod, Gemfiles and
//! Gradle scripts are line formats (or a program) and are read line by line.

use std::path::Path;
use std::sync::LazyLock;

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use regex::Regex;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::rules::{self, Ecosystem, PACKAGES};
use super::{Dependency, Problem};
use xml::{csproj, pom};

mod xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageManifest {
    Requirements,
    Pyproject,
    PackageJson,
    GoMod,
    CargoToml,
    Pom,
    Gradle,
    Csproj,
    Gemfile,
}

impl PackageManifest {
    /// The manifest kind of a file, from its path relative to the root.
    pub(crate) fn of(path: &Path) -> Option<PackageManifest> {
        let name = path.file_name()?.to_str()?;
        let in_requirements_dir = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "requirements");
        Some(match name {
            "pyproject.toml" => PackageManifest::Pyproject,
            "package.json" => PackageManifest::PackageJson,
            "go.mod" => PackageManifest::GoMod,
            "Cargo.toml" => PackageManifest::CargoToml,
            "pom.xml" => PackageManifest::Pom,
            "build.gradle" | "build.gradle.kts" => PackageManifest::Gradle,
            "Gemfile" => PackageManifest::Gemfile,
            _ if name.ends_with(".csproj") => PackageManifest::Csproj,
            _ if name.ends_with(".txt")
                && (name.starts_with("requirements") || in_requirements_dir) =>
            {
                PackageManifest::Requirements
            }
            _ => return None,
        })
    }

    fn ecosystem(self) -> Ecosystem {
        match self {
            PackageManifest::Requirements | PackageManifest::Pyproject => Ecosystem::PyPi,
            PackageManifest::PackageJson => Ecosystem::Npm,
            PackageManifest::GoMod => Ecosystem::Go,
            PackageManifest::CargoToml => Ecosystem::Cargo,
            PackageManifest::Pom | PackageManifest::Gradle => Ecosystem::Maven,
            PackageManifest::Csproj => Ecosystem::NuGet,
            PackageManifest::Gemfile => Ecosystem::RubyGems,
        }
    }
}

/// A package as the manifest declares it.
#[derive(Debug, PartialEq)]
struct Declared {
    name: String,
    version: Option<String>,
    line: u32,
}

/// Why a manifest could not be read: the line (when known) and what is wrong.
type Invalid = (Option<u32>, String);

/// Appends the vendor packages `bytes` (the manifest `file`) declares; a manifest that cannot be
/// parsed becomes a problem naming its file and line.
pub(crate) fn parse(
    kind: PackageManifest,
    file: &str,
    bytes: &[u8],
    dependencies: &mut Vec<Dependency>,
    problems: &mut Vec<Problem>,
) {
    let declared = std::str::from_utf8(bytes)
        .map_err(|e| {
            let line = line_of(&bytes[..e.valid_up_to()], e.valid_up_to());
            (Some(line), "not UTF-8 text".to_string())
        })
        .and_then(|text| match kind {
            PackageManifest::Requirements => Ok(requirements(text)),
            PackageManifest::Pyproject => pyproject(text),
            PackageManifest::PackageJson => package_json(text),
            PackageManifest::GoMod => Ok(go_mod(text)),
            PackageManifest::CargoToml => cargo_toml(text),
            PackageManifest::Pom => pom(text),
            PackageManifest::Gradle => Ok(gradle(text)),
            PackageManifest::Csproj => csproj(text),
            PackageManifest::Gemfile => Ok(gemfile(text)),
        });
    let declared = match declared {
        Ok(declared) => declared,
        Err((line, message)) => {
            tracing::warn!("{file}:{}: {message}", line.unwrap_or(0));
            problems.push(Problem {
                file: Some(file.to_string()),
                line,
                message,
            });
            return;
        }
    };
    vendor_packages(kind.ecosystem(), file, declared, dependencies);
}

/// The vendor packages among `declared`, as dependencies of `file`.
fn vendor_packages(
    ecosystem: Ecosystem,
    file: &str,
    declared: Vec<Declared>,
    dependencies: &mut Vec<Dependency>,
) {
    for d in declared {
        let key = normalise(ecosystem, &d.name);
        let Some(package) = PACKAGES
            .iter()
            .find(|p| p.ecosystem == ecosystem && p.name == key)
        else {
            continue;
        };
        let portability = rules::portability(package.vendor, package.feature)
            .expect("every package has a portability row (checked by the rules tests)");
        dependencies.push(Dependency {
            file: file.to_string(),
            line: d.line,
            ecosystem,
            name: d.name,
            version: d.version,
            vendor: package.vendor,
            feature: package.feature,
            rating: portability.rating,
            reason: portability.reason.to_string(),
        });
    }
}

/// The packages a notebook cell installs (`%pip install …`, `!pip install …`, `!python -m pip
/// install …`, `%uv pip install …`), as dependencies of the notebook at the file line of each
/// install line (`file_lines`, the cell's lines in the file; the cell's first line where unknown).
pub(crate) fn notebook_installs(
    file: &str,
    source: &str,
    file_lines: &[Option<u32>],
    dependencies: &mut Vec<Dependency>,
) {
    static INSTALL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*[%!]\s*(?:python3?\s+-m\s+)?(?:uv\s+)?pip3?\s+install\s+(.*)$")
            .expect("valid regex")
    });
    // pip options that take the next word as their value.
    const TAKES_VALUE: [&str; 11] = [
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
    ];
    let mut declared = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(caps) = INSTALL.captures(line) else {
            continue;
        };
        let at = file_lines.get(i).copied().flatten();
        let line_no = at
            .or(file_lines.iter().flatten().next().copied())
            .unwrap_or(1);
        let mut words = caps[1].split_whitespace();
        while let Some(word) = words.next() {
            if word.starts_with('#') {
                break;
            }
            if TAKES_VALUE.contains(&word) {
                words.next();
                continue;
            }
            if word.starts_with('-') {
                continue;
            }
            declared.extend(pep508(
                word.trim_matches(|c| c == '"' || c == '\''),
                line_no,
            ));
        }
    }
    vendor_packages(Ecosystem::PyPi, file, declared, dependencies);
}

/// A package name as its registry compares names.
fn normalise(ecosystem: Ecosystem, name: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    match ecosystem {
        // PEP 503: runs of `-`, `_` and `.` are one `-`.
        Ecosystem::PyPi => name
            .split(['-', '_', '.'])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-"),
        Ecosystem::Cargo => name.replace('_', "-"),
        // A major version suffix (`/v2`) names the same module.
        Ecosystem::Go => match name.rsplit_once("/v") {
            Some((base, major)) if major.chars().all(|c| c.is_ascii_digit()) => base.to_string(),
            _ => name,
        },
        Ecosystem::Npm | Ecosystem::Maven | Ecosystem::NuGet | Ecosystem::RubyGems => name,
    }
}

fn line_of(text: &[u8], offset: usize) -> u32 {
    memchr::memchr_iter(b'\n', &text[..offset.min(text.len())]).count() as u32 + 1
}

/// A PEP 508 requirement (`name[extras] spec ; markers`), as in requirements files and
/// pyproject.toml; `None` for what is not one (options, paths, URLs).
fn pep508(text: &str, line: u32) -> Option<Declared> {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$")
            .expect("valid regex")
    });
    let caps = NAME.captures(text.trim())?;
    let rest = caps[2].split(';').next().unwrap_or("");
    let rest = rest.split(" --").next().unwrap_or("").trim();
    Some(Declared {
        name: caps[1].to_string(),
        version: (!rest.is_empty()).then(|| rest.to_string()),
        line,
    })
}

fn requirements(text: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut first = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first = i as u32 + 1;
        }
        // A trailing backslash continues the requirement on the next line.
        if let Some(part) = raw.strip_suffix('\\') {
            logical.push_str(part);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        let line = std::mem::take(&mut logical);
        // pip: `#` starts a comment at the start of a line or after whitespace.
        let code = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
            .map_or(line.as_str(), |(i, _)| &line[..i])
            .trim();
        if code.is_empty() || code.starts_with('-') {
            continue;
        }
        out.extend(pep508(code, first));
    }
    out
}

fn toml_document(text: &str) -> Result<Spanned<DeTable<'_>>, Invalid> {
    DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text.as_bytes(), s.start));
        (line, format!("invalid TOML: {}", e.message()))
    })
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v)
}

fn table_at<'a, 'i>(table: &'a DeTable<'i>, path: &[&str]) -> Option<&'a DeTable<'i>> {
    path.iter()
        .try_fold(table, |t, key| get(t, key)?.get_ref().as_table())
}

fn span_line(text: &str, span: std::ops::Range<usize>) -> u32 {
    line_of(text.as_bytes(), span.start)
}

/// PEP 508 strings of an array value.
fn requirement_array(text: &str, value: Option<&Spanned<DeValue<'_>>>, out: &mut Vec<Declared>) {
    let Some(items) = value.and_then(|v| v.get_ref().as_array()) else {
        return;
    };
    for item in items.iter() {
        if let Some(s) = item.get_ref().as_str() {
            out.extend(pep508(s, span_line(text, item.span())));
        }
    }
}

/// `name = "version"` or `name = { version = "…", package = "…" }` tables (Cargo, Poetry).
fn keyed_table(text: &str, table: Option<&DeTable<'_>>, out: &mut Vec<Declared>) {
    for (key, value) in table.into_iter().flat_map(|t| t.iter()) {
        let (name, version) = match value.get_ref() {
            DeValue::String(v) => (key.get_ref().to_string(), Some(v.to_string())),
            DeValue::Table(t) => (
                get(t, "package")
                    .and_then(|p| p.get_ref().as_str())
                    .unwrap_or(key.get_ref())
                    .to_string(),
                get(t, "version")
                    .and_then(|v| v.get_ref().as_str())
                    .map(str::to_string),
            ),
            _ => (key.get_ref().to_string(), None),
        };
        out.push(Declared {
            name,
            version,
            line: span_line(text, key.span()),
        });
    }
}

fn pyproject(text: &str) -> Result<Vec<Declared>, Invalid> {
    let doc = toml_document(text)?;
    let doc = doc.get_ref();
    let mut out = Vec::new();
    if let Some(project) = table_at(doc, &["project"]) {
        requirement_array(text, get(project, "dependencies"), &mut out);
        for (_, extra) in table_at(project, &["optional-dependencies"])
            .into_iter()
            .flat_map(|t| t.iter())
        {
            requirement_array(text, Some(extra), &mut out);
        }
    }
    for (_, group) in table_at(doc, &["dependency-groups"])
        .into_iter()
        .flat_map(|t| t.iter())
    {
        requirement_array(text, Some(group), &mut out);
    }
    requirement_array(
        text,
        table_at(doc, &["tool", "uv"]).and_then(|t| get(t, "dev-dependencies")),
        &mut out,
    );
    if let Some(poetry) = table_at(doc, &["tool", "poetry"]) {
        keyed_table(text, table_at(poetry, &["dependencies"]), &mut out);
        keyed_table(text, table_at(poetry, &["dev-dependencies"]), &mut out);
        for (_, group) in table_at(poetry, &["group"])
            .into_iter()
            .flat_map(|t| t.iter())
        {
            let deps = group
                .get_ref()
                .as_table()
                .and_then(|g| table_at(g, &["dependencies"]));
            keyed_table(text, deps, &mut out);
        }
    }
    Ok(out)
}

fn cargo_toml(text: &str) -> Result<Vec<Declared>, Invalid> {
    const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let doc = toml_document(text)?;
    let doc = doc.get_ref();
    let mut out = Vec::new();
    let targets = table_at(doc, &["target"])
        .into_iter()
        .flat_map(|t| t.iter());
    let scopes = std::iter::once(Some(doc))
        .chain(std::iter::once(table_at(doc, &["workspace"])))
        .chain(targets.map(|(_, t)| t.get_ref().as_table()))
        .flatten();
    for scope in scopes {
        for section in SECTIONS {
            keyed_table(text, table_at(scope, &[section]), &mut out);
        }
    }
    Ok(out)
}

fn package_json(text: &str) -> Result<Vec<Declared>, Invalid> {
    const SECTIONS: [&str; 4] = [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ];
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())
        .map_err(|e| {
            let line = line_of(text.as_bytes(), e.range().start);
            (Some(line), format!("invalid JSON: {}", e.kind()))
        })?;
    let Some(JsonValue::Object(root)) = parsed.value else {
        return Err((Some(1), "invalid package.json: not an object".to_string()));
    };
    let mut out = Vec::new();
    for prop in &root.properties {
        let section = prop_name(&prop.name);
        let JsonValue::Object(deps) = &prop.value else {
            continue;
        };
        if !SECTIONS.contains(&section) {
            continue;
        }
        for dep in &deps.properties {
            out.push(Declared {
                name: prop_name(&dep.name).to_string(),
                version: dep.value.as_string_lit().map(|s| s.value.to_string()),
                line: line_of(text.as_bytes(), dep.range.start),
            });
        }
    }
    Ok(out)
}

fn prop_name<'a>(name: &'a ObjectPropName<'_>) -> &'a str {
    match name {
        ObjectPropName::String(s) => &s.value,
        ObjectPropName::Word(w) => w.value,
    }
}

fn go_mod(text: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let mut parts = entry.split_whitespace();
        if let (Some(path), Some(version)) = (parts.next(), parts.next()) {
            out.push(Declared {
                name: path.to_string(),
                version: Some(version.to_string()),
                line: i as u32 + 1,
            });
        }
    }
    out
}

fn gradle(text: &str) -> Vec<Declared> {
    // `implementation("group:artifact:version")`, `api 'group:artifact'`: a configuration
    // followed by a coordinate string.
    static COORDINATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\b[A-Za-z]\w*\s*\(?\s*["']([\w.-]+):([\w.-]+)(?::([^"'@\s]+))?(?:@\w+)?["']"#)
            .expect("valid regex")
    });
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for caps in COORDINATE.captures_iter(line) {
            out.push(Declared {
                name: format!("{}:{}", &caps[1], &caps[2]),
                version: caps.get(3).map(|m| m.as_str().to_string()),
                line: i as u32 + 1,
            });
        }
    }
    out
}

fn gemfile(text: &str) -> Vec<Declared> {
    static GEM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*gem\s+["']([^"']+)["']((?:\s*,\s*["'][^"']*["'])*)"#)
            .expect("valid regex")
    });
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"["']([^"']*)["']"#).expect("valid regex"));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(caps) = GEM.captures(line) else {
            continue;
        };
        let versions: Vec<&str> = QUOTED
            .captures_iter(&caps[2])
            .map(|c| c.get(1).map_or("", |m| m.as_str()))
            .collect();
        out.push(Declared {
            name: caps[1].to_string(),
            version: (!versions.is_empty()).then(|| versions.join(", ")),
            line: i as u32 + 1,
        });
    }
    out
}

#[cfg(test)]
mod tests;
