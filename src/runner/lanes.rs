//! Scheduling: the run's providers in lanes that run side by side, workers that take the next
//! call as soon as their last is recorded, and the writer that appends the records.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use tokio::sync::mpsc;

use super::job::Job;
use super::references::{Ready, Rendezvous};
use super::selection::{Calls, Selection};
use super::target::Target;
use super::{Event, Events};
use crate::record::Record;
use crate::score::Scorers;
use crate::suite::SuiteError;

/// Providers that take turns. Local models share this machine's cores, so they share one lane:
/// running two at once would make each one's latency a measure of the other. Each remote
/// provider gets a lane of its own.
pub(super) struct Lane {
    pub targets: Vec<Arc<Target>>,
}

/// The lanes of a run: the local models' first (if any), then one per remote provider.
pub(super) fn lanes(targets: Vec<(Arc<Target>, bool)>) -> Vec<Lane> {
    let (local, remote): (Vec<_>, Vec<_>) = targets.into_iter().partition(|(_, local)| *local);
    let mut lanes: Vec<Lane> = Vec::new();
    if !local.is_empty() {
        lanes.push(Lane {
            targets: local.into_iter().map(|(t, _)| t).collect(),
        });
    }
    lanes.extend(remote.into_iter().map(|(t, _)| Lane { targets: vec![t] }));
    lanes
}

/// What every worker of a run shares.
pub(super) struct LaneContext {
    pub run_id: String,
    pub cases: Selection,
    pub scorers: Arc<Scorers>,
    /// Where records wait for the reference answers their scorers compare with.
    pub references: Arc<Rendezvous>,
    pub repeats: u32,
    /// (provider, case, repeat) already recorded by the run being resumed.
    pub done: Arc<HashSet<(String, String, u32)>>,
    pub tx: mpsc::Sender<Record>,
    /// Why the run stopped early, set by the first worker that finds a case it cannot read.
    pub failure: Arc<OnceLock<SuiteError>>,
}

/// The lane's providers one after another. Within a provider, as many workers as its
/// concurrency can reach each take the next call (case by case, each case's repeats in turn)
/// as soon as their last one is recorded; the adaptive limit holds back those above it.
pub(super) async fn run_lane(lane: Lane, ctx: Arc<LaneContext>) {
    for target in lane.targets {
        let calls = Arc::new(Mutex::new(ctx.cases.calls(ctx.repeats)));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..target.concurrency.max() {
            workers.spawn(work(target.clone(), ctx.clone(), calls.clone()));
        }
        while workers.join_next().await.is_some() {}
    }
}

/// One worker: calls until none is left, or until the run stops taking records.
async fn work(target: Arc<Target>, ctx: Arc<LaneContext>, calls: Arc<Mutex<Calls>>) {
    loop {
        if ctx.failure.get().is_some() {
            return;
        }
        // Held while the next case is read and rendered: a few microseconds.
        let next = calls.lock().unwrap_or_else(|e| e.into_inner()).next();
        let (case, repeat) = match next {
            None => return,
            Some(Ok(call)) => call,
            Some(Err(e)) => {
                let _ = ctx.failure.set(e);
                return;
            }
        };
        if !ctx.done.is_empty()
            && ctx
                .done
                .contains(&(target.id.clone(), case.id.clone(), repeat))
        {
            continue;
        }
        let job = Job {
            run_id: ctx.run_id.clone(),
            target: target.clone(),
            case: case.clone(),
            repeat,
        };
        let record = job.call().await;
        if !score_and_send(&ctx, ctx.references.arrive(case, record)).await {
            return;
        }
    }
}

/// Scores each record (output, usage, timing, cost and its reference answers all known) and
/// hands it to the writer; false when the run is stopping and no record is wanted.
pub(super) async fn score_and_send(ctx: &LaneContext, ready: Vec<Ready>) -> bool {
    for (case, mut record, found) in ready {
        ctx.scorers.apply(&case, &mut record, &found).await;
        if ctx.tx.send(record).await.is_err() {
            return false;
        }
    }
    true
}

/// Appends each record as one line, so a crash can cut at most the last line; (written, errors).
pub(super) async fn write_records(
    mut file: File,
    mut rx: mpsc::Receiver<Record>,
    events: Events,
) -> anyhow::Result<(usize, usize)> {
    let mut written = 0;
    let mut errors = 0;
    // Whatever has arrived goes out in one write: a fast provider finishes hundreds of calls
    // between two wake-ups, and a write per record would cost a system call each.
    let (mut batch, mut lines) = (Vec::with_capacity(256), Vec::new());
    while rx.recv_many(&mut batch, 256).await > 0 {
        lines.clear();
        for record in batch.drain(..) {
            serde_json::to_writer(&mut lines, &record)?;
            lines.push(b'\n');
            written += 1;
            errors += usize::from(record.error.is_some());
            events(Event::Recorded {
                provider: record.provider,
                case_id: record.case_id,
                error: record.error,
            });
        }
        file.write_all(&lines)
            .context("cannot append to records.jsonl")?;
    }
    file.sync_data().ok();
    Ok((written, errors))
}
