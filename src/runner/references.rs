//! Reference answers in a run. A scorer with `reference: <provider>` scores a record once that
//! provider's answer to the same case and repeat exists, whichever call finishes first: the
//! record waits here (parked) until the answer arrives, and the worker that brings it scores the
//! records that waited for it. A record never blocks a worker, so providers that take turns in
//! one lane (local models) cannot wait on each other. What never arrives (the reference's call
//! was not made in this run) is settled at the end, counted apart as having no reference.

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
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Reference providers' answers (or why they have none), kept for the run.
    answers: HashMap<Key, Lookup>,
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
    pub fn new(scorers: Arc<Scorers>) -> Self {
        let providers = (scorers.references().into_iter())
            .filter_map(|r| match r {
                Reference::Provider(id) => Some(id),
                Reference::Logged => None,
            })
            .collect();
        Self {
            scorers,
            providers,
            state: Mutex::default(),
        }
    }

    /// Whether any scorer compares with another provider's answer.
    pub fn waits(&self) -> bool {
        !self.providers.is_empty()
    }

    /// An answer written by an earlier invocation of a resumed run.
    pub fn remember(&self, record: &Record) {
        if self.providers.contains(&record.provider) {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.answers.insert(key(record), Answer::of(record));
        }
    }

    /// `record` (an answer to `case`, not yet scored) has arrived: the records now ready to be
    /// scored, this one among them unless it waits for another provider's answer.
    pub fn arrive(&self, case: Arc<Case>, record: Record) -> Vec<Ready> {
        let needs = self.scorers.needs(&case, &record.provider);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut ready = Vec::new();
        if self.providers.contains(&record.provider) {
            let answer = Answer::of(&record);
            let waiting = (state.parked)
                .remove(&(record.case_id.clone(), record.repeat))
                .unwrap_or_default();
            let mut still = Vec::new();
            for mut p in waiting {
                if let Some(i) = p.missing.iter().position(|m| *m == record.provider) {
                    p.missing.swap_remove(i);
                    let r = Reference::Provider(record.provider.clone());
                    p.found.insert(r, answer.clone());
                }
                if p.missing.is_empty() {
                    ready.push((p.case, p.record, p.found));
                } else {
                    still.push(p);
                }
            }
            if !still.is_empty() {
                let at = (record.case_id.clone(), record.repeat);
                state.parked.insert(at, still);
            }
            state.answers.insert(key(&record), answer);
        }
        let mut found = Found::new();
        let mut missing = Vec::new();
        for r in needs {
            match &r {
                Reference::Logged => {
                    found.insert(r.clone(), logged(&case));
                }
                Reference::Provider(id) => {
                    let k = (id.clone(), record.case_id.clone(), record.repeat);
                    match state.answers.get(&k) {
                        Some(a) => {
                            found.insert(r.clone(), a.clone());
                        }
                        None => missing.push(id.clone()),
                    }
                }
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
