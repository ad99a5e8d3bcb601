//! Manifests: which vendor packages a project declares, with the requirement and line as
//! written. TOML, JSON and XML go through real parsers; requirements files, go.mod, Gemfiles and
//! Gradle scripts are line formats (or a program) and are read line by line.

use std::path::Path;
use std::sync::LazyLock;

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use quick_xml::events::Event;
use regex::Regex;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::rules::{self, Ecosystem, PACKAGES};
use super::{Dependency, Problem};

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
    let ecosystem = kind.ecosystem();
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

fn xml_error(text: &str, position: u64, err: impl std::fmt::Display) -> Invalid {
    (
        Some(line_of(text.as_bytes(), position as usize)),
        format!("invalid XML: {err}"),
    )
}

/// A `<dependency>` element being read.
#[derive(Default)]
struct MavenDependency {
    group: Option<String>,
    artifact: Option<String>,
    version: Option<String>,
    line: u32,
}

/// Maven `<dependency>` elements; `${property}` versions resolved from `<properties>`.
fn pom(text: &str) -> Result<Vec<Declared>, Invalid> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut properties: Vec<(String, String)> = Vec::new();
    let mut current: Option<MavenDependency> = None;
    let mut found = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position(), e))?;
        let position = reader.buffer_position();
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "dependency" {
                    current = Some(MavenDependency {
                        line: line_of(text.as_bytes(), position as usize),
                        ..MavenDependency::default()
                    });
                }
                path.push(name);
            }
            Event::End(_) => {
                let done = match path.pop().as_deref() {
                    Some("dependency") => current.take(),
                    _ => None,
                };
                if let Some(MavenDependency {
                    group: Some(group),
                    artifact: Some(artifact),
                    version,
                    line,
                }) = done
                {
                    found.push((format!("{group}:{artifact}"), version, line));
                }
            }
            Event::Text(t) => {
                let value = t
                    .decode()
                    .map_err(|e| xml_error(text, position, e))?
                    .trim()
                    .to_string();
                let n = path.len();
                match (path.get(n.wrapping_sub(2)).map(String::as_str), path.last()) {
                    (Some("properties"), Some(key)) if n == 3 => {
                        properties.push((key.clone(), value));
                    }
                    (Some("dependency"), Some(field)) => {
                        if let Some(dep) = current.as_mut() {
                            match field.as_str() {
                                "groupId" => dep.group = Some(value),
                                "artifactId" => dep.artifact = Some(value),
                                "version" => dep.version = Some(value),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let resolve = |v: String| {
        v.strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|key| properties.iter().find(|(k, _)| k == key))
            .map_or(v.clone(), |(_, value)| value.clone())
    };
    Ok(found
        .into_iter()
        .map(|(name, version, line)| Declared {
            name,
            version: version.map(resolve),
            line,
        })
        .collect())
}

/// `<PackageReference Include="…" Version="…"/>`, the version also as a child element.
fn csproj(text: &str) -> Result<Vec<Declared>, Invalid> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut out: Vec<Declared> = Vec::new();
    let mut open: Option<usize> = None;
    let mut in_version = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position(), e))?;
        let position = reader.buffer_position();
        match event {
            Event::Start(ref e) | Event::Empty(ref e)
                if e.local_name().as_ref() == b"PackageReference" =>
            {
                let attr = |name: &str| -> Result<Option<String>, Invalid> {
                    match e.try_get_attribute(name) {
                        Ok(Some(a)) => a
                            .unescape_value()
                            .map(|v| Some(v.into_owned()))
                            .map_err(|err| xml_error(text, position, err)),
                        Ok(None) => Ok(None),
                        Err(err) => Err(xml_error(text, position, err)),
                    }
                };
                let Some(name) = attr("Include")?.or(attr("Update")?) else {
                    continue;
                };
                out.push(Declared {
                    name,
                    version: attr("Version")?,
                    line: line_of(text.as_bytes(), position as usize),
                });
                if matches!(event, Event::Start(_)) {
                    open = Some(out.len() - 1);
                }
            }
            Event::Start(ref e) => {
                in_version = open.is_some() && e.local_name().as_ref() == b"Version";
            }
            Event::Text(t) if in_version => {
                if let Some(i) = open {
                    out[i].version = Some(
                        t.decode()
                            .map_err(|e| xml_error(text, position, e))?
                            .trim()
                            .to_string(),
                    );
                }
            }
            Event::End(e) => {
                in_version = false;
                if e.local_name().as_ref() == b"PackageReference" {
                    open = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In line order (TOML tables come back sorted by key).
    fn declared(mut found: Vec<Declared>) -> Vec<(String, Option<String>, u32)> {
        found.sort_by_key(|d| d.line);
        found
            .into_iter()
            .map(|d| (d.name, d.version, d.line))
            .collect()
    }

    fn d(name: &str, version: Option<&str>, line: u32) -> (String, Option<String>, u32) {
        (name.to_string(), version.map(str::to_string), line)
    }

    #[test]
    fn requirements_files_with_comments_options_markers_and_continuations() {
        let text = "# app\n-r base.txt\nopenai>=1.40,<2  # pinned\nAnthropic[vertex] == 0.42.0 ; python_version >= \"3.9\"\n\
                    tiktoken \\\n  ==0.8.0 --hash=sha256:abc\n-e ./libs/common\nfastapi\n";
        assert_eq!(
            declared(requirements(text)),
            vec![
                d("openai", Some(">=1.40,<2"), 3),
                d("Anthropic", Some("== 0.42.0"), 4),
                d("tiktoken", Some("==0.8.0"), 5),
                d("fastapi", None, 8),
            ]
        );
    }

    #[test]
    fn pyproject_pep621_groups_and_poetry() {
        let text = r#"[project]
name = "svc"
dependencies = [
  "openai>=1.50",
  "httpx",
]
[project.optional-dependencies]
claude = ["anthropic~=0.40"]
[dependency-groups]
dev = ["pytest"]
[tool.poetry.dependencies]
python = "^3.11"
google-genai = { version = "^1.2", extras = ["aio"] }
[tool.poetry.group.ml.dependencies]
tiktoken = "0.8.0"
"#;
        assert_eq!(
            declared(pyproject(text).unwrap()),
            vec![
                d("openai", Some(">=1.50"), 4),
                d("httpx", None, 5),
                d("anthropic", Some("~=0.40"), 8),
                d("pytest", None, 10),
                d("python", Some("^3.11"), 12),
                d("google-genai", Some("^1.2"), 13),
                d("tiktoken", Some("0.8.0"), 15),
            ]
        );
    }

    #[test]
    fn cargo_toml_renames_workspaces_and_targets() {
        let text = r#"[package]
name = "x"
[dependencies]
openai = { package = "async-openai", version = "0.28" }
serde = "1"
[workspace.dependencies]
tiktoken-rs = "0.6"
[target.'cfg(unix)'.dev-dependencies]
aws-sdk-bedrockruntime = { version = "1.70", features = ["behavior-version-latest"] }
"#;
        assert_eq!(
            declared(cargo_toml(text).unwrap()),
            vec![
                d("async-openai", Some("0.28"), 4),
                d("serde", Some("1"), 5),
                d("tiktoken-rs", Some("0.6"), 7),
                d("aws-sdk-bedrockruntime", Some("1.70"), 9),
            ]
        );
    }

    #[test]
    fn pom_dependencies_with_properties() {
        let text = r#"<?xml version="1.0"?>
<project>
  <parent><groupId>org.springframework.boot</groupId><artifactId>parent</artifactId></parent>
  <properties>
    <openai.version>0.8.0</openai.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>com.openai</groupId>
      <artifactId>openai-java</artifactId>
      <version>${openai.version}</version>
    </dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId></dependency>
  </dependencies>
</project>
"#;
        assert_eq!(
            declared(pom(text).unwrap()),
            vec![
                d("com.openai:openai-java", Some("0.8.0"), 8),
                d("junit:junit", None, 13)
            ]
        );
    }

    #[test]
    fn csproj_references_with_attribute_or_element_versions() {
        let text = r#"<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="Azure.AI.OpenAI" Version="2.1.0" />
    <PackageReference Include="OpenAI">
      <Version>2.1.0</Version>
    </PackageReference>
  </ItemGroup>
</Project>
"#;
        assert_eq!(
            declared(csproj(text).unwrap()),
            vec![
                d("Azure.AI.OpenAI", Some("2.1.0"), 3),
                d("OpenAI", Some("2.1.0"), 4)
            ]
        );
    }

    #[test]
    fn gradle_gemfile_and_go_mod_lines() {
        let gradle_text = "plugins { id(\"java\") }\ndependencies {\n    implementation(\"com.openai:openai-java:2.2.0\")\n    testImplementation 'junit:junit'\n}\n";
        assert_eq!(
            declared(gradle(gradle_text)),
            vec![
                d("com.openai:openai-java", Some("2.2.0"), 3),
                d("junit:junit", None, 4)
            ]
        );
        let gems = "source \"https://rubygems.org\"\ngem \"ruby-openai\", \"~> 7.3\", \">= 7.3.1\"\ngem 'rails'\n";
        assert_eq!(
            declared(gemfile(gems)),
            vec![
                d("ruby-openai", Some("~> 7.3, >= 7.3.1"), 2),
                d("rails", None, 3)
            ]
        );
        let gomod = "module x\n\ngo 1.23\n\nrequire github.com/openai/openai-go v1.8.2\n\nrequire (\n\tgithub.com/aws/aws-sdk-go-v2 v1.36.3 // indirect\n)\n";
        assert_eq!(
            declared(go_mod(gomod)),
            vec![
                d("github.com/openai/openai-go", Some("v1.8.2"), 5),
                d("github.com/aws/aws-sdk-go-v2", Some("v1.36.3"), 8),
            ]
        );
    }

    #[test]
    fn names_normalise_as_their_registries_compare_them() {
        assert_eq!(normalise(Ecosystem::PyPi, "Google_GenAI"), "google-genai");
        assert_eq!(
            normalise(Ecosystem::PyPi, "llama.index__llms-openai"),
            "llama-index-llms-openai"
        );
        assert_eq!(
            normalise(Ecosystem::Go, "github.com/cohere-ai/cohere-go/v2"),
            "github.com/cohere-ai/cohere-go"
        );
        assert_eq!(normalise(Ecosystem::Cargo, "async_openai"), "async-openai");
    }

    #[test]
    fn a_broken_manifest_is_a_problem_with_its_line() {
        let mut deps = Vec::new();
        let mut problems = Vec::new();
        parse(
            PackageManifest::PackageJson,
            "web/package.json",
            b"{\n  \"dependencies\": {\n    \"openai\": ^4\n  }\n}\n",
            &mut deps,
            &mut problems,
        );
        parse(
            PackageManifest::CargoToml,
            "Cargo.toml",
            b"[dependencies]\nasync-openai = \n",
            &mut deps,
            &mut problems,
        );
        parse(
            PackageManifest::Pom,
            "pom.xml",
            b"<project>\n<dependencies>\n</project>\n",
            &mut deps,
            &mut problems,
        );
        assert!(deps.is_empty());
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.file.as_deref().unwrap(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("web/package.json", Some(3)),
                ("Cargo.toml", Some(2)),
                ("pom.xml", Some(3))
            ]
        );
        assert!(
            problems[0].message.starts_with("invalid JSON"),
            "{}",
            problems[0].message
        );
        assert!(
            problems[1].message.starts_with("invalid TOML"),
            "{}",
            problems[1].message
        );
        assert!(
            problems[2].message.starts_with("invalid XML"),
            "{}",
            problems[2].message
        );
    }

    #[test]
    fn only_vendor_packages_become_dependencies() {
        let mut deps = Vec::new();
        let mut problems = Vec::new();
        parse(
            PackageManifest::Requirements,
            "requirements.txt",
            b"fastapi==0.115\nOpenAI==1.59.7\ntiktoken\n",
            &mut deps,
            &mut problems,
        );
        assert!(problems.is_empty());
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.line,
                    d.vendor.id(),
                    d.feature.id(),
                    d.rating.id(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("OpenAI", 2, "openai", "sdk", "portable"),
                ("tiktoken", 3, "openai", "tokenizer", "portable-with-work"),
            ]
        );
    }
}
