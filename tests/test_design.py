"""Design-aware pooling (issue 16, item 4): crossover trials analysed as paired, double-zero trials left out of
ratio measures, and the rule used with fewer than 3 trials.

Reference values: tests/reference/design_reference.json, made by make_design_reference.R (R 4.2.2, metafor 3.8-1,
numDeriv): metafor's escalc("MC") for the paired mean difference, the Cochrane Handbook's formulas for the paired
SMD and its worked example (23.2.7: MD 0.5, SE 0.583; SMD 0.218, SE 0.256), the delta-method variance of the
marginal measures of paired 2x2 tables (numerical Jacobian, multinomial covariance), and metafor's rma(), rma.mh()
and rma.peto() on the adjusted effects, on escalc(drop00 = TRUE) and on two trials.
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.crossover import binary_correlation, max_phi, paired_variance
from evsynth.meta.engine.effects import compute_effects
from evsynth.meta.engine.model import Model
from evsynth.meta.engine.pooling import pool_table
from evsynth.meta.errors import AnalysisError, SchemaError
from evsynth.meta.review.design import finish, plan_design, sensitivity
from evsynth.meta.review.methods import Methods, load_methods
from evsynth.meta.robustness.refits import fit_table

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
REF = json.loads((ROOT / "tests" / "reference" / "design_reference.json").read_text())
REL = 1e-6  # REML iterates to 1e-10 in both; closed forms agree to rounding
EXACT = 1e-10
R50 = Methods(crossover_correlation=0.5, crossover_correlation_source="test")


def close(ours, theirs, rel=REL, what="", abs_=1e-12):
    assert ours == pytest.approx(theirs, rel=rel, abs=abs_), what


def same_fit(res, ref, rel=REL, k=True):
    if k:
        assert res.k == ref["k"]
    for ours, name in ((res.estimate, "estimate"), (res.se, "se"), (res.ci_low, "ci_low"), (res.ci_high, "ci_high")):
        close(ours, ref[name], rel, name)
    close(res.tau2, ref["tau2"], rel, "tau2", abs_=1e-9)  # both stop when tau^2 changes by less than 1e-10
    assert res.pvalue == pytest.approx(ref["pvalue"], abs=1e-8)


def binary_rows(ref_rows, crossover=None):
    """Evidence-like rows, their canonical columns and labels, from the R script's data frame rows."""
    rows, study = [], []
    for i, r in enumerate(ref_rows):
        cross = r.get("crossover", False) if crossover is None else crossover
        rows.append({"study_id": f"row{i}", "trial": r["study"], "design": "crossover RCT" if cross else
                     "parallel RCT"})
        study.append(r["study"])
    cols = {"events_t": np.array([r["ai"] for r in ref_rows], float), "n_t": np.array([r["n1"] for r in ref_rows],
            float), "events_c": np.array([r["ci"] for r in ref_rows], float),
            "n_c": np.array([r["n2"] for r in ref_rows], float)}
    return rows, cols, study


def analyse(rows, cols, study, model, methods):
    plan = plan_design(rows, cols, study, model, methods)
    kept = [s for s, k in zip(study, plan.kept) if k]
    return plan, finish(fit_table(plan.columns, kept, plan.model), plan), kept


# ---- the engine: hand computations from the Handbook's formulas -----------------------------------------------

def test_the_handbook_worked_example():
    h = REF["handbook"]
    data = {"mean_t": [h["m1"]], "sd_t": [h["sd1"]], "n_t": [h["n"]], "mean_c": [h["m2"]], "sd_c": [h["sd2"]],
            "n_c": [h["n"]], "ri": [h["r"]]}
    md, smd = compute_effects("MD", data), compute_effects("SMD", data)
    # the Handbook's printed (rounded) values
    assert md.yi[0] == 0.5 and math.sqrt(md.vi[0]) == pytest.approx(0.583, abs=5e-4)
    assert smd.yi[0] == pytest.approx(0.218, abs=5e-4) and math.sqrt(smd.vi[0]) == pytest.approx(0.256, abs=5e-4)
    # metafor's escalc("MC") and the Handbook's SMD formula, to rounding
    close(md.vi[0], h["md_vi"], EXACT)
    close(smd.yi[0], h["smd_yi"], EXACT)
    close(smd.vi[0], h["smd_vi"], EXACT)


