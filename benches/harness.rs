//! Harness overhead: `modelswap run` against a loopback OpenAI-compatible server that answers at
//! once (or after a fixed delay), so every second measured is the harness's own: planning, HTTP,
//! SSE parsing, scoring and journaling.
//!
//! `cargo bench --bench harness -- [--cases N[,N…]] [--delay-ms D] [--concurrency C]`
//! Runs the release-optimised binary under `/usr/bin/time` for peak RSS and prints a Markdown
//! table row per N for docs/BENCHMARKS.md.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn main() {
    let (mut sizes, mut delay_ms, mut concurrency) = (vec![5000usize], 0u64, 64usize);
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        let value = args.next().expect("a value after the flag");
        match arg.as_str() {
            "--cases" => {
                sizes = value
                    .split(',')
                    .map(|v| v.parse().expect("a number"))
                    .collect();
            }
            "--delay-ms" => delay_ms = value.parse().expect("a number"),
            "--concurrency" => concurrency = value.parse().expect("a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    let bin = common::modelswap();
    let base = serve(Duration::from_millis(delay_ms));

    println!(
        "| cases | server delay | concurrency | wall s | cases/s | mean call ms | peak RSS MB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let dir = tempfile::tempdir().expect("a temp dir");
        let suite = write_suite(dir.path(), &base, n, concurrency);
        let out = dir.path().join("run");
        let started = Instant::now();
        let result = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(&bin)
            .arg("run")
            .arg(&suite)
            .arg("--out")
            .arg(&out)
            .env_remove("RUST_LOG")
            .output()
            .expect("/usr/bin/time runs");
        let wall = started.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(result.status.success(), "{stderr}");
        let rss_kb: f64 = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .expect("time's %M on the last line");
        let records = std::fs::read_to_string(out.join("records.jsonl")).expect("records");
        let passed = records
            .lines()
            .filter(|l| l.contains("\"passed\":true"))
            .count();
        assert_eq!(records.lines().count(), n, "one record per case");
        assert_eq!(passed, n, "every case answered and scored");
        // The latency the runner measured: the server's delay plus the loopback round trip.
        let call_ms: f64 = records
            .lines()
            .map(|l| {
                let r: serde_json::Value = serde_json::from_str(l).expect("a JSON record");
                r["timing"]["total_ms"].as_f64().expect("total_ms")
            })
            .sum::<f64>()
            / n as f64;
        println!(
            "| {n} | {delay_ms} ms | {concurrency} | {wall:.2} | {:.0} | {call_ms:.2} | {:.1} |",
            n as f64 / wall,
            rss_kb / 1024.0
        );
    }
}

fn write_suite(dir: &Path, base: &str, n: usize, concurrency: usize) -> PathBuf {
    let rows: String = (0..n)
        .map(|i| {
            format!("{{\"id\": \"t{i}\", \"ticket\": \"Ticket {i}: I was charged twice this month.\", \"expect.queue\": \"billing\"}}\n")
        })
        .collect();
    std::fs::write(dir.join("tickets.jsonl"), rows).expect("dataset");
    let suite = format!(
        "version: 1\nname: harness-bench\nproviders:\n  engine:\n    kind: openai-compatible\n    model: bench\n    base_url: {base}/v1\n    concurrency: {concurrency}\n\
         defaults:\n  max_tokens: 8\nprompt:\n  system: You are a support triage assistant. Answer with the queue name only.\n  user: \"Ticket: {{{{ ticket }}}}\"\n\
         cases:\n  - file: tickets.jsonl\nscorers:\n  - type: equals\n    value: \"{{{{ expect.queue }}}}\"\n    normalize: [trim, lowercase]\n  - type: regex\n    value: \"^(billing|technical)$\"\n"
    );
    let path = dir.join("suite.yaml");
    std::fs::write(&path, suite).expect("suite");
    path
}

/// A keep-alive HTTP/1.1 server on its own thread (one core's worth of runtime) that streams a
/// chat completion in the OpenAI format, chunked, `delay` after each request arrived.
fn serve(delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let clock = Clock::start();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("a listener");
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(connection(socket, delay, clock.clone()));
            }
        });
    });
    base
}

const EVENTS: [&str; 4] = [
    r#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"bill"}}]}"#,
    r#"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ing"},"finish_reason":"stop"}]}"#,
    r#"{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":31,"completion_tokens":2}}"#,
    "[DONE]",
];

/// Wakes answers at their instant, on a thread of its own: tokio's timers tick in whole
/// milliseconds, which would add up to 2% to a 50 ms delay, and that slack is the server's, not
/// the harness's.
#[derive(Clone)]
struct Clock(mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>);

impl Clock {
    fn start() -> Clock {
        let (tx, rx) = mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            let mut due: BTreeMap<(Instant, u64), tokio::sync::oneshot::Sender<()>> =
                BTreeMap::new();
            let mut n = 0u64;
            loop {
                let next = due.keys().next().map(|&(at, _)| at);
                let received = match next {
                    None => rx.recv().map_err(|_| ()),
                    Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now()))
                    {
                        Ok(m) => Ok(m),
                        Err(mpsc::RecvTimeoutError::Timeout) => Err(()),
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    },
                };
                match received {
                    Ok((at, wake)) => {
                        due.insert((at, n), wake);
                        n += 1;
                    }
                    Err(()) if next.is_none() => return,
                    Err(()) => {}
                }
                let now = Instant::now();
                while let Some(entry) = due.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    let _ = entry.remove().send(());
                }
            }
        });
        Clock(tx)
    }

    async fn sleep_until(&self, at: Instant) {
        let (wake, woken) = tokio::sync::oneshot::channel();
        if self.0.send((at, wake)).is_ok() {
            let _ = woken.await;
        }
    }
}

async fn connection(mut socket: TcpStream, delay: Duration, clock: Clock) {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        // One request: headers, then content-length bytes of body.
        let (head_end, length) = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (i + 4, length);
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        while buf.len() < head_end + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        if !delay.is_zero() {
            clock.sleep_until(Instant::now() + delay).await;
        }
        let mut out = String::from(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
        );
        for event in EVENTS {
            let data = format!("data: {event}\n\n");
            out.push_str(&format!("{:x}\r\n{data}\r\n", data.len()));
        }
        out.push_str("0\r\n\r\n");
        if socket.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}
