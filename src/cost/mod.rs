//! What calls cost: the built-in price table, how a provider is priced, the cost of one record,
//! and the figures projected from them (per 1k requests, per month, self-hosting TCO).

pub mod machine_time;
mod table;
mod tco;

use serde::Serialize;

pub use table::{find, lookup, render, table, Entry};
pub use tco::{BreakEven, SelfHosting, Sensitivity, HOURS_PER_MONTH};

use crate::chat::Usage;
use crate::suite::{Hosting, LongContext, Price, ProviderConfig, ProviderKind, Rates};

/// How one provider's calls are priced, settled once before a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "basis", rename_all = "kebab-case")]
pub enum Pricing {
    /// Per token: the suite's `price:`, or the table's entry for the model.
    PerToken {
        price: Price,
        /// Where the figures come from, e.g. "the suite's price:" or the table's source and date.
        source: String,
    },
    /// Hardware the team runs (`hosting:`): a request costs the machine time it held.
    SelfHosted(Hosting),
    /// Logged responses, each priced by the table's entry for the model it names (OpenAI's
    /// ids); a model the table does not hold leaves that record's cost unknown.
    Logged,
    /// No price is known; records get `cost_usd: null`, never a made-up $0.
    Unknown {
        /// Why, and what to add to the suite.
        reason: String,
    },
}

impl Pricing {
    /// The suite's `price:` wins; then `hosting:`; then, for vendor kinds, the table's entry for
    /// exactly this model id. No fuzzy matching: a dated snapshot is priced only by its own entry,
    /// because a snapshot and its alias can differ (gpt-4o-2024-05-13 costs twice gpt-4o). An
    /// Azure deployment is looked up by the provider's `model` (the deployment name says nothing).
    pub fn resolve(config: &ProviderConfig) -> Self {
        if let Some(price) = &config.price {
            return Self::PerToken {
                price: price.clone(),
                source: "the suite's `price:`".into(),
            };
        }
        if let Some(hosting) = &config.hosting {
            return Self::SelfHosted(hosting.clone());
        }
        let model = config.model.as_deref();
        let reason = match (config.kind, model) {
            (ProviderKind::Onnx, _) => {
                "a local model has no per-token price; add `hosting: {usd_per_hour: …, utilization: …}` (what its hardware costs)".to_string()
            }
            (ProviderKind::OpenaiCompatible, _) => {
                "an OpenAI-compatible engine is not in the price table; add `hosting: {usd_per_hour: …, utilization: …}` for your own hardware, or `price: {input_per_mtok: …, output_per_mtok: …}` for a hosted one".to_string()
            }
            // Logged traffic is OpenAI's wire format: its model ids are OpenAI's (or Azure's,
            // priced alike).
            (ProviderKind::Logged, Some(model)) => match lookup(ProviderKind::Openai, model) {
                Some(entry) => {
                    return Self::PerToken {
                        price: entry.price.clone(),
                        source: format!("{} (read {})", entry.source, entry.read_on),
                    }
                }
                None => not_in_table(ProviderKind::Openai, model),
            },
            (ProviderKind::Logged, None) => return Self::Logged,
            (ProviderKind::AzureOpenai, None) => format!(
                "deployment `{}` names no model; set `model:` to the model it serves (e.g. gpt-4o-mini), or add `price: {{input_per_mtok: …, output_per_mtok: …}}`",
                config.deployment.as_deref().unwrap_or_default()
            ),
            (kind, Some(model)) => match lookup(kind, model) {
                Some(entry) => {
                    return Self::PerToken {
                        price: entry.price.clone(),
                        source: format!("{} (read {})", entry.source, entry.read_on),
                    }
                }
                None => not_in_table(kind, model),
            },
            (kind, None) => format!("kind `{}` without `model`", kind.as_str()),
        };
        Self::Unknown { reason }
    }

    /// `resolve`, with a warning when the price is unknown. Called once per provider when a run
    /// starts, so the warning comes once, not per record.
    pub fn for_provider(id: &str, config: &ProviderConfig) -> Self {
        let pricing = Self::resolve(config);
        if let Some(warning) = pricing.warning(id) {
            tracing::warn!("{warning}");
        }
        pricing
    }

    /// The warning an unknown price deserves, naming the provider and how to fix it.
    pub fn warning(&self, id: &str) -> Option<String> {
        match self {
            Self::Unknown { reason } => Some(format!(
                "provider `{id}`: cost unknown, its records get cost_usd null: {reason}"
            )),
            _ => None,
        }
    }

