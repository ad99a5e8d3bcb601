//! Agreement with the reference: per scorer and per tag, and the worst disagreements with the
//! reference answer and the output side by side.

use serde::Serialize;

use super::{output, Ctx, Table, FAILURES_SHOWN};
use crate::report::agreement::{self, HOW_MEASURED};
use crate::report::junit::xml_text;

/// Tags shown per provider; report.json has them all.
const TAGS_SHOWN: usize = 30;

#[derive(Serialize)]
pub(super) struct AgreementSection {
    scorers: Table,
    tags: Option<Table>,
    how: &'static str,
    groups: Vec<DisagreementGroup>,
}

#[derive(Serialize)]
pub(super) struct DisagreementGroup {
    provider: String,
    rows: Vec<DisagreementRow>,
    more: usize,
}

#[derive(Serialize)]
pub(super) struct DisagreementRow {
    case: String,
    scorer: String,
    score: String,
    against: String,
    reference: String,
    output: String,
    why: String,
}

impl Ctx<'_> {
    /// None when no scorer compared with a reference.
    pub(super) fn agreement(&self) -> Option<AgreementSection> {
        let r = self.0;
        let scorers = agreement::scorer_rows(&r.summary);
        if scorers.rows.is_empty() {
            return None;
        }
        let tags = agreement::tag_rows(&r.summary, TAGS_SHOWN);
        let groups = (r.summary.providers.iter())
            .filter_map(|p| {
                let all: Vec<_> = (r.disagreements.iter())
                    .filter(|d| d.provider == p.id)
                    .collect();
                let rows: Vec<DisagreementRow> = (all.iter().take(FAILURES_SHOWN))
                    .map(|d| DisagreementRow {
                        case: format!("{} #{}", d.case_id, d.repeat),
                        scorer: d.scorer.clone(),
                        score: format!("{:.2}", d.score),
                        against: d.against.clone(),
                        reference: output(Some(&d.reference)),
                        output: output(Some(&d.output)),
                        why: xml_text(&d.reason),
                    })
                    .collect();
                (!rows.is_empty()).then(|| DisagreementGroup {
                    provider: p.id.clone(),
                    more: all.len() - rows.len(),
                    rows,
                })
            })
            .collect();
        Some(AgreementSection {
            scorers: Table::from(scorers),
            tags: (tags.rows.len() > 1).then(|| Table::from(tags)),
            how: HOW_MEASURED,
            groups,
        })
    }
}
