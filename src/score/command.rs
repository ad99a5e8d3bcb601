//! `command`: the user's own check, a program that reads the record as JSON on stdin. Exit 0
//! passes; a number in [0, 1] on the last line of stdout is the score.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use crate::suite::Program;

/// Runs `program` on `input`; (score, passed, reason). Killed when it runs past its timeout.
pub async fn run(program: &Program, input: Vec<u8>) -> (f64, bool, String) {
    let mut command = tokio::process::Command::new(&program.path);
    command
        .args(&program.args)
        .current_dir(&program.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            return (
                0.0,
                false,
                format!("cannot start {}: {e}", program.path.display()),
            )
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // Written aside: a program that prints before reading all its input must not
        // deadlock against a full pipe. One that never reads makes this fail; that is its
        // business.
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
    }
    let output = match tokio::time::timeout(program.timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return (0.0, false, format!("the check failed to run: {e}")),
        // Dropping the child kills it (kill_on_drop).
        Err(_) => {
            return (
                0.0,
                false,
                format!(
                    "timed out after {} s and was killed",
                    program.timeout.as_secs_f64()
                ),
            )
        }
    };
    verdict(&output, program.threshold)
}

/// What the finished program said: its exit status, a printed score, the end of its stderr.
fn verdict(output: &std::process::Output, threshold: Option<f64>) -> (f64, bool, String) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed = stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(|l| l.parse::<f64>().ok());
    let exit = match output.status.code() {
        Some(code) => format!("exit {code}"),
        None => "killed by a signal".to_string(),
    };
    let mut reason = exit;
    let (score, passed) = match printed {
        Some(s) if !(0.0..=1.0).contains(&s) => {
            reason.push_str(&format!(", printed {s}, which is not a score in [0, 1]"));
            (0.0, false)
        }
        Some(s) => {
            reason.push_str(&format!(", score {s}"));
            let enough = threshold.is_none_or(|t| s >= t);
            if !enough {
                reason.push_str(&format!(
                    " below the threshold {}",
                    threshold.unwrap_or_default()
                ));
            }
            (s, output.status.success() && enough)
        }
        None if output.status.success() => (1.0, true),
        None => (0.0, false),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    if !stderr.is_empty() {
        // The end of stderr is where a failing check says why.
        const KEEP: usize = 500;
        let count = stderr.chars().count();
        let tail: String = stderr.chars().skip(count.saturating_sub(KEEP)).collect();
        let cut = if count > KEEP { "…" } else { "" };
        reason.push_str(&format!("; stderr: {cut}{tail}"));
    }
    (score, passed, reason)
}
