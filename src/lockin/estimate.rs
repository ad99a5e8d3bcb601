//! The migration estimate: findings grouped into integration points, and points counted by
//! rating at a stated rough size each. Counting findings made a catalogue of model ids outweigh
//! the one file that speaks a vendor-only protocol; what a migration moves is each place the code
//! reaches a vendor, and the least portable thing it does there sets the work.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::classify;
use super::{Feature, FileClass, Finding, Rating, Vendor};

/// One place the code reaches a vendor: a file's findings that go to that vendor. A client is
/// almost always constructed and called within one module, so a file and a vendor stand for a
/// client and its call sites (two clients of one vendor in one file count once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationPoint {
    pub file: String,
    pub class: FileClass,
    pub vendor: Vendor,
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

/// The findings grouped by file and vendor: production code first, then the least portable,
/// then by file and vendor.
pub(crate) fn integration_points(findings: &[Finding]) -> Vec<IntegrationPoint> {
    let mut points: BTreeMap<(&str, Vendor), IntegrationPoint> = BTreeMap::new();
    for f in findings {
        let p = points
            .entry((&f.file, f.vendor))
            .or_insert_with(|| IntegrationPoint {
                file: f.file.clone(),
                class: classify::classify(&f.file),
                vendor: f.vendor,
                rating: f.rating,
                features: Vec::new(),
                findings: 0,
                line: f.line,
                cell: f.cell,
            });
        p.rating = p.rating.max(f.rating);
        p.findings += 1;
        if !p.features.contains(&f.feature) {
            p.features.push(f.feature);
        }
    }
    let mut points: Vec<IntegrationPoint> = points.into_values().collect();
    points.sort_by(|a, b| {
        let apart = |p: &IntegrationPoint| p.class != FileClass::Production;
        (apart(a), b.rating, &a.file, a.vendor).cmp(&(apart(b), a.rating, &b.file, b.vendor))
    });
    points
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
