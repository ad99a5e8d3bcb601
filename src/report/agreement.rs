//! Agreement with reference answers: the records whose output a reference-based scorer found
//! different from the answer it compared with (the logged production answer, the baseline's,
//! another provider's), kept for the reports to show side by side. The agreement figures
//! themselves — per scorer and per tag — are the summary's (`ScorerRate`, `TagSummary`).

use std::path::Path;

use serde::Serialize;

use super::rows::Rows;
use crate::analysis::Summary;
use crate::record;

/// Disagreements kept per provider, lowest score first; records.jsonl holds every one.
pub const DISAGREEMENTS_KEPT: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub provider: String,
    pub case_id: String,
    pub repeat: u32,
    pub scorer: String,
    /// `logged`, or the reference provider's id.
    pub against: String,
    pub score: f64,
    /// The scorer's reason: the missing, extra and differing calls, the paths that differ.
    pub reason: String,
    /// The reference answer and the output, each as text then tool calls `name(arguments)`.
    pub reference: String,
    pub output: String,
}

/// The worst disagreements of each provider, in the summary's provider order. Reads the
/// records only when some scorer compared with a reference.
pub fn collect(summary: &Summary, path: &Path) -> anyhow::Result<Vec<Disagreement>> {
    let referenced =
        (summary.providers.iter()).any(|p| p.scorers.iter().any(|s| s.against.is_some()));
    if !referenced {
        return Ok(Vec::new());
    }
    let mut kept: Vec<Vec<Disagreement>> = vec![Vec::new(); summary.providers.len()];
    record::for_each_record(path, |_, r| {
        let Some(at) = summary.providers.iter().position(|p| p.id == r.provider) else {
            return Ok(());
        };
        for s in &r.scores {
            let (Some(against), Some(reference)) = (&s.against, &s.reference) else {
                continue;
            };
            kept[at].push(Disagreement {
                provider: r.provider.clone(),
                case_id: r.case_id.clone(),
                repeat: r.repeat,
                scorer: s.scorer.clone(),
                against: against.clone(),
                score: s.score,
                reason: s.reason.clone(),
                reference: reference.clone(),
                output: super::shown(&r).unwrap_or_default(),
            });
        }
        // Bounded: the worst so far, the rest dropped as the file is read.
        if kept[at].len() >= 2 * DISAGREEMENTS_KEPT {
            worst_first(&mut kept[at]);
        }
        Ok(())
    })?;
    for k in &mut kept {
        worst_first(k);
    }
    Ok(kept.into_iter().flatten().collect())
}

/// Lowest score first (file order among equals), `DISAGREEMENTS_KEPT` at most.
fn worst_first(list: &mut Vec<Disagreement>) {
    list.sort_by(|a, b| a.score.total_cmp(&b.score));
    list.truncate(DISAGREEMENTS_KEPT);
}

/// How the agreement figures are computed, in words every format prints.
pub const HOW_MEASURED: &str = "agreement is a scorer's mean score over the records it could \
score against its reference: tool-call F1 over the calls matched by name and arguments, \
json-match the share of the reference's values reproduced at their paths, a pairwise judge's 1 \
(the candidate won in both orders), 0.5 (tie, or the orders disagreed) or 0 (lost in both), \
equals/contains 1 or 0. A record whose reference answer does not exist (the reference's call \
failed, or it was not run or logged) is counted apart: it neither passes nor fails, and is left \
out of the pass rates and comparisons. Logged answers were logged in production, not measured: \
they have no latency, and their cost is their logged usage at the table's price.";

/// Per provider, each scorer that compared with a reference.
pub fn scorer_rows(summary: &Summary) -> Rows {
    let mut rows = Vec::new();
    for p in &summary.providers {
        for s in &p.scorers {
            let Some(against) = &s.against else { continue };
            let graded = s.scored - s.unscored;
            let pairwise = s.scorer == "judge-pairwise";
            rows.push(vec![
                provider_name(&p.id, &p.kind),
                s.scorer.clone(),
                reference_name(against),
                crate::format::num(s.score_mean, 3),
                format!("{} of {graded}", s.passed),
                s.unscored.to_string(),
                if pairwise {
                    format!("{} / {} / {}", s.wins, s.ties, graded - s.wins - s.ties)
                } else {
                    "—".into()
                },
            ]);
        }
    }
    Rows {
        head: &[
            "provider",
            "scorer",
            "against",
            "#agreement",
            "#passed",
            "#without a reference answer",
            "win / tie / loss",
        ],
        rows,
    }
}

/// Per tag, for the providers scored against a reference: mean score and pass rate.
pub fn tag_rows(summary: &Summary, shown: usize) -> Rows {
    let mut rows = Vec::new();
    for p in &summary.providers {
        if !p.scorers.iter().any(|s| s.against.is_some()) {
            continue;
        }
        for t in p.per_tag.iter().take(shown) {
            rows.push(vec![
                provider_name(&p.id, &p.kind),
                t.tag.clone(),
                crate::format::num(t.score_mean, 3),
                format!("{} of {}", t.passed, t.records - t.unscored),
                t.unscored.to_string(),
            ]);
        }
    }
    Rows {
        head: &[
            "provider",
            "tag",
            "#mean score",
            "#passed",
            "#without a reference answer",
        ],
        rows,
    }
}

/// A provider as the reports name it: a logged one says its figures were not measured.
pub fn provider_name(id: &str, kind: &str) -> String {
    if kind == crate::suite::ProviderKind::Logged.as_str() {
        format!("{id} (logged, not measured)")
    } else {
        id.to_string()
    }
}

/// A reference as the reports name it.
pub fn reference_name(against: &str) -> String {
    if against == "logged" {
        "the logged answers (logged, not measured)".into()
    } else {
        against.to_string()
    }
}
