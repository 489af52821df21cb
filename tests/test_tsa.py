"""Trial sequential analysis (meta/tsa.py).

References and tolerances:
- Required information size: the formula recomputed here with scipy.stats.norm (rel 1e-12), and the published
  diversity-adjusted sizes of PLoS One 2013;8(9):e74558 (doi:10.1371/journal.pone.0074558), Figure 4 caption:
  DARIS = 48,417 participants for a control risk of 10%, RRR 15%, alpha 5%, beta 20% and "a diversity of 76%",
  and 456,748 for RRR 5% (rel 5e-4 with D^2 = 0.75807; the reported 76% is that value rounded).
- Boundaries: rpact 3.3.4 (tests/reference/tsa_reference.json, written by make_tsa_reference.R; CI needs no R).
  rpact solves to an absolute tolerance of 1e-8 on the alpha spent, so only looks that spend at least 1e-6 of
  two-sided alpha are compared: within 1e-3 there, and within 2e-5 where a look spends at least 1e-5 (measured:
  worst 1.4e-4 and 1.1e-5). Schedules whose rpact boundaries do not spend the right alpha (mvtnorm check in the
  JSON: close looks) are checked by the spending instead, with an independent Gauss-Legendre evaluation of the
  crossing probabilities (within 1e-8).
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from evsynth.meta.errors import AnalysisError
from evsynth.meta.robustness.tsa import (
    TSAResult,
    cumulative_z,
    diversity,
    obf_boundaries,
    obf_spent,
    required_information_size_binary,
    required_information_size_continuous,
    trial_sequential,
)

REFERENCE = json.loads((Path(__file__).parent / "reference" / "tsa_reference.json").read_text())
SCHEDULES = REFERENCE["schedules"]
VERIFIED = [s for s in SCHEDULES if s["verified"]]


def vector(x) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=float))


# ------------------------------------------------------------------------------------------------------------
# Independent crossing probabilities: composite Gauss-Legendre quadrature of the canonical joint distribution
# ------------------------------------------------------------------------------------------------------------

def gauss_legendre(c: float, panel: float = 0.03, order: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on (-c, c), truncated at |z| <= 9 (the density beyond is below 1e-18)."""
    x, w = np.polynomial.legendre.leggauss(order)
    c = min(c, 9.0)
    edges = np.linspace(-c, c, int(math.ceil(2 * c / panel)) + 1)
    mid, half = 0.5 * (edges[:-1] + edges[1:]), 0.5 * np.diff(edges)
    return (mid[:, None] + half[:, None] * x).ravel(), (half[:, None] * w).ravel()


def phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def crossing_probability(t, c) -> float:
    """P(|Z_j| >= c_j for some j) under H0, cov(Z_i, Z_j) = sqrt(t_i / t_j), by nested quadrature."""
    z, w = gauss_legendre(c[0])
    mass = w * phi(z)
    for k in range(1, len(t)):
        d = t[k] - t[k - 1]
        shift = z * math.sqrt(t[k - 1])
        if k == len(t) - 1:
            hi, lo = (c[k] * math.sqrt(t[k]) - shift) / math.sqrt(d), (-c[k] * math.sqrt(t[k]) - shift) / math.sqrt(d)
            return 1.0 - float(mass @ (norm.cdf(hi) - norm.cdf(lo)))
        z_new, w_new = gauss_legendre(c[k])
        kernel = phi((z_new[:, None] * math.sqrt(t[k]) - shift[None, :]) / math.sqrt(d)) * math.sqrt(t[k] / d)
        z, mass = z_new, w_new * (kernel @ mass)
    return 1.0 - float(mass.sum())


def test_quadrature_helper_is_exact_for_one_look():
    assert crossing_probability([1.0], [1.959963984540054]) == pytest.approx(0.05, abs=1e-12)


# ------------------------------------------------------------------------------------------------------------
# Required information size and diversity
# ------------------------------------------------------------------------------------------------------------

def test_binary_information_size_by_hand():
    pc, rrr, alpha, power = 0.10, 0.20, 0.05, 0.90
    pe = pc * (1 - rrr)
    pbar = (pc + pe) / 2
    want = 4 * (norm.ppf(1 - alpha / 2) + norm.ppf(power)) ** 2 * pbar * (1 - pbar) / (pc - pe) ** 2
    assert want == pytest.approx(8605.579, abs=1e-3)
    assert required_information_size_binary(pc, rrr, alpha, power) == pytest.approx(want, rel=1e-12)
    assert required_information_size_binary(pc, rrr, alpha, power, diversity=0.25) == pytest.approx(want / 0.75,
                                                                                                   rel=1e-12)


