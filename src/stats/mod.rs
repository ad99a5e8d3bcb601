//! Pure statistics behind the report, the gate and the load sweep: Wilson, bootstrap and normal
//! intervals, the exact McNemar test, and percentiles. No I/O, no polars; every function is deterministic.

pub mod paired;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// Φ⁻¹(0.975): the normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Seed of every bootstrap, so the same records always give the same interval (with the same
/// modelswap build: rand's `StdRng` is ChaCha12, whose stream may change across rand versions).
pub const BOOTSTRAP_SEED: u64 = 20_261_121;

/// Resamples per bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// Cases up to which a mean's interval is bootstrapped. Above, `BOOTSTRAP_RESAMPLES` × cases
/// draws would take seconds to minutes, and the normal interval the bootstrap converges to is
/// used instead: at this many cases the two agree to about a thousandth (see the tests).
pub const BOOTSTRAP_MAX_CASES: usize = 10_000;

/// A two-sided interval, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl From<Interval> for (f64, f64) {
    fn from(i: Interval) -> Self {
        (i.low, i.high)
    }
}

/// How the interval of a mean over cases is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeanInterval {
    /// Percentile bootstrap: `BOOTSTRAP_RESAMPLES` resamples of the cases, seed `BOOTSTRAP_SEED`.
    PercentileBootstrap,
    /// Normal approximation with the cases' (cluster-robust) standard error, above
    /// `BOOTSTRAP_MAX_CASES` cases.
    Normal,
}

impl MeanInterval {
    /// In a sentence: "paired bootstrap interval".
    pub fn label(self) -> &'static str {
        match self {
            Self::PercentileBootstrap => "bootstrap",
            Self::Normal => "normal-approximation",
        }
    }

    pub fn for_cases(cases: usize) -> Self {
        if cases > BOOTSTRAP_MAX_CASES {
            Self::Normal
        } else {
            Self::PercentileBootstrap
        }
    }
}

/// Wilson score 95% interval of a binomial proportion; `None` without trials. Unlike the normal
/// approximation it stays inside [0, 1] and is not degenerate at 0 or n successes.
pub fn wilson(successes: usize, trials: usize) -> Option<Interval> {
    wilson_real(successes as f64, trials as f64)
}

/// `wilson` on real counts (a design effect divides them).
fn wilson_real(successes: f64, n: f64) -> Option<Interval> {
    if n <= 0.0 {
        return None;
    }
    let p = successes / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

/// The Wilson interval of a pass rate over cases given as (passed, runs): with repeats, the
/// trials count as N / deff, deff the design effect of a case's repeats (the cluster-robust
/// variance of the rate, with the k / (k − 1) factor, over the binomial one; at least 1), so a
/// case's repeats never count as independent evidence (Rao–Scott). One run a case: `wilson`.
pub fn wilson_clustered(cases: &[(usize, usize)]) -> Option<Interval> {
    let (passed, runs) = cases
        .iter()
        .fold((0, 0), |(k, n), &(ki, ni)| (k + ki, n + ni));
    if cases.iter().all(|c| c.1 <= 1) || cases.len() < 2 {
        return wilson(passed, runs);
    }
    let (k, n) = (passed as f64, runs as f64);
    let p = k / n;
    let naive = p * (1.0 - p) / n;
    let m = cases.len() as f64;
    let clustered = m / (m - 1.0)
        * cases
            .iter()
            .map(|&(ki, ni)| (ki as f64 - p * ni as f64).powi(2))
            .sum::<f64>()
        / (n * n);
    let deff = if naive > 0.0 {
        (clustered / naive).max(1.0)
    } else {
        1.0
    };
    wilson_real(k / deff, n / deff)
}

/// Interval at `confidence` of the mean Σ sum / Σ count over `cases`, each case given as (the sum
/// of its values, how many there are: its repeats, or its pairs), resampled whole so a case's
/// repeats never count as independent evidence. `MeanInterval::for_cases` says how; `None`
/// without values.
pub fn mean_ci(cases: &[(f64, usize)], confidence: f64) -> Option<Interval> {
    let cases: Vec<(f64, usize)> = cases.iter().filter(|c| c.1 > 0).copied().collect();
    if cases.is_empty() {
        return None;
    }
    Some(match MeanInterval::for_cases(cases.len()) {
        MeanInterval::PercentileBootstrap => bootstrap(&cases, confidence),
        MeanInterval::Normal => normal(&cases, confidence),
    })
}

/// Percentile bootstrap: the resampled statistic is Σ sum / Σ count over the drawn cases.
fn bootstrap(cases: &[(f64, usize)], confidence: f64) -> Interval {
    let mut rng = StdRng::seed_from_u64(BOOTSTRAP_SEED);
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let (mut sum, mut count) = (0.0, 0);
            for _ in 0..cases.len() {
                let (s, n) = cases[rng.random_range(0..cases.len())];
                sum += s;
                count += n;
            }
            sum / count as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Interval {
        low: quantile(&means, tail),
        high: quantile(&means, 1.0 - tail),
    }
}

/// The normal interval the bootstrap converges to. Resampling k cases, the mean moves by
/// Σ dᵢ* / N with dᵢ = sumᵢ − mean · countᵢ (which sum to 0) and N = Σ count, so its variance is
/// Σ dᵢ² / N²: the cluster-robust (CR0) standard error. Kept within the cases' own means, as
/// every bootstrap resample is.
fn normal(cases: &[(f64, usize)], confidence: f64) -> Interval {
    let total: f64 = cases.iter().map(|c| c.1 as f64).sum();
    let mean = cases.iter().map(|c| c.0).sum::<f64>() / total;
    let se = cases
        .iter()
        .map(|&(s, n)| (s - mean * n as f64).powi(2))
        .sum::<f64>()
        .sqrt()
        / total;
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let (lo, hi) = cases
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(s, n)| {
            let m = s / n as f64;
            (lo.min(m), hi.max(m))
        });
    Interval {
        low: (mean - z * se).clamp(lo, hi),
        high: (mean + z * se).clamp(lo, hi),
    }
}

