//! The migration estimate: findings grouped into integration points, and points counted by
//! rating at a stated rough size each. Counting findings made a catalogue of model ids outweigh
//! the one file that speaks a vendor-only protocol; what a migration moves is each place the code
//! reaches a vendor, and the least portable thing it does there sets the work.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::classify;
use super::{Client, Feature, FileClass, FileEffort, Finding, Rating, Vendor};

/// One place the code reaches a vendor: a file's findings that go to that vendor, which stand for
/// a client and its call sites; and where a module makes a client other files import (Python,
/// JavaScript, TypeScript; `clients`), the calls made through it in those files too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationPoint {
    /// Where the client is made; else the file.
    pub file: String,
    pub class: FileClass,
    pub vendor: Vendor,
    /// The client's name where it is made (`client`, `openai`), when other files call through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The other files whose calls go through it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_sites: Vec<String>,
    /// The least portable of its findings: what moving it takes.
    pub rating: Rating,
    /// Its features, each once.
    pub features: Vec<Feature>,
    pub findings: u32,
    /// Its first finding's line; in a notebook, the line in its first finding's cell.
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
}

/// Engineer-days to move one integration point, by its rating, including re-testing: rough
/// sizes, stated so that a reader can replace them with their own.
const DAYS: [(Rating, f64, f64); 3] = [
    (Rating::Portable, 0.25, 0.5),
    (Rating::PortableWithWork, 1.0, 3.0),
    (Rating::VendorOnly, 5.0, 10.0),
];

/// What a finding's point is: a client, or a file and a vendor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Client(&'a Client),
    File(&'a str, Vendor),
}

/// The findings grouped by client (or file and vendor): production code first, then the least
/// portable, then by file and vendor.
pub(crate) fn integration_points(findings: &[Finding]) -> Vec<IntegrationPoint> {
    // The clients each file makes that others call through, per vendor: that file's own findings
    // (its import, the construction's arguments, its calls) join the first of them.
    let mut made: BTreeMap<(&str, Vendor), &Client> = BTreeMap::new();
    for c in findings.iter().filter_map(|f| f.client.as_ref()) {
        let first = made.entry((&c.file, c.vendor)).or_insert(c);
        if (c.line, &c.name) < (first.line, &first.name) {
            *first = c;
        }
    }
    let mut points: BTreeMap<Key, IntegrationPoint> = BTreeMap::new();
    for f in findings {
        let key = match f
            .client
            .as_ref()
            .or(made.get(&(&*f.file, f.vendor)).copied())
        {
            Some(c) => Key::Client(c),
            None => Key::File(&f.file, f.vendor),
        };
        let p = points.entry(key.clone()).or_insert_with(|| point(&key, f));
        p.rating = p.rating.max(f.rating);
        p.findings += 1;
        if !p.features.contains(&f.feature) {
            p.features.push(f.feature);
        }
        if f.file != p.file && !p.call_sites.contains(&f.file) {
            p.call_sites.push(f.file.clone());
        }
    }
    let mut points: Vec<IntegrationPoint> = points.into_values().collect();
    points.sort_by(|a, b| {
        let apart = |p: &IntegrationPoint| p.class != FileClass::Production;
        (apart(a), b.rating, &a.file, a.vendor, a.line, &a.client).cmp(&(
            apart(b),
            a.rating,
            &b.file,
            b.vendor,
            b.line,
            &b.client,
        ))
    });
    points
}

/// An empty point for `key`, whose first finding is `f`.
fn point(key: &Key, f: &Finding) -> IntegrationPoint {
    let (file, vendor, line, cell, client) = match key {
        Key::Client(c) => (c.file.clone(), c.vendor, c.line, None, Some(c.name.clone())),
        Key::File(..) => (f.file.clone(), f.vendor, f.line, f.cell, None),
    };
    IntegrationPoint {
        class: classify::classify(&file),
        file,
        vendor,
        client,
        call_sites: Vec::new(),
        rating: f.rating,
        features: Vec::new(),
        findings: 0,
        line,
        cell,
    }
}

