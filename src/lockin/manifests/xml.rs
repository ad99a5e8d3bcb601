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
    line: u32,
}

/// Maven `<dependency>` elements; `${property}` versions resolved from `<properties>`.
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