def test_binary_information_size_matches_published_daris():
    # PLoS One 2013;8(9):e74558, Fig. 4: pc 10%, alpha 5%, beta 20%, diversity 76% (rounded).
    small = required_information_size_binary(0.10, 0.15, alpha=0.05, power=0.80)
    large = required_information_size_binary(0.10, 0.05, alpha=0.05, power=0.80)
    assert large / small == pytest.approx(456_748 / 48_417, rel=1e-4)  # does not depend on D^2
    for size, published in ((small, 48_417), (large, 456_748)):
        assert round(100 * (1 - size / published)) == 76  # the implied D^2, as the paper reports it
    assert required_information_size_binary(0.10, 0.15, 0.05, 0.80, diversity=0.75807) == pytest.approx(48_417,
                                                                                                       rel=5e-4)
    assert required_information_size_binary(0.10, 0.05, 0.05, 0.80, diversity=0.75807) == pytest.approx(456_748,
                                                                                                       rel=5e-4)


def test_binary_information_size_for_harm():
    # an anticipated 25% increase in risk: pe = 0.125
    want = 4 * (norm.ppf(0.975) + norm.ppf(0.9)) ** 2 * 0.1125 * 0.8875 / 0.025**2
    assert required_information_size_binary(0.10, -0.25) == pytest.approx(want, rel=1e-12)


def test_continuous_information_size_by_hand():
    want = 4 * (norm.ppf(0.995) + norm.ppf(0.8)) ** 2 * 10.0**2 / 4.0**2
    assert want == pytest.approx(291.97, abs=0.01)
    assert required_information_size_continuous(4.0, 10.0, alpha=0.01, power=0.80) == pytest.approx(want, rel=1e-12)
    assert required_information_size_continuous(-4.0, 10.0, 0.01, 0.80, diversity=0.5) == pytest.approx(2 * want,
                                                                                                       rel=1e-12)


VI = np.array([0.012, 0.05, 0.2, 0.031, 0.09])
YI = np.array([-0.9, -0.1, 0.4, -0.6, -1.3])


def test_diversity_is_zero_without_heterogeneity():
    assert diversity(VI, 0.0) == 0.0
    assert diversity(VI, None) == 0.0


def test_diversity_by_hand_and_increasing():
    tau2 = 0.1
    v_fixed, v_random = 1 / np.sum(1 / VI), 1 / np.sum(1 / (VI + tau2))
    assert diversity(VI, tau2) == pytest.approx((v_random - v_fixed) / v_random, rel=1e-12)
    values = [diversity(VI, t) for t in (0.0, 0.001, 0.01, 0.1, 1.0, 10.0)]
    assert all(b > a for a, b in zip(values, values[1:]))
    assert values[-1] < 1.0
    assert diversity([0.04], 0.04) == pytest.approx(0.5, rel=1e-12)  # one study: tau2 / (v + tau2)


def test_diversity_is_at_least_inconsistency():
    # Wetterslev et al. 2009: D^2 >= I^2 with the DerSimonian-Laird tau^2
    w = 1 / VI
    mu = np.sum(w * YI) / w.sum()
    q = np.sum(w * (YI - mu) ** 2)
    tau2 = (q - 4) / (w.sum() - np.sum(w**2) / w.sum())
    i2 = (q - 4) / q
    assert tau2 > 0
    assert diversity(VI, tau2) >= i2
    assert i2 == pytest.approx(0.80826, abs=1e-5)
    assert diversity(VI, tau2) == pytest.approx(0.86200, abs=1e-5)


# ------------------------------------------------------------------------------------------------------------
# Monitoring boundaries
# ------------------------------------------------------------------------------------------------------------

def compared_looks(schedule, minimum):
    target = vector(schedule["target"])
    spend = np.diff(np.concatenate(([0.0], target)))
    ref = np.array([np.nan if b is None else b for b in schedule["boundaries"]])
    return (spend >= minimum) & np.isfinite(ref), ref


def test_reference_has_enough_comparable_looks():
    assert REFERENCE["meta"]["rpact"] == "3.3.4"
    assert len(VERIFIED) >= 30
    assert sum(int(compared_looks(s, 1e-6)[0].sum()) for s in VERIFIED) >= 130
    assert sum(int(compared_looks(s, 1e-5)[0].sum()) for s in VERIFIED) >= 110