/// The files with findings: production code first, then those with a vendor-only finding, then
/// with work to do, then by effort points, by vendor-only findings and by name. A file of many
/// model ids does not outrank the one file that speaks a vendor-only protocol.
pub(crate) fn efforts(findings: &[Finding]) -> Vec<FileEffort> {
    let mut by_file: BTreeMap<&str, FileEffort> = BTreeMap::new();
    for f in findings {
        let e = by_file.entry(&f.file).or_insert_with(|| FileEffort {
            file: f.file.clone(),
            class: classify::classify(&f.file),
            effort: 0,
            vendor_only: 0,
            portable_with_work: 0,
            portable: 0,
            vendors: Vec::new(),
            features: Vec::new(),
        });
        e.effort += f.rating.effort();
        *match f.rating {
            Rating::VendorOnly => &mut e.vendor_only,
            Rating::PortableWithWork => &mut e.portable_with_work,
            Rating::Portable => &mut e.portable,
        } += 1;
        e.vendors.push(f.vendor);
        e.features.push(f.feature);
    }
    let mut files: Vec<FileEffort> = by_file
        .into_values()
        .map(|mut e| {
            e.vendors.sort();
            e.vendors.dedup();
            e.features.sort();
            e.features.dedup();
            e
        })
        .collect();
    // Production code first: it is what a migration moves; then by effort.
    let apart = |e: &FileEffort| e.class != FileClass::Production;
    let worst = |e: &FileEffort| (e.vendor_only > 0, e.portable_with_work > 0);
    files.sort_by(|a, b| {
        (apart(a), worst(b), b.effort, b.vendor_only, &a.file).cmp(&(
            apart(b),
            worst(a),
            a.effort,
            a.vendor_only,
            &b.file,
        ))
    });
    files
}

/// What moving the production code takes: its integration points by rating, and the days that
/// makes at the sizes of `DAYS`.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub vendor_only: usize,
    pub portable_with_work: usize,
    pub portable: usize,
    pub days_low: f64,
    pub days_high: f64,
    /// Integration points outside production code (tests, examples, docs, generated), by class.
    pub apart: BTreeMap<FileClass, usize>,
}

impl Estimate {
    pub fn of(points: &[IntegrationPoint]) -> Estimate {
        let mut e = Estimate {
            vendor_only: 0,
            portable_with_work: 0,
            portable: 0,
            days_low: 0.0,
            days_high: 0.0,
            apart: BTreeMap::new(),
        };
        for p in points {
            if p.class != FileClass::Production {
                *e.apart.entry(p.class).or_default() += 1;
                continue;
            }
            *match p.rating {
                Rating::VendorOnly => &mut e.vendor_only,
                Rating::PortableWithWork => &mut e.portable_with_work,
                Rating::Portable => &mut e.portable,
            } += 1;
            let (_, low, high) = DAYS
                .iter()
                .find(|(r, ..)| *r == p.rating)
                .expect("a size per rating");
            e.days_low += low;
            e.days_high += high;
        }
        e
    }

    /// The estimate in a sentence, with the sizes it assumed.
    pub fn sentence(&self) -> String {
        let total = self.vendor_only + self.portable_with_work + self.portable;
        let mut s = format!(
            "Production code: {total} integration point(s) ({} vendor-only, {} portable with work, {} portable), roughly {}–{} engineer-days at the assumed sizes ({}).",
            self.vendor_only,
            self.portable_with_work,
            self.portable,
            days(self.days_low),
            days(self.days_high),
            sizes(),
        );
        if !self.apart.is_empty() {
            let apart: Vec<String> = (self.apart.iter())
                .map(|(class, n)| format!("{} {n}", class.label()))
                .collect();
            s.push_str(&format!(
                " Reported apart, not in the estimate: {}.",
                apart.join(", ")
            ));
        }
        s
    }
}

/// The sizes, as a reader sees them.
fn sizes() -> String {
    let each: Vec<String> = (DAYS.iter())
        .map(|(r, low, high)| format!("{} {}–{} days", r.label(), days(*low), days(*high)))
        .collect();
    format!("per point: {}", each.join(", "))
}

fn days(d: f64) -> String {
    let s = format!("{d:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(file: &str, rating: Rating) -> Finding {
        Finding {
            file: file.into(),
            line: 1,
            column: 1,
            cell: None,
            file_line: None,
            vendor: Vendor::OpenAi,
            feature: Feature::Chat,
            rating,
            matched: String::new(),
            reason: String::new(),
            hint: None,
            client: None,
        }
    }

    #[test]
    fn files_rank_by_their_least_portable_finding_then_effort_then_name() {
        use Rating::*;
        // Five model ids to change do not outrank one vendor-only protocol.
        let findings = [
            finding("a.py", PortableWithWork),
            finding("a.py", PortableWithWork),
            finding("a.py", PortableWithWork),
            finding("a.py", PortableWithWork),
            finding("a.py", PortableWithWork),
            finding("b.py", VendorOnly),
            finding("c.py", Portable),
            finding("d.py", VendorOnly),
        ];
        let ranked: Vec<_> = efforts(&findings)
            .into_iter()
            .map(|e| (e.file, e.effort, e.vendor_only))
            .collect();
        assert_eq!(
            ranked,
            vec![
                ("b.py".to_string(), 3, 1),
                ("d.py".to_string(), 3, 1),
                ("a.py".to_string(), 5, 0),
                ("c.py".to_string(), 0, 0),
            ]
        );
    }
}
