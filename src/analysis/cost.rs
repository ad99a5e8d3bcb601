//! What each provider's calls cost in a run: known totals, cost per request, per 1k requests and
//! per month of the workload, and for self-hosted providers the TCO from measured throughput.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

pub use super::self_hosting::{Basis, BreakEvenVs, Machines, SelfHostingCost, ThroughputBasis};
use super::RecordFrame;
use crate::cost::{self, Pricing, Projection, SelfHosting};
use crate::load::Capacity;
use crate::record::Manifest;

/// Every provider's cost figures, in the manifest's provider order.
#[derive(Debug, Clone, Serialize)]
pub struct CostSummary {
    /// The suite's `workload.requests_per_month`; monthly figures need it.
    pub requests_per_month: Option<u64>,
    pub providers: Vec<ProviderCost>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderCost {
    pub id: String,
    /// How its calls are priced: per token (with the price's source and date), self-hosted
    /// hardware, or unknown (with why).
    pub pricing: Pricing,
    pub records: usize,
    /// Records whose `cost_usd` is null: left out of every figure, never counted as $0.
    pub unpriced: usize,
    /// Sum of the known `cost_usd`.
    pub known_total_usd: f64,
    /// Mean cost per request of the priced records, per 1k and per month; `None` when none is.
    pub projection: Option<Projection>,
    /// For self-hosted hardware with a measured throughput.
    pub self_hosting: Option<SelfHostingCost>,
    /// What judging its answers cost (`judge` scorers), kept apart from the figures above;
    /// `None` when none was judged.
    pub judging: Option<Judging>,
}

impl Judging {
    /// What judging `id`'s answers took, in one sentence for the reports.
    pub fn describe(&self, id: &str) -> String {
        let unpriced = match self.unpriced_records {
            0 => String::new(),
            n => format!(" ({n} judged record(s) with a judge call of unknown price left out)"),
        };
        format!(
            "Judging {id}'s answers took {} judge call(s) over {} record(s), costing {}{unpriced}; kept apart from {id}'s own cost above.",
            self.calls,
            self.records,
            crate::format::usd(self.known_usd)
        )
    }
}

/// The judge calls made to score one provider's records.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Judging {
    pub records: usize,
    pub calls: u64,
    /// Sum of the known judge costs.
    pub known_usd: f64,
    /// Judged records some of whose judge calls have no known price: left out of `known_usd`.
    pub unpriced_records: usize,
}

/// One provider's totals behind its cost figures.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    records: usize,
    /// Records with a known `cost_usd`, and what they cost together.
    priced: usize,
    known_usd: f64,
    /// Successful calls, and their output tokens.
    calls: usize,
    output_tokens: u64,
    judging: Judging,
}

/// Per provider with records.
fn totals(records: &RecordFrame) -> PolarsResult<HashMap<String, Totals>> {
    let agg = records
        .lazy()
        .group_by([col("provider")])
        .agg([
            len().alias("records"),
            col("cost_usd").count().alias("priced"),
            col("cost_usd").sum().alias("known_usd"),
            col("output_tokens").count().alias("calls"),
            col("output_tokens").sum().alias("output_tokens"),
            col("judge_calls").sum().alias("judge_calls"),
            col("judge_calls").gt(lit(0u32)).sum().alias("judged"),
            col("judge_cost_usd").count().alias("judge_priced"),
            col("judge_cost_usd").sum().alias("judge_usd"),
        ])
        .collect()?;
    let ids = agg.column("provider")?.str()?.clone();
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let (n, priced, usd, calls, out) = (
        f("records")?,
        f("priced")?,
        f("known_usd")?,
        f("calls")?,
        f("output_tokens")?,
    );
    let (judge_calls, judged, judge_priced, judge_usd) = (
        f("judge_calls")?,
        f("judged")?,
        f("judge_priced")?,
        f("judge_usd")?,
    );
    let at = |c: &Float64Chunked, i: usize| c.get(i).unwrap_or(0.0);
    Ok((0..agg.height())
        .map(|i| {
            (
                ids.get(i).unwrap_or_default().to_string(),
                Totals {
                    records: at(&n, i) as usize,
                    priced: at(&priced, i) as usize,
                    known_usd: at(&usd, i),
                    calls: at(&calls, i) as usize,
                    output_tokens: at(&out, i) as u64,
                    judging: Judging {
                        records: at(&judged, i) as usize,
                        calls: at(&judge_calls, i) as u64,
                        known_usd: at(&judge_usd, i),
                        unpriced_records: (at(&judged, i) - at(&judge_priced, i)) as usize,
                    },
                },
            )
        })
        .collect())
}

