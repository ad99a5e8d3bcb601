//! Reference answers in a run. A scorer with `reference: <provider>` scores a record once that
//! provider's answer to the same case and repeat exists, whichever call finishes first: the
//! record waits here (parked) until the answer arrives, and the worker that brings it scores the
//! records that waited for it. A record never blocks a worker, so providers that take turns in
//! one lane (local models) cannot wait on each other. An answer is kept only until every record
//! of the run that needs it has had it, so memory follows the calls in flight, not the run. What
//! never arrives (the reference's call was not made in this run) is settled at the end, counted
//! apart as having no reference.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::record::Record;
use crate::score::{Answer, Found, Lookup, Reference, Scorers};
use crate::suite::Case;

/// A record ready to be scored, with its case and the reference answers found for it.
pub(super) type Ready = (Arc<Case>, Record, Found);

/// (provider, case id, repeat).
type Key = (String, String, u32);

pub(super) struct Rendezvous {
    scorers: Arc<Scorers>,
    /// The providers whose answers are references.
    providers: HashSet<String>,
    /// The providers of this run: those whose records will ask for an answer.
    run: Vec<String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Reference providers' answers (or why they have none), each with how many records of the
    /// run have yet to take it.
    answers: HashMap<Key, (Lookup, usize)>,
    /// Records waiting for answers, by (case id, repeat).
    parked: HashMap<(String, u32), Vec<Parked>>,
}

struct Parked {
    case: Arc<Case>,
    record: Record,
    found: Found,
    /// The providers whose answers it still waits for.
    missing: Vec<String>,
}

impl Rendezvous {
    pub fn new(scorers: Arc<Scorers>, run: Vec<String>) -> Self {
        let providers = (scorers.references().into_iter())
            .filter_map(|r| match r {
                Reference::Provider(id) => Some(id),
                Reference::Logged => None,
            })
            .collect();
        Self {
            scorers,
            providers,
            run,
            state: Mutex::default(),
        }
    }

    /// Whether any scorer compares with another provider's answer.
    pub fn waits(&self) -> bool {
        !self.providers.is_empty()
    }

    /// An answer written by an earlier invocation of a resumed run (kept for the run: which of
    /// its takers are already recorded is not known here).
    pub fn remember(&self, record: &Record) {
        if self.providers.contains(&record.provider) {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state
                .answers
                .insert(key(record), (Answer::of(record), usize::MAX));
        }
    }

    /// `record` (an answer to `case`, not yet scored) has arrived: the records now ready to be
    /// scored, this one among them unless it waits for another provider's answer.
    pub fn arrive(&self, case: Arc<Case>, record: Record) -> Vec<Ready> {
        let needs = self.scorers.needs(&case, &record.provider);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut ready = Vec::new();
        if self.providers.contains(&record.provider) {
            self.publish(&mut state, &case, &record, &mut ready);
        }
        let mut found = Found::new();
        let mut missing = Vec::new();
        for r in needs {
            let answer = match &r {
                Reference::Logged => Some(logged(&case)),
                Reference::Provider(id) => take(
                    &mut state,
                    &(id.clone(), record.case_id.clone(), record.repeat),
                ),
            };
            match (answer, &r) {
                (Some(a), _) => {
                    found.insert(r, a);
                }
                (None, Reference::Provider(id)) => missing.push(id.clone()),
                (None, Reference::Logged) => {}
            }
        }
        if missing.is_empty() {
            ready.push((case, record, found));
        } else {
            let at = (record.case_id.clone(), record.repeat);
            let parked = Parked {
                case,
                record,
                found,
                missing,
            };
            state.parked.entry(at).or_default().push(parked);
        }
        ready
    }

    /// A reference provider's answer: handed to the records parked for it (those complete go to
    /// `ready`), and kept for the records of the run still to come.
    fn publish(&self, state: &mut State, case: &Case, record: &Record, ready: &mut Vec<Ready>) {
        let answer = Answer::of(record);
        let reference = Reference::Provider(record.provider.clone());
        let takers = (self.run.iter())
            .filter(|p| self.scorers.needs(case, p).contains(&reference))
            .count();
        let at = (record.case_id.clone(), record.repeat);
        let waiting = state.parked.remove(&at).unwrap_or_default();
        let mut given = 0;
        let mut still = Vec::new();
        for mut p in waiting {
            if let Some(i) = p.missing.iter().position(|m| *m == record.provider) {
                p.missing.swap_remove(i);
                p.found.insert(reference.clone(), answer.clone());
                given += 1;
            }
            if p.missing.is_empty() {
                ready.push((p.case, p.record, p.found));
            } else {
                still.push(p);
            }
        }
        if !still.is_empty() {
            state.parked.insert(at, still);
        }
        if takers > given {
            state.answers.insert(key(record), (answer, takers - given));
        }
    }

    /// Every record still waiting, its missing answers settled as absent: the reference's
    /// call was not made in this run.
    pub fn finish(&self) -> Vec<Ready> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let parked = std::mem::take(&mut state.parked);
        let mut ready = Vec::new();
        for mut p in parked.into_values().flatten() {
            for id in p.missing.drain(..) {
                let why = format!("`{id}` has no answer to this case in this run (not selected, left out, or stopped before it)");
                p.found.insert(Reference::Provider(id), Err(why));
            }
            ready.push((p.case, p.record, p.found));
        }
        ready
    }

    /// Answers held, for the tests.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.state.lock().unwrap().answers.len()
    }
}

/// The answer at `key`, for one of the records that need it; dropped once the last has it.
fn take(state: &mut State, key: &Key) -> Option<Lookup> {
    let (answer, left) = state.answers.get_mut(key)?;
    let answer = answer.clone();
    *left = left.saturating_sub(1);
    if *left == 0 {
        state.answers.remove(key);
    }
    Some(answer)
}

fn key(record: &Record) -> Key {
    (
        record.provider.clone(),
        record.case_id.clone(),
        record.repeat,
    )
}

/// The response logged with the case's request, or why there is none.
fn logged(case: &Case) -> Lookup {
    match &case.extras().response {
        Some(Ok(r)) => Ok(Arc::new(Answer {
            text: r.text.clone(),
            tool_calls: r.tool_calls.clone(),
        })),
        Some(Err(why)) => Err(why.clone()),
        None => Err(
            "the case has no logged response (only replayed traffic with responses has one)".into(),
        ),
    }
}

#[cfg(test)]
mod tests;
