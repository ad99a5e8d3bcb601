//! A provider's calls in flight over time, so that each call is charged its share of the
//! machine (`cost::machine_time::share`) rather than its whole duration. The share is exact when
//! the call ends: every call that overlaps it has started by then, and those still running run
//! at least until its end.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::cost::machine_time::{self, Interval};

pub(super) struct Occupancy {
    origin: Instant,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next: u64,
    /// Calls in flight: their starts, in seconds from `origin`.
    running: HashMap<u64, f64>,
    /// Calls that ended while one now running may still need them.
    ended: Vec<Interval>,
}

/// A call in flight, from `enter` to `leave`.
pub(super) struct InFlight(u64);

impl Occupancy {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            state: Mutex::default(),
        }
    }

    pub fn enter(&self) -> InFlight {
        let now = self.origin.elapsed().as_secs_f64();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let id = state.next;
        state.next += 1;
        state.running.insert(id, now);
        InFlight(id)
    }

    /// The call ends: its share of the machine's time, in milliseconds.
    pub fn leave(&self, call: InFlight) -> f64 {
        let end = self.origin.elapsed().as_secs_f64();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let start = state.running.remove(&call.0).unwrap_or(end);
        let mut others: Vec<Interval> = state.running.values().map(|&s| (s, end)).collect();
        others.extend(state.ended.iter().copied());
        let share = machine_time::share((start, end), &others);
        // No call starting from now on can overlap an interval that ended before the earliest
        // call still running.
        let needed_from = state
            .running
            .values()
            .copied()
            .fold(f64::INFINITY, f64::min);
        state.ended.retain(|&(_, e)| e > needed_from);
        if needed_from.is_finite() {
            state.ended.push((start, end));
        }
        share * 1e3
    }
}
