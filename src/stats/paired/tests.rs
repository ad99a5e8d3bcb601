//! Every figure pinned against `scripts/reference_stats.py` (scipy 1.17.1, statsmodels 0.15.0),
//! which computes them another way, or against a published worked example.

use super::*;

fn pairs(b: f64, c: f64, n: f64) -> Pairs {
    Pairs { b, c, n }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn tango_reproduces_the_published_example() {
    // Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables" (2017), the
    // Cavo et al. (2012) paired table [[59, 6], [16, 80]]: Tango's 95% interval −0.1240 to
    // −0.0054 (R contingencytables' tests); the reference script gives the digits.
    let p = pairs(6.0, 16.0, 161.0);
    let (low, high) = (tango_bound(p, 0.975, false), tango_bound(p, 0.975, true));
    assert!(close(low, -0.12402343245839595, 1e-9), "{low}");
    assert!(close(high, -0.005433395143344771, 1e-9), "{high}");
}

#[test]
fn one_sided_bounds_and_non_inferiority_p_values_match_the_reference() {
    // (b, c, n, margin, lower 95%, upper 95%, p of non-inferiority at the margin)
    let cases = [
        // No discordant pair at all: the bound is not degenerate.
        (
            0.0,
            0.0,
            20.0,
            0.05,
            -0.11915784358941815,
            0.119157837360974,
            0.15245089408942125,
        ),
        // The estimate on the margin: p = ½.
        (
            3.0,
            1.0,
            40.0,
            0.05,
            -0.04202373410498933,
            0.15353185465215896,
            0.5,
        ),
        (
            10.0,
            2.0,
            50.0,
            0.1,
            0.051573743232384145,
            0.27635114092513496,
            0.8242568443382668,
        ),
        (
            0.0,
            5.0,
            30.0,
            0.05,
            -0.3049205041608484,
            -0.07015497351887501,
            0.00445169275357152,
        ),
        // One case: nothing can be shown.
        (
            1.0,
            0.0,
            1.0,
            0.05,
            -0.4602680812693225,
            1.0,
            0.8292459665966945,
        ),
        (
            4.0,
            4.0,
            200.0,
            0.03,
            -0.026550089582046965,
            0.02655008974735385,
            0.034776887885563615,
        ),
    ];
    for (b, c, n, margin, low, high, p_ni) in cases {
        let p = pairs(b, c, n);
        let (l, u) = (tango_bound(p, 0.95, false), tango_bound(p, 0.95, true));
        assert!(close(l, low, 1e-7), "{b} {c} {n}: lower {l} vs {low}");
        assert!(close(u, high, 1e-7), "{b} {c} {n}: upper {u} vs {high}");
        let pv = non_inferiority_p(p, margin);
        assert!(close(pv, p_ni, 1e-7), "{b} {c} {n}: p {pv} vs {p_ni}");
        // The bound and the test agree: non-inferior exactly when the upper bound is below the margin.
        assert_eq!(u < margin, pv < 0.05, "{b} {c} {n}");
    }
}

#[test]
fn nam_sample_sizes_match_the_reference_and_its_simulated_power() {
    // The script also simulated the Tango test at the rounded-up n: power 1.0, 0.816, 0.807, 0.828.
    let cases = [
        (0.0, 0.0, 0.05, 51.40532562782434),
        (0.05, 0.05, 0.05, 273.8196393729424),
        (0.10, 0.05, 0.10, 393.1285454619031),
        (0.02, 0.04, 0.03, 175.32053177927853),
    ];
    for (p10, p01, margin, n) in cases {
        let got = nam_pairs(p10, p01, margin, 0.05, 0.8).unwrap();
        // The script finds the restricted estimate numerically: agreement to 1e-4 of a pair.
        assert!(close(got, n, 1e-4), "{p10} {p01} {margin}: {got} vs {n}");
        assert_eq!(got.ceil(), n.ceil());
    }
    // At or beyond the margin no sample is enough.
    assert_eq!(nam_pairs(0.08, 0.02, 0.05, 0.05, 0.8), None);
}

#[test]
fn holm_matches_statsmodels() {
    let got = holm(&[0.01, 0.04, 0.03, 0.20]);
    let want = [0.04, 0.09, 0.09, 0.2];
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, w, 1e-12), "{got:?}");
    }
    assert_eq!(holm(&[0.3]), vec![0.3]);
    assert_eq!(holm(&[0.6, 0.6]), vec![1.0, 1.0]);
}

/// Eight cases of three repeats: (pairs, only baseline, only candidate).
fn clustered() -> Vec<CasePairs> {
    [
        (3.0, 3.0, 0.0),
        (3.0, 0.0, 0.0),
        (3.0, 0.0, 0.0),
        (3.0, 1.0, 0.0),
        (3.0, 0.0, 1.0),
        (3.0, 0.0, 0.0),
        (3.0, 2.0, 0.0),
        (3.0, 0.0, 0.0),
    ]
    .into_iter()
    .map(|(pairs, b, c)| CasePairs { pairs, b, c })
    .collect()
}

#[test]
fn repeats_of_a_case_count_once_through_the_design_effect() {
    let cases = clustered();
    let deff = design_effect(&cases);
    assert!(close(deff, 2.2777222777222774, 1e-12), "{deff}");
    let upper = tango_bound(total(&cases).deflated(deff), 0.95, true);
    assert!(close(upper, 0.47846133212045727, 1e-7), "{upper}");
    // Repeats that agree within their case: no deflation below one; one pair a case: none.
    let single: Vec<CasePairs> = (0..10)
        .map(|i| CasePairs {
            pairs: 1.0,
            b: f64::from(u8::from(i < 2)),
            c: 0.0,
        })
        .collect();
    assert_eq!(design_effect(&single), 1.0);
    let none = vec![
        CasePairs {
            pairs: 3.0,
            b: 0.0,
            c: 0.0
        };
        5
    ];
    assert_eq!(design_effect(&none), 1.0);
}

#[test]
fn the_clustered_mcnemar_test_matches_the_reference_and_reduces_to_mcnemar() {
    let p = clustered_mcnemar(&clustered());
    assert!(close(p, 0.1967056024589432, 1e-12), "{p}");
    // One pair per case: McNemar's asymptotic test, (b − c)² / (b + c) = (8 − 2)² / 10 = 3.6.
    let single: Vec<CasePairs> = (0..40)
        .map(|i| CasePairs {
            pairs: 1.0,
            b: f64::from(u8::from(i < 8)),
            c: f64::from(u8::from((8..10).contains(&i))),
        })
        .collect();
    let want = 1.0 - ChiSquared::new(1.0).unwrap().cdf(3.6);
    assert!(close(clustered_mcnemar(&single), want, 1e-12));
    assert_eq!(
        clustered_mcnemar(&[CasePairs {
            pairs: 2.0,
            b: 0.0,
            c: 0.0
        }]),
        1.0
    );
}