/// Cost figures per provider. Prices are described as this build's table resolves the manifest's
/// provider configuration; the per-record costs are those the run recorded. A self-hosted
/// provider with a load sweep among `capacities` is priced at the sweep's goodput: its cost per
/// token, and its cost per request (the mean output of its calls at that price), which the gate
/// and the recommendation then read; without one, at the run's aggregate throughput and the
/// records' own costs.
pub fn summarize(
    manifest: &Manifest,
    records: &RecordFrame,
    summary: &super::Summary,
    capacities: &[Capacity],
) -> PolarsResult<CostSummary> {
    let requests_per_month = manifest.workload.as_ref().map(|w| w.requests_per_month);
    let baseline = manifest.gate.as_ref().map(|g| g.baseline.as_str());
    let totals = totals(records)?;
    let of = |id: &str| totals.get(id).copied().unwrap_or_default();
    let mut providers: Vec<ProviderCost> = manifest
        .providers
        .iter()
        .map(|p| {
            let t = of(&p.id);
            ProviderCost {
                id: p.id.clone(),
                pricing: Pricing::resolve(&p.config),
                records: t.records,
                unpriced: t.records - t.priced,
                known_total_usd: t.known_usd,
                projection: cost::project(t.records, t.priced, t.known_usd, requests_per_month),
                self_hosting: None,
                judging: (t.judging.records > 0).then_some(t.judging),
            }
        })
        .collect();
    // Break-even needs every per-token provider's projection, hence a second pass.
    let mut per_token: Vec<(String, f64)> = providers
        .iter()
        .filter(|p| matches!(p.pricing, Pricing::PerToken { .. } | Pricing::Logged))
        .filter_map(|p| Some((p.id.clone(), p.projection.as_ref()?.usd_per_request)))
        .collect();
    per_token.sort_by_key(|(id, _)| Some(id.as_str()) != baseline);
    for p in &mut providers {
        let concurrency = (manifest.providers.iter())
            .find(|m| m.id == p.id)
            .map_or(1, |m| m.config.concurrency_or_default());
        let swept: Vec<&Capacity> = capacities.iter().filter(|c| c.provider == p.id).collect();
        let measured = Measured {
            totals: of(&p.id),
            // The run's throughput, as the summary measured it.
            run: (summary.providers.iter())
                .find(|s| s.id == p.id)
                .map(|s| &s.throughput),
            concurrency,
            swept: &swept,
        };
        price_self_hosted(p, &measured, requests_per_month, &per_token);
    }
    Ok(CostSummary {
        requests_per_month,
        providers,
    })
}

/// What a self-hosted provider's figures are computed from.
struct Measured<'a> {
    totals: Totals,
    /// The run's throughput, at the provider's configured `concurrency`.
    run: Option<&'a super::throughput::Throughput>,
    concurrency: usize,
    /// Its load sweeps, if any.
    swept: &'a [&'a Capacity],
}

/// A self-hosted provider's cost per token, machines and break-even at a load sweep's goodput,
/// else at the run's aggregate throughput; with a sweep, its cost per request too.
fn price_self_hosted(
    p: &mut ProviderCost,
    m: &Measured,
    requests_per_month: Option<u64>,
    per_token: &[(String, f64)],
) {
    let Pricing::SelfHosted(hosting) = &p.pricing else {
        return;
    };
    let basis = match m.swept.iter().find_map(|c| ThroughputBasis::of_capacity(c)) {
        Some(b) => b,
        None => match m
            .run
            .and_then(|t| ThroughputBasis::of_run(t, m.concurrency))
        {
            Some(b) => b,
            None => return,
        },
    };
    let Some(box_) = SelfHosting::new(hosting, basis.output_tokens_per_s) else {
        return;
    };
    let t = m.totals;
    let output_tokens_per_request = t.output_tokens as f64 / t.calls.max(1) as f64;
    if basis.source == Basis::Capacity {
        let usd = box_.usd_per_mtok() * output_tokens_per_request / 1e6;
        p.projection = cost::project(t.calls, t.calls, usd * t.calls as f64, requests_per_month);
    }
    p.self_hosting = Some(super::self_hosting::self_hosting(
        box_,
        basis,
        output_tokens_per_request,
        requests_per_month,
        per_token,
    ));
}

