//! Non-inferiority: each candidate's tests against the gate's margins, and per tag.

use serde::Serialize;

use super::{Ctx, Table};
use crate::report::non_inferiority::{self, HOW_TESTED};

#[derive(Serialize)]
pub(super) struct NonInferioritySection {
    table: Table,
    tags: Option<Table>,
    how: &'static str,
}

impl Ctx<'_> {
    /// None when the gate sets no margin.
    pub(super) fn non_inferiority(&self) -> Option<NonInferioritySection> {
        let rows = non_inferiority::rows(self.0);
        if rows.rows.is_empty() {
            return None;
        }
        let tags = non_inferiority::tag_rows(self.0);
        Some(NonInferioritySection {
            table: Table::from(rows),
            tags: (!tags.rows.is_empty()).then(|| Table::from(tags)),
            how: HOW_TESTED,
        })
    }
}