@pytest.mark.parametrize("t", REF["paired_tables"], ids=lambda t: f"{t['n11']}-{t['n10']}-{t['n01']}-{t['n00']}")
def test_marginal_binary_variance_is_the_delta_method_of_the_paired_table(t):
    """The engine sees only the margins and r; with r the table's phi, its variances equal the delta-method
    variances of the marginal measures computed from the whole paired table (Becker & Balagtas 1993)."""
    data = {"events_t": [t["events_t"]], "n_t": [t["n"]], "events_c": [t["events_c"]], "n_c": [t["n"]],
            "ri": [t["phi"]]}
    for measure in ("OR", "RR", "RD"):
        e = compute_effects(measure, data)
        close(e.yi[0], t[f"{measure.lower()}_yi"], EXACT, measure)
        close(e.vi[0], t[f"{measure.lower()}_vi"], 1e-7, measure)  # numDeriv's Richardson extrapolation
    bound = max_phi(t["events_t"], t["n"], t["events_c"], t["n"])
    assert t["phi"] <= bound + 1e-12
    if t["n01"] == 0:  # everyone with an event on control has one on treatment: the Frechet bound is reached
        close(float(bound), t["phi"], EXACT)


def test_shipped_crossover_rows_by_hand():
    """McKinlay 1980 (8/20 vs 1/20), Milla 1977 (5/20 vs 0/20) and Scheinberg 2006 (6/15 vs 4/15), RR, r = 0.5."""
    data = {"events_t": [8, 5, 6], "n_t": [20, 20, 15], "events_c": [1, 0, 4], "n_c": [20, 20, 15],
            "ri": [0.5, 0.5, 0.5]}
    used = binary_correlation(data["ri"], data["events_t"], data["n_t"], data["events_c"], data["n_c"])
    # McKinlay: phi <= sqrt(0.05 * 0.6 / (0.4 * 0.95)); Milla: no event on placebo, so no correlation
    close(used[0], math.sqrt(0.05 * 0.6 / (0.4 * 0.95)), EXACT)
    assert used[1] == 0 and used[2] == 0.5
    e = compute_effects("RR", data)
    # at the bound the covariance of the log risks is (1 - p_t) / (N p_t) = 0.075: 0.075 + 0.95 - 2 * 0.075
    close(e.vi[0], 0.875, EXACT)
    close(e.vi[1], 1 / 5.5 - 1 / 21 + 1 / 0.5 - 1 / 21, EXACT)  # parallel, with the 0.5 correction
    close(e.vi[2], 0.1 + 11 / 60 - 2 * 0.5 * math.sqrt(0.1 * 11 / 60), EXACT)


def test_zero_correlation_reproduces_the_parallel_analysis():
    data = {"events_t": [8, 6, 3], "n_t": [20, 15, 30], "events_c": [1, 4, 3], "n_c": [20, 15, 28]}
    for measure in ("OR", "RR", "RD"):
        par, r0 = compute_effects(measure, data), compute_effects(measure, {**data, "ri": [0.0, 0.0, 0.0]})
        np.testing.assert_allclose(r0.vi, par.vi, rtol=1e-14)
    cont = {"mean_t": [7.0, 3.0], "sd_t": [2.4, 1.0], "n_t": [10, 12], "mean_c": [6.5, 2.0], "sd_c": [2.2, 1.5],
            "n_c": [10, 12]}
    np.testing.assert_allclose(compute_effects("MD", {**cont, "ri": [0.0, 0.0]}).vi,
                               compute_effects("MD", cont).vi, rtol=1e-14)