    /// The pricing basis as `report.json` names it: `per-token`, `self-hosted` or `unknown`.
    pub fn basis(&self) -> &'static str {
        match self {
            Self::PerToken { .. } | Self::Logged => "per-token",
            Self::SelfHosted(_) => "self-hosted",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// What a logged response cost: with `Logged` pricing, its usage at the table's price for
    /// the model it names (OpenAI's ids); otherwise as `of`. `None` when it cannot be known.
    pub fn of_logged(&self, usage: &Usage, model: Option<&str>) -> Option<f64> {
        match self {
            Self::Logged => model
                .and_then(|m| lookup(ProviderKind::Openai, m))
                .map(|e| e.price.cost(usage)),
            pricing => pricing.of(usage, None),
        }
    }

    /// What one call cost in USD; `None` when it cannot be known.
    ///
    /// Per token: `Price::cost` of the usage the vendor reported. A failed call reports no usage
    /// and costs 0: vendors do not bill rejected requests.
    ///
    /// Self-hosted: `usd_per_hour × machine_ms / 3.6e6 / utilization`, the machine time the call
    /// held, grossed up for the hours the machine idles. `machine_ms` is the call's share of the
    /// machine (`machine_time`): its duration when it ran alone, a fraction of it when the engine
    /// served other calls at the same time, so that the costs of a run's calls add up to what
    /// the machine cost while busy. A failed call records no duration: its cost is unknown.
    pub fn of(&self, usage: &Usage, machine_ms: Option<f64>) -> Option<f64> {
        match self {
            Self::PerToken { price, .. } => Some(price.cost(usage)),
            Self::SelfHosted(h) => machine_ms.map(|ms| h.usd_per_hour * ms / 3.6e6 / h.utilization),
            Self::Logged | Self::Unknown { .. } => None,
        }
    }
}

/// Why a vendor model is unpriced, naming the table's entries that share its stem (a dated
/// snapshot's alias, say) so the user can check them and copy the right figures into `price:`.
fn not_in_table(kind: ProviderKind, model: &str) -> String {
    let related: Vec<&str> = table()
        .iter()
        .filter(|e| e.vendor == kind)
        .map(|e| e.model.as_str())
        .filter(|m| model.starts_with(m) || m.starts_with(model))
        .collect();
    let mut reason = format!(
        "`{model}` is not in the built-in price table for kind `{}`",
        kind.as_str()
    );
    if !related.is_empty() {
        reason.push_str(&format!(
            " (it has {}; a snapshot may be priced differently from its alias)",
            related
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    reason.push_str("; add `price: {input_per_mtok: …, output_per_mtok: …}` to the provider");
    reason
}

impl Price {
    /// USD for one call's usage: `(input − cached) × input + cached × cached_input + output ×
    /// output`, per million tokens. Cached tokens are charged at the input price when no cached
    /// price is known. When the input exceeds the long-context threshold, the tier's rates apply
    /// to every token of the call (as vendors bill it).
    ///
    /// Anthropic's cache writes are counted as input (the record does not tell them apart), so
    /// their 25% surcharge is not included.
    pub fn cost(&self, usage: &Usage) -> f64 {
        match &self.long_context {
            Some(tier) if usage.input_tokens > tier.above_input_tokens => tier.rates().cost(usage),
            _ => self.rates().cost(usage),
        }
    }

    /// What the same call would cost through the vendor's batch API; `None` when the vendor has
    /// none, or when the call is in the long-context tier (whose batch rates the table lacks).
    pub fn batch_cost(&self, usage: &Usage) -> Option<f64> {
        if matches!(&self.long_context, Some(t) if usage.input_tokens > t.above_input_tokens) {
            return None;
        }
        self.batch.as_ref().map(|b| b.cost(usage))
    }

    fn rates(&self) -> Rates {
        Rates {
            input_per_mtok: self.input_per_mtok,
            output_per_mtok: self.output_per_mtok,
            cached_input_per_mtok: self.cached_input_per_mtok,
        }
    }
}

impl LongContext {
    fn rates(&self) -> Rates {
        Rates {
            input_per_mtok: self.input_per_mtok,
            output_per_mtok: self.output_per_mtok,
            cached_input_per_mtok: self.cached_input_per_mtok,
        }
    }
}

impl Rates {
    fn cost(&self, usage: &Usage) -> f64 {
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        let fresh = usage.input_tokens - cached;
        let cached_rate = self.cached_input_per_mtok.unwrap_or(self.input_per_mtok);
        (fresh as f64 * self.input_per_mtok
            + cached as f64 * cached_rate
            + usage.output_tokens as f64 * self.output_per_mtok)
            / 1e6
    }
}

/// A provider's cost per request, per 1k requests and per month, from its records' costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    pub records: usize,
    /// Records whose cost is known; the figures below are their mean.
    pub priced: usize,
    pub usd_per_request: f64,
    pub usd_per_1k_requests: f64,
    /// At the suite's `workload.requests_per_month`, when it has one.
    pub usd_per_month: Option<f64>,
}

/// Projects the mean cost of the records whose cost is known (`priced` of one provider's
/// `records`, costing `known_usd` together) to 1k requests and to `requests_per_month`. `None`
/// when no record has a known cost: an unknown price is never projected as $0.
pub fn project(
    records: usize,
    priced: usize,
    known_usd: f64,
    requests_per_month: Option<u64>,
) -> Option<Projection> {
    if priced == 0 {
        return None;
    }
    let mean = known_usd / priced as f64;
    Some(Projection {
        records,
        priced,
        usd_per_request: mean,
        usd_per_1k_requests: mean * 1e3,
        usd_per_month: requests_per_month.map(|n| mean * n as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, cached: u64, output: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: cached,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    fn provider(yaml: &str) -> ProviderConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn openai_usage_with_cached_tokens_is_charged_at_the_cached_price() {
        // gpt-4o-mini: $0.15 in, $0.075 cached, $0.60 out per million.
        let pricing = Pricing::resolve(&provider("kind: openai\nmodel: gpt-4o-mini"));
        let Pricing::PerToken { price, source } = &pricing else {
            panic!("{pricing:?}")
        };
        assert!(source.starts_with("litellm "), "{source}");
        assert_eq!(price.cached_input_per_mtok, Some(0.075));
        // 1000 input of which 400 cached, 200 output:
        // 600 × 0.15 + 400 × 0.075 + 200 × 0.60 = 90 + 30 + 120 = 240 per million = $0.00024.
        let cost = pricing.of(&usage(1000, 400, 200), Some(500.0)).unwrap();
        assert!(close(cost, 0.000_24), "{cost}");
    }

    #[test]
    fn anthropic_usage_with_cache_reads_is_charged_at_the_cached_price() {
        // claude-haiku-4-5: $1 in, $0.10 cache read, $5 out per million. The Anthropic provider
        // adds cache reads back into input_tokens, so input 3000 = 500 fresh + 2500 read.
        let pricing = Pricing::resolve(&provider("kind: anthropic\nmodel: claude-haiku-4-5"));
        // 500 × 1 + 2500 × 0.10 + 300 × 5 = 500 + 250 + 1500 = 2250 per million = $0.00225.
        let cost = pricing.of(&usage(3000, 2500, 300), None).unwrap();
        assert!(close(cost, 0.002_25), "{cost}");
    }

    #[test]
    fn without_a_cached_price_cached_tokens_are_charged_as_input() {
        let price = Price {
            input_per_mtok: 2.0,
            output_per_mtok: 8.0,
            cached_input_per_mtok: None,
            batch: None,
            long_context: None,
        };
        // (1000 × 2 + 100 × 8) / 1e6, whatever part of the input was cached.
        assert!(close(price.cost(&usage(1000, 600, 100)), 0.0028));
        assert!(close(price.cost(&usage(1000, 0, 100)), 0.0028));
    }

    #[test]
    fn the_suite_price_overrides_the_table() {
        let pricing = Pricing::resolve(&provider(
            "kind: openai\nmodel: gpt-4o-mini\nprice: {input_per_mtok: 1, output_per_mtok: 2}",
        ));
        let Pricing::PerToken { price, source } = &pricing else {
            panic!("{pricing:?}")
        };
        assert_eq!(source, "the suite's `price:`");
        // No cached price in the override: cached input at the input price. 1000 × 1 + 10 × 2.
        assert_eq!(price.cached_input_per_mtok, None);
        assert!(close(
            pricing.of(&usage(1000, 400, 10), None).unwrap(),
            0.001_02
        ));
    }

    #[test]
    fn the_long_context_tier_prices_every_token_of_a_long_request() {
        // gemini-2.5-pro: $1.25 / $10 (cached $0.125); above 200k input: $2.50 / $15 (cached $0.25).
        let pricing = Pricing::resolve(&provider("kind: gemini\nmodel: gemini-2.5-pro"));
        let Pricing::PerToken { price, .. } = &pricing else {
            panic!("{pricing:?}")
        };
        assert_eq!(
            price.long_context.as_ref().map(|t| t.above_input_tokens),
            Some(200_000)
        );
        // At the threshold: base rates. 200000 × 1.25 + 1000 × 10 = 260000 per million.
        assert!(close(price.cost(&usage(200_000, 0, 1000)), 0.26));
        // One token over: tier rates for all. (150001 × 2.5 + 50000 × 0.25 + 1000 × 15) / 1e6.
        assert!(close(
            price.cost(&usage(200_001, 50_000, 1000)),
            (150_001.0 * 2.5 + 50_000.0 * 0.25 + 15_000.0) / 1e6
        ));
        // The batch API's rates do not cover the tier.
        assert!(price.batch_cost(&usage(200_001, 0, 1)).is_none());
        // Below it they do: gemini-2.5-pro batch $0.625 / $5.
        assert!(close(
            price.batch_cost(&usage(1000, 0, 100)).unwrap(),
            (1000.0 * 0.625 + 100.0 * 5.0) / 1e6
        ));
    }

    #[test]
    fn an_unknown_model_has_no_cost_and_a_warning_that_says_how_to_fix_it() {
        let pricing = Pricing::resolve(&provider("kind: openai\nmodel: gpt-4o-mini-2099-01-01"));
        assert_eq!(pricing.of(&usage(10, 0, 10), Some(5.0)), None);
        let warning = pricing.warning("cheap").unwrap();
        assert!(
            warning.starts_with("provider `cheap`: cost unknown"),
            "{warning}"
        );
        assert!(warning.contains("add `price:"), "{warning}");
        // The alias is named, not silently used.
        assert!(warning.contains("`gpt-4o-mini`"), "{warning}");
        assert!(warning.contains("cost_usd null"), "{warning}");

        let azure = Pricing::resolve(&provider(
            "kind: azure-openai\nbase_url: https://x.openai.azure.com\ndeployment: prod",
        ));
        let warning = azure.warning("az").unwrap();
        assert!(
            warning.contains("deployment `prod` names no model"),
            "{warning}"
        );
        let azure = Pricing::resolve(&provider(
            "kind: azure-openai\nbase_url: https://x.openai.azure.com\ndeployment: prod\nmodel: gpt-4o-mini",
        ));
        assert!(azure.warning("az").is_none());
        assert!(close(
            azure.of(&usage(1_000_000, 0, 0), None).unwrap(),
            0.15
        ));

        for yaml in [
            "kind: onnx\npath: m",
            "kind: openai-compatible\nbase_url: http://h/v1\nmodel: llama",
        ] {
            let p = Pricing::resolve(&provider(yaml));
            assert!(p.warning("x").unwrap().contains("hosting:"), "{p:?}");
            assert_eq!(p.of(&usage(1, 0, 1), Some(1.0)), None);
        }
    }

    #[test]
    fn a_self_hosted_call_costs_the_machine_time_it_held() {
        let pricing = Pricing::resolve(&provider(
            "kind: onnx\npath: m\nhosting: {usd_per_hour: 3.6, utilization: 0.5}",
        ));
        // $3.60/h = $0.001/s; 2.5 s held at 50% utilization: 0.001 × 2.5 / 0.5 = $0.005.
        assert!(close(
            pricing.of(&usage(10, 0, 10), Some(2500.0)).unwrap(),
            0.005
        ));
        // A failed call recorded no duration.
        assert_eq!(pricing.of(&usage(0, 0, 0), None), None);
    }

    #[test]
    fn projections_use_the_records_with_a_known_cost() {
        // Three records, two priced at $0.001 and $0.003.
        let p = project(3, 2, 0.004, Some(1_200_000)).unwrap();
        assert_eq!((p.records, p.priced), (3, 2));
        assert!(close(p.usd_per_request, 0.002));
        assert!(close(p.usd_per_1k_requests, 2.0));
        assert!(close(p.usd_per_month.unwrap(), 2400.0));
        assert_eq!(project(1, 1, 0.5, None).unwrap().usd_per_month, None);
        assert_eq!(project(2, 0, 0.0, Some(10)), None);
        assert_eq!(project(0, 0, 0.0, Some(10)), None);
    }
}
