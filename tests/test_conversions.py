"""meta/engine/conversions.py (with fivenum.py and twobytwo.py) and `evsynth convert` against R.

The reference values are tests/reference/conversions_reference.json, made by make_conversions_reference.R with
R 4.2.2, metafor 5.1-12 and esc 0.5.1 (the versions are in the JSON's "meta"; test_reference_versions checks them):
- ratio_to_log: metafor conv.wald (CI, z and p routes; its warning on asymmetric CIs), and the SE behind a Wald CI
  and p that metafor's rma printed;
- fivenum_to_mean_sd: metafor conv.fivenum (methods luo/wan/shi, default and wan2014; test TRUE and FALSE; its
  test of skewness);
- statistic_to_smd, statistic_to_log_or: metafor escalc("SMD") and escalc("D2ORL") from ti and pi, esc's esc_t and
  esc_f (d, g, logit), and escalc("SMD") of raw data whose t.test / anova output is converted; esc_chisq is a
  different conversion, and the test states how the two relate;
- table_from_margins: metafor conv.2x2 (OR, phi, chi-square with and without Yates), and exact recovery of real
  tables from escalc("OR"), cor() and chisq.test();
- ci_to_sd, se_to_sd: the SD of data whose CI t.test gives, and the Cochrane Handbook's worked example (6.5.2.2);
  no R package implements them;
- one_sided_pvalue: t.test(alternative = "greater" / "less");
- percent_to_count: the counts whose percentage R's sprintf prints as the reported one.

Tolerance: REL = 1e-8 relative (ABS = 1e-12 for values at 0), for every value: the JSON holds 15 significant
digits and the formulas are closed forms or well-conditioned quantiles. Whole-number results (2x2 cells, counts)
must be equal.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.engine import conversions as conv
from evsynth.meta.errors import AnalysisError, SchemaError

REF = json.loads((Path(__file__).parent / "reference" / "conversions_reference.json").read_text())
REL, ABS = 1e-8, 1e-12


def close(got, want, what=""):
    assert got == pytest.approx(want, rel=REL, abs=ABS), f"{what}: {got} vs R {want}"


def test_reference_versions_and_sizes():
    version = tuple(int(x) for x in REF["meta"]["metafor"].split(".")[:2])
    assert version >= (4, 0), "conv.wald, conv.fivenum and conv.2x2 need metafor >= 4.0"
    assert REF["meta"]["esc"] and REF["meta"]["r_version"].startswith("R version 4")
    sizes = {k: len(v) for k, v in REF.items() if isinstance(v, list)}
    assert sizes == {"conv_wald": 118, "wald_rma": 21, "conv_fivenum": 579, "statistics": 98, "esc_chisq": 9,
                     "smd_data": 14, "one_sided": 28, "sd_from_ci": 21, "sd_formula": 18, "conv_2x2": 72,
                     "table2x2": 10, "percent": 19, "t_dist": 285}


# ------------------------------------------------------------------------------------------ ratios (conv.wald)
@pytest.mark.parametrize("e", REF["conv_wald"], ids=lambda e: e["call"][10:70])
def test_ratio_to_log_matches_conv_wald(e):
    args = dict(estimate=e["estimate"], ci_low=e["ci_low"], ci_high=e["ci_high"], pvalue=e["pvalue"],
                level=e["level"], zval=e["zval"])
    if e["vi"] is None or e["vi"] == 0:  # p = 1 (conv.wald: vi Inf) or a ratio of 1 from p (vi 0): refused
        with pytest.raises(AnalysisError, match="no standard error"):
            conv.ratio_to_log(**args)
        return
    res = conv.ratio_to_log(**args)
    close(res.yi, e["yi"], "yi")
    close(res.vi, e["vi"], "vi")
    close(res.sei, math.sqrt(e["vi"]), "sei")
    assert res.source == ("ci" if e["ci_low"] is not None else "zval" if e["zval"] is not None else "pvalue")
    if res.source == "ci":
        assert res.symmetric is (not e["warned"]), f"conv.wald warned: {e['warned']}; asymmetry {res.asymmetry}"
    else:
        assert res.symmetric is None and res.asymmetry is None and not e["warned"]
    if res.source == "pvalue":  # the p the SE implies is the one given
        assert res.pvalue == pytest.approx(e["pvalue"], rel=1e-10)


@pytest.mark.parametrize("e", REF["wald_rma"], ids=lambda e: f"{e['table']}-{e['level']}")
def test_ratio_se_recovers_metafor_wald_se(e):
    from_ci = conv.ratio_to_log(e["estimate"], e["ci_low"], e["ci_high"], level=e["level"])
    close(from_ci.yi, e["yi"], "yi")
    close(from_ci.sei, e["sei"], "sei from CI")
    close(from_ci.pvalue, e["pvalue"], "p implied by the CI")
    assert from_ci.symmetric and from_ci.asymmetry < 1e-12
    if e["yi"] == 0:  # OR 1, p 1: no SE from the p-value
        with pytest.raises(AnalysisError):
            conv.ratio_to_log(e["estimate"], pvalue=e["pvalue"])
        return
    close(conv.ratio_to_log(e["estimate"], pvalue=e["pvalue"]).sei, e["sei"], "sei from p")
    close(conv.ratio_to_log(e["estimate"], zval=from_ci.zval).sei, e["sei"], "sei from z")


def test_ratio_asymmetry_is_conv_walds_check():
    skewed = conv.ratio_to_log(1.0, 0.5, 3.0)  # log bounds -0.69 and 1.10: midpoint 0.20, width 1.79
    assert skewed.asymmetry == pytest.approx((math.log(3) + math.log(0.5)) / 2 / (math.log(3) - math.log(0.5)))
    assert skewed.symmetric is False
    assert conv.ratio_to_log(1.2, 1.2, 1.5).asymmetry == pytest.approx(0.5)  # on its bound: allowed, flagged
    res = conv.ratio_to_log(0.8, 0.6, 1.1, pvalue=0.01)
    assert res.source == "ci" and res.pvalue == pytest.approx(0.149, abs=1e-3)


@pytest.mark.parametrize("kwargs, names", [
    ({"estimate": 1.3, "ci_low": 0.6, "ci_high": 1.1}, ["estimate"]),
    ({"estimate": 0.8, "ci_low": 1.1, "ci_high": 0.6}, ["ci_high"]),
    ({"estimate": float("nan"), "ci_low": 0.6, "ci_high": 1.1}, ["estimate"]),
    ({"estimate": -0.5, "pvalue": 0.2}, ["estimate"]),
    ({"estimate": 0.8, "ci_low": 0, "ci_high": 1.1}, ["ci_low"]),
    ({"estimate": 0.8, "ci_low": 0.6}, ["ci_high"]),
    ({"estimate": 0.8}, ["estimate"]),
    ({"estimate": 0.8, "pvalue": 0}, ["pvalue"]),
    ({"estimate": 0.8, "pvalue": 1.2}, ["pvalue"]),
    ({"estimate": 0.8, "zval": float("inf")}, ["zval"]),
    ({"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1, "level": 100}, ["level"]),
])
def test_ratio_bad_input(kwargs, names):
    with pytest.raises(SchemaError) as err:
        conv.ratio_to_log(**kwargs)
    assert [p.file for p in err.value.problems] == names


def test_ratio_impossible():
    with pytest.raises(AnalysisError, match="p = 1"):
        conv.ratio_to_log(0.8, pvalue=1)
    with pytest.raises(AnalysisError, match="z = 0"):
        conv.ratio_to_log(0.8, zval=0)
    with pytest.raises(AnalysisError, match="exactly 1"):
        conv.ratio_to_log(1.0, pvalue=0.3)


# --------------------------------------------------------------------------------------------- SE, CI to SD
@pytest.mark.parametrize("e", REF["sd_from_ci"], ids=lambda e: f"n{e['n']}-{e['level']}")
def test_ci_to_sd_recovers_sd_of_t_test_data(e):
    res = conv.ci_to_sd(e["ci_low"], e["ci_high"], e["n"], e["level"], dist="t")
    close(res.sd, e["sd"], "sd")
    assert res.df == e["n"] - 1
    if e["n"] < conv.HANDBOOK_T_BELOW:  # the Handbook's rule picks t below 60
        assert conv.ci_to_sd(e["ci_low"], e["ci_high"], e["n"], e["level"]).sd == res.sd


@pytest.mark.parametrize("e", REF["sd_formula"], ids=lambda e: f"n{e['n']}-{e['level']}")
def test_sd_formulas(e):
    close(conv.ci_to_sd(e["ci_low"], e["ci_high"], e["n"], e["level"], "t").sd, e["sd_t"], "t")
    close(conv.ci_to_sd(e["ci_low"], e["ci_high"], e["n"], e["level"], "z").sd, e["sd_z"], "z")
    handbook = conv.ci_to_sd(e["ci_low"], e["ci_high"], e["n"], e["level"])
    close(handbook.sd, e["sd_t"] if e["n"] < 60 else e["sd_z"], "handbook")
    close(conv.se_to_sd(e["se"], e["n"]), e["sd_from_se"], "se")


def test_handbook_worked_examples():
    """Cochrane Handbook for Systematic Reviews of Interventions v6.5, chapter 6: 6.5.2.2 gives the divisors 3.92,
    3.29 and 5.15 for large samples and, for a group of 25, t = 2.0639 and the divisor 2 x 2.0639 = 4.128;
    6.5.2.3 gives t = 2.78 for P = 0.008 with groups of 25 and 22 (45 df) (printed to the digits shown)."""
    for level, divisor in ((95, 3.92), (90, 3.29), (99, 5.15)):
        assert 2 * conv.ci_to_sd(0, 1, 100, level).crit == pytest.approx(divisor, abs=0.005)
    small = conv.ci_to_sd(0, 1, 25)
    assert (small.dist, small.df, round(small.crit, 4), round(2 * small.crit, 3)) == ("t", 24, 2.0639, 4.128)
    assert round(conv.statistic_to_smd(25, 22, pvalue=0.008, direction=1).t, 2) == 2.78


@pytest.mark.parametrize("call, names", [
    (lambda: conv.se_to_sd(-1, 10), ["se"]),
    (lambda: conv.se_to_sd(1, 1), ["n"]),
    (lambda: conv.se_to_sd(float("nan"), 10.5), ["se", "n"]),
    (lambda: conv.ci_to_sd(4, 2, 10), ["ci_high"]),
    (lambda: conv.ci_to_sd(2, 4, 10, dist="normal"), ["dist"]),
])
def test_sd_bad_input(call, names):
    with pytest.raises(SchemaError) as err:
        call()
    assert [p.file for p in err.value.problems] == names


# ------------------------------------------------------------------------------------ five numbers (conv.fivenum)
METHOD = {"luo/wan/shi": "luo/wan/shi", "default": "luo/wan/shi", "wan2014": "wan"}


@pytest.mark.parametrize("e", REF["conv_fivenum"], ids=lambda e: e["call"][13:])
def test_fivenum_matches_conv_fivenum(e):
    args = dict(n=e["n"], median=e["median"], q1=e["q1"], q3=e["q3"], minimum=e["minimum"], maximum=e["maximum"],
                method=METHOD[e["method"]], test=e["test"])
    if e["n"] < 5:  # conv.fivenum leaves the study out
        assert e["sd"] is None
        with pytest.raises(SchemaError) as err:
            conv.fivenum_to_mean_sd(**args)
        assert [p.file for p in err.value.problems] == ["n"]
        return
    if e["sd"] is None:  # conv.fivenum's test found the summary skewed
        assert e["test"] and e["sig"]
        with pytest.raises(AnalysisError, match="skewed"):
            conv.fivenum_to_mean_sd(**args)
        return
    res = conv.fivenum_to_mean_sd(**args)
    assert res.scenario == e["scenario"]
    assert (res.mean is None) == (e["mean"] is None)
    if res.mean is not None:
        close(res.mean, e["mean"], "mean")
    close(res.sd, e["sd"], "sd")
    close(res.skew_critical, e["crit"], "critical value")
    assert (res.skew_statistic is None) == (e["tval"] is None)
    if res.skew_statistic is not None:
        close(res.skew_statistic, e["tval"], "test statistic")
    assert res.skewed == e["sig"]
    wan = e["method"] == "wan2014"
    assert res.mean_method == ("Wan et al. 2014" if wan else "Luo et al. 2018")
    assert res.sd_method == ("Shi et al. 2020" if e["scenario"] == "S3" and not wan else "Wan et al. 2014")


def test_fivenum_recovers_a_normal_distribution():
    """Fed a normal's expected order statistics (mean 10, SD 2, n = 400), every method returns the mean exactly (the
    summary is symmetric) and the SD exactly (Wan's xi and eta are those expected range and IQR)."""
    from statistics import NormalDist

    nd = NormalDist(10, 2)
    n = 400
    a, b = nd.inv_cdf((1 - 0.375) / (n + 0.25)), nd.inv_cdf((n - 0.375) / (n + 0.25))
    q1, q3 = nd.inv_cdf(1 - (0.75 * n - 0.125) / (n + 0.25)), nd.inv_cdf((0.75 * n - 0.125) / (n + 0.25))
    for method in ("luo/wan/shi", "wan"):
        for args in ({"minimum": a, "maximum": b}, {"q1": q1, "q3": q3},
                     {"minimum": a, "maximum": b, "q1": q1, "q3": q3}):
            res = conv.fivenum_to_mean_sd(n, 10, method=method, **args)
            assert res.mean == pytest.approx(10, rel=1e-12)
            assert res.sd == pytest.approx(2, rel=1e-10)
            assert res.skew_statistic == pytest.approx(0, abs=1e-12) and not res.skewed


def test_fivenum_skewed_summary_refused_unless_asked():
    with pytest.raises(AnalysisError, match=r"T = 0\.931 >= 0\.416"):
        conv.fivenum_to_mean_sd(20, 2, minimum=1, maximum=30)
    forced = conv.fivenum_to_mean_sd(20, 2, minimum=1, maximum=30, test=False)
    assert forced.skewed and forced.skew_statistic == pytest.approx(27 / 29)


@pytest.mark.parametrize("kwargs, names", [
    ({"n": 30, "median": 5}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3}, ["q3"]),
    ({"n": 30, "median": 5, "minimum": 1}, ["maximum"]),
    ({"n": 30, "median": 5, "q1": 6, "q3": 8}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3, "q3": 8, "minimum": 4, "maximum": 9}, ["q1"]),
    ({"n": 4, "median": 5, "q1": 3, "q3": 8}, ["n"]),
    ({"n": 30, "median": float("inf"), "q1": 3, "q3": 8}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3, "q3": 8, "method": "hozo"}, ["method"]),
])
def test_fivenum_bad_input(kwargs, names):
    with pytest.raises(SchemaError) as err:
        conv.fivenum_to_mean_sd(**kwargs)
    assert [p.file for p in err.value.problems] == names


