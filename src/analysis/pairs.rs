//! The (case, repeat) pairs of a candidate and the baseline, grouped by case: what every paired
//! figure — the comparison, the non-inferiority tests — is computed from. Records without a
//! reference answer are left out (`RecordFrame::scored`).

use polars::prelude::*;

use super::RecordFrame;
use crate::stats::paired::CasePairs;

/// One case's pairs: how many, how many each side passed, and the summed score differences.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub case_id: String,
    pub pairs: usize,
    pub base_passed: usize,
    pub cand_passed: usize,
    /// Pairs only the baseline passed, and only the candidate.
    pub only_base: usize,
    pub only_cand: usize,
    /// Σ (candidate − baseline score) over the case's pairs.
    pub score_diff: f64,
}

impl CaseRow {
    pub fn counts(&self) -> CasePairs {
        CasePairs {
            pairs: self.pairs as f64,
            b: self.only_base as f64,
            c: self.only_cand as f64,
        }
    }
}

/// `candidate`'s pairs with `baseline`, by case in case id order; with `tag`, only the cases
/// carrying it.
pub fn by_case(
    records: &RecordFrame,
    baseline: &str,
    candidate: &str,
    tag: Option<&str>,
) -> PolarsResult<Vec<CaseRow>> {
    let side = |provider: &str, prefix: &str| {
        let mut lf = records
            .scored()
            .filter(col("provider").eq(lit(provider.to_string())));
        if let Some(tag) = tag {
            let options = ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            };
            lf = lf
                .explode(cols(["tags"]), options)
                .filter(col("tags").eq(lit(tag.to_string())));
        }
        lf.select([
            col("case_id"),
            col("repeat"),
            col("passed").alias(format!("{prefix}_passed")),
            col("score").alias(format!("{prefix}_score")),
        ])
    };
    let keys = [col("case_id"), col("repeat")];
    let agg = side(baseline, "base")
        .join(
            side(candidate, "cand"),
            keys.clone(),
            keys,
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("case_id")])
        .agg([
            len().alias("pairs"),
            col("base_passed").sum().alias("base_passed"),
            col("cand_passed").sum().alias("cand_passed"),
            (col("base_passed").and(col("cand_passed").not()))
                .sum()
                .alias("only_base"),
            (col("cand_passed").and(col("base_passed").not()))
                .sum()
                .alias("only_cand"),
            (col("cand_score") - col("base_score")).sum().alias("diff"),
        ])
        .sort(["case_id"], SortMultipleOptions::default())
        .collect()?;
    let count = |name: &str| -> PolarsResult<Vec<usize>> {
        let c = agg.column(name)?.cast(&DataType::UInt64)?;
        Ok(c.u64()?.iter().map(|v| v.unwrap_or(0) as usize).collect())
    };
    let ids = agg.column("case_id")?.str()?.clone();
    let diff = agg.column("diff")?.cast(&DataType::Float64)?;
    let diff = diff.f64()?;
    let (pairs, bp, cp, ob, oc) = (
        count("pairs")?,
        count("base_passed")?,
        count("cand_passed")?,
        count("only_base")?,
        count("only_cand")?,
    );
    Ok((0..agg.height())
        .map(|i| CaseRow {
            case_id: ids.get(i).unwrap_or_default().to_string(),
            pairs: pairs[i],
            base_passed: bp[i],
            cand_passed: cp[i],
            only_base: ob[i],
            only_cand: oc[i],
            score_diff: diff.get(i).unwrap_or(0.0),
        })
        .collect())
}
