"""Invariants of the engine (hypothesis): order, arm swaps, bounds, the estimate inside its CI."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.effects import Effects, compute_effects
from evsynth.meta.errors import AnalysisError
from evsynth.meta.engine.pooling import pool, pool_table

RANDOM = [Method.DL, Method.REML, Method.ML, Method.PM, Method.SJ, Method.HE, Method.EB]

studies = st.lists(
    st.tuples(st.floats(-3, 3, allow_nan=False), st.floats(0.005, 4, allow_nan=False)), min_size=2, max_size=15
)
tables = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 40), st.integers(0, 40), st.integers(1, 40)), min_size=2, max_size=10
)


def effects_of(rows):
    y, v = zip(*rows)
    return Effects(Measure.GEN, tuple(str(i) for i in range(len(rows))), np.array(y), np.array(v), "identity")


@settings(max_examples=60, deadline=None)
@given(studies, st.sampled_from(RANDOM), st.sampled_from(list(Test)), st.randoms())
def test_order_does_not_matter_and_bounds_hold(rows, method, test, rnd):
    a = pool(effects_of(rows), method, test)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    b = pool(effects_of(shuffled), method, test)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-7, abs=1e-9)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-7, abs=1e-9)
    assert a.tau2 >= 0
    assert 0 <= a.i2 <= 100
    assert a.h2 >= 1
    assert a.ci_low <= a.estimate <= a.ci_high
    assert a.pi_low <= a.ci_low + 1e-12 and a.ci_high <= a.pi_high + 1e-12
    if a.tau2_ci_low is not None:
        assert 0 <= a.tau2_ci_low <= a.tau2_ci_high
    assert a.converged
    assert sum(a.weights) == pytest.approx(100)


def counts(rows):
    return {
        "events_t": [r[0] for r in rows], "n_t": [r[0] + r[1] for r in rows],
        "events_c": [r[2] for r in rows], "n_c": [r[2] + r[3] for r in rows],
    }


@settings(max_examples=60, deadline=None)
@given(tables, st.sampled_from([Measure.OR, Measure.RR, Measure.RD, Measure.PETO]),
       st.sampled_from([Method.FE, Method.DL, Method.REML]))
def test_swapping_arms_negates_the_effect(rows, measure, method):
    swapped = [(r[2], r[3], r[0], r[1]) for r in rows]
    try:
        a = pool_table(counts(rows), measure, method)
    except AnalysisError:
        return
    b = pool_table(counts(swapped), measure, method)
    assert b.estimate == pytest.approx(-a.estimate, rel=1e-7, abs=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-7)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-6, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(tables, st.sampled_from([Measure.OR, Measure.RR, Measure.RD]))
def test_mantel_haenszel_swap_negates(rows, measure):
    swapped = [(r[2], r[3], r[0], r[1]) for r in rows]
    try:
        a = pool_table(counts(rows), measure, Method.MH)
    except AnalysisError:
        return
    b = pool_table(counts(swapped), measure, Method.MH)
    assert b.estimate == pytest.approx(-a.estimate, rel=1e-7, abs=1e-12)


def test_one_study_is_handled_as_documented():
    r = pool(effects_of([(0.3, 0.04)]), Method.REML, Test.KNHA)
    assert r.k == 1 and r.estimate == 0.3 and r.tau2 == 0 and r.test == "z"
    assert r.se == pytest.approx(0.2)
    assert r.pi_low is None and any("k = 1" in n for n in r.notes)


def test_identical_effects_give_tau2_zero_at_the_boundary():
    for method in RANDOM:
        r = pool(effects_of([(0.2, 0.1), (0.2, 0.05), (0.2, 0.3)]), method)
        assert r.tau2 == 0.0, method
        assert any("boundary" in n for n in r.notes)


def test_no_estimable_study_raises_a_clear_error():
    eff = compute_effects("OR", counts([(0, 10, 0, 10)]), ["only"], )
    with pytest.raises(AnalysisError, match="no study can be pooled"):
        from evsynth.meta.engine.model import ZeroCells
        pool(compute_effects("OR", counts([(0, 10, 0, 10)]), ["only"], ZeroCells(drop00=True)))
    assert eff.k == 1 and eff.adjusted == ("only",)


def test_converges_where_fisher_scoring_struggles():
    # a large outlier with tiny variances elsewhere: REML's likelihood is flat and far from the start
    y = [0.0, 0.01, -0.01, 0.02, 25.0]
    v = [1e-6, 2e-6, 1e-6, 3e-6, 1e-6]
    r = pool(effects_of(list(zip(y, v))), Method.REML)
    assert r.converged and r.tau2 > 0
    # the REML score is zero at the solution
    w = 1 / (np.array(v) + r.tau2)
    mu = np.sum(w * y) / np.sum(w)
    e = np.array(y) - mu
    trP = w.sum() - (w**2).sum() / w.sum()
    assert np.sum(w**2 * e**2) == pytest.approx(trP, rel=1e-8)
