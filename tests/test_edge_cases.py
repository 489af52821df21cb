"""Numerical edge cases, handled as metafor does or better: each result is finite, or NaN/None with a note."""
from __future__ import annotations

import math

import numpy as np
import pytest

from evsynth.meta.engine import tau2 as tau2_module
from evsynth.meta.engine.choices import Method, Test
from evsynth.meta.engine.model import ZeroCells
from evsynth.meta.errors import AnalysisError
from evsynth.meta.engine.pooling import pool_table

BCG = {  # dat.bcg, the first 6 trials
    "events_t": [4, 6, 3, 62, 33, 180], "n_t": [123, 306, 231, 13598, 5069, 1541],
    "events_c": [11, 29, 11, 248, 47, 372], "n_c": [139, 303, 220, 12867, 5808, 1451],
}


def no_silent_nan(r) -> None:
    """Every NaN or None among the main numbers comes with a note."""
    d = r.to_dict()
    missing = [k for k in ("estimate", "se", "ci_low", "ci_high", "pvalue", "tau2", "i2", "pi_low", "pi_high")
               if d.get(k) is None]
    assert not missing or r.notes, missing


@pytest.mark.parametrize("method", [Method.REML, Method.DL, Method.PM, Method.ML, Method.FE])
def test_k_equal_1_is_the_single_study(method):
    r = pool_table({"yi": [0.4], "vi": [0.09]}, "GEN", method, Test.KNHA)
    assert r.estimate == 0.4 and r.se == pytest.approx(0.3) and r.tau2 == 0
    assert r.ci_low == pytest.approx(0.4 - 1.959963984540054 * 0.3)  # the z test, as metafor with k = 1
    assert any("k = 1" in n for n in r.notes)
    no_silent_nan(r)


def test_k_equal_2_with_hartung_knapp_uses_t_with_1_df():
    r = pool_table({"yi": [0.1, 0.5], "vi": [0.04, 0.05]}, "GEN", Method.REML, Test.KNHA)
    assert r.df == 1 and math.isfinite(r.ci_low) and r.ci_high - r.ci_low > 1  # t(1) is wide
    no_silent_nan(r)


def test_identical_effects_put_tau2_at_its_boundary_with_a_note():
    r = pool_table({"yi": [0.3, 0.3, 0.3], "vi": [0.1, 0.2, 0.3]}, "GEN", Method.REML, Test.KNHA)
    assert r.tau2 == 0 and r.i2 == 0 and r.q == pytest.approx(0, abs=1e-15)
    assert r.ci_low == r.ci_high == pytest.approx(0.3)  # the HK scale is 0: metafor gives the same zero width
    assert any("boundary" in n for n in r.notes) and any("Hartung-Knapp scale is 0" in n for n in r.notes)


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 1e6, 1e10])
def test_very_small_and_very_large_variances(scale):
    y = np.array([0.1, 0.4, -0.2, 0.3])
    v = np.array([1.0, 2.0, 0.5, 1.5]) * scale
    r = pool_table({"yi": y * math.sqrt(scale), "vi": v}, "GEN", Method.REML, Test.Z)
    # scaling y by c and v by c^2 scales the estimate by c and tau^2 by c^2 (exact invariance)
    ref = pool_table({"yi": y, "vi": v / scale}, "GEN", Method.REML, Test.Z)
    assert r.estimate == pytest.approx(ref.estimate * math.sqrt(scale), rel=1e-8)
    assert r.tau2 == pytest.approx(ref.tau2 * scale, rel=1e-6, abs=1e-300)
    assert math.isfinite(r.pvalue)


def test_all_zero_arms_are_corrected_as_metafor_or_dropped_and_named():
    data = {k: list(v) for k, v in BCG.items()}
    data["events_t"][0] = data["events_c"][0] = 0
    study = [f"s{i}" for i in range(6)]
    kept = pool_table(data, "RR", Method.REML, Test.Z, study=study)  # escalc's default: add 0.5, keep
    assert kept.k == 6 and kept.adjusted == ("s0",)
    dropped = pool_table(data, "RR", Method.REML, Test.Z, study=study, zero_cells=ZeroCells(drop00=True))
    assert dropped.k == 5 and [e.study for e in dropped.excluded] == ["s0"] and dropped.excluded[0].reason


def test_all_event_arms():
    """Every participant has the event in both arms: the risk ratio is 1 with variance 0 under escalc (no zero
    cell, so no correction); metafor cannot pool a zero variance. The study is excluded with its reason; with
    add=0.5 to all cells it has a positive variance."""
    data = {k: list(v) for k, v in BCG.items()}
    data["events_t"][1], data["events_c"][1] = data["n_t"][1], data["n_c"][1]
    r = pool_table(data, "OR", Method.REML, Test.Z, study=[f"s{i}" for i in range(6)])
    assert "s1" in r.studies or any(e.study == "s1" for e in r.excluded)
    no_silent_nan(r)


def test_a_study_with_one_participant():
    r = pool_table({"events": [1, 30, 12], "n": [1, 40, 20]}, "PLO", Method.REML, Test.Z)
    assert r.k == 3 and all(math.isfinite(x) for x in (r.estimate, r.ci_low, r.ci_high))
    assert r.adjusted  # 1/1 needs the 0.5 correction, and it is recorded


def test_no_study_poolable_is_a_clear_error():
    with pytest.raises(AnalysisError, match="no study can be pooled"):
        pool_table({"events_t": [0], "n_t": [10], "events_c": [0], "n_c": [10]}, "RR", Method.REML, Test.Z,
                   zero_cells=ZeroCells(drop00=True))


def test_non_convergence_is_recorded_with_the_fallback(monkeypatch):
    data = {"yi": [0.1, 0.9, -0.4, 0.6, 1.2], "vi": [0.02, 0.03, 0.05, 0.01, 0.04]}
    converged = pool_table(data, "GEN", Method.REML, Test.Z)
    assert converged.converged
    monkeypatch.setattr(tau2_module, "MAX_ITER", 1)
    r = pool_table(data, "GEN", Method.REML, Test.Z)
    dl = pool_table(data, "GEN", Method.DL, Test.Z)
    assert not r.converged and r.tau2 == pytest.approx(dl.tau2, rel=1e-12)
    assert any("did not converge" in n and "DerSimonian-Laird" in n for n in r.notes)
