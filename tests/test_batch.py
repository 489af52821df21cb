"""Batch pooling equals one-at-a-time pooling, and the adapters agree with the engine."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evsynth.meta.engine.batch import pool_groups
from evsynth.meta.engine.choices import Measure, Method, PredictionType, Test
from evsynth.meta.engine.effects import Effects
from evsynth.meta.engine.model import ZeroCells
from evsynth.meta.engine.pooling import pool
from evsynth.meta.inputs.tables import load_table
from evsynth.meta.engine import adapters


def synthetic(tmp_path, groups=40, seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(groups):
        k = int(rng.integers(1, 25))
        tau = rng.uniform(0, 0.6)
        for i in range(k):
            v = rng.uniform(0.01, 0.5)
            rows.append({"study": f"s{i}", "g": f"g{g}", "yi": rng.normal(0.2, np.sqrt(v + tau**2)), "vi": v})
    path = tmp_path / "batch.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path, pd.DataFrame(rows)


@pytest.mark.parametrize("method", [Method.REML, Method.DL, Method.PM, Method.ML, Method.SJ, Method.HE, Method.EB, Method.FE])
@pytest.mark.parametrize("test", [Test.Z, Test.KNHA])
def test_batch_equals_one_at_a_time(tmp_path, method, test):
    path, frame = synthetic(tmp_path)
    table = load_table(path, Measure.GEN, group_by=("g",))
    batch = pool_groups(table, Measure.GEN, method, test, ("g",))
    assert len(batch) == frame["g"].nunique()
    for res in batch:
        sub = frame[frame["g"] == res.group]
        one = pool(Effects(Measure.GEN, tuple(sub["study"]), sub["yi"].to_numpy(), sub["vi"].to_numpy(), "identity"),
                   method, test)
        for field in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q"):
            assert getattr(res, field) == pytest.approx(getattr(one, field), rel=1e-9, abs=1e-12), field
        if one.pi_low is not None:
            assert res.pi_low == pytest.approx(one.pi_low, rel=1e-9, abs=1e-12)
        # the iterations a group needed do not depend on the other groups in its batch
        assert (res.iterations, res.converged) == (one.iterations, one.converged)


def test_mh_by_group(bcg_path):
    table = load_table(bcg_path, Measure.OR, group_by=("alloc",))
    res = pool_groups(table, Measure.OR, Method.MH, Test.Z, ("alloc",), ZeroCells(), PredictionType.METAFOR)
    assert [r.group for r in res] == ["random", "alternate", "systematic"]
    assert all(r.method == "MH" for r in res)


@pytest.mark.parametrize("method", ["DL", "HE", "ML", "REML"])
def test_engine_agrees_with_pymare(method, bcg_path):
    table = load_table(bcg_path, Measure.RR)
    from evsynth.meta.engine.effects import compute_effects

    eff = compute_effects("RR", table.columns, table.study)
    ours = pool(eff, method)
    ref = adapters.pymare_fit(eff.yi, eff.vi, method)
    assert ours.tau2 == pytest.approx(ref.tau2, rel=1e-4)
    assert ours.estimate == pytest.approx(ref.estimate, rel=1e-5)
    assert ours.se == pytest.approx(ref.se, rel=1e-4)


@pytest.mark.parametrize("method", ["DL", "PM"])
def test_engine_agrees_with_statsmodels_after_truncation(method):
    # statsmodels returns a negative DL tau^2 here; metafor and we truncate at 0
    y, v = np.array([0.1, 0.12, 0.11]), np.array([0.1, 0.2, 0.15])
    ours = pool(Effects(Measure.GEN, ("a", "b", "c"), y, v, "identity"), method)
    ref = adapters.statsmodels_fit(y, v, method)
    assert ours.tau2 == 0 and ref.tau2 == 0
    assert ours.estimate == pytest.approx(ref.estimate, rel=1e-10)
