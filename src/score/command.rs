//! `command`: the user's own check, a program that reads the record as JSON on stdin. Exit 0
//! passes; a number in [0, 1] on the last line of stdout is the score.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// How long a check may run when the suite says nothing.
pub const DEFAULT_TIMEOUT_S: f64 = 30.0;

/// A program and its arguments, found before the run.
pub struct Check {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Where it runs: the suite file's folder, so paths in `run` read like the suite's own.
    pub dir: PathBuf,
    pub timeout: Duration,
    /// A printed score must also reach this to pass.
    pub threshold: Option<f64>,
}

/// `program` as the suite names it: on PATH when it is a bare name, else relative to `dir` (the
/// suite file's folder). It must be an executable file.
pub fn find_program(program: &str, dir: &Path) -> Result<PathBuf, String> {
    let found = which::which_in(program, std::env::var_os("PATH"), dir).map_err(|_| {
        if program.contains('/') {
            format!(
                "program {} does not exist or is not executable (paths are relative to the suite file)",
                dir.join(program).display()
            )
        } else {
            format!("program `{program}` is not on PATH")
        }
    })?;
    // Absolute: the program starts in `dir`, where a relative path would mean something else.
    std::path::absolute(&found).map_err(|e| format!("{}: {e}", found.display()))
}

impl Check {
    /// Runs the program on `input`; (score, passed, reason). Killed when it runs past the timeout.
    pub async fn run(&self, input: Vec<u8>) -> (f64, bool, String) {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.dir)
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
                    format!("cannot start {}: {e}", self.program.display()),
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
        let output = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => return (0.0, false, format!("the check failed to run: {e}")),
            // Dropping the child kills it (kill_on_drop).
            Err(_) => {
                return (
                    0.0,
                    false,
                    format!(
                        "timed out after {} s and was killed",
                        self.timeout.as_secs_f64()
                    ),
                )
            }
        };
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
                let enough = self.threshold.is_none_or(|t| s >= t);
                if !enough {
                    reason.push_str(&format!(
                        " below the threshold {}",
                        self.threshold.unwrap_or_default()
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
}
