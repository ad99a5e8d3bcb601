//! The HTML report for procurement: one self-contained page (inline SVG charts, inline CSS, no
//! script, no external asset) that prints to PDF. Figures are formatted here; `report.html`
//! (minijinja, autoescaped) lays them out.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::charts;
use super::junit::xml_text;
use super::recommend::RULE;
use super::{comparison, Decision, Failure, Report};
use crate::analysis::{cost, MeanInterval};
use crate::cost::Pricing;
use crate::format::{interval, ms, pct1, usd};

const TEMPLATE: &str = include_str!("report.html");

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
    summary: SummarySection,
    methodology: MethodologySection,
    quality: QualitySection,
    latency: LatencySection,
    cost: CostSection,
    failures: Vec<FailureGroup>,
    failures_kept: usize,
    lockin: Option<LockInSection>,
}

#[derive(Serialize)]
struct LockInSection {
    /// The migration effort estimate (with a code scan).
    effort: Option<String>,
    /// Requests per feature the workload uses.
    uses: Option<Table>,
    /// Per provider: requests needing something it lacks.
    fit: Option<Table>,
    /// Vendor × feature × portability, from the code scan.
    matrix: Option<Table>,
    files: Option<Table>,
    dependencies: Option<Table>,
}

#[derive(Serialize)]
struct SummarySection {
    verdict: Option<String>,
    unavailable: Option<String>,
    recommendations: Vec<Rec>,
    headline: Table,
}

#[derive(Serialize)]
struct Rec {
    candidate: String,
    baseline: String,
    decision: &'static str,
    class: &'static str,
    reasons: Vec<String>,
}

#[derive(Serialize)]
struct MethodologySection {
    items: Vec<(String, String)>,
    sampling: Table,
    prices: Table,
    evidence: Table,
}

#[derive(Serialize)]
struct QualitySection {
    table: Table,
    comparisons: Option<Table>,
    flaky: Option<Table>,
    /// Flaky cases not listed.
    flaky_more: usize,
    tags: Option<Table>,
}

#[derive(Serialize)]
struct LatencySection {
    table: Table,
    notes: Vec<String>,
    chart: Option<String>,
}

#[derive(Serialize)]
struct CostSection {
    table: Table,
    notes: Vec<String>,
    monthly_chart: Option<String>,
    monthly_caption: String,
    quality_chart: Option<String>,
    self_hosting: Vec<SelfHostView>,
}

#[derive(Serialize)]
struct SelfHostView {
    id: String,
    explained: String,
    machines: Option<String>,
    sensitivity: Table,
    break_even: Option<Table>,
}

#[derive(Serialize)]
struct FailureGroup {
    provider: String,
    baseline: Option<String>,
    summary: String,
    rows: Vec<FailureRow>,
    more: usize,
}

#[derive(Serialize)]
struct FailureRow {
    case: String,
    score: String,
    output: String,
    baseline: Option<String>,
    baseline_passed: Option<bool>,
    why: Vec<String>,
}

/// A table of preformatted cells; numeric columns are right-aligned.
#[derive(Serialize)]
struct Table {
    head: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns named by `head`; a name starting with '#' is numeric (the '#' is dropped).
    fn new(head: &[&str]) -> Self {
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

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
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
            latency: ctx.latency()?,
            cost: ctx.cost()?,
            failures: ctx.failures(),
            failures_kept: report.methodology.failures_kept,
            lockin: ctx.lockin(),
        })
    }
}

/// The report, with the look-ups every section makes.
struct Ctx<'a>(&'a Report);

