"""The columnar JSON path (`pool_records`) gives exactly what one MetaResult per group gives."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evsynth.meta.engine.batch import pool_groups
from evsynth.meta.engine.choices import Measure, Method, PredictionType, Test, ZeroTo
from evsynth.meta.engine.model import ZeroCells
from evsynth.meta.errors import AnalysisError
from evsynth.meta.engine.records import pool_records
from evsynth.meta.inputs.tables import load_table


def same(a, b, path="record"):
    """Equal structure, keys in the same order, floats within 1e-12 relative (exact elsewhere)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), f"{path}: {a} != {b}"
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} != {b!r}"


def expected(table, measure, method, test, by, zero_cells, pi_type, studies):
    out = []
    for r in pool_groups(table, measure, method, test, by, zero_cells, pi_type, 0.95):
        out.append({"error": str(r)} if isinstance(r, AnalysisError) else r.to_dict(studies))
    return out


def binary_table(tmp_path, seed=3):
    """Groups of varied size, with zero cells, double zeros, a one-study group and an all-double-zero group."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(30):
        k = 1 if g == 0 else int(rng.integers(2, 12))
        for i in range(k):
            n_t, n_c = int(rng.integers(5, 80)), int(rng.integers(5, 80))
            p = rng.uniform(0.0, 0.4)
            e_t, e_c = int(rng.binomial(n_t, p)), int(rng.binomial(n_c, p * 0.8))
            if g == 1:
                e_t = e_c = 0
            rows.append({"study": f"s{g}-{i}", "g": f"g{g % 7}" if g > 1 else f"only{g}", "h": f"h{g}", "events_t": e_t, "n_t": n_t,
                         "events_c": e_c, "n_c": n_c})
    path = tmp_path / "binary.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def proportion_table(tmp_path, seed=4):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(25):
        for i in range(int(rng.integers(1, 9))):
            n = int(rng.integers(3, 120))
            rows.append({"study": f"s{g}-{i}", "g": f"g{g}", "events": int(rng.binomial(n, rng.uniform(0, 1))),
                         "n": n})
    path = tmp_path / "prop.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def generic_table(tmp_path, seed=5):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(40):
        k = int(rng.integers(1, 15))
        tau = rng.uniform(0, 0.5)
        identical = g == 3
        for i in range(k):
            v = rng.uniform(0.01, 0.4)
            rows.append({"study": f"s{i}", "g": g, "yi": 0.3 if identical else rng.normal(0, math.sqrt(v + tau**2)),
                         "vi": v})
    path = tmp_path / "gen.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


METHODS = [Method.REML, Method.DL, Method.ML, Method.PM, Method.SJ, Method.HE, Method.EB, Method.FE]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", [Test.Z, Test.KNHA, Test.ADHOC])
def test_generic_records_equal_results(tmp_path, method, test):
    path = generic_table(tmp_path)
    table = load_table(path, Measure.GEN, group_by=("g",))
    for studies in (False, True):
        args = (table, Measure.GEN, method, test, ("g",), ZeroCells(), PredictionType.METAFOR)
        same(pool_records(*args, studies=studies), expected(*args, studies))


@pytest.mark.parametrize("parts", [2, 3, 7, 60])
@pytest.mark.parametrize("method", [Method.REML, Method.MH])
def test_parts_join_to_the_whole(tmp_path, parts, method):
    """Splitting the groups into runs (one per process) and joining them gives the whole, in group order."""
    path = binary_table(tmp_path)
    table = load_table(path, Measure.OR, group_by=("g", "h"))
    args = (table, Measure.OR, method, Test.KNHA, ("g", "h"), ZeroCells(drop00=True), PredictionType.METAFOR)
    whole = pool_records(*args)
    joined = [r for i in range(parts) for r in pool_records(*args, part=(i, parts))]
    assert len(whole) > 10 and any("error" in r for r in whole)
    same(joined, whole)


@pytest.mark.parametrize("measure", [Measure.OR, Measure.RR, Measure.RD, Measure.PETO])
@pytest.mark.parametrize("zero_cells", [ZeroCells(), ZeroCells(to=ZeroTo.NONE), ZeroCells(to=ZeroTo.ALL),
                                        ZeroCells(drop00=True), ZeroCells(to=ZeroTo.IF0ALL)])
@pytest.mark.parametrize("by", [("g",), ("g", "h")])
def test_binary_records_equal_results(tmp_path, measure, zero_cells, by):
    path = binary_table(tmp_path)
    table = load_table(path, measure, group_by=by)
    for method, pi in ((Method.REML, PredictionType.HIGGINS), (Method.DL, PredictionType.METAFOR)):
        args = (table, measure, method, Test.KNHA, by, zero_cells, pi)
        got = pool_records(*args, studies=True)
        same(got, expected(*args, True))
    if zero_cells.to is ZeroTo.NONE:  # some groups lose studies, and the double-zero group loses all
        assert any(r.get("excluded") for r in got)
        assert any("error" in r for r in got)


@pytest.mark.parametrize("measure", [Measure.PR, Measure.PLO, Measure.PAS, Measure.PFT])
@pytest.mark.parametrize("method", [Method.REML, Method.FE])
def test_proportion_records_equal_results(tmp_path, measure, method):
    path = proportion_table(tmp_path)
    table = load_table(path, measure, group_by=("g",))
    args = (table, measure, method, Test.Z, ("g",), ZeroCells(), PredictionType.METAFOR)
    got = pool_records(*args, studies=False)
    same(got, expected(*args, False))
    if measure is not Measure.PR:
        assert all(r["back"]["estimate"] is not None for r in got)


@pytest.mark.parametrize("method", [Method.MH, Method.PETO])
def test_mh_and_peto_records(tmp_path, method):
    path = binary_table(tmp_path)
    table = load_table(path, Measure.OR, group_by=("g",))
    args = (table, Measure.OR, method, Test.Z, ("g",), ZeroCells(), PredictionType.METAFOR)
    same(pool_records(*args), expected(*args, False))


def test_records_detect_a_changed_value(tmp_path):
    """The comparison above can fail: a one-ulp change in one estimate is caught."""
    path = generic_table(tmp_path)
    table = load_table(path, Measure.GEN, group_by=("g",))
    args = (table, Measure.GEN, Method.REML, Test.Z, ("g",), ZeroCells(), PredictionType.METAFOR)
    got = pool_records(*args)
    got[5]["estimate"] *= 1 + 1e-9
    with pytest.raises(AssertionError):
        same(got, expected(*args, False))