def test_unequal_periods_use_the_patients_of_the_smaller_one():
    # 18 patients completed the control period, 20 the treatment period: cov = r s_t s_c / max(n)
    v = paired_variance(2.0**2 / 20, 3.0**2 / 18, 0.5, 20, 18)
    close(float(v), 4 / 20 + 9 / 18 - 2 * 0.5 * 2.0 * 3.0 / 20, EXACT)


def test_a_nan_correlation_leaves_a_row_parallel_and_is_not_missing():
    data = {"events_t": [8, 6], "n_t": [20, 15], "events_c": [1, 4], "n_c": [20, 15]}
    both = compute_effects("RR", {**data, "ri": [np.nan, 0.5]})
    par = compute_effects("RR", data)
    assert both.k == 2 and both.vi[0] == par.vi[0] and both.vi[1] < par.vi[1]


@pytest.mark.parametrize("measure, ri, fragment", [
    ("PETO", 0.5, "not PETO"), ("RR", 1.0, "[0, 1)"), ("RR", -0.2, "[0, 1)")])
def test_a_correlation_the_engine_cannot_use_is_an_error(measure, ri, fragment):
    data = {"events_t": [8], "n_t": [20], "events_c": [1], "n_c": [20], "ri": [ri]}
    with pytest.raises(AnalysisError, match=fragment.replace("[", r"\[").replace(")", r"\)")):
        compute_effects(measure, data)


def test_mantel_haenszel_refuses_a_paired_row():
    data = {"events_t": [8, 6], "n_t": [20, 15], "events_c": [1, 4], "n_c": [20, 15], "ri": [np.nan, 0.5]}
    with pytest.raises(AnalysisError, match="pools the 2x2 counts"):
        pool_table(data, "RR", "MH")
    pool_table({**data, "ri": [np.nan, np.nan]}, "RR", "MH")  # no paired row: fine


# ---- pooled results against metafor rma(yi, vi) on the adjusted effects --------------------------------------

@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_pooled_crossover_binary_against_metafor(measure):
    ref = REF["pooled_binary"]["fits"][measure]
    rows, cols, study = binary_rows(REF["pooled_binary"]["rows"])
    plan, res, kept = analyse(rows, cols, study, Model(Measure(measure), Method.REML, Test.KNHA), R50)
    same_fit(res, ref["fit"])
    close(res.pi_low, ref["pi_low"])
    close(res.pi_high, ref["pi_high"])
    effects = {t.study: t for t in plan.report.crossover}
    for s, y, v, r in zip(ref["study"], ref["yi"], ref["vi"], ref["r_used"]):
        if s in effects:
            close(effects[s].yi, y, EXACT, s)
            close(effects[s].vi, v, EXACT, s)
            close(effects[s].correlation, r, EXACT, s)
    if measure == "RD":
        assert "Ponizovsky 2015" in kept and plan.report.double_zero_rule == "kept"
    else:
        assert kept == ["McKinlay 1980", "Milla 1977", "Scheinberg 2006"]
        assert plan.report.double_zero == ("Ponizovsky 2015",) and plan.report.double_zero_rule == "dropped"
    sens = sensitivity(plan, kept, Methods(crossover_correlation=0.5, crossover_correlation_source="t"))
    assert sens[0].correlation is None
    for ours, theirs in zip(sens[1:], ref["sensitivity"]):
        assert ours.correlation == theirs["correlation"]
        close(ours.estimate, theirs["estimate"])
        close(ours.ci_low, theirs["ci_low"])
        close(ours.ci_high, theirs["ci_high"])
    close(sens[1].estimate, sens[0].estimate, EXACT)  # r = 0 is the parallel analysis


def test_the_fragility_index_refits_the_paired_analysis():
    from evsynth.meta.robustness.fragility import fragility

    rows, cols, study = binary_rows(REF["pooled_binary"]["rows"])
    plan, res, kept = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), R50)
    frag = fragility(plan.columns, kept, plan.model)
    assert frag.pvalue == pytest.approx(res.pvalue, rel=1e-12)  # the paired analysis, not the parallel one


