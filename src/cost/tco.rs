//! Self-hosting economics: cost per output token from the hardware's hourly price and measured
//! throughput, its sensitivity to utilization, and break-even against a vendor's per-request cost.

use std::fmt;

use serde::Serialize;

use crate::suite::Hosting;

/// Hours in an average month (8760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The assumptions behind a self-hosted cost per token; `Display` prints them with the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfHosting {
    pub usd_per_hour: f64,
    /// Fraction of the hours the machine does useful work, in (0, 1].
    pub utilization: f64,
    /// Output tokens per second the machine produces while busy: its aggregate over every call
    /// in flight, measured (`analysis::throughput`).
    pub output_tokens_per_s: f64,
}

/// The cost per million output tokens at one utilization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub utilization: f64,
    pub usd_per_mtok: f64,
}

/// Where one self-hosted machine, paid by the hour, becomes cheaper than a vendor paid per request.
///
/// The model: the machine costs `730 h × usd_per_hour` a month whatever it serves; the vendor
/// costs `baseline_usd_per_request × requests`. They are equal at
/// `requests_per_month = 730 × usd_per_hour / baseline_usd_per_request`; above it the machine is
/// cheaper. One machine serves at most `output_tokens_per_s × 3600 × 730 × utilization` output
/// tokens a month, i.e. `capacity_requests_per_month` requests of the measured size. When the
/// break-even volume exceeds that capacity, one machine saturates before it pays off, and more
/// machines only multiply the cost: self-hosting never breaks even at these assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakEven {
    /// `None` when the baseline costs nothing per request (it is never beaten).
    pub requests_per_month: Option<f64>,
    pub capacity_requests_per_month: f64,
    /// The break-even volume is within one machine's capacity.
    pub reachable: bool,
}

impl SelfHosting {
    /// `None` unless the throughput is a positive number: without one there is no cost per token.
    pub fn new(hosting: &Hosting, output_tokens_per_s: f64) -> Option<Self> {
        (output_tokens_per_s > 0.0 && output_tokens_per_s.is_finite()).then_some(Self {
            usd_per_hour: hosting.usd_per_hour,
            utilization: hosting.utilization,
            output_tokens_per_s,
        })
    }

    /// `usd_per_hour / (output_tokens_per_s × 3600 × utilization)`, per million output tokens.
    pub fn usd_per_mtok(&self) -> f64 {
        self.at(self.utilization)
    }

    /// What the machine costs a month, busy or idle.
    pub fn usd_per_month(&self) -> f64 {
        HOURS_PER_MONTH * self.usd_per_hour
    }

    /// The most output tokens one machine produces in a month at the assumed utilization.
    pub fn capacity_tokens_per_month(&self) -> f64 {
        self.output_tokens_per_s * 3600.0 * HOURS_PER_MONTH * self.utilization
    }

    /// The cost per million output tokens at utilization 10%, 20%, … 100%.
    pub fn sensitivity(&self) -> Vec<Sensitivity> {
        (1..=10)
            .map(|tenths| {
                let utilization = f64::from(tenths) / 10.0;
                Sensitivity {
                    utilization,
                    usd_per_mtok: self.at(utilization),
                }
            })
            .collect()
    }

    /// Break-even against a closed baseline that costs `baseline_usd_per_request` per request,
    /// for requests producing `output_tokens_per_request` output tokens, counted as at least 1
    /// so that capacity stays finite (see `BreakEven`).
    pub fn break_even(
        &self,
        baseline_usd_per_request: f64,
        output_tokens_per_request: f64,
    ) -> BreakEven {
        let requests_per_month = (baseline_usd_per_request > 0.0)
            .then(|| self.usd_per_month() / baseline_usd_per_request);
        let capacity_requests_per_month =
            self.capacity_tokens_per_month() / output_tokens_per_request.max(1.0);
        BreakEven {
            requests_per_month,
            capacity_requests_per_month,
            reachable: requests_per_month.is_some_and(|n| n <= capacity_requests_per_month),
        }
    }

