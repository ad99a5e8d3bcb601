#!/usr/bin/env python3
"""Independent reference values for modelswap's paired statistics (src/stats/paired.rs).

Computed another way than the Rust code: the restricted maximum-likelihood estimate behind
Tango's score statistic by numeric maximisation of the multinomial likelihood (scipy), bounds by
Brent's root finding, Holm by statsmodels, Wilson by statsmodels, and Nam's sample size checked
by simulating the test it sizes. The Rust unit tests pin the values this prints.

    python3 -m venv /tmp/statvenv && /tmp/statvenv/bin/pip install scipy statsmodels
    /tmp/statvenv/bin/python scripts/reference_stats.py

Notation: pairs of (baseline, candidate) outcomes; b = pairs only the baseline passed, c = pairs
only the candidate passed, n = pairs; the difference is baseline − candidate = (b − c) / n.
"""

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint


def restricted_q(b, c, n, delta):
    """argmax over q = P(only candidate) of the likelihood with P(only baseline) = q + delta."""
    lo = max(0.0, -delta) + 1e-15
    hi = (1.0 - delta) / 2.0 - 1e-15
    if hi <= lo:
        return lo

    def nll(q):
        p10, p01 = q + delta, q
        rest = 1.0 - p10 - p01
        ll = 0.0
        for k, p in ((b, p10), (c, p01), (n - b - c, rest)):
            if k > 0:
                ll += k * np.log(max(p, 1e-300))
        return -ll

    r = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                                 options={"xatol": 1e-14, "maxiter": 10000})
    return r.x


def tango_z(b, c, n, delta):
    q = restricted_q(b, c, n, delta)
    var = n * (2 * q + delta - delta * delta)
    num = b - c - n * delta
    if var <= 0:
        return np.copysign(np.inf, num) if num != 0 else 0.0
    return num / np.sqrt(var)


def tango_bound(b, c, n, z, upper):
    """The delta where Tango's Z equals -z (upper bound) or +z (lower bound)."""
    est = (b - c) / n
    target = -z if upper else z
    f = lambda d: tango_z(b, c, n, d) - target
    a, e = (est, 1.0 - 1e-12) if upper else (-1.0 + 1e-12, est)
    if upper and f(e) >= 0:
        return 1.0
    if not upper and f(a) <= 0:
        return -1.0
    return optimize.brentq(f, a, e, xtol=1e-13)


def nam_pairs(p10, p01, margin, alpha, power):
    d1 = p10 - p01
    if d1 >= margin:
        return None
    # The restricted estimate's limit under (p10, p01): numeric, from expected counts.
    big = 1e9
    q0 = restricted_q(p10 * big, p01 * big, big, margin)
    s0 = np.sqrt(2 * q0 + margin - margin * margin)
    s1 = np.sqrt(p10 + p01 - d1 * d1)
    za, zb = stats.norm.ppf(1 - alpha), stats.norm.ppf(power)
    return ((za * s0 + zb * s1) / (margin - d1)) ** 2


def simulated_power(p10, p01, n, margin, alpha, reps=4000, seed=1):
    rng = np.random.default_rng(seed)
    z = stats.norm.ppf(1 - alpha)
    hits = 0
    for _ in range(reps):
        b, c, _ = rng.multinomial(n, [p10, p01, 1 - p10 - p01])
        if tango_bound(b, c, n, z, upper=True) < margin:
            hits += 1
    return hits / reps


def main():
    z975 = stats.norm.ppf(0.975)
    z95 = stats.norm.ppf(0.95)
    print("# Tango two-sided 95% (Fagerland, Lydersen & Laake's Cavo et al. 2012 example: -0.1240 to -0.0054)")
    print("cavo", tango_bound(6, 16, 161, z975, False), tango_bound(6, 16, 161, z975, True))
    print("# Tango one-sided 95% upper bounds, and the non-inferiority p-value Phi(Z(margin))")
    for b, c, n, m in [(0, 0, 20, 0.05), (3, 1, 40, 0.05), (10, 2, 50, 0.1), (0, 5, 30, 0.05), (1, 0, 1, 0.05), (4, 4, 200, 0.03)]:
        u = tango_bound(b, c, n, z95, True)
        lo = tango_bound(b, c, n, z95, False)
        p = stats.norm.cdf(tango_z(b, c, n, m))
        print(f"b={b} c={c} n={n} margin={m}: lower={lo!r} upper={u!r} p_ni={p!r}")
    print("# Nam's pairs for 80% power at one-sided alpha 0.05, and the power a simulation of the Tango test gives at that n")
    for p10, p01, m in [(0.0, 0.0, 0.05), (0.05, 0.05, 0.05), (0.10, 0.05, 0.10), (0.02, 0.04, 0.03)]:
        n = nam_pairs(p10, p01, m, 0.05, 0.8)
        sim = simulated_power(p10, p01, int(np.ceil(n)), m, 0.05)
        print(f"p10={p10} p01={p01} margin={m}: pairs={n!r} ceil={int(np.ceil(n))} simulated_power={sim}")
    print("# Holm (statsmodels multipletests)")
    ps = [0.01, 0.04, 0.03, 0.20]
    print("holm", list(multipletests(ps, method="holm")[1]))
    print("# Wilson 95% (statsmodels)")
    print("wilson 7/10", proportion_confint(7, 10, method="wilson"))
    print("# Clustered cases: (pairs, only baseline, only candidate) per case")
    cases = [(3, 3, 0), (3, 0, 0), (3, 0, 0), (3, 1, 0), (3, 0, 1), (3, 0, 0), (3, 2, 0), (3, 0, 0)]
    m = np.array([x[0] for x in cases], float)
    bi = np.array([x[1] for x in cases], float)
    ci = np.array([x[2] for x in cases], float)
    n, b, c, k = m.sum(), bi.sum(), ci.sum(), len(cases)
    est = (b - c) / n
    v_cl = k / (k - 1) * np.sum((bi - ci - est * m) ** 2) / n ** 2
    v_naive = ((b + c) / n - est ** 2) / n
    deff = max(1.0, v_cl / v_naive)
    print("deff", deff)
    print("rao-scott tango upper 95%", tango_bound(b / deff, c / deff, n / deff, z95, True))
    d = bi - ci
    x2 = d.sum() ** 2 / np.sum(d ** 2)
    print("durkalski chi2", x2, "p", stats.chi2.sf(x2, 1))
    # Wilson with the design effect of a provider's passes per case (passes of 3 repeats).
    passes = np.array([3, 3, 0, 3, 2, 3, 0, 3], float)
    reps = np.full(len(passes), 3.0)
    p = passes.sum() / reps.sum()
    v_cl = len(passes) / (len(passes) - 1) * np.sum((passes - p * reps) ** 2) / reps.sum() ** 2
    deff_w = max(1.0, v_cl / (p * (1 - p) / reps.sum()))
    n_eff = reps.sum() / deff_w
    print("wilson clustered", deff_w, proportion_confint(p * n_eff, n_eff, method="wilson"))


if __name__ == "__main__":
    main()