@pytest.mark.parametrize("key", sorted(REF["pooled_continuous"]["fits"]))
def test_pooled_crossover_continuous_against_metafor(key):
    ref = REF["pooled_continuous"]["fits"][key]
    src = REF["pooled_continuous"]["rows"]
    rows = [{"study_id": f"r{i}", "trial": r["study"], "design": "crossover RCT" if r["crossover"] else
             "parallel RCT"} for i, r in enumerate(src)]
    cols = {c: np.array([r[k] for r in src], float) for c, k in (("mean_t", "m1"), ("sd_t", "sd1"), ("n_t", "n1"),
                                                                  ("mean_c", "m2"), ("sd_c", "sd2"), ("n_c", "n2"))}
    methods = Methods(crossover_correlation=ref["correlation"], crossover_correlation_source="t")
    plan, res, _ = analyse(rows, cols, [r["study"] for r in src], Model(Measure(ref["measure"]), Method.REML,
                                                                        Test.KNHA), methods)
    same_fit(res, ref["fit"])
    (trial,) = plan.report.crossover
    close(trial.yi, ref["yi"][-1], EXACT)
    close(trial.vi, ref["vi"][-1], EXACT)
    assert trial.correlation == ref["correlation"]


# ---- double-zero trials against metafor's drop00 ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(REF["double_zero"]))
def test_double_zero_trials_leave_ratio_measures(name):
    ref = REF["double_zero"][name]
    src = [{"study": s, "ai": a, "n1": n1, "ci": c, "n2": n2}
           for s, a, n1, c, n2 in zip(ref["study"], ref["ai"], ref["n1"], ref["ci"], ref["n2"])]
    rows, cols, study = binary_rows(src, crossover=False)
    methods = Methods(few_trials="none")
    for measure in ("RR", "OR"):
        r = ref[measure]
        plan, res, kept = analyse(rows, cols, study, Model(Measure(measure), Method.REML, Test.KNHA), methods)
        assert plan.report.double_zero == tuple(r["dropped"]) and plan.report.double_zero_rule == "dropped"
        assert not set(r["dropped"]) & set(kept) and not set(r["dropped"]) & set(res.studies)
        assert any(note.startswith("Left out: " + ", ".join(r["dropped"])) for note in plan.notes)
        same_fit(res, r["reml_knha"])
        # rma.mh counts the double-zero tables in k, with no weight: here they are not pooled at all
        _, mh, _ = analyse(rows, cols, study, Model(Measure(measure), Method.MH, Test.Z), methods)
        same_fit(mh, r["mh"], k=False)
        assert mh.k == r["mh"]["k"] - len(r["dropped"])
    _, peto, _ = analyse(rows, cols, study, Model(Measure.OR, Method.PETO, Test.Z), methods)
    same_fit(peto, ref["OR"]["peto"], k=False)
    plan, rd, kept = analyse(rows, cols, study, Model(Measure.RD, Method.REML, Test.KNHA), methods)
    same_fit(rd, ref["RD"]["reml_knha"])
    assert kept == study and plan.report.double_zero_rule == "kept"


def test_a_ratio_analysis_of_double_zero_trials_only_says_why_it_cannot_be_pooled():
    rows, cols, study = binary_rows([{"study": "A", "ai": 0, "n1": 30, "ci": 0, "n2": 30},
                                     {"study": "B", "ai": 0, "n1": 20, "ci": 0, "n2": 20}], crossover=False)
    with pytest.raises(AnalysisError, match=r"every one \(A, B\) has no events .* double_zero = \"keep\""):
        plan_design(rows, cols, study, Model(Measure.OR, Method.REML, Test.KNHA), Methods())
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RD, Method.REML, Test.KNHA), Methods())
    assert res.k == 2 and res.estimate == 0 and res.method == "FE" and res.se > 0  # with the zero-cell correction
    assert "not fixed-effect Mantel-Haenszel, which cannot be computed here (its standard error is 0" in plan.notes[-1]
    assert plan.report.double_zero_rule == "kept"