/// Indices of the points no other point beats on both axes: none is at most as costly and at
/// least as good with one of the two strictly better. `points` are (cost, quality).
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| {
            let (c, q) = points[i];
            !points
                .iter()
                .any(|&(c2, q2)| c2 <= c && q2 >= q && (c2 < c || q2 > q))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::Record;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    fn manifest() -> Manifest {
        serde_json::from_value(json!({
            "run_id": "r", "status": "completed", "modelswap_version": "0", "started_at": "t",
            "finished_at": null,
            "suite": {"path": "s.yaml", "sha256": "0", "name": "s", "description": null},
            "providers": [
                {"id": "local", "config": {"kind": "onnx", "path": "m",
                                           "hosting": {"usd_per_hour": 3.6, "utilization": 0.5}},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}},
                {"id": "vendor", "config": {"kind": "openai", "model": "gpt-4o-mini"},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}},
                {"id": "mystery", "config": {"kind": "openai", "model": "gpt-9-unknown"},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}},
                {"id": "cheap", "config": {"kind": "openai", "model": "x",
                                           "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}},
                 "sampling": {"temperature": 0.0, "max_tokens": 8}}
            ],
            "cases": 2, "repeats": 1, "records_expected": 8,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2},
            "workload": {"requests_per_month": 1_000_000},
            "gate": {"baseline": "vendor", "candidates": ["local"]}
        }))
        .unwrap()
    }

    /// A record of a call that started `start` seconds into the run and took `ms`.
    fn timed(
        provider: &str,
        case: &str,
        output_tokens: u64,
        (start, ms): (f64, f64),
        cost: Option<f64>,
    ) -> Record {
        let started_at = format!(
            "2026-12-04T00:{:02}:{:06.3}Z",
            (start / 60.0) as u32,
            start % 60.0
        );
        serde_json::from_value(json!({
            "run_id": "r", "case_id": case, "provider": provider, "repeat": 0,
            "request_hash": "sha256:0", "output": "x", "finish_reason": "stop", "error": null,
            "usage": {"input_tokens": 10, "output_tokens": output_tokens},
            "timing": {"started_at": started_at, "ttft_ms": 1.0, "total_ms": ms, "tokens_per_s": null,
                       "attempts": 1, "retry_wait_ms": 0.0},
            "cost_usd": cost, "scores": [], "passed": true
        }))
        .unwrap()
    }

    /// A record of a call that ran alone, from the run's start.
    fn record(
        provider: &str,
        case: &str,
        output_tokens: u64,
        ms: f64,
        cost: Option<f64>,
    ) -> Record {
        timed(provider, case, output_tokens, (0.0, ms), cost)
    }

    #[test]
    fn costs_are_projected_per_provider_and_unknown_ones_are_counted_not_zeroed() {
        // local: $3.60/h at 50% = $0.002 per second held. 10 tokens in 1 s and 30 in 3 s:
        // 10 tokens/s; per record $0.002 and $0.006 as the runner prices them.
        let records = vec![
            timed("local", "a", 10, (0.0, 1000.0), Some(0.002)),
            timed("local", "b", 30, (1.0, 3000.0), Some(0.006)),
            record("vendor", "a", 10, 300.0, Some(0.001)),
            record("vendor", "b", 10, 300.0, Some(0.003)),
            record("mystery", "a", 10, 300.0, None),
            record("mystery", "b", 10, 300.0, None),
            record("cheap", "a", 10, 300.0, Some(0.0005)),
            record("cheap", "b", 10, 300.0, None),
        ];
        let (_dir, _, frame) = super::super::frame::testing::write(&records);
        let s = summarize(
            &manifest(),
            &frame,
            &super::super::summarize(&manifest(), &frame).unwrap(),
            &[],
        )
        .unwrap();
        assert_eq!(s.requests_per_month, Some(1_000_000));
        let ids: Vec<_> = s.providers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["local", "vendor", "mystery", "cheap"]);
        let [local, vendor, mystery, cheap] = &s.providers[..] else {
            unreachable!()
        };

        let v = vendor.projection.as_ref().unwrap();
        assert!(close(v.usd_per_request, 0.002) && close(v.usd_per_1k_requests, 2.0));
        assert!(close(v.usd_per_month.unwrap(), 2000.0));
        assert!(close(vendor.known_total_usd, 0.004));
        let Pricing::PerToken { source, .. } = &vendor.pricing else {
            panic!("{:?}", vendor.pricing)
        };
        assert!(
            source.contains("read "),
            "a price carries its date: {source}"
        );

        // Unknown price: counted, no projection, never $0.
        assert_eq!((mystery.records, mystery.unpriced), (2, 2));
        assert!(mystery.projection.is_none());
        assert!(matches!(mystery.pricing, Pricing::Unknown { .. }));
        // Partly priced: the mean of the known one only.
        assert_eq!(cheap.unpriced, 1);
        let c = cheap.projection.as_ref().unwrap();
        assert_eq!((c.records, c.priced), (2, 1));
        assert!(close(c.usd_per_request, 0.0005));

        let h = local.self_hosting.as_ref().unwrap();
        assert!(close(h.assumptions.output_tokens_per_s, 10.0));
        assert_eq!(
            (h.throughput.concurrency, h.throughput.measured_calls),
            (Some(1), 2)
        );
        assert!(close(h.throughput.mean_in_flight.unwrap(), 1.0));
        // 3.6 / (10 × 3600 × 0.5) per token = $200 per million.
        assert!(close(h.usd_per_mtok, 200.0));
        assert!(h.explained.contains("50% utilization"), "{}", h.explained);
        assert_eq!(h.sensitivity.len(), 10);
        assert!(close(h.output_tokens_per_request, 20.0));
        // The throughput figure and the runner's per-record cost agree: 20 tokens × $200/M.
        assert!(close(
            local.projection.as_ref().unwrap().usd_per_request,
            20.0 * 200.0 / 1e6
        ));
        // 1M requests × 20 tokens against 10 × 3600 × 730 × 0.5 = 13.14M tokens per machine: 2.
        let m = h.machines.as_ref().unwrap();
        assert_eq!(m.count, 2);
        assert!(close(m.usd_per_month, 2.0 * 730.0 * 3.6));
        // Break-even against both per-token providers with a known cost, the gate's baseline first.
        let vs: Vec<_> = h.break_even.iter().map(|b| b.baseline.as_str()).collect();
        assert_eq!(vs, ["vendor", "cheap"]);
        // $2628/month ÷ $0.002 per request = 1.314M requests; capacity 13.14M / 20 = 657k: no.
        let b = &h.break_even[0];
        assert!(close(b.break_even.requests_per_month.unwrap(), 1_314_000.0));
        assert!(close(b.break_even.capacity_requests_per_month, 657_000.0));
        assert!(!b.break_even.reachable);
    }

    #[test]
    fn an_engine_serving_calls_at_once_is_priced_on_its_aggregate_throughput() {
        // Four calls of 100 tokens, each 2 s, all at once, then four more: 800 tokens in 4 s
        // busy = 200 tokens/s; one stream ran at 50. Each call held a quarter of the machine
        // for 2 s: $0.002/s × 0.5 s = $0.001 (as the runner charges it, machine_ms 500).
        let mut records = Vec::new();
        for (i, start) in [0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0]
            .into_iter()
            .enumerate()
        {
            records.push(timed(
                "local",
                &format!("c{i}"),
                100,
                (start, 2000.0),
                Some(0.001),
            ));
        }
        let (_dir, _, frame) = super::super::frame::testing::write(&records);
        let s = summarize(
            &manifest(),
            &frame,
            &super::super::summarize(&manifest(), &frame).unwrap(),
            &[],
        )
        .unwrap();
        let local = &s.providers[0];
        let h = local.self_hosting.as_ref().unwrap();
        assert!(close(h.assumptions.output_tokens_per_s, 200.0));
        assert!(close(h.throughput.mean_in_flight.unwrap(), 4.0));
        assert!(
            h.throughput.explained.contains("200.0 output tokens/s"),
            "{}",
            h.throughput.explained
        );
        // 3.6 / (200 × 3600 × 0.5) per token = $10 per million, and the records agree:
        // $0.001 per 100-token request.
        assert!(close(h.usd_per_mtok, 10.0));
        assert!(close(
            local.projection.as_ref().unwrap().usd_per_request,
            100.0 * h.usd_per_mtok / 1e6
        ));
    }

    #[test]
    fn the_pareto_front_keeps_the_points_nothing_beats() {
        // (cost, quality): b is beaten by a (cheaper and better); d ties c on cost, is worse.
        let points = [(1.0, 0.8), (2.0, 0.7), (3.0, 0.9), (3.0, 0.85), (0.5, 0.2)];
        assert_eq!(pareto_front(&points), [0, 2, 4]);
        // Identical points beat neither.
        assert_eq!(pareto_front(&[(1.0, 1.0), (1.0, 1.0)]), [0, 1]);
        assert!(pareto_front(&[]).is_empty());
    }
}
