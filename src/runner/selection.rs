//! What a run covers: the providers (`--providers`), the cases (`--limit`, then `--shard`, less
//! the replayed requests it cannot send yet), and the order its calls are handed out in.

use std::sync::Arc;

use super::{RunOptions, Shard};
use crate::error::{Error, Result};
use crate::suite::{Case, Cases, SuiteError, SuiteSpec};

/// The suite's providers the run calls, in the suite's order; `--providers` names a subset.
pub(super) fn providers<'a>(
    spec: &'a SuiteSpec,
    wanted: Option<&[String]>,
) -> Result<Vec<&'a String>> {
    let Some(names) = wanted else {
        return Ok(spec.providers.keys().collect());
    };
    if let Some(name) = names.iter().find(|n| !spec.providers.contains_key(*n)) {
        let known: Vec<&str> = spec.providers.keys().map(String::as_str).collect();
        return Err(Error::Input(format!(
            "--providers: the suite has no provider `{name}` (it has: {})",
            known.join(", ")
        )));
    }
    Ok(spec
        .providers
        .keys()
        .filter(|k| names.contains(k))
        .collect())
}

/// The cases this run makes calls for.
#[derive(Clone)]
pub(super) struct Selection {
    cases: Cases,
    /// Only positions below this.
    limit: usize,
    shard: Option<Shard>,
    /// How many cases it takes.
    pub len: usize,
}

impl Selection {
    pub fn new(cases: &Cases, options: &RunOptions) -> Result<Self> {
        if let Some(shard) = options.shard {
            if shard.index == 0 || shard.index > shard.count {
                return Err(Error::Input(format!(
                    "--shard {}/{}: the shard number must be between 1 and {}",
                    shard.index, shard.count, shard.count
                )));
            }
        }
        let mut selection = Selection {
            cases: cases.clone(),
            limit: options.limit.unwrap_or(usize::MAX).min(cases.len()),
            shard: options.shard,
            len: 0,
        };
        // Logged requests with image or audio inputs cannot be sent yet; sending their text alone
        // would compare answers to a question the workload never asked.
        let with_media = (cases.with_media().iter())
            .filter(|&&i| i < selection.limit && selection.in_shard(i))
            .count();
        if with_media > 0 {
            tracing::warn!(
                "{with_media} replayed request(s) carry image, audio or file inputs, which modelswap cannot send yet: left out of the run (the lock-in audit counts them)"
            );
        }
        selection.len = (0..selection.limit)
            .filter(|&i| selection.in_shard(i))
            .count()
            - with_media;
        Ok(selection)
    }

    fn in_shard(&self, position: usize) -> bool {
        self.shard.is_none_or(|s| position % s.count == s.index - 1)
    }

    /// The cases it takes, read one at a time.
    pub fn iter(&self) -> impl Iterator<Item = Result<Case, SuiteError>> + Send + 'static {
        let this = self.clone();
        self.cases
            .iter()
            .take(self.limit)
            .enumerate()
            .filter(move |(i, _)| {
                this.in_shard(*i) && this.cases.with_media().binary_search(i).is_err()
            })
            .map(|(_, case)| case)
    }

    /// One provider's calls in the order its workers take them.
    pub fn calls(&self, repeats: u32) -> Calls {
        Calls {
            cases: Box::new(self.iter()),
            current: None,
            repeats,
        }
    }
}

/// One provider's calls, handed to its workers one at a time: each case as it is read, then its
/// repeats. An error (a file of the suite changed during the run) ends them.
pub(super) struct Calls {
    cases: Box<dyn Iterator<Item = Result<Case, SuiteError>> + Send>,
    /// The case being handed out and its next repeat.
    current: Option<(Arc<Case>, u32)>,
    repeats: u32,
}

impl Calls {
    pub fn next(&mut self) -> Option<Result<(Arc<Case>, u32), SuiteError>> {
        loop {
            if let Some((case, repeat)) = &mut self.current {
                if *repeat < self.repeats {
                    *repeat += 1;
                    return Some(Ok((case.clone(), *repeat - 1)));
                }
            }
            match self.cases.next()? {
                Ok(case) => self.current = Some((Arc::new(case), 0)),
                Err(e) => {
                    self.cases = Box::new(std::iter::empty());
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A suite of `n` inline cases `c0`, `c1`, … with two providers.
    fn suite(n: usize) -> (tempfile::TempDir, crate::suite::Suite) {
        let dir = tempfile::tempdir().unwrap();
        let cases: String = (0..n)
            .map(|i| format!("  - {{id: c{i}, vars: {{q: x}}}}\n"))
            .collect();
        let text = format!(
            "version: 1\nname: t\nproviders:\n  a: {{kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}}\n  \
             b: {{kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', model: m}}\n\
             prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}"
        );
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, text).unwrap();
        let suite = crate::suite::load(&path).unwrap();
        (dir, suite)
    }

    fn ids(selection: &Selection) -> Vec<String> {
        selection.iter().map(|c| c.unwrap().id).collect()
    }

    #[test]
    fn limit_then_shard_pick_every_nth_case_of_the_first_n() {
        let (_dir, suite) = suite(10);
        let options = RunOptions {
            limit: Some(7),
            shard: Some(Shard { index: 2, count: 3 }),
            ..RunOptions::default()
        };
        let s = Selection::new(&suite.cases, &options).unwrap();
        assert_eq!(ids(&s), ["c1", "c4"]);
        assert_eq!(s.len, 2);
        let all = Selection::new(&suite.cases, &RunOptions::default()).unwrap();
        assert_eq!(all.len, 10);
        let bad = RunOptions {
            shard: Some(Shard { index: 4, count: 3 }),
            ..RunOptions::default()
        };
        assert!(Selection::new(&suite.cases, &bad).is_err());
    }

    #[test]
    fn calls_hand_out_each_case_then_its_repeats() {
        let (_dir, suite) = suite(2);
        let s = Selection::new(&suite.cases, &RunOptions::default()).unwrap();
        let mut calls = s.calls(3);
        let mut order = Vec::new();
        while let Some(call) = calls.next() {
            let (case, repeat) = call.unwrap();
            order.push(format!("{}#{repeat}", case.id));
        }
        assert_eq!(order, ["c0#0", "c0#1", "c0#2", "c1#0", "c1#1", "c1#2"]);
    }

    #[test]
    fn providers_keep_the_suites_order_and_refuse_an_unknown_one() {
        let (_dir, suite) = suite(1);
        let wanted = ["b".to_string(), "a".to_string()];
        let picked = providers(&suite.spec, Some(&wanted)).unwrap();
        assert_eq!(picked, ["a", "b"]);
        let err = providers(&suite.spec, Some(&["c".to_string()])).unwrap_err();
        assert!(
            err.to_string().contains("no provider `c` (it has: a, b)"),
            "{err}"
        );
    }
}
