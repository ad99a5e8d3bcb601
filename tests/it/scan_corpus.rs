//! `modelswap scan` against labelled corpora: excerpts of real public codebases
//! (fixtures/lockin-corpus/README.md, and a held-out set, fixtures/lockin-heldout/README.md) whose
//! vendor uses were listed by hand, without the tool, in `expected.tsv`. Precision and recall per language are computed on (file, line, vendor,
//! feature) and held to floors; the figures are printed and recorded in docs/BENCHMARKS.md.

use std::collections::{BTreeMap, BTreeSet};

use modelswap::lockin::{self, ScanOptions};

use crate::common::repo;

/// Floors under every language of the first corpus: issue 19 asks 95% precision and 90% recall
/// per language (docs/BENCHMARKS.md, "Precision and recall on a labelled corpus").
const FLOORS: Floors = Floors {
    precision: 0.95,
    recall: 0.90,
};
/// The held-out corpus's floors keep what its revision reached (precision 90–100%, recall
/// 77–98%; docs/BENCHMARKS.md, "… on a held-out corpus"): the gap to issue 19's bar is its
/// labellers' conventions the rules do not follow, listed there.
const HELD_OUT_FLOORS: Floors = Floors {
    precision: 0.90,
    recall: 0.77,
};

struct Floors {
    precision: f64,
    recall: f64,
}

/// (file, line, vendor, feature); the line of a notebook finding is `cellN:L`.
type Key = (String, String, String, String);

/// The language a file counts under, from its extension.
fn language(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap_or_default() {
        "py" => "Python",
        "ipynb" => "notebooks",
        "ts" | "tsx" | "js" | "jsx" | "mjs" => "TypeScript/JS",
        "go" => "Go",
        "java" => "Java",
        "kt" => "Kotlin",
        "cs" => "C#",
        "rb" => "Ruby",
        "rs" => "Rust",
        _ => "other",
    }
}

fn expected(corpus: &str) -> BTreeSet<Key> {
    let path = repo().join(corpus).join("expected.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    (text.lines().enumerate().skip(1))
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{}:{}: want 4 fields", path.display(), i + 1);
            (f[0].into(), f[1].into(), f[2].into(), f[3].into())
        })
        .collect()
}

fn found(corpus: &str) -> BTreeSet<Key> {
    let root = repo().join(corpus);
    let scan = lockin::scan(&root, &ScanOptions::default()).unwrap();
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    (scan.findings.iter())
        .map(|f| {
            let line = match f.cell {
                Some(cell) => format!("cell{cell}:{}", f.line),
                None => f.line.to_string(),
            };
            (
                f.file.clone(),
                line,
                f.vendor.id().into(),
                f.feature.id().into(),
            )
        })
        .collect()
}

/// Per language: (true positives, found, expected).
fn tally(found: &BTreeSet<Key>, expected: &BTreeSet<Key>) -> BTreeMap<&'static str, [usize; 3]> {
    let mut by: BTreeMap<&'static str, [usize; 3]> = BTreeMap::new();
    for k in found {
        let t = by.entry(language(&k.0)).or_default();
        t[1] += 1;
        t[0] += usize::from(expected.contains(k));
    }
    for k in expected {
        by.entry(language(&k.0)).or_default()[2] += 1;
    }
    by
}

/// The corpus's figures printed (with its false positives and misses), then held to `floors`.
fn measure(corpus: &str, floors: Floors) {
    let (found, expected) = (found(corpus), expected(corpus));
    let tally = tally(&found, &expected);
    let mut report =
        format!("{corpus}\nlanguage\tprecision\trecall\t(true positives / found / expected)\n");
    for (lang, [tp, n_found, n_expected]) in &tally {
        report.push_str(&format!(
            "{lang}\t{:.1}%\t{:.1}%\t({tp} / {n_found} / {n_expected})\n",
            100.0 * *tp as f64 / (*n_found).max(1) as f64,
            100.0 * *tp as f64 / (*n_expected).max(1) as f64,
        ));
    }
    let wrong: Vec<_> = found.difference(&expected).collect();
    let missed: Vec<_> = expected.difference(&found).collect();
    eprintln!("{report}false positives: {wrong:#?}\nmissed: {missed:#?}");
    for (lang, [tp, n_found, n_expected]) in &tally {
        let precision = *tp as f64 / (*n_found).max(1) as f64;
        let recall = *tp as f64 / (*n_expected).max(1) as f64;
        assert!(
            precision >= floors.precision,
            "{lang}: precision {precision:.3}\n{report}"
        );
        assert!(
            recall >= floors.recall,
            "{lang}: recall {recall:.3}\n{report}"
        );
    }
}

#[test]
fn precision_and_recall_on_the_labelled_corpus() {
    measure("fixtures/lockin-corpus", FLOORS);
}

#[test]
fn precision_and_recall_on_the_held_out_corpus() {
    measure("fixtures/lockin-heldout", HELD_OUT_FLOORS);
}