def test_double_zero_trials_can_be_kept():
    ref = REF["double_zero"]["nielweise2007"]
    src = [{"study": s, "ai": a, "n1": n1, "ci": c, "n2": n2}
           for s, a, n1, c, n2 in zip(ref["study"], ref["ai"], ref["n1"], ref["ci"], ref["n2"])]
    rows, cols, study = binary_rows(src, crossover=False)
    plan, res, kept = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA),
                              Methods(double_zero="keep"))
    assert kept == study and res.k == len(study) and "Yucel 2004" in res.adjusted
    assert plan.report.double_zero_rule == "kept" and "double_zero = \"keep\"" in plan.notes[0]


# ---- fewer than 3 trials -----------------------------------------------------------------------------------

def test_two_trials_are_pooled_with_mantel_haenszel_without_a_prediction_interval():
    ref = REF["few_trials"]["two"]
    rows, cols, study = binary_rows(ref["rows"], crossover=False)
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), Methods())
    assert res.method == "MH" and res.pi_low is None
    same_fit(res, ref["mh"])
    few = plan.report.few_trials
    assert (few.trials, few.rule, few.prediction_interval) == (2, "fixed", False)
    assert few.used == "fixed-effect Mantel-Haenszel" and few.specified == "REML with the Hartung-Knapp test"
    assert plan.notes == (few.reason,)
    assert few.reason.startswith("2 trials: fixed-effect Mantel-Haenszel instead of random-effects REML")
    assert "Bender et al. 2018" in few.reason and "no prediction interval" in few.reason


def test_subgroups_of_a_mantel_haenszel_pair_pool_effect_sizes_fixed_effect():
    rows, cols, study = binary_rows(REF["few_trials"]["two"]["rows"], crossover=False)
    plan = plan_design(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), Methods())
    assert plan.model.method is Method.MH and plan.effects_model.method is Method.FE
    specified_mh = plan_design(rows, cols, study, Model(Measure.RR, Method.MH, Test.Z), Methods())
    assert specified_mh.effects_model.method is Method.MH  # as specified: subgroups say they need effect sizes


def test_two_crossover_trials_are_pooled_by_inverse_variance():
    """Mantel-Haenszel cannot take the paired variances, so crossover trials are pooled fixed-effect by inverse
    variance (here both have an arm without events: r = 0)."""
    ref = REF["few_trials"]["somnolence"]
    rows, cols, study = binary_rows(ref["rows"], crossover=True)
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), R50)
    assert res.method == "FE" and res.pi_low is None
    same_fit(res, ref["fe"])
    assert "not Mantel-Haenszel" in plan.report.few_trials.reason
    assert [t.correlation for t in plan.report.crossover] == [0.0, 0.0]


@pytest.mark.parametrize("rule, key", [("adhoc", "adhoc"), ("none", "knha")])
def test_the_other_few_trials_rules(rule, key):
    ref = REF["few_trials"]["somnolence"]
    rows, cols, study = binary_rows(ref["rows"], crossover=False)
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), Methods(few_trials=rule))
    assert res.test == key and res.pi_low is None and res.back.pi_low is None  # metafor gives a PI; we do not
    same_fit(res, ref[key])
    assert plan.report.few_trials.rule == rule and "no prediction interval" in plan.report.few_trials.reason


def test_a_continuous_pair_is_pooled_fixed_effect():
    ref = REF["few_trials"]["normand_md"]
    src = REF["pooled_continuous"]["rows"][:2]
    rows = [{"study_id": f"r{i}", "trial": r["study"], "design": "parallel RCT"} for i, r in enumerate(src)]
    cols = {c: np.array([r[k] for r in src], float) for c, k in (("mean_t", "m1"), ("sd_t", "sd1"), ("n_t", "n1"),
                                                                  ("mean_c", "m2"), ("sd_c", "sd2"), ("n_c", "n2"))}
    plan, res, _ = analyse(rows, cols, [r["study"] for r in src], Model(Measure.MD, Method.REML, Test.KNHA),
                           Methods())
    assert res.method == "FE" and plan.report.few_trials.used == "fixed-effect inverse variance"
    same_fit(res, ref["fe"])