@pytest.mark.parametrize("schedule", VERIFIED, ids=lambda s: f"{s['name']}/{s['alpha']}")
def test_boundaries_match_rpact(schedule):
    got = obf_boundaries(vector(schedule["fractions"]), schedule["alpha"])
    usable, ref = compared_looks(schedule, 1e-6)
    assert np.max(np.abs(got - ref)[usable]) < 1e-3
    accurate, _ = compared_looks(schedule, 1e-5)
    if accurate.any():
        assert np.max(np.abs(got - ref)[accurate]) < 2e-5


def test_five_equal_looks_published_values():
    # DeMets & Lan 1994 (Stat Med 13:1341), Lan-DeMets O'Brien-Fleming, 5 equal looks, two-sided alpha 0.05.
    # (2.04 for the last look is the classical O'Brien-Fleming boundary, not the spending-function one.)
    got = obf_boundaries([0.2, 0.4, 0.6, 0.8, 1.0], 0.05)
    assert got == pytest.approx([4.877, 3.357, 2.680, 2.290, 2.031], abs=1e-3)


def test_rpact_is_off_where_a_look_spends_almost_nothing():
    # 10 equal looks: look 1 spends 2.7e-12, so look 2 is almost a first look and c_2 is the quantile of what
    # it spends; rpact reports 4.877024 (its 1e-8 tolerance on alpha), the true value is 4.876886.
    got = obf_boundaries(np.arange(1, 11) / 10, 0.05)
    spend = obf_spent(0.2) - obf_spent(0.1)
    assert got[1] == pytest.approx(norm.isf(spend / 2), abs=1e-5)
    ref = next(s for s in SCHEDULES if s["name"] == "equal_10" and s["alpha"] == 0.05)["boundaries"][1]
    assert abs(ref - got[1]) > 1e-4


@pytest.mark.parametrize("alpha, want", [(0.05, 1.959964), (0.01, 2.575829)])
def test_single_look_at_full_information_is_conventional(alpha, want):
    assert obf_boundaries([1.0], alpha)[0] == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("fractions", [np.arange(1, k + 1) / k for k in range(2, 11)]
                         + [[0.1, 0.25, 0.6, 1.0], [0.05, 0.3, 0.35, 0.9, 1.0]])
def test_boundaries_decrease_as_information_accrues(fractions):
    assert np.all(np.diff(obf_boundaries(fractions)) < 0)


def test_a_look_spending_little_alpha_can_raise_the_boundary():
    got = obf_boundaries([0.3, 0.303])
    assert got[1] > got[0]  # a look adding 1% of the information (rpact agrees: 3.9286, 3.9659)
    got = obf_boundaries([0.9, 1.3])
    assert got[1] > got[0]  # past the required size only alpha - alpha*(0.9) is left


@pytest.mark.parametrize("t", [0.05, 0.01])
def test_first_look_at_a_small_fraction_is_large_and_exact(t):
    x = norm.isf(0.05 / 4) / math.sqrt(t)
    want = norm.isf(2 * norm.sf(x))  # P(|Z| >= c) = 4 (1 - Phi(x))
    assert obf_boundaries([t, 0.5, 1.0])[0] == pytest.approx(want, rel=1e-10)
    assert want > 8


def test_first_look_in_the_far_tail():
    # t = 1e-5: the alpha to spend, 4 (1 - Phi(709)), underflows in double precision; check on the log scale
    # that P(|Z| >= c) = 4 (1 - Phi(z_{1-alpha/4} / sqrt t)).
    t = 1e-5
    c = obf_boundaries([t, 1.0])[0]
    x = norm.isf(0.05 / 4) / math.sqrt(t)
    assert c > 700
    assert math.log(2) + norm.logsf(c) == pytest.approx(math.log(4) + norm.logsf(x), rel=1e-10)


@pytest.mark.parametrize("fractions, alpha", [([0.3, 0.303, 0.7], 0.05), ([0.5, 0.5005, 1.0], 0.05),
                                              ([0.2, 0.4, 0.6], 0.01), ([0.02, 0.5, 0.9], 0.05)])
def test_boundaries_spend_the_alpha_they_should(fractions, alpha):
    c = obf_boundaries(fractions, alpha)
    for k in range(1, len(fractions) + 1):
        assert crossing_probability(fractions[:k], c[:k]) == pytest.approx(obf_spent(fractions[k - 1], alpha),
                                                                          abs=1e-8, rel=1e-6)


