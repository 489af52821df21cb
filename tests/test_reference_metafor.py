"""Our engine against metafor (tests/reference/metafor_reference.json, made by make_reference.R).

Tolerances (relative, with a tiny absolute floor for values at 0), one per kind of quantity:
- CLOSED_FORM 1e-6: escalc effect sizes, FE, DL, HE, SJ, Mantel-Haenszel, Peto, and everything derived from them;
- ITERATIVE 1e-5: REML, ML, PM, EB and the Q-profile bounds (the reference was made with tight controls);
- PVALUE 1e-4: p-values (a relative error e in z becomes about z^2 * e in a tail probability).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from evsynth.meta.engine.choices import Measure, Method, PredictionType, Test, ZeroTo
from evsynth.meta.engine.effects import compute_effects
from evsynth.meta.engine.model import ZeroCells
from evsynth.meta.engine.pooling import pool, pool_table
from evsynth.meta.engine.regression import design_matrix, meta_regression
from evsynth.meta.engine.subgroups import subgroup_analysis
from tests.conftest import REFERENCE

import json

REF = json.loads(REFERENCE.read_text())
CLOSED_FORM, ITERATIVE, PVALUE, ABS = 1e-6, 1e-5, 1e-4, 1e-10
ITERATIVE_METHODS = {"REML", "ML", "PM", "EB"}


def close(got, want, rel, what):
    if want is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), f"{what}: expected NA, got {got}"
        return
    assert got is not None, f"{what}: got None, metafor gives {want}"
    assert got == pytest.approx(want, rel=rel, abs=ABS), f"{what}: {got} vs metafor {want}"


def dataset(name):
    d = REF["datasets"][name]
    return d, {k: np.asarray(v, float) for k, v in d["columns"].items()}, d["study"]


def effects_for(name, measure):
    d, cols, study = dataset(name)
    if d["kind"] == "generic_ratio":
        return compute_effects(Measure.GEN, cols, study)
    return compute_effects(measure, cols, study)


def ident(e):
    return f"{e['dataset']}/{e.get('measure')}/{e.get('method', '')}/{e.get('test', '')}"


@pytest.mark.parametrize("entry", REF["escalc"], ids=lambda e: f"{e['dataset']}/{e['measure']}/{e['to']}/{e['drop00']}")
def test_escalc(entry):
    d, cols, study = dataset(entry["dataset"])
    explicit_add = "add =" in entry["call"]
    zero = ZeroCells(entry["add"] if explicit_add else None, ZeroTo(entry["to"] or "only0"), bool(entry["drop00"]))
    measure = "GEN" if entry["measure"] == "GEN" else entry["measure"]
    eff = compute_effects(measure, cols, study, zero)
    want = {s: (y, v) for s, y, v in zip(study, entry["yi"], entry["vi"])}
    got = dict(zip(eff.study, zip(eff.yi, eff.vi)))
    for s, (y, v) in want.items():
        if y is None or v is None or v == 0:
            # metafor gives NA (or a zero variance no model can use): we exclude the study, with a reason
            assert s not in got, f"{s} should be excluded (metafor gives NA or vi = 0)"
            assert any(e.study == s for e in eff.excluded)
        else:
            close(got[s][0], y, CLOSED_FORM, f"{s} yi")
            close(got[s][1], v, CLOSED_FORM, f"{s} vi")


@pytest.mark.parametrize("entry", REF["rma"], ids=ident)
def test_rma(entry):
    assert entry["error"] is None
    measure = entry["measure"]
    method, test = Method(entry["method"]), Test(entry["test"])
    eff = effects_for(entry["dataset"], Measure(measure))
    rel = ITERATIVE if method.value in ITERATIVE_METHODS else CLOSED_FORM
    r = pool(eff, method, test)
    where = ident(entry)
    assert r.k == entry["k"]
    for ours, theirs in [("estimate", "estimate"), ("se", "se"), ("statistic", "zval"), ("ci_low", "ci_lb"),
                         ("ci_high", "ci_ub"), ("i2", "I2"), ("h2", "H2"), ("q", "QE")]:
        close(getattr(r, ours), entry[theirs], rel, f"{where} {ours}")
    close(r.pvalue, entry["pval"], PVALUE, f"{where} pvalue")
    close(r.q_pvalue, entry["QEp"], PVALUE, f"{where} q_pvalue")
    if method.is_random:
        for ours, theirs in [("tau2", "tau2"), ("tau2_se", "se_tau2"), ("pi_low", "pi_lb"), ("pi_high", "pi_ub"),
                             ("tau2_ci_low", "tau2_lb"), ("tau2_ci_high", "tau2_ub"), ("i2_ci_low", "I2_lb"),
                             ("i2_ci_high", "I2_ub"), ("h2_ci_low", "H2_lb"), ("h2_ci_high", "H2_ub")]:
            close(getattr(r, ours), entry[theirs], ITERATIVE, f"{where} {ours}")
        riley = pool(eff, method, test, PredictionType.HIGGINS)
        close(riley.pi_low, entry["pi_riley_lb"], ITERATIVE, f"{where} riley pi_low")
        close(riley.pi_high, entry["pi_riley_ub"], ITERATIVE, f"{where} riley pi_high")
    if entry["back"] is not None:
        assert r.back is not None
        for ours, theirs in [("estimate", "estimate"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub")]:
            close(getattr(r.back, ours), entry["back"][theirs], rel, f"{where} back {ours}")
        if method.is_random:
            close(r.back.pi_low, entry["back"]["pi_lb"], ITERATIVE, f"{where} back pi_low")
            close(r.back.pi_high, entry["back"]["pi_ub"], ITERATIVE, f"{where} back pi_high")


@pytest.mark.parametrize("entry", REF["mh"] + [dict(e, measure="PETO", method="PETO") for e in REF["peto"]],
                         ids=lambda e: f"{e['dataset']}/{e['measure']}/{'PETO' if 'CMH' not in e else 'MH'}")
def test_mantel_haenszel_and_peto(entry):
    _, cols, study = dataset(entry["dataset"])
    method = Method.PETO if "CMH" not in entry else Method.MH
    r = pool_table(cols, entry["measure"], method, study=study)
    where = f"{entry['dataset']} {entry['measure']} {method.value}"
    for ours, theirs in [("estimate", "estimate"), ("se", "se"), ("statistic", "zval"), ("ci_low", "ci_lb"),
                         ("ci_high", "ci_ub"), ("q", "QE"), ("i2", "I2"), ("h2", "H2")]:
        close(getattr(r, ours), entry[theirs], CLOSED_FORM, f"{where} {ours}")
    close(r.pvalue, entry["pval"], PVALUE, f"{where} pvalue")
    close(r.q_pvalue, entry["QEp"], PVALUE, f"{where} q_pvalue")
    if entry.get("CMH") is not None:
        close(r.extra["cmh"], entry["CMH"], CLOSED_FORM, f"{where} CMH")


@pytest.mark.parametrize("entry", REF["regression"], ids=lambda e: f"{ident(e)} {e['mods']}")
def test_meta_regression(entry):
    d, cols, study = dataset(entry["dataset"])
    eff = compute_effects(entry["measure"], cols, study)
    mods = d["moderators"]
    terms = [t.strip() for t in entry["mods"].lstrip("~ ").split("+")]
    chosen, categorical = {}, []
    for t in terms:
        if t.startswith("factor("):
            name = t[len("factor("):-1]
            categorical.append(name)
        else:
            name = t
        chosen[name] = mods[name]
    design = design_matrix(chosen, categorical)
    r = meta_regression(eff, design, Method(entry["method"]), Test(entry["test"]))
    rel = ITERATIVE if entry["method"] in ITERATIVE_METHODS else CLOSED_FORM
    where = f"{ident(entry)} {entry['mods']}"
    assert len(r.coefficients) == len(entry["beta"])
    for c, b, se, lo, hi in zip(r.coefficients, entry["beta"], entry["se"], entry["ci_lb"], entry["ci_ub"]):
        close(c.estimate, b, rel, f"{where} {c.name}")
        close(c.se, se, rel, f"{where} {c.name} se")
        close(c.ci_low, lo, rel, f"{where} {c.name} ci_low")
        close(c.ci_high, hi, rel, f"{where} {c.name} ci_high")
    close(r.qm, entry["QM"], rel, f"{where} QM")
    close(r.qm_pvalue, entry["QMp"], PVALUE, f"{where} QMp")
    close(r.qe, entry["QE"], CLOSED_FORM, f"{where} QE")
    if entry["tau2"] is not None:
        close(r.tau2, entry["tau2"], rel, f"{where} tau2")
        close(r.i2, entry["I2"], rel, f"{where} I2")
    close(r.r2, entry["R2"], ITERATIVE, f"{where} R2")


@pytest.mark.parametrize("entry", REF["subgroups"], ids=lambda e: f"{ident(e)} common={e['tau2_common']}")
def test_subgroups(entry):
    d, cols, study = dataset(entry["dataset"])
    eff = compute_effects(entry["measure"], cols, study)
    res = subgroup_analysis(eff, d["moderators"][entry["variable"]], entry["variable"], Method(entry["method"]),
                            Test(entry["test"]), tau2_common=entry["tau2_common"])
    where = f"{ident(entry)} common={entry['tau2_common']}"
    close(res.q_between, entry["Q_between"], ITERATIVE, f"{where} Q_between")
    close(res.q_between_pvalue, entry["Q_between_p"], PVALUE, f"{where} p")
    for sub in res.subgroups:
        want = entry["groups"][sub.group]
        for ours, theirs in [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_lb"), ("ci_high", "ci_ub"),
                             ("tau2", "tau2")]:
            close(getattr(sub, ours), want[theirs], ITERATIVE, f"{where} {sub.group} {ours}")


def test_reference_grid_is_complete():
    """Every measure x estimator x test the CLI offers is pinned against metafor."""
    have = {(e["measure"], e["method"], e["test"]) for e in REF["rma"]}
    for measure in Measure:
        for method in ["FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB"]:
            for test in ["z", "knha", "adhoc"]:
                assert (measure.value, method, test) in have, (measure, method, test)
    assert {e["measure"] for e in REF["mh"]} == {"OR", "RR", "RD"}
    assert REF["peto"]
    assert REF["meta"]["metafor"]