def test_mantel_haenszel_not_estimable_falls_back_to_inverse_variance():
    rows, cols, study = binary_rows([{"study": "A", "ai": 1, "n1": 58, "ci": 0, "n2": 31}], crossover=False)
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), Methods())
    assert res.method == "FE" and res.k == 1
    assert "not fixed-effect Mantel-Haenszel, which cannot be computed here" in plan.report.few_trials.reason
    assert plan.report.few_trials.used == "fixed-effect inverse variance"


def test_three_trials_keep_the_model_and_its_prediction_interval():
    rows, cols, study = binary_rows(REF["pooled_binary"]["rows"])
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), R50)
    assert plan.trials == 3 and plan.report.few_trials is None and res.pi_low is not None


def test_a_higher_threshold_with_adhoc_keeps_the_prediction_interval_at_three_trials():
    rows, cols, study = binary_rows(REF["pooled_binary"]["rows"])
    methods = Methods(crossover_correlation=0.5, crossover_correlation_source="t", few_trials="adhoc",
                      few_trials_below=5)
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), methods)
    assert res.test == "adhoc" and res.pi_low is not None and plan.report.few_trials.prediction_interval


def test_trials_not_rows_are_counted():
    """Two rows of one trial (two arms against a shared control) are one trial: below 3 trials."""
    src = [{"study": "A", "ai": 3, "n1": 30, "ci": 5, "n2": 30}, {"study": "B", "ai": 4, "n1": 30, "ci": 5, "n2": 30},
           {"study": "C", "ai": 2, "n1": 40, "ci": 6, "n2": 40}]
    rows, cols, study = binary_rows(src, crossover=False)
    rows[1]["trial"] = "A"
    plan, res, _ = analyse(rows, cols, study, Model(Measure.RR, Method.REML, Test.KNHA), Methods())
    assert plan.trials == 2 and res.k == 3 and res.method == "MH" and res.pi_low is None


# ---- base.toml [methods] ------------------------------------------------------------------------------------

def write_base_toml(tmp_path, methods: str) -> Path:
    (tmp_path / "base.toml").write_text('[base]\ntitle = "T"\nintervention = "drug"\ncomparator = "control"\n\n'
                                        f"[methods]\n{methods}")
    return tmp_path


def test_methods_are_read_with_their_defaults(tmp_path):
    assert load_methods(tmp_path) == Methods()  # no base.toml
    m = load_methods(write_base_toml(tmp_path, 'crossover_correlation = 0.6\ncrossover_correlation_source = "S"\n'
                                               'crossover_sensitivity = [0.75, 0, 0.25]\nfew_trials = "adhoc"\n'
                                               'few_trials_below = 4\ndouble_zero = "keep"\n'))
    assert m == Methods(0.6, "S", (0.0, 0.25, 0.75), "adhoc", 4, "keep")
    shipped = load_methods(BASE)
    assert shipped.crossover_correlation == 0.5 and shipped.crossover_correlation_source


@pytest.mark.parametrize("body, line, column, fragment", [
    ("crossover_correlation = 1\ncrossover_correlation_source = \"S\"\n", 7, "methods.crossover_correlation",
     "up to (not including) 1"),
    ("crossover_correlation = 0.5\n", 7, "methods.crossover_correlation", "needs crossover_correlation_source"),
    ("crossover_correlation_source = \"S\"\n", 7, "methods.crossover_correlation_source", "which is not set"),
    ("few_trials = \"Fixed\"\n", 7, "methods.few_trials", "is not one of fixed, adhoc, none"),
    ("few_trials_below = 2.5\n", 7, "methods.few_trials_below", "whole number from 2 to 10"),
    ("double_zero = \"remove\"\n", 7, "methods.double_zero", "is not one of drop, keep"),
    ("crossover_sensitivity = [0.5, 1.2]\n", 7, "methods.crossover_sensitivity", "each from 0"),
    ("few_trial = \"fixed\"\n", 7, "methods.few_trial", "unknown key"),
])
def test_bad_methods_are_named_with_line_and_key(tmp_path, body, line, column, fragment):
    with pytest.raises(SchemaError) as exc:
        load_methods(write_base_toml(tmp_path, body))
    (p,) = exc.value.problems
    assert (p.line, p.column) == (line, column) and fragment in p.reason and p.file.endswith("base.toml")