/// Linear interpolation between the closest ranks of sorted `xs` (numpy's default percentile).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

/// Exact two-sided McNemar p-value on `b` pairs only the baseline passed and `c` only the
/// candidate passed: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1.
pub fn mcnemar_exact(b: usize, c: usize) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // Sum the binomial pmf in log space so large n neither overflows nor underflows early.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    // scripts/reference_stats.py: eight cases of three repeats, passes 3 3 0 3 2 3 0 3: design
    // effect 2.9676, statsmodels' Wilson at N / deff.
    #[test]
    fn a_cases_repeats_widen_the_wilson_interval_by_their_design_effect() {
        let cases = [
            (3, 3),
            (3, 3),
            (0, 3),
            (3, 3),
            (2, 3),
            (3, 3),
            (0, 3),
            (3, 3),
        ];
        let ci = wilson_clustered(&cases).unwrap();
        assert!(close(ci.low, 0.3747255353694321, 1e-12), "{ci:?}");
        assert!(close(ci.high, 0.907761430456669, 1e-12), "{ci:?}");
        // One run a case: the plain interval.
        let single = [(1, 1), (0, 1), (1, 1)];
        assert_eq!(wilson_clustered(&single), wilson(2, 3));
        // Repeats that vary within cases as much as across: no narrower than plain.
        let spread = [(1, 2), (1, 2), (1, 2), (1, 2)];
        assert_eq!(wilson_clustered(&spread), wilson(4, 8));
    }

    // References: scipy 1.17.1, `binomtest(k, n).proportion_ci(method='wilson')`.
    #[test]
    fn wilson_matches_scipy() {
        let cases = [
            (0, 10, 0.0, 0.27753279986288926),
            (10, 10, 0.7224672001371109, 1.0),
            (1, 1, 0.20654931437723745, 1.0),
            (0, 1, 0.0, 0.7934506856227626),
            (7, 10, 0.39677814746114526, 0.892208732593699),
            (85, 100, 0.7671644040916763, 0.9069401471634337),
            (400, 1000, 0.37007478121137727, 0.4306905704857338),
            (3, 20, 0.05236874589621662, 0.3604188647407569),
        ];
        for (k, n, low, high) in cases {
            let ci = wilson(k, n).unwrap();
            assert!(
                close(ci.low, low, 1e-12) && close(ci.high, high, 1e-12),
                "{k}/{n}: {ci:?}"
            );
        }
        assert_eq!(wilson(0, 0), None);
    }

    // References: scipy 1.17.1, `binomtest(min(b, c), b + c, 0.5).pvalue` (two-sided), and by
    // hand where short: (5, 0) is 2 · 0.5^5; (1, 9) is 2 · (1 + 10) / 1024.
    #[test]
    fn mcnemar_matches_exact_binomial_tails() {
        let cases = [
            (5, 0, 0.0625),
            (1, 9, 0.021484375),
            (9, 1, 0.021484375),
            (3, 3, 1.0),
            (2, 8, 0.109375),
            (0, 1, 1.0),
            (10, 25, 0.016673847800120715),
            (12, 3, 0.03515625),
            (0, 7, 0.015625),
        ];
        for (b, c, p) in cases {
            let got = mcnemar_exact(b, c);
            assert!(close(got, p, 1e-12), "({b}, {c}): {got} vs {p}");
        }
        // No discordant pairs: no evidence of a difference.
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // Large n stays accurate in log space: scipy gives 2.728464156065947e-10.
        let p = mcnemar_exact(400, 600);
        assert!((p / 2.728464156065947e-10 - 1.0).abs() < 1e-9, "{p}");
    }

    fn singletons(xs: &[f64]) -> Vec<Vec<f64>> {
        xs.iter().map(|&x| vec![x]).collect()
    }

    /// `mean_ci` over groups of values, each group one case.
    fn bootstrap_mean_ci(groups: &[Vec<f64>], confidence: f64) -> Option<Interval> {
        let cases: Vec<(f64, usize)> = groups.iter().map(|g| (g.iter().sum(), g.len())).collect();
        mean_ci(&cases, confidence)
    }

    /// `mean_ci` of candidate − baseline, each group one case's (baseline, candidate) pairs.
    fn paired_bootstrap_diff_ci(groups: &[Vec<(f64, f64)>], confidence: f64) -> Option<Interval> {
        let diffs: Vec<Vec<f64>> = groups
            .iter()
            .map(|g| g.iter().map(|(base, cand)| cand - base).collect())
            .collect();
        bootstrap_mean_ci(&diffs, confidence)
    }

    fn scores() -> Vec<f64> {
        (0..40).map(|i| ((i * 37) % 101) as f64 / 100.0).collect()
    }

    // Reference: scipy 1.17.1 `bootstrap((x,), np.mean, method='percentile', n_resamples=200000)`
    // on the same 40 values gives [0.40725, 0.5895] (seed 1) and [0.4070, 0.5895] (seed 2). Ours,
    // 10,000 resamples, gives [0.40474, 0.58975]: numpy's own 10,000-resample intervals over 200
    // seeds scatter with a standard deviation of 0.0013 at each end, so 0.006 is ~4.5 of them.
    #[test]
    fn bootstrap_mean_matches_scipy_within_resampling_error() {
        let ci = bootstrap_mean_ci(&singletons(&scores()), 0.95).unwrap();
        assert!(
            close(ci.low, 0.40725, 0.006) && close(ci.high, 0.5895, 0.006),
            "{ci:?}"
        );
        assert!(
            ci.low < 0.4985 && 0.4985 < ci.high,
            "the mean lies inside: {ci:?}"
        );
        // Seeded: the same values give the same interval, to the bit.
        assert_eq!(bootstrap_mean_ci(&singletons(&scores()), 0.95), Some(ci));
        // A lower confidence gives a narrower interval inside it.
        let ci90 = bootstrap_mean_ci(&singletons(&scores()), 0.90).unwrap();
        assert!(ci.low < ci90.low && ci90.high < ci.high, "{ci90:?}");
    }

    #[test]
    fn bootstrap_edge_cases_are_degenerate_not_errors() {
        assert_eq!(bootstrap_mean_ci(&[], 0.95), None);
        assert_eq!(bootstrap_mean_ci(&[vec![]], 0.95), None);
        // One case: every resample is that case.
        let one = bootstrap_mean_ci(&[vec![0.25, 0.75]], 0.95).unwrap();
        assert_eq!((one.low, one.high), (0.5, 0.5));
        // All passed.
        let all = bootstrap_mean_ci(&singletons(&[1.0; 12]), 0.95).unwrap();
        assert_eq!((all.low, all.high), (1.0, 1.0));
    }

    #[test]
    fn repeats_of_a_case_resample_together() {
        // Three repeats that agree are one piece of evidence: the interval is that of the cases
        // alone, not the narrower one of 120 independent records.
        let xs = scores();
        let cases = bootstrap_mean_ci(&singletons(&xs), 0.95).unwrap();
        let repeated: Vec<Vec<f64>> = xs.iter().map(|&x| vec![x; 3]).collect();
        let grouped = bootstrap_mean_ci(&repeated, 0.95).unwrap();
        assert!(
            close(grouped.low, cases.low, 1e-12) && close(grouped.high, cases.high, 1e-12),
            "{grouped:?} vs {cases:?}"
        );
        let flat: Vec<f64> = repeated.concat();
        let independent = bootstrap_mean_ci(&singletons(&flat), 0.95).unwrap();
        assert!(independent.high - independent.low < 0.7 * (grouped.high - grouped.low));
    }

    // Reference: scipy 1.17.1 `bootstrap((b, c), lambda b, c: mean(c − b), paired=True,
    // method='percentile', n_resamples=200000)` gives [−0.13075, 0.125] (seed 1) and
    // [−0.13175, 0.125] (seed 2); mean difference −0.002. Ours gives [−0.13026, 0.12651]; the
    // Monte Carlo standard deviation of each end at 10,000 resamples is 0.0017.
    #[test]
    fn paired_bootstrap_matches_scipy_and_keeps_the_pairing() {
        let base = scores();
        let cand: Vec<f64> = (0..40)
            .map(|i| ((i * 53 + 11) % 101) as f64 / 100.0)
            .collect();
        let pairs: Vec<Vec<(f64, f64)>> = base
            .iter()
            .zip(&cand)
            .map(|(&b, &c)| vec![(b, c)])
            .collect();
        let ci = paired_bootstrap_diff_ci(&pairs, 0.95).unwrap();
        assert!(
            close(ci.low, -0.131, 0.008) && close(ci.high, 0.125, 0.008),
            "{ci:?}"
        );
        // A candidate exactly 0.05 below a baseline whose scores vary widely: the pairs show it
        // precisely, however much the cases differ from each other.
        let pairs: Vec<Vec<(f64, f64)>> = base.iter().map(|&b| vec![(b, b - 0.05)]).collect();
        let ci = paired_bootstrap_diff_ci(&pairs, 0.95).unwrap();
        assert!(
            close(ci.low, -0.05, 1e-9) && close(ci.high, -0.05, 1e-9),
            "{ci:?}"
        );
        assert_eq!(paired_bootstrap_diff_ci(&[], 0.95), None);
    }

    /// `n` cases of 1 to 3 repeats with scores spread over [0, 1], deterministic.
    fn many_cases(n: usize) -> Vec<(f64, usize)> {
        (0..n)
            .map(|i| {
                let repeats = 1 + i % 3;
                let sum = (0..repeats)
                    .map(|r| ((i * 7919 + r * 104_729) % 1000) as f64 / 999.0)
                    .map(|x| x * x)
                    .sum();
                (sum, repeats)
            })
            .collect()
    }

    #[test]
    fn the_normal_interval_is_the_bootstraps_limit() {
        // At the threshold the two methods agree to about a thousandth: the bootstrap's own
        // Monte Carlo error at 10,000 resamples is of that order.
        let cases = many_cases(BOOTSTRAP_MAX_CASES);
        for confidence in [0.95, 0.99] {
            let (b, n) = (bootstrap(&cases, confidence), normal(&cases, confidence));
            assert!(
                close(b.low, n.low, 1e-3) && close(b.high, n.high, 1e-3),
                "{confidence}: bootstrap {b:?} vs normal {n:?}"
            );
        }
        // 95%: mean ± 1.96 standard errors, the standard error computed by hand.
        let n: f64 = cases.iter().map(|c| c.1 as f64).sum();
        let mean = cases.iter().map(|c| c.0).sum::<f64>() / n;
        let var: f64 = cases
            .iter()
            .map(|&(s, k)| (s - mean * k as f64).powi(2))
            .sum();
        let ci = normal(&cases, 0.95);
        assert!(close(ci.low, mean - Z95 * var.sqrt() / n, 1e-12), "{ci:?}");
        assert!(close(ci.high, mean + Z95 * var.sqrt() / n, 1e-12), "{ci:?}");
    }

    #[test]
    fn above_the_threshold_the_interval_is_normal_and_stays_in_range() {
        assert_eq!(
            MeanInterval::for_cases(BOOTSTRAP_MAX_CASES),
            MeanInterval::PercentileBootstrap
        );
        assert_eq!(
            MeanInterval::for_cases(BOOTSTRAP_MAX_CASES + 1),
            MeanInterval::Normal
        );
        let cases = many_cases(BOOTSTRAP_MAX_CASES + 1);
        assert_eq!(
            mean_ci(&cases, 0.95),
            Some(normal(&cases, 0.95)),
            "no resampling above the threshold"
        );
        // All passed, or all but one: never beyond what a case scored.
        let all = vec![(1.0, 1); BOOTSTRAP_MAX_CASES + 1];
        assert_eq!(
            mean_ci(&all, 0.95),
            Some(Interval {
                low: 1.0,
                high: 1.0
            })
        );
        let mut one_failed = all;
        one_failed[0] = (0.0, 1);
        let ci = mean_ci(&one_failed, 0.95).unwrap();
        assert!(ci.high <= 1.0 && ci.low < 1.0, "{ci:?}");
    }
}