impl Ctx<'_> {
    /// Each provider's chart colour: its place in the manifest, the same in every chart.
    fn color(&self, id: &str) -> usize {
        let providers = &self.0.manifest.providers;
        providers
            .iter()
            .position(|p| p.id == id)
            .unwrap_or_default()
    }

    fn cost_of(&self, id: &str) -> Option<&cost::ProviderCost> {
        self.0.cost.providers.iter().find(|c| c.id == id)
    }

    fn monthly_head(&self) -> String {
        match self.0.cost.requests_per_month {
            Some(n) => format!("#cost / month at {n} requests"),
            None => "#cost / month (no workload set)".into(),
        }
    }

    fn summary(&self) -> SummarySection {
        let r = self.0;
        let gate = r.manifest.gate.as_ref();
        let verdict = (r.executive.verdict.as_ref()).map(|v| format!("Gate: {}.", v.headline()));
        let recommendations = r
            .executive
            .recommendations
            .iter()
            .map(|x| Rec {
                candidate: x.candidate.clone(),
                baseline: x.baseline.clone(),
                decision: x.decision.label(),
                class: match x.decision {
                    Decision::Switch => "switch",
                    Decision::SwitchWithCaveats => "caveats",
                    Decision::Stay => "stay",
                },
                reasons: x.reasons.iter().map(|y| xml_text(y)).collect(),
            })
            .collect();
        let monthly_head = self.monthly_head();
        let mut headline = Table::new(&[
            "provider",
            "role",
            "#pass rate (95% CI)",
            "#p95 latency",
            "#cost / 1k requests",
            &monthly_head,
        ]);
        for p in &r.summary.providers {
            let projection = self.cost_of(&p.id).and_then(|c| c.projection.as_ref());
            let p95 = r.latency.iter().find(|l| l.id == p.id);
            headline.row(vec![
                p.id.clone(),
                match gate {
                    Some(g) if g.baseline == p.id => "baseline",
                    Some(g) if g.candidates.contains(&p.id) => "candidate",
                    _ => "",
                }
                .into(),
                format!(
                    "{} {}",
                    pct1(p.pass_rate),
                    interval(p.pass_rate_ci, |x| format!("{:.1}", x * 100.0))
                ),
                ms(p95.and_then(|l| l.total_ms).map(|t| t.p95)),
                projection.map_or("unknown".into(), |x| usd(x.usd_per_1k_requests)),
                projection
                    .and_then(|x| x.usd_per_month)
                    .map_or("—".into(), usd),
            ]);
        }
        SummarySection {
            verdict,
            unavailable: r.executive.unavailable.clone(),
            recommendations,
            headline,
        }
    }

    fn methodology(&self) -> anyhow::Result<MethodologySection> {
        let r = self.0;
        let m = &r.manifest;
        let meth = &r.methodology;
        let mut items = vec![
            (
                "Suite".into(),
                format!(
                    "{} (sha256 {}), run with modelswap {}",
                    m.suite.path, m.suite.sha256, m.modelswap_version
                ),
            ),
            (
                "Cases".into(),
                format!(
                    "{} cases × {} repeat(s) × {} provider(s): {} records expected, {} written",
                    m.cases,
                    m.repeats,
                    m.providers.len(),
                    m.records_expected,
                    r.summary.providers.iter().map(|p| p.records).sum::<usize>()
                ),
            ),
            (
                "Hardware".into(),
                format!(
                    "{} (local models ran here, and their speed and, for integer kernels, their answers depend on these instruction sets; vendor calls were timed from here)",
                    m.host.describe()
                ),
            ),
            (
                "Quality".into(),
                format!(
                    "A record passes when its call succeeded and every scorer that applies passed; its score is the scorers' weighted mean in [0, 1] (a failed call scores 0). Pass rate: {} at {:.0}%. Mean score: {}; the bootstrap draws {} resamples, seed {}.{} Candidate vs baseline: {}, α = {}.",
                    meth.pass_rate_interval,
                    meth.confidence * 100.0,
                    meth.score_interval,
                    meth.bootstrap_resamples,
                    meth.bootstrap_seed,
                    self.normal_intervals(),
                    meth.paired_test,
                    meth.alpha
                ),
            ),
            (
                "Latency".into(),
                "Wall-clock per successful call on the host above; TTFT from sending (local models: starting prefill) to the first output token; percentiles interpolate linearly between ranks. Replayed calls keep the timings recorded in their cassette.".into(),
            ),
            (
                "Cost".into(),
                "Per-token providers: each record's usage at the provider's price, cached input at the cached price (a failed call is not billed). Self-hosted: the machine time a call held, usd_per_hour × duration ÷ utilization; per token, usd_per_hour ÷ (measured output tokens/s × 3600 × utilization). Per 1k requests and per month: the mean over records with a known cost; records without one are counted and left out, never taken as $0.".into(),
            ),
            ("Recommendation".into(), RULE.into()),
        ];
        if let Some(g) = &m.gate {
            let mut limits = Vec::new();
            if let serde_json::Value::Object(fields) = serde_json::to_value(g)? {
                for (k, v) in fields {
                    if k != "baseline" && k != "candidates" {
                        limits.push(format!("{k} {v}"));
                    }
                }
            }
            items.push((
                "Gate".into(),
                format!(
                    "baseline {}; candidates {}; {}",
                    g.baseline,
                    g.candidates.join(", "),
                    if limits.is_empty() {
                        "no thresholds".into()
                    } else {
                        limits.join("; ")
                    }
                ),
            ));
        }

        let mut sampling = Table::new(&[
            "provider",
            "kind",
            "model",
            "#temperature",
            "#top_p",
            "#max_tokens",
            "#seed",
            "notes",
        ]);
        let mut prices = Table::new(&["provider", "basis", "price", "source and date"]);
        let mut evidence = Table::new(&["provider", "figures", "#records replayed"]);
        for p in &m.providers {
            let model = p
                .config
                .model
                .clone()
                .or_else(|| p.config.path.as_ref().map(|x| x.display().to_string()))
                .unwrap_or_default();
            sampling.row(vec![
                p.id.clone(),
                p.config.kind.as_str().into(),
                model,
                format!("{}", p.sampling.temperature),
                p.sampling.top_p.map_or("—".into(), |x| x.to_string()),
                p.sampling.max_tokens.to_string(),
                p.sampling.seed.map_or("—".into(), |x| x.to_string()),
                p.config.label.clone().unwrap_or_default(),
            ]);
            if let Some(c) = self.cost_of(&p.id) {
                let (price, source) = match &c.pricing {
                    Pricing::PerToken { price, source } => (
                        format!(
                            "${} in, ${} out, {} cached, per million tokens",
                            price.input_per_mtok,
                            price.output_per_mtok,
                            price
                                .cached_input_per_mtok
                                .map_or("= in".into(), |x| format!("${x}"))
                        ),
                        source.clone(),
                    ),
                    Pricing::SelfHosted(h) => (
                        format!(
                            "${}/hour at {:.0}% utilization",
                            h.usd_per_hour,
                            h.utilization * 100.0
                        ),
                        "the suite's `hosting:` (an assumption about the hardware, not a quote)"
                            .into(),
                    ),
                    Pricing::Unknown { reason } => ("unknown".into(), reason.clone()),
                };
                prices.row(vec![p.id.clone(), c.pricing.basis().into(), price, source]);
            }
            if let Some(sp) = r.summary.providers.iter().find(|x| x.id == p.id) {
                let figures = match (&p.replayed_from, sp.replayed) {
                    (_, 0) => "measured in this run".to_string(),
                    (Some(c), _) => format!("replayed from cassette {c}: recorded earlier"),
                    (None, _) => "replayed from a cassette: recorded earlier".into(),
                };
                evidence.row(vec![
                    p.id.clone(),
                    figures,
                    format!("{} of {}", sp.replayed, sp.records),
                ]);
            }
        }
        Ok(MethodologySection {
            items,
            sampling,
            prices,
            evidence,
        })
    }

    fn quality(&self) -> QualitySection {
        let r = self.0;
        let mut table = Table::new(&[
            "provider",
            "#pass rate (95% CI)",
            "#mean score (95% CI)",
            "per scorer (passed / scored)",
            "#flaky cases",
        ]);
        for p in &r.summary.providers {
            table.row(vec![
                p.id.clone(),
                format!(
                    "{} ({}/{}) {}",
                    pct1(p.pass_rate),
                    p.passed,
                    p.records,
                    interval(p.pass_rate_ci, |x| format!("{:.1}", x * 100.0))
                ),
                format!(
                    "{} {}",
                    p.score_mean.map_or("—".into(), |x| format!("{x:.3}")),
                    p.score_ci
                        .map_or(String::new(), |c| format!("[{:.3}, {:.3}]", c.low, c.high))
                ),
                p.scorers
                    .iter()
                    .map(|x| format!("{} {}/{}", x.scorer, x.passed, x.scored))
                    .collect::<Vec<_>>()
                    .join("; "),
                format!("{} of {}", p.flaky_cases, p.cases),
            ]);
        }
        let comparisons = (!r.comparisons.is_empty()).then(|| {
            let columns = comparison::columns(r.methodology.alpha);
            let mut t = Table::new(&columns.iter().map(String::as_str).collect::<Vec<_>>());
            for c in &r.comparisons {
                t.row(comparison::cells(c));
            }
            t
        });
        let flaky_cases = r
            .summary
            .providers
            .iter()
            .flat_map(|p| p.per_case.iter().filter(|c| c.flaky).map(move |c| (p, c)));
        let flaky_total: usize = r.summary.providers.iter().map(|p| p.flaky_cases).sum();
        let flaky = (flaky_total > 0).then(|| {
            let mut t = Table::new(&["provider", "case", "#passed"]);
            for (p, c) in flaky_cases.take(FLAKY_SHOWN) {
                t.row(vec![
                    p.id.clone(),
                    c.case_id.clone(),
                    format!("{}/{} ({})", c.passed, c.runs, pct1(c.pass_fraction)),
                ]);
            }
            t
        });
        let mut tags = Table::new(&[
            "tag",
            "provider",
            "#records",
            "#pass rate",
            "#p50",
            "#p95",
            "#p99",
            "#TTFT p50",
            "#TTFT p95",
            "#TTFT p99",
            "#decode tokens/s (median)",
            "#cost / 1k requests",
        ]);
        let mut per_tag: Vec<_> = r
            .summary
            .providers
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.per_tag.iter().map(move |t| (&t.tag, i, &p.id, t)))
            .collect();
        per_tag.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, id, t) in per_tag {
            let (l, f) = (t.latency_ms, t.ttft_ms);
            tags.row(vec![
                t.tag.clone(),
                id.clone(),
                t.records.to_string(),
                format!("{} ({}/{})", pct1(t.pass_rate), t.passed, t.records),
                ms(l.map(|x| x.p50)),
                ms(l.map(|x| x.p95)),
                ms(l.map(|x| x.p99)),
                ms(f.map(|x| x.p50)),
                ms(f.map(|x| x.p95)),
                ms(f.map(|x| x.p99)),
                t.tokens_per_s_median
                    .map_or("—".into(), |x| format!("{x:.1}")),
                t.usd_per_1k_requests.map_or("unknown".into(), usd),
            ]);
        }
        QualitySection {
            table,
            comparisons,
            flaky,
            flaky_more: flaky_total.saturating_sub(FLAKY_SHOWN),
            tags: (!tags.rows.is_empty()).then_some(tags),
        }
    }

    /// Which intervals took the normal approximation, as a sentence; empty when none did.
    fn normal_intervals(&self) -> String {
        let r = self.0;
        let mut which: Vec<String> = r
            .summary
            .providers
            .iter()
            .filter(|p| p.score_ci_method == MeanInterval::Normal)
            .map(|p| format!("{}'s mean score", p.id))
            .collect();
        which.extend(
            r.comparisons
                .iter()
                .filter(|c| c.score_diff_ci_method == MeanInterval::Normal)
                .map(|c| format!("{} − {}", c.candidate, c.baseline)),
        );
        if which.is_empty() {
            String::new()
        } else {
            format!(
                " Normal intervals (over {} cases) in this report: {}.",
                r.methodology.bootstrap_max_cases,
                which.join(", ")
            )
        }
    }

    fn latency(&self) -> anyhow::Result<LatencySection> {
        let r = self.0;
        let mut table = Table::new(&[
            "provider",
            "#calls",
            "#p50",
            "#p95",
            "#p99",
            "#TTFT p50",
            "#TTFT p95",
            "#TTFT p99",
            "#decode tokens/s (median)",
        ]);
        for l in &r.latency {
            let (t, f) = (l.total_ms, l.ttft_ms);
            table.row(vec![
                l.id.clone(),
                l.calls.to_string(),
                ms(t.map(|x| x.p50)),
                ms(t.map(|x| x.p95)),
                ms(t.map(|x| x.p99)),
                ms(f.map(|x| x.p50)),
                ms(f.map(|x| x.p95)),
                ms(f.map(|x| x.p99)),
                r.summary
                    .providers
                    .iter()
                    .find(|p| p.id == l.id)
                    .and_then(|p| p.tokens_per_s_median)
                    .map_or("—".into(), |x| format!("{x:.1}")),
            ]);
        }
        let notes = r
            .summary
            .providers
            .iter()
            .filter(|p| p.replayed > 0)
            .map(|p| format!(
                "{}: {} of {} calls were replayed from a cassette; their latency is as recorded, not measured in this run.",
                p.id, p.replayed, p.records
            ))
            .collect();
        let series: Vec<(String, Vec<f64>, usize)> = r
            .latency
            .iter()
            .map(|l| (l.id.clone(), l.sorted_total_ms.clone(), self.color(&l.id)))
            .collect();
        Ok(LatencySection {
            table,
            notes,
            chart: charts::latency_cdf(&series)?,
        })
    }

    fn cost(&self) -> anyhow::Result<CostSection> {
        let r = self.0;
        let workload = r.cost.requests_per_month;
        let monthly_head = self.monthly_head();
        let mut table = Table::new(&[
            "provider",
            "basis",
            "#priced records",
            "#known cost",
            "#per request",
            "#per 1k requests",
            &monthly_head,
        ]);
        let mut notes = Vec::new();
        let mut bars = Vec::new();
        let mut points = Vec::new();
        for c in &r.cost.providers {
            let pr = c.projection.as_ref();
            table.row(vec![
                c.id.clone(),
                c.pricing.basis().into(),
                format!("{} of {}", c.records - c.unpriced, c.records),
                usd(c.known_total_usd),
                pr.map_or("unknown".into(), |x| usd(x.usd_per_request)),
                pr.map_or("unknown".into(), |x| usd(x.usd_per_1k_requests)),
                pr.and_then(|x| x.usd_per_month).map_or("—".into(), usd),
            ]);
            if let Pricing::Unknown { reason } = &c.pricing {
                notes.push(format!("{}: cost unknown: {reason}", c.id));
            } else if c.unpriced > 0 {
                notes.push(format!(
                    "{}: {} of {} records have no known cost; the figures are the mean of the others.",
                    c.id, c.unpriced, c.records
                ));
            }
            let Some(pr) = pr else { continue };
            let value = match workload {
                Some(_) => pr.usd_per_month.unwrap_or_default(),
                None => pr.usd_per_1k_requests,
            };
            bars.push((c.id.clone(), value, self.color(&c.id)));
            if let Some(mach) = c.self_hosting.as_ref().and_then(|h| h.machines.as_ref()) {
                bars.push((
                    format!("{} ({} whole machine(s))", c.id, mach.count),
                    mach.usd_per_month,
                    self.color(&c.id),
                ));
            }
            if let Some(q) = r.summary.providers.iter().find(|p| p.id == c.id) {
                points.push((
                    c.id.clone(),
                    pr.usd_per_1k_requests,
                    q.pass_rate,
                    self.color(&c.id),
                ));
            }
        }
        let monthly_caption = match workload {
            Some(n) => format!(
                "Projected monthly cost at the workload's {n} requests a month (mean cost per request × volume). For self-hosted providers, a second bar: the whole machines that volume needs at the assumed utilization, paid whether busy or idle."
            ),
            None => "Cost per 1k requests (the suite sets no `workload.requests_per_month`, so there is no monthly projection).".into(),
        };
        let unit = match workload {
            Some(_) => "USD per month",
            None => "USD per 1k requests",
        };
        let front = cost::pareto_front(
            &points
                .iter()
                .map(|(_, c, q, _)| (*c, *q))
                .collect::<Vec<_>>(),
        );
        if !front.is_empty() {
            notes.push(format!(
                "On the Pareto front (no other provider is both cheaper per request and better on pass rate): {}.",
                front
                    .iter()
                    .map(|&i| points[i].0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(CostSection {
            table,
            notes,
            monthly_chart: charts::usd_bars(unit, &bars)?,
            monthly_caption,
            quality_chart: charts::quality_vs_cost(&points, &front)?,
            self_hosting: r
                .cost
                .providers
                .iter()
                .filter_map(|c| Some(self_hosting(&c.id, c.self_hosting.as_ref()?, workload)))
                .collect(),
        })
    }

    fn lockin(&self) -> Option<LockInSection> {
        let l = &self.0.lockin;
        if l.workload.is_none() && l.code.is_none() {
            return None;
        }
        let pct = |n: usize, of: usize| {
            if of == 0 {
                "—".to_string()
            } else {
                format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
            }
        };
        let (uses, fit) = match &l.workload {
            None => (None, None),
            Some(w) => {
                let mut uses = Table::new(&["feature", "#requests", "examples"]);
                for u in &w.uses {
                    uses.row(vec![
                        u.need.as_str().into(),
                        pct(u.requests, w.requests),
                        u.examples.join(", "),
                    ]);
                }
                let mut fit = Table::new(&[
                    "provider",
                    "#requests using something it lacks",
                    "#unknown",
                    "what it lacks",
                    "capabilities from",
                ]);
                for p in &w.providers {
                    fit.row(vec![
                        p.provider.clone(),
                        pct(p.lacking, w.requests),
                        p.unknown.to_string(),
                        p.gaps_text(),
                        p.capabilities.source.clone(),
                    ]);
                }
                (Some(uses), Some(fit))
            }
        };
        let (effort, matrix, files, dependencies) = match &l.code {
            None => (None, None, None, None),
            Some(scan) => {
                let mut cells: std::collections::BTreeMap<
                    (String, String, String),
                    (usize, String),
                > = std::collections::BTreeMap::new();
                for f in &scan.findings {
                    let key = (
                        f.vendor.label().to_string(),
                        f.feature.label().to_string(),
                        f.rating.label().to_string(),
                    );
                    cells
                        .entry(key)
                        .or_insert((0, f.hint.clone().unwrap_or_default()))
                        .0 += 1;
                }
                let mut matrix =
                    Table::new(&["vendor", "feature", "portability", "#uses", "how to move"]);
                for ((vendor, feature, rating), (n, hint)) in cells {
                    matrix.row(vec![vendor, feature, rating, n.to_string(), hint]);
                }
                let mut files =
                    Table::new(&["file", "#effort", "#vendor-only", "#with work", "#portable"]);
                for f in scan.files.iter().take(15) {
                    files.row(vec![
                        f.file.clone(),
                        f.effort.to_string(),
                        f.vendor_only.to_string(),
                        f.portable_with_work.to_string(),
                        f.portable.to_string(),
                    ]);
                }
                let mut deps =
                    Table::new(&["manifest", "package", "version", "vendor", "portability"]);
                for d in &scan.dependencies {
                    deps.row(vec![
                        format!("{}:{}", d.file, d.line),
                        d.name.clone(),
                        d.version.clone().unwrap_or_else(|| "unpinned".into()),
                        d.vendor.label().into(),
                        d.rating.label().into(),
                    ]);
                }
                (
                    Some(crate::lockin::effort_summary(scan).replace('`', "")),
                    Some(matrix),
                    Some(files),
                    Some(deps),
                )
            }
        };
        Some(LockInSection {
            effort,
            uses,
            fit,
            matrix,
            files,
            dependencies,
        })
    }

    fn failures(&self) -> Vec<FailureGroup> {
        let r = self.0;
        let gate = r.manifest.gate.as_ref();
        r.summary
            .providers
            .iter()
            .filter_map(|p| {
                let all: Vec<&Failure> = r.failures.iter().filter(|f| f.provider == p.id).collect();
                if all.is_empty() {
                    return None;
                }
                let beside = all.iter().any(|f| f.baseline.is_some());
                let failed = p.records - p.passed;
                Some(FailureGroup {
                    provider: p.id.clone(),
                    baseline: gate.filter(|_| beside).map(|g| g.baseline.clone()),
                    summary: format!("{failed} of {} records failed", p.records),
                    more: failed.saturating_sub(FAILURES_SHOWN),
                    rows: all
                        .iter()
                        .take(FAILURES_SHOWN)
                        .map(|f| FailureRow {
                            case: if r.manifest.repeats > 1 {
                                format!("{} #{}", f.case_id, f.repeat)
                            } else {
                                f.case_id.clone()
                            },
                            score: format!("{:.2}", f.score),
                            output: output(f.output.as_deref()),
                            baseline: f.baseline.as_ref().map(|b| output(b.output.as_deref())),
                            baseline_passed: f.baseline.as_ref().map(|b| b.passed),
                            why: f.reasons.iter().map(|x| xml_text(x)).collect(),
                        })
                        .collect(),
                })
            })
            .collect()
    }
}

/// A self-hosted provider's cost per token, sensitivity and break-even, as tables.
fn self_hosting(id: &str, h: &cost::SelfHostingCost, workload: Option<u64>) -> SelfHostView {
    let mut sensitivity = Table::new(&[
        "#utilization",
        "#USD per million output tokens",
        "#USD per 1k requests",
    ]);
    for x in &h.sensitivity {
        sensitivity.row(vec![
            format!("{:.0}%", x.utilization * 100.0),
            usd(x.usd_per_mtok),
            usd(x.usd_per_mtok * h.output_tokens_per_request / 1e3),
        ]);
    }
    let break_even = (!h.break_even.is_empty()).then(|| {
        let mut t = Table::new(&[
            "against",
            "#its cost per request",
            "#break-even requests / month",
            "#one machine serves at most",
            "verdict",
        ]);
        for b in &h.break_even {
            let be = &b.break_even;
            t.row(vec![
                b.baseline.clone(),
                usd(b.baseline_usd_per_request),
                be.requests_per_month
                    .map_or("never (it costs nothing)".into(), |n| format!("{n:.0}")),
                format!("{:.0}", be.capacity_requests_per_month),
                match (be.reachable, workload, be.requests_per_month) {
                    (false, ..) => "never within one machine".into(),
                    (true, Some(n), Some(v)) if (n as f64) >= v => {
                        format!("pays off at the workload's {n}")
                    }
                    (true, Some(n), _) => format!("not at the workload's {n}"),
                    (true, None, _) => "reachable".into(),
                },
            ]);
        }
        t
    });
    SelfHostView {
        id: id.to_string(),
        explained: h.explained.clone(),
        machines: h.machines.as_ref().zip(workload).map(|(mach, n)| {
            format!(
                "At {n} requests a month of {:.0} output tokens each: {} machine(s), {} a month.",
                h.output_tokens_per_request,
                mach.count,
                usd(mach.usd_per_month)
            )
        }),
        sensitivity,
        break_even,
    }
}

/// A model output for a failure row: cut to `OUTPUT_CHARS`, and safe for XML.
fn output(o: Option<&str>) -> String {
    match o {
        None => "(no output: the call failed)".into(),
        Some(o) if o.trim().is_empty() => "(empty)".into(),
        Some(o) => {
            let mut t: String = o.chars().take(OUTPUT_CHARS).collect();
            if o.chars().count() > OUTPUT_CHARS {
                t.push('…');
            }
            xml_text(&t)
        }
    }
}