# ---- through `evsynth run` ------------------------------------------------------------------------------------

ANALYSES = """
[analyses.ae]
title = "Any adverse event"
table = "binary"
where = { study_id = ["ponizovsky2015-04", "mckinlay1980-04", "milla1977-04", "scheinberg2006-03"] }
measure = "RR"
outcome_kind = "harm"

[analyses.dropout_ae]
title = "Dropout because of adverse events"
table = "binary"
where = { study_id = ["addolorato2007-04", "nct01937364registryresults-01", "veenstravanderweele2017-07"] }
measure = "RR"
outcome_kind = "harm"
"""


def test_evsynth_run_reports_the_design_rules(tmp_path):
    from basecopy import without_dual_extraction

    base = tmp_path / "base"
    shutil.copytree(BASE, base)
    without_dual_extraction(base)  # its analyses take rows the shipped ones do not
    (base / "claims.toml").unlink()  # its claims name the shipped analyses
    (base / "analyses.toml").write_text(ANALYSES)
    out = tmp_path / "build"
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(out), "--no-figures", "--quiet"])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "results.json").read_text())
    by_id = {a["id"]: a for a in doc["analyses"]}
    ae, drop = by_id["ae"], by_id["dropout_ae"]
    ref = REF["pooled_binary"]["fits"]["RR"]
    assert ae["result"]["k"] == 3 and ae["result"]["method"] == "REML"
    assert ae["result"]["estimate"] == pytest.approx(ref["fit"]["estimate"], rel=REL)
    assert ae["design"]["double_zero"] == ["Ponizovsky 2015"] and ae["design"]["correlation"] == 0.5
    assert [t["correlation"] for t in ae["design"]["crossover"]] == pytest.approx(ref["r_used"])
    assert [s["correlation"] for s in ae["design"]["sensitivity"]] == [None, 0, 0.25, 0.5, 0.75]
    assert "McKinlay 1980: crossover, analysed as paired with r = 0.281, the largest correlation its event counts " \
           "allow (r = 0.5 assumed)" in ae["notes"]
    assert any(n.startswith("Left out: Ponizovsky 2015") for n in ae["notes"])
    two = REF["few_trials"]["two"]["mh"]
    assert drop["result"]["method"] == "MH" and drop["result"]["k"] == 2 and drop["result"]["pi_low"] is None
    assert drop["result"]["estimate"] == pytest.approx(two["estimate"], rel=REL)
    assert drop["design"]["few_trials"]["used"] == "fixed-effect Mantel-Haenszel"
    assert drop["design"]["double_zero"] == ["Addolorato 2007"]
    report = (out / "report.md").read_text()
    assert "fixed-effect Mantel-Haenszel instead of random-effects REML" in report
    assert "Left out: Addolorato 2007" in report


def test_no_shipped_analysis_has_a_prediction_interval_below_three_trials_or_a_double_zero_ratio_trial(tmp_path):
    out = tmp_path / "build"
    CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--no-figures", "--quiet"])
    doc = json.loads((out / "results.json").read_text())
    pooled = [a for a in doc["analyses"] if "result" in a]
    assert pooled
    for a in pooled:
        r, design = a["result"], a.get("design", {})
        few = design.get("few_trials")
        if few is not None and few["trials"] < 3:
            assert r["pi_low"] is None and r["pi_high"] is None, a["id"]
        if r["measure"] in ("RR", "OR", "PETO"):
            assert not set(design.get("double_zero", ())) & set(r["studies"]), a["id"]