def test_close_looks_where_rpact_fails():
    schedule = next(s for s in SCHEDULES if s["name"] == "unequal_0.3_0.303_0.7_1" and s["alpha"] == 0.05)
    assert not schedule["verified"]
    assert schedule["mvtnorm_crossing"][-1] == pytest.approx(0.0534, abs=1e-4)  # rpact spends too much
    got = obf_boundaries(schedule["fractions"], 0.05)
    assert got == pytest.approx([3.928573, 3.965877, 2.438818, 2.000017], abs=2e-6)
    assert crossing_probability(schedule["fractions"], got) == pytest.approx(0.05, abs=1e-8)


def test_information_beyond_the_required_size():
    got = obf_boundaries([0.5, 1.2, 1.5, 2.0])
    assert got[:2] == pytest.approx(obf_boundaries([0.5, 1.2]), abs=1e-12)
    assert crossing_probability([0.5, 1.2], got[:2]) == pytest.approx(0.05, abs=1e-8)  # all alpha spent at 1.2
    assert got[2] == got[1] and got[3] == got[1]  # held flat afterwards
    assert obf_boundaries([1.4])[0] == pytest.approx(1.959964, abs=1e-6)


def test_boundaries_stopping_short_of_full_information():
    got = obf_boundaries([0.25, 0.5, 0.75])
    assert crossing_probability([0.25, 0.5, 0.75], got) == pytest.approx(obf_spent(0.75), abs=1e-8)
    assert obf_spent(0.75) < 0.05


# ------------------------------------------------------------------------------------------------------------
# Trial sequential analysis
# ------------------------------------------------------------------------------------------------------------

def test_z_curve_crossing_the_boundary():
    result = trial_sequential([-0.3] * 6, [0.02] * 6, [800] * 6, control_risk=0.10, rrr=0.20, alpha=0.05, power=0.90)
    ris = required_information_size_binary(0.10, 0.20)
    assert result.kind == "binary"
    assert result.required_information == result.adjusted_required_information == pytest.approx(ris)
    assert result.fractions == pytest.approx([800 * k / ris for k in range(1, 7)], rel=1e-12)
    assert result.z == pytest.approx([-0.3 / math.sqrt(0.02 / k) for k in range(1, 7)], rel=1e-12)
    assert result.boundaries == pytest.approx(list(obf_boundaries(result.fractions)), rel=1e-12)
    # |Z| = 3.674 < 4.087 at look 3; |Z| = 4.243 > 3.503 at look 4
    assert result.boundaries[2] == pytest.approx(4.0869, abs=1e-3)
    assert result.boundaries[3] == pytest.approx(3.5032, abs=1e-3)
    assert result.crossed and result.crossing_look == 4
    assert not result.information_reached
    assert result.fraction_reached == pytest.approx(4800 / ris)


def test_z_curve_conventionally_significant_but_not_crossing():
    result = trial_sequential([-0.3, -0.3], [0.04, 0.04], [300, 300], control_risk=0.10, rrr=0.20)
    assert abs(result.z[-1]) == pytest.approx(2.1213, abs=1e-4)  # p < 0.05 by the naive test
    assert result.boundaries[-1] > 8
    assert not result.crossed and result.crossing_look is None
    assert result.fraction_reached == pytest.approx(600 / 8605.579, rel=1e-6)


def test_random_effects_and_information_reached():
    tau2 = 0.05
    info = [400, 900, 2500, 1200, 3000]
    result = trial_sequential(YI, VI, info, tau2=tau2, mean_difference=0.5, sd=2.0, power=0.8)
    w = 1 / (VI + tau2)
    want_z = np.cumsum(w * YI) / np.cumsum(w) * np.sqrt(np.cumsum(w))
    assert result.z == pytest.approx(list(want_z), rel=1e-12)
    d2 = diversity(VI, tau2)
    ris = 4 * (norm.ppf(0.975) + norm.ppf(0.8)) ** 2 * 4.0 / 0.25
    assert result.kind == "continuous" and result.diversity == pytest.approx(d2)
    assert result.adjusted_required_information == pytest.approx(ris / (1 - d2), rel=1e-12)
    assert result.information_reached and result.fraction_reached > 1
    assert result.notes  # information beyond the required size is reported
    assert result.boundaries[-1] == result.boundaries[[f >= 1 for f in result.fractions].index(True)]


