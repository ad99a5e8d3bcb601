//! The XML manifests: Maven's pom.xml (properties resolved) and .NET's *.csproj.

use quick_xml::events::Event;

use super::{line_of, Declared, Invalid};

fn reader(text: &str) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    reader
}

/// The next event and the position after it; a malformed document is an error at its line.
fn next<'a>(
    reader: &mut quick_xml::Reader<&'a [u8]>,
    text: &str,
) -> Result<(Event<'a>, u64), Invalid> {
    let event = (reader.read_event()).map_err(|e| xml_error(text, reader.error_position(), e))?;
    Ok((event, reader.buffer_position()))
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
    /// `<scope>import</scope>` in `<dependencyManagement>`: a BOM, whose versions the
    /// dependencies of its group take.
    import: bool,
    /// Inside `<dependencyManagement>`: a version declared for later, not a use.
    managed: bool,
    line: u32,
}

/// Maven `<dependency>` elements; `${property}` versions resolved from `<properties>`, and a
/// dependency written without a version given the one `<dependencyManagement>` sets for it, or
/// else says which imported BOM of its group manages it (`1.0.0 (langchain4j-bom)`).
pub(super) fn pom(text: &str) -> Result<Vec<Declared>, Invalid> {
    let mut reader = reader(text);
    let mut path: Vec<String> = Vec::new();
    let mut properties: Vec<(String, String)> = Vec::new();
    let mut current: Option<MavenDependency> = None;
    let mut found = Vec::new();
    loop {
        let (event, position) = next(&mut reader, text)?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "dependency" {
                    current = Some(MavenDependency {
                        line: line_of(text.as_bytes(), position as usize),
                        managed: path.iter().any(|p| p == "dependencyManagement"),
                        ..MavenDependency::default()
                    });
                }
                path.push(name);
            }
            // The guard pops every closing element, whichever arm then runs.
            Event::End(_) if path.pop().as_deref() == Some("dependency") => {
                found.extend(current.take());
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
                                "scope" => dep.import = value == "import",
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
    Ok(declared(found, &properties))
}

/// The dependencies a pom uses, with their versions resolved.
fn declared(found: Vec<MavenDependency>, properties: &[(String, String)]) -> Vec<Declared> {
    let resolve = |v: &str| {
        v.strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|key| properties.iter().find(|(k, _)| k == key))
            .map_or(v.to_string(), |(_, value)| value.clone())
    };
    let (managed, used): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.managed);
    let managed_version = |group: &str, artifact: &str| {
        let same = |d: &&MavenDependency| d.group.as_deref() == Some(group);
        let exact = managed
            .iter()
            .filter(same)
            .find(|d| !d.import && d.artifact.as_deref() == Some(artifact));
        if let Some(version) = exact.and_then(|d| d.version.as_deref()) {
            return Some(resolve(version));
        }
        let bom = managed.iter().filter(same).find(|d| d.import)?;
        let version = resolve(bom.version.as_deref()?);
        Some(format!(
            "{version} ({})",
            bom.artifact.as_deref().unwrap_or("BOM")
        ))
    };
    used.into_iter()
        .filter_map(|d| {
            let (group, artifact) = (d.group?, d.artifact?);
            let version = match d.version {
                Some(v) => Some(resolve(&v)),
                None => managed_version(&group, &artifact),
            };
            Some(Declared {
                name: format!("{group}:{artifact}"),
                version,
                line: d.line,
            })
        })
        .collect()
}

/// `<PackageReference Include="…" Version="…"/>`, the version also as a child element.
pub(super) fn csproj(text: &str) -> Result<Vec<Declared>, Invalid> {
    let mut reader = reader(text);
    let mut out: Vec<Declared> = Vec::new();
    let mut open: Option<usize> = None;
    let mut in_version = false;
    loop {
        let (event, position) = next(&mut reader, text)?;
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
