"""Invariants of leave-one-out, cumulative, influence, the small-study tests and fragility (hypothesis)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evsynth.meta.robustness import small_study as bias
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.effects import Effects
from evsynth.meta.errors import AnalysisError
from evsynth.meta.engine.pooling import pool
from evsynth.meta.robustness.refits import cumulative, influence, leave_one_out
from evsynth.meta.engine.model import Model

METHODS = [Method.FE, Method.DL, Method.REML, Method.PM]
studies = st.lists(st.tuples(st.floats(-3, 3, allow_nan=False), st.floats(0.01, 2, allow_nan=False)),
                   min_size=3, max_size=12)


def data_of(rows):
    y, v = zip(*rows)
    return {"yi": list(y), "vi": list(v)}, [f"s{i}" for i in range(len(rows))]


def effects_of(rows):
    y, v = zip(*rows)
    return Effects(Measure.GEN, tuple(f"s{i}" for i in range(len(rows))), np.array(y), np.array(v), "identity")


@settings(max_examples=40, deadline=None)
@given(studies, st.sampled_from(METHODS), st.sampled_from([Test.Z, Test.KNHA]))
def test_leave_one_out_is_pooling_the_others(rows, method, test):
    data, study = data_of(rows)
    loo = leave_one_out(data, study, Model(Measure.GEN, method, test))
    for i, r in enumerate(loo):
        alone = pool(effects_of(rows[:i] + rows[i + 1:]), method, test)
        assert r.group == study[i] and r.k == len(rows) - 1
        assert r.estimate == pytest.approx(alone.estimate, rel=1e-9, abs=1e-12)
        assert r.ci_high == pytest.approx(alone.ci_high, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(studies, st.sampled_from(METHODS), st.randoms())
def test_cumulative_ends_at_the_full_analysis(rows, method, rnd):
    data, study = data_of(rows)
    order = [rnd.random() for _ in rows]
    steps = cumulative(data, study, Model(Measure.GEN, method), order)
    full = pool(effects_of(rows), method)
    assert [s.k for s in steps] == list(range(1, len(rows) + 1))
    assert sorted(s.group for s in steps) == sorted(study)
    assert [study.index(s.group) for s in steps] == list(np.argsort(order, kind="stable"))
    assert steps[-1].estimate == pytest.approx(full.estimate, rel=1e-8, abs=1e-10)


@settings(max_examples=40, deadline=None)
@given(studies, st.sampled_from(METHODS))
def test_influence_bounds(rows, method):
    data, study = data_of(rows)
    res = influence(data, study, Model(Measure.GEN, method))
    hats = np.array([s.hat for s in res.studies])
    assert hats.sum() == pytest.approx(1.0) and np.all(hats > 0)
    assert sum(s.weight for s in res.studies) == pytest.approx(100.0)
    assert all(s.cooks_d >= 0 and s.cov_ratio > 0 and s.baujat_x >= 0 and s.baujat_y >= 0 for s in res.studies)


@settings(max_examples=40, deadline=None)
@given(studies, st.sampled_from(METHODS), st.sampled_from(["L0", "R0"]))
def test_trimfill_mirrors(rows, method, estimator):
    e = effects_of(rows)
    assume(np.ptp(e.vi) > 1e-9)
    try:
        tf = bias.trimfill(e, method, estimator)
    except AnalysisError as exc:  # R0 undefined with no study below the centre; or no convergence, as metafor
        assert ("R0" in str(exc) and estimator == "R0") or "did not converge" in str(exc)
        return
    assert 0 <= tf.k0 < len(rows) and len(tf.filled_yi) == tf.k0 and tf.filled.k == len(rows) + tf.k0
    flipped = Effects(e.measure, e.study, -e.yi, e.vi, e.scale)
    tf2 = bias.trimfill(flipped, method, estimator, side="right" if tf.side == "left" else "left")
    assert tf2.k0 == tf.k0
    assert tf2.filled.estimate == pytest.approx(-tf.filled.estimate, rel=1e-7, abs=1e-9)


def test_trimfill_with_equal_variances_asks_for_the_side():
    e = effects_of([(0.1, 0.2), (0.4, 0.2), (-0.3, 0.2), (0.9, 0.2)])
    with pytest.raises(AnalysisError, match="cannot choose the side"):
        bias.trimfill(e)
    assert bias.trimfill(e, side="left").side == "left"


@settings(max_examples=40, deadline=None)
@given(studies)
def test_begg_and_egger_bounds(rows):
    e = effects_of(rows)
    assume(len(set(e.vi)) > 1)
    b = bias.begg(e)
    if b.pvalue != b.pvalue:  # every deviate tied: undefined, and said so
        assert any("undefined" in n for n in b.notes)
    else:
        assert -1 <= b.statistic <= 1 and 0 <= b.pvalue <= 1
    try:
        g = bias.egger_lm(e)
    except AnalysisError as exc:
        assert "exactly on the regression line" in str(exc)
        return
    assert 0 <= g.pvalue <= 1 and g.limit_ci_low <= g.limit_estimate <= g.limit_ci_high
    assert (bias.FEW_STUDIES in b.notes) == (len(rows) < 10)