    fn at(&self, utilization: f64) -> f64 {
        self.usd_per_hour / (self.output_tokens_per_s * 3600.0 * utilization) * 1e6
    }
}

impl fmt::Display for SelfHosting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "${:.4} per million output tokens = ${}/h ÷ ({:.1} output tokens/s measured in aggregate × 3600 s × {:.0}% utilization); \
             one machine: ${:.2}/month ({HOURS_PER_MONTH} h), at most {:.0} output tokens/month",
            self.usd_per_mtok(),
            self.usd_per_hour,
            self.output_tokens_per_s,
            self.utilization * 100.0,
            self.usd_per_month(),
            self.capacity_tokens_per_month(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    fn box_at(usd_per_hour: f64, utilization: f64, tps: f64) -> SelfHosting {
        SelfHosting::new(
            &Hosting {
                usd_per_hour,
                utilization,
            },
            tps,
        )
        .unwrap()
    }

    #[test]
    fn cost_per_token_follows_the_formula() {
        // $2.50/h, 50 tokens/s, 60%: 2.5 / (50 × 3600 × 0.6) = 2.5 / 108000 per token
        // = $23.148148… per million.
        let b = box_at(2.5, 0.6, 50.0);
        assert!(close(b.usd_per_mtok(), 2.5 / 108_000.0 * 1e6));
        assert!(close(b.usd_per_mtok(), 23.148_148_148_148));
        assert!(close(b.usd_per_month(), 1825.0));
        // 50 × 3600 × 730 × 0.6 = 78 840 000 tokens.
        assert!(close(b.capacity_tokens_per_month(), 78_840_000.0));
        let text = b.to_string();
        for part in [
            "$23.1481 per million output tokens",
            "$2.5/h",
            "50.0 output tokens/s measured in aggregate",
            "60% utilization",
            "$1825.00/month",
            "78840000 output tokens/month",
        ] {
            assert!(text.contains(part), "{part} not in {text}");
        }
        assert!(SelfHosting::new(
            &Hosting {
                usd_per_hour: 1.0,
                utilization: 1.0
            },
            0.0
        )
        .is_none());
    }

    #[test]
    fn sensitivity_spans_ten_to_a_hundred_percent() {
        // $3.60/h at 100 tokens/s: $0.001/s ÷ 100 = $1e-5 per token at 100% = $10 per million;
        // at utilization u it is 10 / u.
        let s = box_at(3.6, 0.5, 100.0).sensitivity();
        assert_eq!(s.len(), 10);
        assert!(close(s[0].utilization, 0.1) && close(s[0].usd_per_mtok, 100.0));
        assert!(close(s[4].utilization, 0.5) && close(s[4].usd_per_mtok, 20.0));
        assert!(close(s[9].utilization, 1.0) && close(s[9].usd_per_mtok, 10.0));
    }

    #[test]
    fn break_even_is_where_the_monthly_costs_meet_within_capacity() {
        // $2/h: $1460/month. Baseline $0.001 per request: equal at 1 460 000 requests/month.
        // Capacity: 20 tokens/s × 3600 × 730 × 0.5 = 26 280 000 tokens; at 10 tokens per request
        // 2 628 000 requests: reachable.
        let b = box_at(2.0, 0.5, 20.0);
        let be = b.break_even(0.001, 10.0);
        assert!(close(be.requests_per_month.unwrap(), 1_460_000.0));
        assert!(close(be.capacity_requests_per_month, 2_628_000.0));
        assert!(be.reachable);
        // At 100 tokens per request one machine serves 262 800 requests: it never pays off.
        let be = b.break_even(0.001, 100.0);
        assert!(close(be.capacity_requests_per_month, 262_800.0));
        assert!(!be.reachable);
        // A free baseline is never beaten.
        let be = b.break_even(0.0, 10.0);
        assert_eq!((be.requests_per_month, be.reachable), (None, false));
    }
}
