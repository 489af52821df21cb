"""leave1out(), influence(), baujat(), cumul(), regtest(), ranktest() and trimfill() against metafor 3.8-1.

Reference values: tests/reference/sensitivity_reference.json, made by make_sensitivity_reference.R (R 4.2.2,
metafor 3.8-1, iterative estimators converged to 1e-10). Tolerance: 1e-6 relative (1e-9 absolute) for every
number, except p-values (1e-6 absolute) and trim-and-fill's k0 and side, which must be equal.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from evsynth.meta.robustness import small_study as bias
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.effects import Effects
from evsynth.meta.robustness.refits import cumulative, influence, leave_one_out
from evsynth.meta.engine.model import Model

REF = json.loads((Path(__file__).parent / "reference" / "sensitivity_reference.json").read_text())
DATASETS = {d["name"]: d for d in REF["datasets"]}
FITS = REF["fits"]
IDS = [f"{f['dataset']}-{f['method']}-{f['test']}" for f in FITS]
REL, ABS, PABS = 1e-6, 1e-9, 1e-6


def close(ours, theirs, what, rel=REL, abs_=ABS):
    ours = np.array([np.nan if x is None else x for x in np.atleast_1d(ours)], dtype=float)
    theirs = np.array([np.nan if x is None else x for x in np.atleast_1d(theirs)], dtype=float)
    assert ours.shape == theirs.shape, what
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), f"{what}: missing values differ"
    ok = ~np.isnan(theirs)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=rel, atol=abs_, err_msg=what)


def generic(d):
    return {"yi": d["yi"], "vi": d["vi"]}, d["study"]


def model(f):
    return Model(Measure.GEN, Method(f["method"]), Test(f["test"]))


def effects(d):
    return Effects(Measure.GEN, tuple(d["study"]), np.array(d["yi"], float), np.array(d["vi"], float), "identity")


@pytest.mark.parametrize("f", FITS, ids=IDS)
def test_leave_one_out(f):
    data, study = generic(DATASETS[f["dataset"]])
    res = leave_one_out(data, study, model(f))
    ref = f["leave1out"]
    assert [r.group for r in res] == study
    close([r.estimate for r in res], ref["estimate"], "estimate")
    close([r.se for r in res], ref["se"], "se")
    close([r.ci_low for r in res], ref["ci_lb"], "ci_low")
    close([r.ci_high for r in res], ref["ci_ub"], "ci_high")
    close([r.pvalue for r in res], ref["pval"], "pvalue", rel=0, abs_=PABS)
    close([r.q for r in res], ref["Q"], "Q")
    if f["method"] != "FE":  # metafor leaves tau^2 and I^2 out for a fixed-effect model
        close([r.tau2 for r in res], ref["tau2"], "tau2", abs_=1e-8)
        close([r.i2 for r in res], ref["I2"], "I2", abs_=1e-6)


@pytest.mark.parametrize("f", FITS, ids=IDS)
def test_influence(f):
    data, study = generic(DATASETS[f["dataset"]])
    res = influence(data, study, model(f))
    ref = f["influence"]
    s = res.studies
    close([x.rstudent for x in s], ref["rstudent"], "rstudent", abs_=1e-7)
    close([x.dffits for x in s], ref["dffits"], "dffits", abs_=1e-7)
    close([x.cooks_d for x in s], ref["cook_d"], "cooks_d", abs_=1e-8)
    close([x.cov_ratio for x in s], ref["cov_r"], "cov_ratio")
    close([x.tau2 for x in s], ref["tau2_del"], "tau2_del", abs_=1e-8)
    close([x.q for x in s], ref["QE_del"], "QE_del")
    close([x.hat for x in s], ref["hat"], "hat")
    close([x.weight for x in s], ref["weight"], "weight")
    close([x.dfbetas for x in s], ref["dfbs"], "dfbetas", abs_=1e-7)
    assert [x.influential for x in s] == ref["inf"]
    close([x.baujat_x for x in s], f["baujat"]["x"], "baujat x")
    close([x.baujat_y for x in s], f["baujat"]["y"], "baujat y", abs_=1e-8)


@pytest.mark.parametrize("f", [f for f in FITS if "cumul" in f], ids=[i for f, i in zip(FITS, IDS) if "cumul" in f])
def test_cumulative_by_year(f):
    d = DATASETS[f["dataset"]]
    data, study = generic(d)
    res = cumulative(data, study, model(f), order=d["year"])
    ref = f["cumul"]
    assert [r.group for r in res] == [re.sub(r"\.\d+$", "", s) for s in ref["slab"]]  # R makes labels unique
    assert [r.k for r in res] == list(range(1, len(study) + 1))
    close([r.estimate for r in res], ref["estimate"], "estimate")
    close([r.ci_low for r in res], ref["ci_lb"], "ci_low")
    close([r.ci_high for r in res], ref["ci_ub"], "ci_high")
    close([r.q for r in res], ref["Q"], "Q")
    if f["method"] != "FE":
        close([r.tau2 for r in res], ref["tau2"], "tau2", abs_=1e-8)


@pytest.mark.parametrize("f", FITS, ids=IDS)
def test_regtest_and_ranktest(f):
    e = effects(DATASETS[f["dataset"]])
    eg = bias.egger(e, Method(f["method"]), Test(f["test"]))
    close(eg.statistic, f["regtest"]["zval"], "egger z")
    close(eg.pvalue, f["regtest"]["pval"], "egger p", rel=0, abs_=PABS)
    close(eg.limit_estimate, f["regtest"]["est"], "limit estimate")
    close(eg.limit_ci_low, f["regtest"]["ci_lb"], "limit ci_low")
    lm = bias.egger_lm(e)
    close(lm.statistic, f["regtest_lm"]["zval"], "egger lm t")
    close(lm.pvalue, f["regtest_lm"]["pval"], "egger lm p", rel=0, abs_=PABS)
    close(lm.limit_ci_high, f["regtest_lm"]["ci_ub"], "egger lm limit ci_high")
    assert lm.df == f["regtest_lm"]["dfs"][0]
    bg = bias.begg(e)
    close(bg.statistic, f["ranktest"]["tau"], "kendall tau")
    close(bg.pvalue, f["ranktest"]["pval"], "begg p", rel=0, abs_=PABS)
    assert (bias.FEW_STUDIES in bg.notes) == (e.k < 10)


@pytest.mark.parametrize("estimator", ["L0", "R0"])
@pytest.mark.parametrize("f", FITS, ids=IDS)
def test_trimfill(f, estimator):
    ref = f[f"trimfill_{estimator}"]
    e = effects(DATASETS[f["dataset"]])
    if "error" in ref:
        with pytest.raises(Exception):
            bias.trimfill(e, Method(f["method"]), estimator)
        return
    tf = bias.trimfill(e, Method(f["method"]), estimator, test=Test(f["test"]))
    assert (tf.k0, tf.side) == (ref["k0"], ref["side"])
    close(tf.filled.estimate, ref["estimate"], "filled estimate")
    close(tf.filled.ci_low, ref["ci_lb"], "filled ci_low")
    close(tf.filled.ci_high, ref["ci_ub"], "filled ci_high")
    close(tf.filled.tau2, ref["tau2"], "filled tau2", abs_=1e-8)
    close(tf.k0_se, ref["se_k0"], "se of k0")
    close(sorted(tf.filled_yi), sorted(ref["filled_yi"]), "filled yi")


@pytest.mark.parametrize("entry", REF["mh"], ids=[f"{m['dataset']}-{m['measure']}" for m in REF["mh"]])
def test_mh_leave_one_out(entry):
    d = DATASETS[entry["dataset"]]
    res = leave_one_out(d["counts"], d["study"], Model(Measure(entry["measure"]), Method.MH))
    ref = entry["leave1out"]
    close([r.estimate for r in res], ref["estimate"], "estimate")
    close([r.ci_low for r in res], ref["ci_lb"], "ci_low")
    close([r.q for r in res], ref["Q"], "Q")


def test_reference_is_complete():
    assert len(FITS) == 30 and len(REF["mh"]) == 4
    assert {f["dataset"] for f in FITS} == set(DATASETS)


@pytest.mark.parametrize("f", [f for f in FITS if "peters" in f], ids=[i for f, i in zip(FITS, IDS) if "peters" in f])
def test_peters(f):
    d = DATASETS[f["dataset"]]
    n = np.array(d["counts"]["n_t"], float) + np.array(d["counts"]["n_c"], float)
    pt = bias.peters(effects(d), n)
    close(pt.statistic, f["peters"]["zval"], "peters t")
    close(pt.pvalue, f["peters"]["pval"], "peters p", rel=0, abs_=PABS)
    close(pt.limit_estimate, f["peters"]["est"], "peters limit estimate")
    assert pt.df == f["peters"]["dfs"][0]


def test_harbord_matches_its_definition():
    """Harbord et al. (2006): OLS of Z/sqrt(V) on sqrt(V), intercept tested with t(k-2), computed here with
    statsmodels from the score and hypergeometric variance written out for each 2x2 table."""
    import statsmodels.api as sm

    d = DATASETS["egger2001_or"]["counts"]
    a, n1, c, n2 = (np.array(d[key], float) for key in ("events_t", "n_t", "events_c", "n_c"))
    N, m1 = n1 + n2, a + c
    Z = a - n1 * m1 / N
    V = n1 * n2 * m1 * (N - m1) / (N**2 * (N - 1))
    ols = sm.OLS(Z / np.sqrt(V), sm.add_constant(np.sqrt(V))).fit()
    h = bias.harbord(d)
    assert h.statistic == pytest.approx(ols.tvalues[0], rel=1e-10)
    assert h.pvalue == pytest.approx(ols.pvalues[0], rel=1e-8)
    assert h.df == len(a) - 2


def test_harbord_leaves_out_tables_without_information():
    d = {"events_t": [0, 3, 5, 2, 9], "n_t": [10, 40, 50, 30, 60], "events_c": [0, 6, 9, 4, 12],
         "n_c": [10, 40, 50, 30, 60]}
    h = bias.harbord(d)
    assert h.k == 4 and any("1 studies without events" in n for n in h.notes)
    assert bias.FEW_STUDIES in h.notes


def test_few_studies_are_reported_with_the_warning():
    e = effects(DATASETS["normand1999_md"])  # k = 9
    for res in (bias.egger(e), bias.egger_lm(e), bias.begg(e), bias.trimfill(e)):
        assert bias.FEW_STUDIES in res.notes
    assert bias.FEW_STUDIES not in bias.egger(effects(DATASETS["bcg_rr"])).notes  # k = 13
