//! The HTML report for procurement: one self-contained page (inline SVG charts, inline CSS, no
//! script, no external asset) that prints to PDF. Figures are formatted here; `report.html`
//! (minijinja, autoescaped) lays them out.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

mod agreement;
mod capacity;
mod cost;
mod failures;
mod latency;
mod lockin;
mod methodology;
mod non_inferiority;
mod quality;
mod summary;

use super::junit::xml_text;
use super::Report;
use crate::analysis::cost as analysis_cost;
use crate::format::truncate;

const TEMPLATE: &str = include_str!("../report.html");

/// Failures shown per provider; report.json has more, records.csv/parquet all of them.
const FAILURES_SHOWN: usize = 25;
/// Flaky cases listed; report.json has every case's tally.
const FLAKY_SHOWN: usize = 50;
/// Characters of a model output shown in a failure row.
const OUTPUT_CHARS: usize = 600;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut env = Environment::new();
    // A name the template misspells is an error, not an empty section.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // The name ends in .html, so minijinja escapes every value for HTML unless marked safe;
    // only the charts are, and plotters escapes their text.
    env.add_template("report.html", TEMPLATE)?;
    let view = View::of(report)?;
    Ok(env.get_template("report.html")?.render(view)?)
}

#[derive(Serialize)]
struct View {
    title: String,
    description: Option<String>,
    run: String,
    version: String,
    summary: summary::SummarySection,
    methodology: methodology::MethodologySection,
    quality: quality::QualitySection,
    non_inferiority: Option<non_inferiority::NonInferioritySection>,
    agreement: Option<agreement::AgreementSection>,
    agreement_kept: usize,
    latency: latency::LatencySection,
    cost: cost::CostSection,
    capacity: Vec<capacity::CapacityView>,
    failures: Vec<failures::FailureGroup>,
    failures_kept: usize,
    lockin: Option<lockin::LockInSection>,
}

/// A table of preformatted cells; numeric columns are right-aligned.
#[derive(Serialize)]
pub(super) struct Table {
    head: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns named by `head`; a name starting with '#' is numeric (the '#' is dropped).
    pub(super) fn new(head: &[&str]) -> Self {
        Self {
            head: head
                .iter()
                .map(|h| match h.strip_prefix('#') {
                    Some(n) => (n.to_string(), true),
                    None => (h.to_string(), false),
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

impl From<crate::report::rows::Rows> for Table {
    fn from(rows: crate::report::rows::Rows) -> Self {
        let mut t = Table::new(rows.head);
        for r in rows.rows {
            t.row(r);
        }
        t
    }
}

impl View {
    fn of(report: &Report) -> anyhow::Result<Self> {
        let m = &report.manifest;
        let ctx = Ctx(report);
        Ok(Self {
            title: format!("modelswap report: {}", m.suite.name),
            description: m.suite.description.clone(),
            run: format!(
                "Run {} ({}), started {}{}.",
                m.run_id,
                m.status,
                m.started_at,
                m.finished_at
                    .as_deref()
                    .map(|f| format!(", finished {f}"))
                    .unwrap_or_default()
            ),
            version: m.modelswap_version.clone(),
            summary: ctx.summary(),
            methodology: ctx.methodology()?,
            quality: ctx.quality(),
            non_inferiority: ctx.non_inferiority(),
            agreement: ctx.agreement(),
            agreement_kept: crate::report::agreement::DISAGREEMENTS_KEPT,
            latency: ctx.latency()?,
            cost: ctx.cost()?,
            capacity: ctx.capacity()?,
            failures: ctx.failures(),
            failures_kept: report.methodology.failures_kept,
            lockin: ctx.lockin(),
        })
    }
}

/// The report, with the look-ups every section makes.
pub(super) struct Ctx<'a>(&'a Report);

impl Ctx<'_> {
    /// Each provider's chart colour: its place in the manifest, the same in every chart.
    pub(super) fn color(&self, id: &str) -> usize {
        let providers = &self.0.manifest.providers;
        providers
            .iter()
            .position(|p| p.id == id)
            .unwrap_or_default()
    }

    pub(super) fn cost_of(&self, id: &str) -> Option<&analysis_cost::ProviderCost> {
        self.0.cost.providers.iter().find(|c| c.id == id)
    }

    pub(super) fn monthly_head(&self) -> String {
        match self.0.cost.requests_per_month {
            Some(n) => format!("#cost / month at {n} requests"),
            None => "#cost / month (no workload set)".into(),
        }
    }
}

/// The latency columns of the latency and per-tag tables.
const LATENCY_COLUMNS: [&str; 7] = [
    "#p50",
    "#p95",
    "#p99",
    "#TTFT p50",
    "#TTFT p95",
    "#TTFT p99",
    "#decode tokens/s (median)",
];

/// Their cells: the call's and the first token's percentiles, and the median decode rate.
fn latency_cells(
    total: Option<crate::analysis::latency::Percentiles>,
    ttft: Option<crate::analysis::latency::Percentiles>,
    tokens_per_s: Option<f64>,
) -> Vec<String> {
    let mut cells: Vec<String> = [total, ttft]
        .iter()
        .flat_map(|p| [p.map(|x| x.p50), p.map(|x| x.p95), p.map(|x| x.p99)])
        .map(crate::format::ms)
        .collect();
    cells.push(crate::format::num(tokens_per_s, 1));
    cells
}

/// A model output for a failure row: cut to `OUTPUT_CHARS`, and safe for XML.
pub(super) fn output(o: Option<&str>) -> String {
    match o {
        None => "(no output: the call failed)".into(),
        Some(o) if o.trim().is_empty() => "(empty)".into(),
        Some(o) => xml_text(&truncate(o, OUTPUT_CHARS)),
    }
}
