//! Faulted vendor responses: a server that fails a scheduled share of requests in every way a
//! vendor does, and a check that every record is what those responses call for.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use modelswap::provider::ErrorKind;
use modelswap::record::{read_records, Record};

use crate::vendor_server::{Received, Reply, VendorServer};
use crate::vendors::{Vendor, VENDORS};
use crate::{files_containing, mix, setting, write_suite};

/// How a response fails, if it does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    RateLimited,
    Internal,
    Overloaded,
    Malformed,
    Cut,
    Reset,
    ErrorEvent,
    SlowFirstByte,
    Unauthorized,
}

/// Each fault's share of responses, in thousandths.
const SCHEDULE: [(Fault, u64); 10] = [
    (Fault::None, 450),
    (Fault::RateLimited, 60),
    (Fault::Internal, 70),
    (Fault::Overloaded, 70),
    (Fault::Malformed, 70),
    (Fault::Cut, 70),
    (Fault::Reset, 60),
    (Fault::ErrorEvent, 70),
    (Fault::SlowFirstByte, 50),
    (Fault::Unauthorized, 30),
];

/// Every provider's `retries` in the soak suite: attempts end at 1 + this.
const RETRIES: usize = 4;
const FIRST_BYTE_TIMEOUT_S: f64 = 1.0;

/// The response to attempt `attempt` (from 1) of case `n` at `vendor`: fixed by its inputs,
/// so what the runner should have done follows from the schedule alone.
fn fault(vendor: Vendor, n: u64, attempt: usize) -> Fault {
    let ix = VENDORS.iter().position(|v| *v == vendor).unwrap() as u64;
    let mut roll = mix(mix(mix(ix) ^ n) ^ attempt as u64) % 1000;
    for (fault, share) in SCHEDULE {
        if roll < share {
            return fault;
        }
        roll -= share;
    }
    unreachable!("the shares add up to 1000")
}

/// The responses a case gets when the runner retries exactly as documented: until an answer,
/// a fault that is not worth retrying (401), or its retries run out.
fn schedule(vendor: Vendor, n: u64) -> Vec<Fault> {
    let mut served = Vec::new();
    for attempt in 1..=1 + RETRIES {
        let f = fault(vendor, n, attempt);
        served.push(f);
        if matches!(f, Fault::None | Fault::Unauthorized) {
            break;
        }
    }
    served
}

fn faults_in(responses: &[Fault]) -> usize {
    responses.iter().filter(|f| **f != Fault::None).count()
}

/// The error kinds a record may carry when `last` was the last response.
fn kinds(last: Fault) -> &'static [ErrorKind] {
    match last {
        Fault::None => &[],
        Fault::RateLimited => &[ErrorKind::RateLimited],
        Fault::Internal | Fault::Overloaded | Fault::ErrorEvent => &[ErrorKind::Server],
        Fault::Malformed | Fault::Cut => &[ErrorKind::InvalidResponse],
        Fault::Reset => &[ErrorKind::Network, ErrorKind::InvalidResponse],
        Fault::SlowFirstByte => &[ErrorKind::Timeout],
        Fault::Unauthorized => &[ErrorKind::Auth],
    }
}

fn reply(vendor: Vendor, fault: Fault, answer: &str, key: &str) -> Reply {
    let error = |status: u16, headers: Vec<(&'static str, String)>, what: &str| {
        let body =
            serde_json::json!({"error": {"message": format!("{what}: {key}"), "type": what}});
        Reply::Status(status, headers, body.to_string())
    };
    match fault {
        Fault::None => vendor.answer(answer),
        Fault::RateLimited => error(429, vec![("retry-after", "1".into())], "rate_limit_error"),
        Fault::Internal => error(500, Vec::new(), "server_error"),
        Fault::Overloaded => error(529, Vec::new(), "overloaded_error"),
        Fault::Unauthorized => error(401, Vec::new(), "invalid_api_key"),
        Fault::Malformed => vendor.malformed(key),
        Fault::Cut => vendor.cut(answer, false),
        Fault::Reset => vendor.cut(answer, true),
        Fault::ErrorEvent => vendor.error_event(key),
        Fault::SlowFirstByte => Reply::Delayed(
            Duration::from_secs_f64(FIRST_BYTE_TIMEOUT_S * 2.0),
            Box::new(vendor.answer(answer)),
        ),
    }
}

