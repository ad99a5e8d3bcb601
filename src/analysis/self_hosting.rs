//! A self-hosted provider's economics: cost per output token at a measured throughput, the
//! machines a workload needs, break-even against each per-token provider, and which throughput
//! it all rests on: a load sweep's goodput when there is one (`modelswap load`), else the run's
//! own aggregate throughput at the concurrency it used.

use serde::Serialize;

use crate::cost::{BreakEven, SelfHosting, Sensitivity};
use crate::load::Capacity;

/// A self-hosted provider's cost per token from its measured throughput, with the assumptions.
#[derive(Debug, Clone, Serialize)]
pub struct SelfHostingCost {
    pub assumptions: SelfHosting,
    /// The throughput the figures rest on: aggregate, with the concurrency it was measured at.
    pub throughput: ThroughputBasis,
    pub usd_per_mtok: f64,
    /// The figure with its assumptions, in one sentence.
    pub explained: String,
    /// Mean output tokens of its successful calls: the request size break-even counts in.
    pub output_tokens_per_request: f64,
    /// Cost per million output tokens at utilization 10%, 20%, … 100%.
    pub sensitivity: Vec<Sensitivity>,
    /// Whole machines needed for `requests_per_month` at the assumed utilization, and what they
    /// cost a month: the floor under the usage-based projection, as hardware comes in machines.
    pub machines: Option<Machines>,
    /// Against each provider priced per token, gate baseline first.
    pub break_even: Vec<BreakEvenVs>,
}

/// Which measurement a self-hosted provider's figures rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// A load sweep's goodput at the suite's `slo:` (or its best level without one).
    Capacity,
    /// The run's aggregate output throughput (output tokens over the time its calls were in
    /// flight), at the concurrency the run used.
    Run,
}

/// Where a self-hosted provider's throughput comes from.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputBasis {
    pub source: Basis,
    pub output_tokens_per_s: f64,
    /// The concurrency it was measured at (`None` for an open-loop level: a request rate), and
    /// how many calls were in flight on average in a run.
    pub concurrency: Option<usize>,
    pub mean_in_flight: Option<f64>,
    pub measured_calls: usize,
    /// The basis in one sentence.
    pub explained: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machines {
    pub count: u64,
    pub usd_per_month: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakEvenVs {
    pub baseline: String,
    pub baseline_usd_per_request: f64,
    #[serde(flatten)]
    pub break_even: BreakEven,
}

/// A machine's figures at its measured throughput: cost per token, machines for the workload,
/// break-even against each per-token provider.
pub(super) fn self_hosting(
    box_: SelfHosting,
    throughput: ThroughputBasis,
    output_tokens_per_request: f64,
    requests_per_month: Option<u64>,
    per_token: &[(String, f64)],
) -> SelfHostingCost {
    let machines = requests_per_month.map(|n| {
        let tokens = n as f64 * output_tokens_per_request.max(1.0);
        let count = (tokens / box_.capacity_tokens_per_month()).ceil().max(1.0) as u64;
        Machines {
            count,
            usd_per_month: count as f64 * box_.usd_per_month(),
        }
    });
    SelfHostingCost {
        usd_per_mtok: box_.usd_per_mtok(),
        explained: box_.to_string(),
        output_tokens_per_request,
        sensitivity: box_.sensitivity(),
        machines,
        break_even: per_token
            .iter()
            .map(|(id, usd)| BreakEvenVs {
                baseline: id.clone(),
                baseline_usd_per_request: *usd,
                break_even: box_.break_even(*usd, output_tokens_per_request),
            })
            .collect(),
        assumptions: box_,
        throughput,
    }
}

impl ThroughputBasis {
    /// The run's aggregate throughput; `None` when no call was measured live.
    pub(super) fn of_run(t: &super::throughput::Throughput, concurrency: usize) -> Option<Self> {
        let rate = t.aggregate_output_tokens_per_s?;
        let in_flight = t.mean_in_flight.map_or(String::new(), |m| {
            format!(", {m:.1} calls in flight on average")
        });
        Some(Self {
            source: Basis::Run,
            output_tokens_per_s: rate,
            concurrency: Some(concurrency),
            mean_in_flight: t.mean_in_flight,
            measured_calls: t.measured_calls,
            explained: format!(
                "the run's aggregate output throughput: {rate:.1} output tokens/s over the {:.1} s its {} calls were in flight (concurrency {concurrency}{in_flight})",
                t.busy_s, t.measured_calls
            ),
        })
    }

    /// A load sweep's throughput at its goodput (or its best level, without an SLO); `None`
    /// when it has none.
    pub(super) fn of_capacity(c: &Capacity) -> Option<Self> {
        let rate = c.cost.output_tokens_per_s?;
        let level = match &c.goodput {
            Some(g) => &c.levels[g.level],
            None => c.levels.iter().find(|l| l.output_tokens_per_s == rate)?,
        };
        let load = match (level.concurrency, level.rate) {
            (Some(n), _) => format!("{n} requests in flight"),
            (None, Some(r)) => format!("{r} requests/s arriving"),
            _ => "its load".into(),
        };
        let within = if c.goodput.is_some() {
            "the goodput within the suite's SLO"
        } else {
            "the best level (the suite sets no `slo:`)"
        };
        Some(Self {
            source: Basis::Capacity,
            output_tokens_per_s: rate,
            concurrency: level.concurrency,
            mean_in_flight: None,
            measured_calls: level.requests,
            explained: format!(
                "the load sweep's {within}: {rate:.1} output tokens/s at {load}, measured over {:.1} s after a {:.0} s warm-up ({} started {})",
                level.duration_s, c.warmup_s, c.suite, c.started_at
            ),
        })
    }
}
