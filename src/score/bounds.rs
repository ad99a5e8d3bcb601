//! Per-record bounds: `latency` (the call's total time) and `cost` (the record's `cost_usd`).

use crate::record::Record;

/// `latency`: the call's total time, first byte sent to last byte received, is at most `max_ms`.
pub fn latency(record: &Record, max_ms: f64) -> (bool, String) {
    match record.timing.total_ms {
        Some(ms) if ms <= max_ms => (true, format!("took {ms:.1} ms, within {max_ms} ms")),
        Some(ms) => (false, format!("took {ms:.1} ms, more than {max_ms} ms")),
        None => (false, "no total time recorded".into()),
    }
}

/// `cost`: the record's cost is at most `max_usd`. An unknown cost fails: a bound nobody could
/// check must not read as met.
pub fn cost(record: &Record, max_usd: f64) -> (bool, String) {
    match record.cost_usd {
        Some(usd) if usd <= max_usd => (true, format!("cost ${usd:.6}, within ${max_usd}")),
        Some(usd) => (false, format!("cost ${usd:.6}, more than ${max_usd}")),
        None => (
            false,
            "cost unknown: no price is known for this provider".into(),
        ),
    }
}