# ------------------------------------------------------------------------------------- statistics to SMD, log OR
def _statistic_args(e):
    args = {e["source"]: e["value"]}
    if e["direction"] is not None:
        args["direction"] = e["direction"]
    return args


@pytest.mark.parametrize("e", REF["statistics"], ids=lambda e: f"{e['source']}{e['value']}-{e['n1']}-{e['n2']}")
def test_statistics_match_escalc_and_esc(e):
    smd = conv.statistic_to_smd(e["n1"], e["n2"], **_statistic_args(e))
    lor = conv.statistic_to_log_or(e["n1"], e["n2"], **_statistic_args(e))
    close(smd.t, e["t"], "t")
    close(smd.yi, e["smd_yi"], "escalc SMD yi")
    close(smd.vi, e["smd_vi"], "escalc SMD vi")
    close(lor.yi, e["d2orl_yi"], "escalc D2ORL yi")
    close(lor.vi, e["d2orl_vi"], "escalc D2ORL vi")
    assert smd.source == lor.source == e["source"] and lor.d == smd.d
    sign = e["direction"] if e["esc_unsigned"] else 1  # esc_f and esc_t(p = ) give |d|
    close(smd.d, sign * e["esc_d"], "esc d")
    close(lor.vi * 3 / math.pi**2, e["esc_d_var"], "esc var(d)")
    close(lor.yi, sign * e["esc_logit"], "esc logit")
    close(lor.vi, e["esc_logit_var"], "esc logit var")
    # esc's Hedges' g uses the approximate correction 1 - 3/(4N - 9); ours is metafor's exact one
    n = e["n1"] + e["n2"]
    close(smd.d * (1 - 3 / (4 * n - 9)), sign * e["esc_g"], "esc g")


