//! How every figure was obtained: suite, cases, hardware, statistics, prices and their sources,
//! which figures were measured and which replayed.

use serde::Serialize;

use super::{Ctx, Table};
use crate::cost::Pricing;
use crate::report::recommend::RULE;

#[derive(Serialize)]
pub(super) struct MethodologySection {
    items: Vec<(String, String)>,
    sampling: Table,
    prices: Table,
    evidence: Table,
}

impl Ctx<'_> {
    pub(super) fn methodology(&self) -> anyhow::Result<MethodologySection> {
        let (sampling, prices, evidence) = self.provider_tables();
        Ok(MethodologySection {
            items: self.items()?,
            sampling,
            prices,
            evidence,
        })
    }

    /// One line per subject: what was run, on what, and how each figure is computed.
    fn items(&self) -> anyhow::Result<Vec<(String, String)>> {
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
                "Per-token providers: each record's usage at the provider's price, cached input at the cached price (a failed call is not billed). Self-hosted: the machine time a call held, usd_per_hour × its share of the machine ÷ utilization, where its share is its duration divided, moment by moment, among the provider's calls in flight (an engine serves them together); per token, usd_per_hour ÷ (output tokens/s × 3600 × utilization), where output tokens/s is a load sweep's goodput at the suite's SLO when the run has one (`modelswap load`; then the cost per request is its mean output at that price), else the run's aggregate throughput: output tokens over the time the provider's calls were in flight, at the concurrency the run used; never one stream's rate. Each self-hosting figure names the throughput and concurrency it rests on. Per 1k requests and per month: the mean over records with a known cost; records without one are counted and left out, never taken as $0.".into(),
            ),
            ("Recommendation".into(), RULE.into()),
        ];
        items.extend(self.gate_items()?);
        Ok(items)
    }

    /// The gate's thresholds, and how its non-inferiority margins are tested.
    fn gate_items(&self) -> anyhow::Result<Vec<(String, String)>> {
        let (m, meth) = (&self.0.manifest, &self.0.methodology);
        let mut items = Vec::new();
        if m.gate.as_ref().is_some_and(|g| {
            g.non_inferiority_margin.is_some() || g.non_inferiority_score_margin.is_some()
        }) {
            items.push(("Non-inferiority".into(), meth.non_inferiority.into()));
        }
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
        Ok(items)
    }

    /// Per provider: its sampling, its price and where the price comes from, and whether its
    /// figures were measured in this run or replayed.
    fn provider_tables(&self) -> (Table, Table, Table) {
        let r = self.0;
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
        for p in &r.manifest.providers {
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
                let (price, source) = price_and_source(&c.pricing);
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
        (sampling, prices, evidence)
    }
}

/// A provider's price in words, and where it comes from.
fn price_and_source(pricing: &Pricing) -> (String, String) {
    match pricing {
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
            "the suite's `hosting:` (an assumption about the hardware, not a quote)".into(),
        ),
        Pricing::Logged => (
            "each logged response's model at the table's per-token price".into(),
            "the price table, by the model each logged response names (logged, not measured)"
                .into(),
        ),
        Pricing::Unknown { reason } => ("unknown".into(), reason.clone()),
    }
}
