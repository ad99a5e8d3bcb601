//! The short fuzz pass every `cargo test` runs (CI included): each target of
//! `modelswap::fuzzing` gets its seeds from `fixtures/fuzz/<target>/` and then seeded random
//! mutations of them, and must return for every input — no panic, no input running past
//! `TIME_LIMIT`, no input allocating more than `MEMORY_LIMIT` at once. `make fuzz` runs the same
//! targets coverage-guided under AFL++ for longer (docs/security.md, "Fuzzing").
//!
//! It is its own test binary because it counts allocations with its own global allocator, and
//! the targets run one at a time so that the count is theirs.
//!
//! `MODELSWAP_FUZZ_CASES` sets the mutated inputs per target (default 300); a failing input is
//! written to `target/fuzz-findings/` and named in the failure, and
//! `MODELSWAP_FUZZ_INPUT=FILE cargo test --test fuzz TARGET` runs that one input again.

use std::alloc::System;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use modelswap::fuzzing::TARGETS;
use peakmem_alloc::{PeakMemAlloc, PeakMemAllocTrait, INSTRUMENTED_SYSTEM};

/// Longer than any input takes in a debug build by a wide margin; a hang is a finding.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// Inputs are at most a few hundred KB: an input that needs more than this at once is allocating
/// by what it claims, not by what it holds.
const MEMORY_LIMIT: usize = 256 << 20;
const DEFAULT_CASES: usize = 300;

/// The system allocator, counting the most bytes live at once since the last reset.
#[global_allocator]
static ALLOCATOR: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One target at a time, so that the allocation count is one input's.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! targets {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { fuzz($name); })*

        #[test]
        fn every_target_has_a_test() {
            let tested = [$($name),*];
            for (name, _) in TARGETS {
                assert!(tested.contains(&name), "no test runs the fuzz target `{name}`");
            }
        }
    };
}

targets! {
    suite => "suite",
    jsonl => "jsonl",
    csv => "csv",
    parquet => "parquet",
    traffic => "traffic",
    batch_output => "batch-output",
    cassette => "cassette",
    records => "records",
    sse_openai => "sse-openai",
    sse_anthropic => "sse-anthropic",
    sse_gemini => "sse-gemini",
    manifests => "manifests",
}

/// Runs `name`'s seeds and their mutations on a worker thread, watching each input's time and
/// memory from this one.
fn fuzz(name: &str) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a target")
        .1;
    let inputs = match std::env::var_os("MODELSWAP_FUZZ_INPUT") {
        Some(file) => vec![std::fs::read(&file).expect("MODELSWAP_FUZZ_INPUT is readable")],
        None => {
            let seeds = seeds(name);
            assert!(!seeds.is_empty(), "fixtures/fuzz/{name}/ holds no seeds");
            let cases = std::env::var("MODELSWAP_FUZZ_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(DEFAULT_CASES);
            inputs(name, &seeds, cases)
        }
    };

    // The input now running, for the report of one that never returns.
    let current = Arc::new(Mutex::new(Vec::new()));
    let (done, finished) = mpsc::channel::<Option<(String, Vec<u8>)>>();
    let worker = {
        let current = Arc::clone(&current);
        let inputs = inputs.clone();
        std::thread::spawn(move || {
            for input in inputs {
                *current.lock().expect("not poisoned") = input.clone();
                ALLOCATOR.reset_peak_memory();
                let outcome = std::panic::catch_unwind(|| target(&input));
                let peak = ALLOCATOR.get_peak_memory();
                let finding = match outcome {
                    Err(panic) => Some(format!("panicked: {}", panic_message(&*panic))),
                    Ok(()) if peak > MEMORY_LIMIT => {
                        Some(format!("allocated {} MiB at once", peak >> 20))
                    }
                    Ok(()) => None,
                };
                if done.send(finding.map(|f| (f, input))).is_err() {
                    return;
                }
            }
        })
    };
    for index in 0..inputs.len() {
        let started = Instant::now();
        let (finding, input) = match finished.recv_timeout(TIME_LIMIT) {
            Ok(None) => continue,
            Ok(Some(finding)) => finding,
            Err(_) => (
                format!("ran past {:?}", started.elapsed()),
                current.lock().map(|c| c.clone()).unwrap_or_default(),
            ),
        };
        let file = keep(name, index, &input);
        panic!(
            "fuzz target `{name}`, input {index} ({}): {finding}",
            file.display()
        );
    }
    worker.join().expect("the worker reported every input");
}

/// The seeds first (the whole corpus runs every time), then `cases` mutations of them.
fn inputs(name: &str, seeds: &[Vec<u8>], cases: usize) -> Vec<Vec<u8>> {
    let mut rng = XorShift::seeded(name);
    let mut inputs = seeds.to_vec();
    for _ in 0..cases {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(6) {
            mutate(&mut input, seeds, &mut rng);
        }
        inputs.push(input);
    }
    inputs
}

/// Tokens that steer parsers into their rarer paths: YAML and JSON structure, templates,
/// numbers past every width, SSE framing, multi-byte and invalid UTF-8.
const TOKENS: &[&[u8]] = &[
    b"{{",
    b"}}",
    b"{%",
    b"%}",
    b"\n  - ",
    b": ",
    b"&a ",
    b"*a",
    b"!!binary ",
    b"<<: *a",
    b"\"",
    b"'",
    b"\\",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e400",
    b"-0.0",
    b"NaN",
    b"18446744073709551616",
    b"99999999999999999999999",
    b"[[[[[[[[",
    b"]]]]",
    b"{\"",
    b"\"}",
    b"\r\n",
    b"\n\n",
    b"data: ",
    b"event: error\n",
    b"data: [DONE]\n\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"\0",
    b"PAR1",
    b"${",
    b"<!DOCTYPE x [",
];

fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut XorShift) {
    let len = input.len();
    let at = rng.below(len + 1);
    match rng.below(8) {
        0 if len > 0 => input[at.min(len - 1)] ^= 1 << rng.below(8),
        1 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            input.splice(at..at, token.iter().copied());
        }
        2 if len > 0 => {
            let end = (at + 1 + rng.below(64)).min(len);
            input.drain(at.min(len - 1)..end);
        }
        3 => {
            let end = (at + 1 + rng.below(256)).min(len);
            let chunk = input[at.min(end)..end].to_vec();
            for _ in 0..=rng.below(32) {
                input.splice(at..at, chunk.iter().copied());
            }
        }
        4 => input.truncate(at),
        5 => {
            let other = &seeds[rng.below(seeds.len())];
            let from = rng.below(other.len() + 1);
            input.truncate(at);
            input.extend_from_slice(&other[from..]);
        }
        6 => {
            let byte = [0u8, 0xff, b'\n', b':', b'-', b' ', b'#', b',', b'\t'][rng.below(9)];
            input.splice(at..at, std::iter::repeat_n(byte, 1 + rng.below(4096)));
        }
        _ if len > 0 => input[at.min(len - 1)] = rng.below(256) as u8,
        _ => input.push(rng.below(256) as u8),
    }
}

fn seeds(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|file| std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
        .collect()
}

/// Writes a failing input where a developer can replay it.
fn keep(name: &str, index: usize, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings");
    let file = dir.join(format!("{name}-{index}.bin"));
    let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input));
    file
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Marsaglia's xorshift64: the mutations are the same on every machine and every run, so a
/// finding in CI replays anywhere.
struct XorShift(u64);

impl XorShift {
    fn seeded(name: &str) -> Self {
        let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Self(seed | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}