def test_cumulative_z_fixed_effect():
    est, se, z = cumulative_z([0.2, 0.4], [0.1, 0.3])
    assert est[1] == pytest.approx((0.2 / 0.1 + 0.4 / 0.3) / (1 / 0.1 + 1 / 0.3))
    assert se[1] == pytest.approx((1 / 0.1 + 1 / 0.3) ** -0.5)
    assert z[0] == pytest.approx(0.2 / math.sqrt(0.1))


def test_to_dict_is_plain_json():
    result = trial_sequential([-0.3, -0.3], [0.04, 0.04], [300, 300], control_risk=0.10, rrr=0.20)
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert d["crossing_look"] is None and d["crossed"] is False
    assert d["assumptions"] == {"control_risk": 0.1, "rrr": 0.2}
    assert isinstance(d["boundaries"], list) and len(d["boundaries"]) == 2
    odd = dataclasses.replace(result, fraction_reached=math.inf, z=(math.nan, 1.0))
    d = odd.to_dict()
    assert d["fraction_reached"] is None and d["z"] == [None, 1.0]
    assert isinstance(result, TSAResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.crossed = True  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: required_information_size_binary(1.2, 0.2), ["control_risk", "1.2"]),
    (lambda: required_information_size_binary(0.0, 0.2), ["control_risk", "0.0"]),
    (lambda: required_information_size_binary(0.1, 0.0), ["rrr", "0.0"]),
    (lambda: required_information_size_binary(0.6, -1.0), ["rrr", "-1.0", "1.2"]),
    (lambda: required_information_size_binary(0.1, 0.2, alpha=1.5), ["alpha", "1.5"]),
    (lambda: required_information_size_binary(0.1, 0.2, power=0.0), ["power", "0.0"]),
    (lambda: required_information_size_binary(0.1, 0.2, diversity=1.0), ["diversity", "1.0"]),
    (lambda: required_information_size_binary("x", 0.2), ["control_risk", "'x'"]),
    (lambda: required_information_size_continuous(0.0, 1.0), ["mean_difference", "0.0"]),
    (lambda: required_information_size_continuous(1.0, -2.0), ["sd", "-2.0"]),
    (lambda: diversity([0.1, -0.2], 0.1), ["vi[1]", "-0.2"]),
    (lambda: diversity([0.1], -0.5), ["tau2", "-0.5"]),
    (lambda: diversity([], 0.1), ["vi", "at least 1 study"]),
    (lambda: obf_boundaries([0.5, 0.4]), ["fractions[1]", "0.4", "increasing"]),
    (lambda: obf_boundaries([0.0, 0.4]), ["fractions[0]", "0.0"]),
    (lambda: obf_boundaries([0.5, 1.0], alpha=0.0), ["alpha", "0.0"]),
    (lambda: obf_boundaries([0.5, 0.5 + 1e-11, 1.0]), ["fractions[1]", "merge"]),
    (lambda: obf_spent(0.5, alpha=2.0), ["alpha", "2.0"]),
    (lambda: trial_sequential([], [], [], control_risk=0.1, rrr=0.2), ["at least 1 study"]),
    (lambda: trial_sequential([0.1], [0.1, 0.2], [10], control_risk=0.1, rrr=0.2), ["yi", "vi"]),
    (lambda: trial_sequential([0.1], [0.1], [10, 20], control_risk=0.1, rrr=0.2), ["information", "2"]),
    (lambda: trial_sequential([0.1], [0.1], [0], control_risk=0.1, rrr=0.2), ["information[0]", "0.0"]),
    (lambda: trial_sequential([float("nan")], [0.1], [10], control_risk=0.1, rrr=0.2), ["yi[0]", "nan"]),
    (lambda: trial_sequential([0.1], [0.1], [10]), ["control_risk", "mean_difference"]),
    (lambda: trial_sequential([0.1], [0.1], [10], control_risk=0.1), ["rrr", "None"]),
    (lambda: trial_sequential([0.1], [0.1], [10], control_risk=0.1, rrr=0.2, sd=1.0), ["not both"]),
    (lambda: trial_sequential([0.1], [0.1], [10], control_risk=0.1, rrr=0.2, alpha=-1), ["alpha", "-1"]),
])
def test_bad_input_raises_analysis_error(call, words):
    with pytest.raises(AnalysisError) as info:
        call()
    for word in words:
        assert word in str(info.value)
