//! Paired binary outcomes (baseline, candidate) on the same (case, repeat): Tango's score
//! statistic and interval for the difference of paired proportions, the non-inferiority test it
//! gives, Nam's sample size for that test, the design effect of a case's repeats (Rao–Scott), the
//! clustered McNemar test (Durkalski et al.), and Holm's step-down adjustment.
//!
//! Throughout: `b` pairs only the baseline passed, `c` pairs only the candidate passed, `n` pairs;
//! the difference is baseline − candidate = (b − c) / n. Counts are real numbers so that a design
//! effect can divide them. `scripts/reference_stats.py` computes every figure the tests pin
//! another way (numeric likelihood maximisation, root finding, statsmodels, simulation).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Discordant and total pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pairs {
    pub b: f64,
    pub c: f64,
    pub n: f64,
}

impl Pairs {
    /// baseline − candidate pass rate.
    pub fn difference(&self) -> f64 {
        if self.n > 0.0 {
            (self.b - self.c) / self.n
        } else {
            0.0
        }
    }

    /// The same proportions over `n / deff` pairs: what the evidence is worth when a case's
    /// repeats are not independent.
    pub fn deflated(&self, deff: f64) -> Self {
        Self {
            b: self.b / deff,
            c: self.c / deff,
            n: self.n / deff,
        }
    }
}

/// One case's pairs: its repeats, and how many of them only the baseline / only the candidate
/// passed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CasePairs {
    pub pairs: f64,
    pub b: f64,
    pub c: f64,
}

/// The pairs of all cases together.
pub fn total(cases: &[CasePairs]) -> Pairs {
    cases.iter().fold(
        Pairs {
            b: 0.0,
            c: 0.0,
            n: 0.0,
        },
        |t, x| Pairs {
            b: t.b + x.b,
            c: t.c + x.c,
            n: t.n + x.pairs,
        },
    )
}

/// Tango's score statistic for H: difference = `delta`. The likelihood of (b, c, rest) is
/// maximised under the constraint P(only baseline) − P(only candidate) = delta, which leaves a
/// quadratic in q = P(only candidate): 2n q² + (−b − c + (2n − b + c) δ) q − c δ (1 − δ) = 0;
/// then Z = (b − c − n δ) / √(n (2q + δ (1 − δ))). Decreasing in δ.
pub fn tango_z(p: Pairs, delta: f64) -> f64 {
    let Pairs { b, c, n } = p;
    let (qa, qb, qc) = (
        2.0 * n,
        -b - c + (2.0 * n - b + c) * delta,
        -c * delta * (1.0 - delta),
    );
    let q = ((qb * qb - 4.0 * qa * qc).max(0.0).sqrt() - qb) / (2.0 * qa);
    let var = n * (2.0 * q + delta * (1.0 - delta));
    let num = b - c - n * delta;
    if var > 0.0 {
        num / var.sqrt()
    } else if num == 0.0 {
        0.0
    } else {
        num.signum() * f64::INFINITY
    }
}

/// The one-sided bound of the difference at `confidence` (Tango's score interval): the upper
/// bound solves Z(δ) = −z, the lower Z(δ) = +z, z = Φ⁻¹(confidence). Within [−1, 1].
pub fn tango_bound(p: Pairs, confidence: f64, upper: bool) -> f64 {
    let z = Normal::standard().inverse_cdf(confidence);
    let estimate = p.difference();
    let (target, mut lo, mut hi) = if upper {
        (-z, estimate, 1.0)
    } else {
        (z, -1.0, estimate)
    };
    let above = |d: f64| tango_z(p, d) > target;
    // Z decreases: the bound is where it crosses the target, or an end of [−1, 1].
    if upper && above(hi) {
        return 1.0;
    }
    if !upper && !above(lo) {
        return -1.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if above(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The one-sided p-value of non-inferiority at `margin` (H0: difference ≥ margin): Φ(Z(margin)).
pub fn non_inferiority_p(p: Pairs, margin: f64) -> f64 {
    Normal::standard().cdf(tango_z(p, margin))
}

/// Nam's (1997) pairs for the score test of non-inferiority at `margin` to reach `power` at
/// one-sided level `alpha`, when P(only baseline) = `p10` and P(only candidate) = `p01`:
/// n = ((z_α σ₀ + z_β σ₁) / (margin − Δ))², Δ = p10 − p01, σ₁² = p10 + p01 − Δ², σ₀² the variance
/// at the restricted estimate under the margin. `None` when Δ ≥ margin: no number of pairs shows
/// non-inferiority at that difference.
pub fn nam_pairs(p10: f64, p01: f64, margin: f64, alpha: f64, power: f64) -> Option<f64> {
    let delta = p10 - p01;
    if delta >= margin {
        return None;
    }
    let qb = -(p10 + p01) + (2.0 - p10 + p01) * margin;
    let q0 = ((qb * qb + 8.0 * p01 * margin * (1.0 - margin)).sqrt() - qb) / 4.0;
    let s0 = (2.0 * q0 + margin * (1.0 - margin)).max(0.0).sqrt();
    let s1 = (p10 + p01 - delta * delta).max(0.0).sqrt();
    let normal = Normal::standard();
    let (za, zb) = (normal.inverse_cdf(1.0 - alpha), normal.inverse_cdf(power));
    Some(((za * s0 + zb * s1) / (margin - delta)).powi(2))
}

/// The design effect of the difference when cases hold several pairs (Rao–Scott): the
/// cluster-robust variance of the difference, cases as units (with the k / (k − 1)
/// small-sample factor), over the variance that counts every pair as independent. At least 1
/// (repeats never add evidence); 1 when every case has one pair or nothing is discordant.
pub fn design_effect(cases: &[CasePairs]) -> f64 {
    let k = cases.len() as f64;
    if cases.iter().all(|x| x.pairs <= 1.0) || k < 2.0 {
        return 1.0;
    }
    let t = total(cases);
    let d = t.difference();
    let naive = ((t.b + t.c) / t.n - d * d) / t.n;
    if naive <= 0.0 {
        return 1.0;
    }
    let clustered = k / (k - 1.0)
        * cases
            .iter()
            .map(|x| (x.b - x.c - d * x.pairs).powi(2))
            .sum::<f64>()
        / (t.n * t.n);
    (clustered / naive).max(1.0)
}

/// Durkalski et al.'s (2003) McNemar test for clustered matched pairs, two-sided:
/// X² = (Σ (bᵢ − cᵢ))² / Σ (bᵢ − cᵢ)², χ² with 1 degree of freedom. With one pair per case it
/// is McNemar's asymptotic test, (b − c)² / (b + c).
pub fn clustered_mcnemar(cases: &[CasePairs]) -> f64 {
    let sum: f64 = cases.iter().map(|x| x.b - x.c).sum();
    let squares: f64 = cases.iter().map(|x| (x.b - x.c).powi(2)).sum();
    if squares == 0.0 {
        return 1.0;
    }
    let chi = ChiSquared::new(1.0).expect("one degree of freedom");
    1.0 - chi.cdf(sum * sum / squares)
}

/// Holm's step-down adjusted p-values, in the order given: the k-th smallest p becomes
/// max over j ≤ k of min(1, (m − j + 1) p₍ⱼ₎).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests;
