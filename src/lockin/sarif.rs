//! The scan as SARIF 2.1.0: one rule per vendor feature, one result per finding and per vendor
//! package, located from the top of the repository as GitHub code scanning expects, each with a
//! fingerprint that does not move when lines are added above it (so an alert stays one alert
//! across commits).

use std::collections::HashMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::rules::{Portability, PORTABILITY};
use super::{Dependency, Feature, Finding, Problem, Rating, Scan, Vendor};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn rule_id(vendor: Vendor, feature: Feature) -> String {
    format!("{}/{}", vendor.id(), feature.id())
}

/// Vendor-only findings are warnings: something has to be rebuilt. The rest are notes.
fn level(rating: Rating) -> &'static str {
    match rating {
        Rating::VendorOnly => "warning",
        Rating::PortableWithWork | Rating::Portable => "note",
    }
}

fn rule(p: &Portability) -> Value {
    let help = match p.hint {
        Some(hint) => format!("{}: {}. To move: {hint}.", p.rating.label(), p.reason),
        None => format!("{}: {}.", p.rating.label(), p.reason),
    };
    json!({
        "id": rule_id(p.vendor, p.feature),
        "name": format!("{} {}", p.vendor.label(), p.feature.label()),
        "shortDescription": {"text": format!("{}: {} ({})", p.vendor.label(), p.feature.label(), p.rating.label())},
        "fullDescription": {"text": p.reason},
        "help": {"text": help},
        "defaultConfiguration": {"level": level(p.rating)},
        "properties": {"tags": ["vendor-lock-in", p.vendor.id(), p.rating.id()]},
    })
}

/// A URI reference to `file` (relative to the scanned root) from the repository's top.
fn uri(scan: &Scan, file: &str) -> String {
    let path = match scan.repository_path.as_deref() {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/{file}"),
        _ => file.to_string(),
    };
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// RFC 3986: what a path segment may not hold literally.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `primaryLocationLineHash`: what was found where, without its line number — the rule, the file
/// and the matched text — and which occurrence of that triple in the file it is (`hash:n`). A
/// finding keeps its fingerprint when code moves above it; two identical matches in one file are
/// told apart by their order.
struct Fingerprints(HashMap<String, usize>);

impl Fingerprints {
    fn next(&mut self, rule: &str, file: &str, text: &str) -> Value {
        let hash = Sha256::digest(format!("{rule}\0{file}\0{text}").as_bytes());
        let key = format!("{:x}", hash)[..16].to_string();
        let n = self.0.entry(key.clone()).or_insert(0);
        *n += 1;
        json!({"primaryLocationLineHash": format!("{key}:{n}")})
    }
}

pub(crate) fn render(scan: &Scan) -> Value {
    let mut prints = Fingerprints(HashMap::new());
    let mut results: Vec<Value> = (scan.findings.iter())
        .map(|f| {
            let mut r = finding(scan, f);
            r["partialFingerprints"] =
                prints.next(&rule_id(f.vendor, f.feature), &f.file, &f.matched);
            r
        })
        .collect();
    results.extend(scan.dependencies.iter().map(|d| {
        let mut r = dependency(scan, d);
        r["partialFingerprints"] = prints.next(&rule_id(d.vendor, d.feature), &d.file, &d.name);
        r
    }));
    let mut notifications: Vec<Value> = scan
        .problems
        .iter()
        .map(|p| notification(scan, p))
        .collect();
    notifications.extend(scan.skipped.iter().map(|s| {
        let skipped = Problem {
            file: Some(s.file.clone()),
            line: None,
            message: format!("not scanned: {}", s.reason),
        };
        let mut n = notification(scan, &skipped);
        n["level"] = json!("note");
        n
    }));
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver()},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// The tool: its name, version, rules, and where to read about it (Cargo.toml's `homepage`, when
/// the package names one).
fn driver() -> Value {
    let mut driver = json!({
        "name": "modelswap",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": PORTABILITY.iter().map(rule).collect::<Vec<_>>(),
    });
    let homepage = env!("CARGO_PKG_HOMEPAGE");
    if !homepage.is_empty() {
        driver["informationUri"] = json!(homepage);
    }
    driver
}

/// The rule of a vendor's feature: its place in `PORTABILITY`, which the driver lists in order.
fn rule_index(vendor: Vendor, feature: Feature) -> Option<usize> {
    PORTABILITY
        .iter()
        .position(|p| p.vendor == vendor && p.feature == feature)
}

fn finding(scan: &Scan, f: &Finding) -> Value {
    let mut message = format!(
        "`{}`: {} {} is {}: {}.",
        f.matched,
        f.vendor.label(),
        f.feature.label(),
        f.rating.label(),
        f.reason
    );
    if let Some(hint) = &f.hint {
        message.push_str(&format!(" To move: {hint}."));
    }
    // In a notebook the line is the JSON file's, and the cell's column means nothing there.
    let region = match f.cell {
        Some(cell) => {
            message.push_str(&format!(" (notebook cell {cell}, line {})", f.line));
            json!({"startLine": f.file_line.unwrap_or(1), "snippet": {"text": f.matched}})
        }
        None => json!({
            "startLine": f.line,
            "startColumn": f.column,
            "endColumn": f.column + f.matched.chars().count() as u32,
            "snippet": {"text": f.matched},
        }),
    };
    json!({
        "ruleId": rule_id(f.vendor, f.feature),
        "ruleIndex": rule_index(f.vendor, f.feature),
        "level": level(f.rating),
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(scan, &f.file), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }}],
        "properties": {"vendor": f.vendor, "feature": f.feature, "rating": f.rating},
    })
}

fn dependency(scan: &Scan, d: &Dependency) -> Value {
    let version = d.version.as_deref().unwrap_or("any version");
    json!({
        "ruleId": rule_id(d.vendor, d.feature),
        "ruleIndex": rule_index(d.vendor, d.feature),
        "level": level(d.rating),
        "message": {"text": format!(
            "Declares {} `{}` ({version}): {} {} is {}: {}.",
            d.ecosystem.label(), d.name, d.vendor.label(), d.feature.label(), d.rating.label(), d.reason
        )},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(scan, &d.file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": d.line},
        }}],
        "properties": {"vendor": d.vendor, "feature": d.feature, "rating": d.rating, "package": d.name},
    })
}

/// A file the scan could not read, as a tool execution notification.
fn notification(scan: &Scan, p: &Problem) -> Value {
    let mut n = json!({"level": "warning", "message": {"text": p.message}});
    if let Some(file) = &p.file {
        let mut location =
            json!({"artifactLocation": {"uri": uri(scan, file), "uriBaseId": "%SRCROOT%"}});
        if let Some(line) = p.line {
            location["region"] = json!({"startLine": line});
        }
        n["locations"] = json!([{"physicalLocation": location}]);
    }
    n
}
