"""The fragility index: the fewest event changes in one arm of one study that flip the pooled significance."""
from __future__ import annotations

import pytest

from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.errors import AnalysisError
from evsynth.meta.robustness.fragility import fragility
from evsynth.meta.engine.pooling import pool_table
from evsynth.meta.engine.model import Model

# three small trials with a significant pooled RR (p ~ 0.003 under REML)
DATA = {"events_t": [4, 6, 3], "n_t": [30, 40, 25], "events_c": [12, 14, 9], "n_c": [30, 40, 25]}
STUDY = ["A", "B", "C"]


def brute_force(model: Model, alpha=0.05):
    """Every change, one at a time, through pool_table: the fewest changes that flip the significance."""
    base = pool_table(DATA, model.measure, model.method, model.test, STUDY).pvalue < alpha
    best = None
    for i in range(3):
        for arm, n in (("events_t", "n_t"), ("events_c", "n_c")):
            for sign in (1, -1):
                m = 1
                while 0 <= DATA[arm][i] + sign * m <= DATA[n][i]:
                    data = {key: list(v) for key, v in DATA.items()}
                    data[arm][i] += sign * m
                    p = pool_table(data, model.measure, model.method, model.test, STUDY).pvalue
                    if (p >= alpha) == base:
                        best = m if best is None else min(best, m)
                        break
                    m += 1
    return best


@pytest.mark.parametrize("model", [Model(Measure.RR, Method.REML, Test.Z), Model(Measure.OR, Method.DL, Test.KNHA),
                                   Model(Measure.RD, Method.FE), Model(Measure.OR, Method.MH)],
                         ids=["RR-REML", "OR-DL-knha", "RD-FE", "OR-MH"])
def test_index_is_the_fewest_changes(model):
    res = fragility(DATA, STUDY, model)
    expected = brute_force(model)
    assert res.index == expected and expected is not None
    assert res.quotient == pytest.approx(expected / 190)
    assert res.participants == 190
    # the change reported does flip the result
    data = {key: list(v) for key, v in DATA.items()}
    arm = "events_t" if res.arm == "treatment" else "events_c"
    data[arm][STUDY.index(res.study)] += res.index * (1 if res.direction == "add events" else -1)
    flipped = pool_table(data, model.measure, model.method, model.test, STUDY)
    assert (flipped.pvalue < 0.05) != res.significant
    assert flipped.pvalue == pytest.approx(res.flipped_pvalue, rel=1e-9)


def test_not_significant_gives_the_reverse_index():
    data = {"events_t": [10, 12], "n_t": [40, 40], "events_c": [12, 13], "n_c": [40, 40]}
    res = fragility(data, ["A", "B"], Model(Measure.RR, Method.FE))
    assert not res.significant and res.index is not None and res.index >= 1
    assert any("reverse" in n for n in res.notes)


def test_continuous_measure_is_refused():
    with pytest.raises(AnalysisError, match="counts events"):
        fragility({"yi": [0.1], "vi": [0.1]}, ["A"], Model(Measure.GEN))
