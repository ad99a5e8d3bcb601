//! How a machine's time is shared among the calls it serves at once. An engine that batches
//! (vLLM, TGI, llama.cpp with parallel slots) advances every call in flight in the same steps:
//! with n calls in flight, each holds 1/n of the machine. A call's share is therefore not its
//! duration but the integral of 1/n over it; the shares of all calls add up to the time the
//! machine was busy (the union of their intervals), which is what throughput and the cost per
//! token rest on. Summing durations instead counts the same machine second once per call in
//! flight, and understates throughput (overstates cost) by the batching factor.

/// A call's start and end, in seconds from any common origin.
pub type Interval = (f64, f64);

/// The time at least one call was in flight: the length of the union of `intervals`.
pub fn busy(intervals: &[Interval]) -> f64 {
    let mut sorted: Vec<Interval> = intervals.iter().copied().filter(|(s, e)| e > s).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut current: Option<Interval> = None;
    for (s, e) in sorted {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    total + current.map_or(0.0, |(s, e)| e - s)
}

/// The mean number of calls in flight while any was: the calls' total duration over the busy
/// time. 1 for calls made one at a time; the batching factor for an engine serving many.
pub fn mean_in_flight(intervals: &[Interval]) -> Option<f64> {
    let busy = busy(intervals);
    let total: f64 = intervals.iter().map(|(s, e)| (e - s).max(0.0)).sum();
    (busy > 0.0).then(|| total / busy)
}

/// The share of the machine's time that falls to the call `own`, among `others` (the same
/// machine's other calls; those not overlapping `own` are ignored): the integral over `own` of
/// 1/n(t), n(t) counting `own` and every other call in flight at t.
pub fn share(own: Interval, others: &[Interval]) -> f64 {
    let (start, end) = own;
    if end <= start {
        return 0.0;
    }
    // +1 where another call enters `own`, −1 where it leaves; starts first at equal times.
    let mut events: Vec<(f64, i32)> = Vec::new();
    for &(s, e) in others {
        if s < end && e > start && e > s {
            events.push((s.max(start), 1));
            events.push((e.min(end), -1));
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let (mut at, mut in_flight, mut total) = (start, 1i32, 0.0);
    for (t, delta) in events {
        total += (t - at) / f64::from(in_flight);
        at = t;
        in_flight += delta;
    }
    total + (end - at) / f64::from(in_flight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_union_counts_overlapping_time_once() {
        assert!(close(busy(&[(0.0, 2.0), (1.0, 3.0), (5.0, 6.0)]), 4.0));
        assert!(close(busy(&[(0.0, 10.0), (1.0, 2.0), (3.0, 4.0)]), 10.0));
        assert!(close(busy(&[]), 0.0));
        assert!(close(
            mean_in_flight(&[(0.0, 2.0), (0.0, 2.0)]).unwrap(),
            2.0
        ));
        assert_eq!(mean_in_flight(&[]), None);
    }

    #[test]
    fn a_call_alone_holds_the_machine_and_shared_time_is_split() {
        assert!(close(share((0.0, 2.0), &[]), 2.0));
        // [0, 1) alone, [1, 2) with one other: 1 + 0.5.
        assert!(close(share((0.0, 2.0), &[(1.0, 3.0)]), 1.5));
        // Four calls wholly together: a quarter each.
        let same = [(0.0, 4.0); 3];
        assert!(close(share((0.0, 4.0), &same), 1.0));
        // Calls that do not overlap it do not count.
        assert!(close(share((0.0, 1.0), &[(1.0, 2.0), (-3.0, 0.0)]), 1.0));
    }

    #[test]
    fn the_shares_of_every_call_add_up_to_the_busy_time() {
        // A pseudo-random mix of 200 overlapping calls.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 10_000) as f64 / 100.0
        };
        let calls: Vec<Interval> = (0..200)
            .map(|_| {
                let s = next();
                (s, s + next() / 10.0)
            })
            .collect();
        let total: f64 = (0..calls.len())
            .map(|i| {
                let others: Vec<Interval> = (0..calls.len())
                    .filter(|&j| j != i)
                    .map(|j| calls[j])
                    .collect();
                share(calls[i], &others)
            })
            .sum();
        assert!(
            (total - busy(&calls)).abs() < 1e-6,
            "{total} vs {}",
            busy(&calls)
        );
    }
}
