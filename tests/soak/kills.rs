//! Runs SIGKILLed at random moments (before the manifest, mid-call, mid-write, after the last
//! record), each followed by `--resume`, until the run completes: then every call must be
//! recorded exactly once, in whole lines.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use modelswap::record::Record;

use crate::vendor_server::{Reply, VendorServer};
use crate::vendors::Vendor;
use crate::{mix, setting, write_suite};

const CASES: u64 = 150;
const PROVIDERS: [Vendor; 2] = [Vendor::Engine, Vendor::Anthropic];
/// A kill lands this long after the start at most (uniformly).
const LONGEST_LIFE_MS: u64 = 700;
/// The longest an unkilled run may take before it counts as hung.
const HANG: Duration = Duration::from_secs(120);

#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    runs_completed: usize,
    /// Where the kills landed: before the manifest was written (nothing to resume: started
    /// again), before the first record, and after it.
    before_manifest: usize,
    before_records: usize,
    /// Resumes that found a last record cut off mid-write (and redid it).
    cut_off: usize,
    records: usize,
    lost: usize,
    duplicated: usize,
    /// Lines of a completed run's records that are not whole records.
    broken_lines: usize,
    /// Runs (not killed) that ended with an error, or hung.
    failed: usize,
    panics: usize,
}

#[test]
fn runs_killed_at_random_moments_resume_to_every_record_once() {
    let kills = setting("MODELSWAP_SOAK_KILLS", 5);
    let server = VendorServer::start();
    let requests = Arc::new(AtomicU64::new(0));
    server.respond(move |request| {
        let nth = requests.fetch_add(1, Ordering::Relaxed);
        let vendor = Vendor::of(request).expect("a soak provider");
        // One response in ten a server error, so that kills also land between retries.
        let reply = if mix(nth) % 10 == 0 {
            Reply::Status(
                500,
                Vec::new(),
                "{\"error\": {\"message\": \"busy\"}}".into(),
            )
        } else {
            let n = request.body.split("soak case ").nth(1).unwrap_or("");
            let n: String = n.chars().take_while(char::is_ascii_digit).collect();
            vendor.answer(&format!("answer {n}"))
        };
        Reply::Delayed(Duration::from_millis(2), Box::new(reply))
    });
    let tmp = tempfile::tempdir().unwrap();
    let suite = write_suite(tmp.path(), &server.base, CASES, &PROVIDERS, (5.0, 8), "");
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut episode = 0;
    let mut launched = 0u64;
    while tally.kills < kills || episode_open(tmp.path(), episode) {
        let dir = tmp.path().join(format!("run-{episode}"));
        let mut child = launch(tmp.path(), &suite, &dir, launched);
        launched += 1;
        let life = if tally.kills < kills {
            // One kill in five within the first 40 ms: before the manifest, or just after it.
            let longest = if mix(launched) % 5 == 0 {
                40
            } else {
                LONGEST_LIFE_MS
            };
            Some(Duration::from_millis(mix(launched + (1 << 32)) % longest))
        } else {
            None
        };
        match wait(&mut child, life) {
            Some(true) => {
                tally.runs_completed += 1;
                check(&dir, &mut tally);
                episode += 1;
            }
            Some(false) => {
                tally.failed += 1;
                break;
            }
            None if life.is_some() => {
                tally.kills += 1;
                if !dir.join("run.json").exists() {
                    tally.before_manifest += 1;
                } else if !dir.join("records.jsonl").exists() {
                    tally.before_records += 1;
                }
            }
            None => {
                tally.failed += 1;
                break;
            }
        }
    }
    let logs = std::fs::read_dir(tmp.path().join("logs")).unwrap();
    for log in logs {
        let text = std::fs::read_to_string(log.unwrap().path()).unwrap();
        tally.panics += text.matches("panicked").count();
        tally.cut_off += text.matches("cut off mid-write").count();
    }
    println!(
        "kills soak: {} SIGKILLs over {} runs in {:.0} s ({} before the manifest, {} before the \
         first record, {} resumes redid a record cut off mid-write); {} records: lost {}, \
         duplicated {}, broken lines {}; failed runs {}; panics {}",
        tally.kills,
        tally.runs_completed,
        started.elapsed().as_secs_f64(),
        tally.before_manifest,
        tally.before_records,
        tally.cut_off,
        tally.records,
        tally.lost,
        tally.duplicated,
        tally.broken_lines,
        tally.failed,
        tally.panics,
    );
    assert_eq!(
        (
            tally.lost,
            tally.duplicated,
            tally.broken_lines,
            tally.failed,
            tally.panics
        ),
        (0, 0, 0, 0, 0),
        "{tally:?}"
    );
}

/// Whether run `episode` was started and is not complete yet.
fn episode_open(dir: &Path, episode: usize) -> bool {
    dir.join(format!("run-{episode}/run.json")).exists()
}

/// `run --resume DIR`, or `run --out DIR` where no manifest was written yet; its stderr goes to
/// `logs/<n>`.
fn launch(root: &Path, suite: &Path, dir: &Path, n: u64) -> Child {
    std::fs::create_dir_all(root.join("logs")).unwrap();
    let log = std::fs::File::create(root.join(format!("logs/{n}"))).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_modelswap"));
    command.arg("run").arg(suite);
    if dir.join("run.json").exists() {
        command.arg("--resume").arg(dir);
    } else {
        command.arg("--out").arg(dir);
    }
    command
        .envs(PROVIDERS.iter().map(|v| (v.key_env(), v.key())))
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits for `child` to exit: `Some(success)`. With a `life` it is SIGKILLed then (`None`);
/// without one it is killed as hung after `HANG` (`None`).
fn wait(child: &mut Child, life: Option<Duration>) -> Option<bool> {
    let deadline = Instant::now() + life.unwrap_or(HANG);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.success());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// A completed run: its records, each call exactly once and every line whole.
fn check(dir: &Path, tally: &mut Tally) {
    let text = std::fs::read_to_string(dir.join("records.jsonl")).unwrap();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for line in text.lines() {
        match serde_json::from_str::<Record>(line) {
            Ok(r) => *seen.entry((r.provider, r.case_id)).or_default() += 1,
            Err(_) => tally.broken_lines += 1,
        }
    }
    for vendor in PROVIDERS {
        for n in 0..CASES {
            match seen.get(&(vendor.id().to_string(), format!("c{n}"))) {
                None => tally.lost += 1,
                Some(1) => tally.records += 1,
                Some(k) => {
                    tally.records += 1;
                    tally.duplicated += k - 1;
                }
            }
        }
    }
    let manifest = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(manifest.contains("\"completed\""), "{manifest}");
}