/// What the server sent, per (provider, case), and the requests that carried the wrong key.
#[derive(Default)]
struct Ledger {
    served: Mutex<HashMap<(&'static str, u64), Vec<Fault>>>,
    wrong_keys: Mutex<usize>,
}

impl Ledger {
    fn answer(&self, request: &Received) -> Reply {
        let (Some(vendor), Some(n)) = (Vendor::of(request), case_number(&request.body)) else {
            return Reply::Status(404, Vec::new(), "{}".into());
        };
        // Echo whatever key came, as a vendor's error does: the runner must keep it out of files.
        let key = vendor.sent_key(request).unwrap_or_default();
        if key != vendor.key() {
            *self.wrong_keys.lock().unwrap() += 1;
        }
        let mut served = self.served.lock().unwrap();
        let history = served.entry((vendor.id(), n)).or_default();
        let fault = fault(vendor, n, history.len() + 1);
        history.push(fault);
        reply(vendor, fault, &format!("answer {n}"), &key)
    }
}

/// The case's number, from the prompt "soak case N".
fn case_number(body: &str) -> Option<u64> {
    let rest = &body[body.find("soak case ")? + "soak case ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn faulted_responses_across_every_vendor_kind_lose_nothing_and_leak_no_key() {
    let target = setting("MODELSWAP_SOAK_FAULTS", 300);
    let cases = cases_for(target);
    let server = VendorServer::start();
    let ledger = Arc::new(Ledger::default());
    let answering = Arc::clone(&ledger);
    server.respond(move |request| answering.answer(request));

    let tmp = tempfile::tempdir().unwrap();
    let scorer = "scorers:\n  - {type: equals, value: \"answer {{ n }}\"}\n";
    let timing = (FIRST_BYTE_TIMEOUT_S, 16);
    let suite = write_suite(tmp.path(), &server.base, cases, &VENDORS, timing, scorer);
    let started = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .arg("run")
        .arg(&suite)
        .args(["--out", "run", "-vv"])
        .current_dir(tmp.path())
        .envs(VENDORS.iter().map(|v| (v.key_env(), v.key())))
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(tmp.path().join("run.stderr")).unwrap())
        .status()
        .unwrap();
    let wall = started.elapsed();
    let report = Command::new(env!("CARGO_BIN_EXE_modelswap"))
        .args(["report", "run", "--format", "html,md,json,csv,junit", "-vv"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(tmp.path().join("report.stderr")).unwrap())
        .status()
        .unwrap();

    let records = read_records(&tmp.path().join("run/records.jsonl")).unwrap();
    let served = ledger.served.lock().unwrap().clone();
    let tally = Tally::of(&records, &served, cases);
    let stderr = std::fs::read_to_string(tmp.path().join("run.stderr")).unwrap()
        + &std::fs::read_to_string(tmp.path().join("report.stderr")).unwrap();
    let panics = stderr.matches("panicked").count();
    let leaks: Vec<String> = VENDORS
        .iter()
        .flat_map(|v| files_containing(tmp.path(), &v.key()))
        .collect();
    let responses: usize = served.values().map(Vec::len).sum();
    let faulted: usize = served.values().map(|s| faults_in(s)).sum();
    println!(
        "faults soak: {faulted} faulted of {responses} responses across {} providers in {:.0} s; \
         records {} of {}: lost {}, duplicated {}, stray {}; wrong attempts {}, wrong outcomes {}; \
         panics {panics}; wrong keys sent {}; files holding a key {}",
        VENDORS.len(),
        wall.as_secs_f64(),
        records.len(),
        cases as usize * VENDORS.len(),
        tally.lost,
        tally.duplicated,
        tally.stray,
        tally.wrong_attempts,
        tally.wrong_outcomes,
        *ledger.wrong_keys.lock().unwrap(),
        leaks.len(),
    );
    assert!(
        run.success() && report.success(),
        "{run} / {report}: {stderr}"
    );
    assert!(
        faulted >= target,
        "{faulted} faulted responses, {target} asked for"
    );
    assert!(tally.clean(), "{:#?}", tally.examples);
    assert_eq!(panics, 0);
    assert_eq!(*ledger.wrong_keys.lock().unwrap(), 0);
    assert!(leaks.is_empty(), "a key in {leaks:?}");
}

/// Cases per provider whose schedules serve at least `target` faulted responses in all.
fn cases_for(target: usize) -> u64 {
    let (mut cases, mut faults) = (0, 0);
    while faults < target {
        faults += VENDORS
            .iter()
            .map(|v| faults_in(&schedule(*v, cases)))
            .sum::<usize>();
        cases += 1;
    }
    cases
}

/// Records against what the server sent. All zero when the runner did exactly as documented.
#[derive(Debug, Default)]
struct Tally {
    lost: usize,
    duplicated: usize,
    /// Records of no case the suite has.
    stray: usize,
    /// The server saw other requests than the retry policy calls for, or the record counts
    /// other attempts than the server saw.
    wrong_attempts: usize,
    /// The record's answer or error is not what the last response calls for.
    wrong_outcomes: usize,
    /// A few of the wrong ones, for the failure message.
    examples: Vec<String>,
}

impl Tally {
    fn of(
        records: &[Record],
        served: &HashMap<(&'static str, u64), Vec<Fault>>,
        cases: u64,
    ) -> Self {
        let mut tally = Tally::default();
        let mut by_call: HashMap<(&str, &str), Vec<&Record>> = HashMap::new();
        for r in records {
            by_call
                .entry((&r.provider, &r.case_id))
                .or_default()
                .push(r);
        }
        let mut expected = 0;
        for vendor in VENDORS {
            for n in 0..cases {
                expected += 1;
                let history = served.get(&(vendor.id(), n)).map_or(&[][..], Vec::as_slice);
                let case_id = format!("c{n}");
                match by_call
                    .get(&(vendor.id(), case_id.as_str()))
                    .map(Vec::as_slice)
                {
                    None | Some([]) => tally.wrong("lost", vendor, n, history, None),
                    Some([record]) => tally.check(vendor, n, history, record),
                    Some([record, ..]) => {
                        tally.wrong("duplicated", vendor, n, history, Some(record));
                    }
                }
            }
        }
        // Every (provider, case) found was looked up above, and the lost ones were not there.
        tally.stray = by_call.len() - (expected - tally.lost);
        tally
    }

    fn check(&mut self, vendor: Vendor, n: u64, history: &[Fault], record: &Record) {
        if history != schedule(vendor, n) || record.timing.attempts as usize != history.len() {
            self.wrong("wrong attempts", vendor, n, history, Some(record));
        }
        let right = match (history.last(), &record.error) {
            (Some(Fault::None), None) => record.output.as_deref() == Some(&format!("answer {n}")),
            (Some(last), Some(error)) => kinds(*last).contains(&error.kind),
            _ => false,
        };
        if !right {
            self.wrong("wrong outcome", vendor, n, history, Some(record));
        }
    }

    fn wrong(
        &mut self,
        what: &str,
        vendor: Vendor,
        n: u64,
        history: &[Fault],
        record: Option<&Record>,
    ) {
        match what {
            "lost" => self.lost += 1,
            "duplicated" => self.duplicated += 1,
            "wrong attempts" => self.wrong_attempts += 1,
            _ => self.wrong_outcomes += 1,
        }
        if self.examples.len() < 5 {
            let got = record.map(|r| (r.timing.attempts, r.output.clone(), r.error.clone()));
            self.examples.push(format!(
                "{what}: {} case {n}: served {history:?}, recorded {got:?}",
                vendor.id()
            ));
        }
    }

    fn clean(&self) -> bool {
        self.lost + self.duplicated + self.stray + self.wrong_attempts + self.wrong_outcomes == 0
    }
}