@pytest.mark.parametrize("e", REF["esc_chisq"], ids=lambda e: f"{e['chisq']}-{e['totaln']}")
def test_esc_chisq_is_the_phi_conversion(e):
    """esc_chisq reads a chi-square as the Pearson chi-square of a 2x2 table: d = 2 phi / sqrt(1 - phi^2),
    phi = sqrt(chisq / N). Ours reads it as z^2 of a two-group comparison (d = sqrt(chisq) sqrt(1/n1 + 1/n2)): with
    equal groups the two differ by the factor sqrt(N / (N - chisq)), and both share log OR = pi / sqrt(3) d."""
    n = e["totaln"]
    ours = conv.statistic_to_log_or(n // 2, n // 2, chisq=e["chisq"], direction=1)
    close(ours.d * math.sqrt(n / (n - e["chisq"])), e["d"], "esc d")
    close(ours.yi * math.sqrt(n / (n - e["chisq"])), e["logit"], "esc logit")
    close(e["d"] ** 2 / e["chisq"], e["d_var"], "esc var(d) = d^2 / chisq")


@pytest.mark.parametrize("e", REF["smd_data"], ids=lambda e: f"{e['n1']}-{e['n2']}-{e['direction']}")
def test_smd_from_t_test_output_equals_escalc_of_the_data(e):
    for args in ({"t": e["t"]}, {"pvalue": e["pvalue"], "direction": e["direction"]},
                 {"f": e["f"], "direction": e["direction"]}):
        res = conv.statistic_to_smd(e["n1"], e["n2"], **args)
        close(res.yi, e["yi"], f"yi from {args}")
        close(res.vi, e["vi"], f"vi from {args}")


@pytest.mark.parametrize("kwargs, names", [
    ({"n1": 10, "n2": 12}, ["t"]),
    ({"n1": 10, "n2": 12, "t": 2, "f": 4}, ["t"]),
    ({"n1": 10, "n2": 12, "f": 4}, ["direction"]),
    ({"n1": 10, "n2": 12, "f": -4, "direction": 1}, ["f"]),
    ({"n1": 10, "n2": 12, "t": 2, "direction": 1}, ["direction"]),
    ({"n1": 10, "n2": 12, "pvalue": 0, "direction": 1}, ["pvalue"]),
    ({"n1": 10, "n2": 12, "pvalue": 1.5, "direction": 1}, ["pvalue"]),
    ({"n1": 10, "n2": 12, "chisq": 4, "direction": 0}, ["direction"]),
    ({"n1": 1, "n2": 12.5, "t": 2}, ["n1", "n2"]),
    ({"n1": 10, "n2": 12, "t": float("nan")}, ["t"]),
])
def test_statistic_bad_input(kwargs, names):
    for func in (conv.statistic_to_smd, conv.statistic_to_log_or):
        with pytest.raises(SchemaError) as err:
            func(**kwargs)
        assert [p.file for p in err.value.problems] == names


def test_smd_direction_and_symmetry():
    up = conv.statistic_to_smd(15, 18, chisq=5.2, direction=1)
    down = conv.statistic_to_smd(15, 18, chisq=5.2, direction=-1)
    assert up.yi == -down.yi > 0 and up.vi == down.vi
    assert conv.statistic_to_smd(15, 18, f=5.2, direction=1).yi == up.yi  # sqrt(F) and sqrt(chi2) alike


# --------------------------------------------------------------------------------------------- one-sided p
@pytest.mark.parametrize("e", REF["one_sided"], ids=lambda e: f"{e['pvalue_two_sided']:.3g}-{e['direction']}")
def test_one_sided_matches_t_test(e):
    close(conv.one_sided_pvalue(e["pvalue_two_sided"], e["direction"]), e["pvalue_one_sided"], "p one-sided")


def test_one_sided_edges():
    assert conv.one_sided_pvalue(1, 1) == 0.5 == conv.one_sided_pvalue(1, -1)
    assert conv.one_sided_pvalue(1e-300, -1) == 1.0
    with pytest.raises(SchemaError):
        conv.one_sided_pvalue(0, 1)
    with pytest.raises(SchemaError):
        conv.one_sided_pvalue(0.2, 0)


def test_one_sided_has_one_implementation():
    """meta/engine/pvalues.py's `one_sided` is `one_sided_pvalue` applied elementwise, with its own error type."""
    from evsynth.meta.engine import pvalues

    assert pvalues.one_sided_pvalue is conv.one_sided_pvalue
    p, d = [e["pvalue_two_sided"] for e in REF["one_sided"]], [e["direction"] for e in REF["one_sided"]]
    assert list(pvalues.one_sided(p, d)) == [conv.one_sided_pvalue(a, b) for a, b in zip(p, d)]
    for bad_p, bad_d, match in (([0.2, 0], [1, 1], "study 2: pvalue"), ([0.2], [2], "study 1: direction"),
                                 ([0.2, 0.3], [1], "one direction per p-value")):
        with pytest.raises(AnalysisError, match=match):
            pvalues.one_sided(bad_p, bad_d)


# ------------------------------------------------------------------------------------------ 2x2 (conv.2x2)
@pytest.mark.parametrize("e", REF["conv_2x2"], ids=lambda e: e["call"][9:])
def test_table_matches_conv_2x2(e):
    direction = None if e["chisq"] is None else (e["direction"] or 1)  # chi-square 0 has no sign; either will do
    args = dict(n=e["n"], n1=e["n1"], m1=e["m1"], odds_ratio=e["odds_ratio"], phi=e["phi"], chisq=e["chisq"],
                direction=direction, correct=e["correct"])
    if e["ai"] is None:  # conv.2x2: negative cells
        assert e["warned"]
        with pytest.raises(AnalysisError, match="no 2x2 table"):
            conv.table_from_margins(**args)
        return
    res = conv.table_from_margins(**args)
    assert (res.ai, res.bi, res.ci, res.di) == (e["ai"], e["bi"], e["ci"], e["di"])
    assert res.ai + res.bi == e["n1"] and res.ai + res.ci == e["m1"] and res.ai + res.bi + res.ci + res.di == e["n"]


@pytest.mark.parametrize("e", REF["table2x2"], ids=lambda e: f"{e['a']}-{e['b']}-{e['c']}-{e['d']}")
def test_table_recovered_exactly_from_its_statistics(e):
    want = (e["a"], e["b"], e["c"], e["d"])
    margins = (e["n"], e["n1"], e["m1"])
    sign = e["direction"] or 1  # ad = bc: chi-square 0, either direction
    runs = [conv.table_from_margins(*margins, odds_ratio=e["odds_ratio"]),
            conv.table_from_margins(*margins, phi=e["phi"]),
            conv.table_from_margins(*margins, chisq=e["chisq"], direction=sign, correct=False)]
    if abs(e["a"] * e["d"] - e["b"] * e["c"]) > e["n"] / 2:  # otherwise Yates' correction is not invertible
        runs.append(conv.table_from_margins(*margins, chisq=e["chisq_yates"], direction=sign))
    for res in runs:
        for got, cell in zip((res.a, res.b, res.c, res.d), want):
            assert got == pytest.approx(cell, rel=REL, abs=1e-9), f"{res.source}: {res}"
        assert (res.ai, res.bi, res.ci, res.di) == want
        close(res.odds_ratio, e["odds_ratio"], f"{res.source} odds ratio")
        close(res.phi, e["phi"], f"{res.source} phi")
        close(res.odds_ratio_rounded, e["odds_ratio"], "rounded table's odds ratio")


def test_table_edges():
    even = conv.table_from_margins(100, 50, 25, odds_ratio=1)
    assert (even.a, even.ai) == (12.5, 12)  # R's round: half to even
    extreme = conv.table_from_margins(100, 50, 30, odds_ratio=1e12)  # all 30 events in group 1
    assert extreme.ai == 30 and extreme.odds_ratio_rounded is None
    zero = conv.table_from_margins(100, 50, 30, odds_ratio=0)
    assert (zero.ai, zero.odds_ratio) == (0, 0)
    over = conv.table_from_margins(100, 50, 30, phi=0.66)  # the margins allow phi <= 0.6547; rounds to a = 30
    assert (over.a, over.ai) == (30, 30) and over.phi == pytest.approx(1500 / math.sqrt(50 * 50 * 30 * 70))
    with pytest.raises(AnalysisError, match="phi = 0.9"):
        conv.table_from_margins(100, 50, 30, phi=0.9)
    with pytest.raises(SchemaError) as err:
        conv.table_from_margins(100, 100, 0, odds_ratio=2)
    assert [p.file for p in err.value.problems] == ["m1", "n1"]
    with pytest.raises(SchemaError) as err:
        conv.table_from_margins(100, 50, 30, chisq=4)
    assert [p.file for p in err.value.problems] == ["direction"]
    with pytest.raises(SchemaError):
        conv.table_from_margins(100, 50, 30, odds_ratio=2, phi=0.1)


# ------------------------------------------------------------------------------------------------- percent
@pytest.mark.parametrize("e", REF["percent"], ids=lambda e: f"{e['percent']}-of-{e['n']}")
def test_percent_consistent_counts_match_sprintf(e):
    res = conv.percent_to_count(e["percent"], e["n"])
    assert res.decimals == e["decimals"]
    ours = set(range(res.count_low, res.count_high + 1)) if res.consistent else set()
    printed = set(e["counts"])
    assert printed <= ours
    for k in ours - printed:  # only exact ties, which R's sprintf rounds half to even and we accept either way
        exact = 100 * k * 10 ** e["decimals"] / e["n"]
        assert exact % 1 == 0.5, f"count {k} is not a tie"
    if printed:
        assert res.count in ours


def test_percent_rule_and_precision():
    assert conv.percent_to_count("12.5", 100).count == 13  # half away from zero, not Python's round() to even
    assert conv.percent_to_count("37.5", 100, decimals=0).count == 38
    assert conv.percent_to_count("0.5", 100).count == 1
    r = conv.percent_to_count("33.3", 31)
    assert (r.count, r.consistent, r.count_low) == (10, False, None)
    assert conv.percent_to_count("12.50", 8).decimals == 2
    assert conv.percent_to_count(12.5, 8).decimals == 1 and conv.percent_to_count(12.5, 8, decimals=2).decimals == 2
    r = conv.percent_to_count("33", 1000)
    assert (r.count, r.count_low, r.count_high) == (330, 325, 335)


@pytest.mark.parametrize("kwargs, names", [
    ({"percent": "101", "n": 10}, ["percent"]),
    ({"percent": "-1", "n": 10}, ["percent"]),
    ({"percent": "nan", "n": 10}, ["percent"]),
    ({"percent": "abc", "n": 0}, ["percent", "n"]),
    ({"percent": "10", "n": 10.5}, ["n"]),
])
def test_percent_bad_input(kwargs, names):
    with pytest.raises(SchemaError) as err:
        conv.percent_to_count(**kwargs)
    assert [p.file for p in err.value.problems] == names


def test_conversions_load_neither_numpy_nor_scipy():
    """`evsynth validate` recomputes derived cells with these functions and must stay free of numpy and scipy."""
    code = ("import sys\nfrom evsynth.meta.engine import conversions as c\n"
            "c.percent_to_count('33.3', 30); c.ratio_to_log(0.8, 0.6, 1.1); c.ratio_to_log(0.8, pvalue=0.04)\n"
            "c.se_to_sd(1, 10); c.ci_to_sd(1, 2, 25); c.fivenum_to_mean_sd(30, 5, 3, 8, 1, 12)\n"
            "c.statistic_to_smd(10, 12, pvalue=0.04, direction=1); c.statistic_to_log_or(10, 12, t=2)\n"
            "c.one_sided_pvalue(0.04, 1); c.table_from_margins(100, 50, 30, odds_ratio=2)\n"
            "print(','.join(m for m in ('numpy', 'scipy', 'pandas') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


# ----------------------------------------------------------------------------------------------------- CLI
def run(*args):
    return CliRunner().invoke(main, ["convert", *[str(a) for a in args]])


@pytest.mark.parametrize("args, func, kwargs", [
    (["ratio", "--estimate", 0.8, "--ci-low", 0.6, "--ci-high", 1.1, "--level", 90], conv.ratio_to_log,
     {"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1, "level": 90}),
    (["ratio", "--estimate", 2.5, "--zval", -2.5], conv.ratio_to_log, {"estimate": 2.5, "zval": -2.5}),
    (["ci-to-sd", "--ci-low", 2.5, "--ci-high", 4.7, "--n", 25], conv.ci_to_sd, {"ci_low": 2.5, "ci_high": 4.7,
                                                                                 "n": 25}),
    (["fivenum", "--n", 50, "--median", 10, "--q1", 7, "--q3", 14, "--min", 2, "--max", 25], conv.fivenum_to_mean_sd,
     {"n": 50, "median": 10, "q1": 7, "q3": 14, "minimum": 2, "maximum": 25}),
    (["fivenum", "--n", 20, "--q1", 4, "--q3", 10, "--method", "wan"], conv.fivenum_to_mean_sd,
     {"n": 20, "median": None, "q1": 4, "q3": 10, "method": "wan"}),
    (["fivenum", "--n", 20, "--median", 2, "--min", 1, "--max", 30, "--no-test"], conv.fivenum_to_mean_sd,
     {"n": 20, "median": 2, "minimum": 1, "maximum": 30, "test": False}),
    (["smd", "--n1", 20, "--n2", 25, "--pvalue", 0.04, "--direction", -1], conv.statistic_to_smd,
     {"n1": 20, "n2": 25, "pvalue": 0.04, "direction": -1}),
    (["log-or", "--n1", 20, "--n2", 25, "--t", -1.3], conv.statistic_to_log_or, {"n1": 20, "n2": 25, "t": -1.3}),
    (["2x2", "--n", 100, "--n1", 50, "--m1", 32, "--chisq", 2.25, "--direction", -1], conv.table_from_margins,
     {"n": 100, "n1": 50, "m1": 32, "chisq": 2.25, "direction": -1, "correct": True}),
    (["2x2", "--n", 100, "--n1", 50, "--m1", 32, "--chisq", 2.25, "--direction", -1, "--no-correct"],
     conv.table_from_margins, {"n": 100, "n1": 50, "m1": 32, "chisq": 2.25, "direction": -1, "correct": False}),
    (["percent", "--percent", "33.30", "--n", 30], conv.percent_to_count, {"percent": "33.30", "n": 30}),
])
def test_cli_json_is_to_dict(args, func, kwargs):
    res = run(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == json.loads(json.dumps(func(**kwargs).to_dict()))


def test_cli_scalars_and_table():
    res = run("se-to-sd", "--se", 1.2, "--n", 25, "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == {"sd": 6.0}
    res = run("one-sided", "--pvalue", 0.04, "--direction", -1, "--format", "json")
    assert json.loads(res.stdout) == {"pvalue_one_sided": 0.98}
    res = run("ratio", "--estimate", 0.8, "--ci-low", 0.6, "--ci-high", 1.1)
    assert res.exit_code == 0
    assert res.stdout.splitlines()[:2] == ["yi         -0.22314355", "sei        0.15462932"]


def test_cli_notes():
    res = run("percent", "--percent", "33.3", "--n", 31)
    assert res.exit_code == 0
    assert "note: no count out of 31 prints as 33.3% at 1 decimal(s); the nearest, 10, is 32.258%" in res.stderr
    res = run("ratio", "--estimate", 1.0, "--ci-low", 0.5, "--ci-high", 3.0)
    assert "not halfway between the CI bounds" in res.stderr
    res = run("ratio", "--estimate", 0.8, "--ci-low", 0.6, "--ci-high", 1.1, "--pvalue", 0.01)
    assert "SE from the CI; it implies p = 0.149 (reported: 0.01)" in res.stderr
    res = run("fivenum", "--n", 20, "--median", 2, "--min", 1, "--max", 30, "--no-test")
    assert res.exit_code == 0 and "note: the summary looks skewed (T = 0.931 >= 0.416)" in res.stderr


@pytest.mark.parametrize("args, message", [
    (["ratio", "--estimate", 1.3, "--ci-low", 0.6, "--ci-high", 1.1], "--estimate: 1.3 lies outside its CI (0.6 to 1.1)"),
    (["ratio", "--estimate", "nan", "--pvalue", 0.2], "--estimate: nan is not a finite number"),
    (["ratio", "--estimate", 0.8, "--pvalue", 1], "--pvalue: p = 1 means z = 0"),
    (["ratio", "--estimate", 0.8, "--zval", 0], "--zval: z = 0 gives no standard error"),
    (["ratio", "--estimate", 0.8, "--pvalue", 1.5], "--pvalue: 1.5 must be <= 1"),
    (["se-to-sd", "--se", -1, "--n", 10], "--se: -1 must be >= 0"),
    (["ci-to-sd", "--ci-low", 2, "--ci-high", 4, "--n", 1], "--n: 1 must be >= 2"),
    (["fivenum", "--n", 30, "--median", 5, "--min", 1], "--max: give both the minimum and the maximum"),
    (["fivenum", "--n", 4, "--median", 5, "--min", 1, "--max", 9], "--n: 4 must be >= 5"),
    (["fivenum", "--n", 20, "--median", 2, "--min", 1, "--max", 30], "--median: the summary looks skewed"),
    (["smd", "--n1", 20, "--n2", 25, "--f", 4], "--direction: f has no sign"),
    (["smd", "--n1", 20, "--n2", 25, "--pvalue", 0, "--direction", 1], "--pvalue: 0 must be > 0"),
    (["one-sided", "--pvalue", 0.5, "--direction", 2], "--direction: 2.0 must be +1 or -1"),
    (["2x2", "--n", 100, "--n1", 50, "--m1", 30, "--phi", 0.9], "--phi: no 2x2 table"),
    (["percent", "--percent", "50", "--n", 0], "--n: 0 must be >= 1"),
])
def test_cli_bad_input_exits_2(args, message):
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    assert message in res.stderr and res.stderr.startswith("error: ")
    assert "Traceback" not in res.stderr


def test_cli_usage_errors_exit_2():
    assert run("ratio", "--ci-low", 1).exit_code == 2  # --estimate missing
    assert run("smd", "--n1", "ten", "--n2", 3, "--t", 1).exit_code == 2
    assert run("no-such-kind").exit_code == 2
    listed = CliRunner().invoke(main, ["--help"]).stdout
    assert "convert" in listed


def test_readme_section_lists_every_kind_and_the_versions_checked():
    import re

    from evsynth.cli.convert import convert

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Conversions", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M)) == set(convert.commands)
    major, minor, patch = REF["meta"]["metafor"].split(".")
    r_version = REF["meta"]["r_version"].split()[2]
    flat = " ".join(section.split())
    for fact in (f"R {r_version}", f"metafor {major}.{minor}-{patch}", f"esc {REF['meta']['esc']}", "1e-8 relative"):
        assert fact in flat, fact
