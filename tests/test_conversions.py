"""meta/engine/conversions.py and `evsynth convert` against R (tests/reference/conversions_reference.json, made by
make_conversions_reference.R with R 4.2.2, metafor 3.8-1 and effectsize 0.8.3).

What each conversion is checked against (metafor 3.8-1 predates conv.wald, conv.fivenum and conv.2x2, and esc
cannot be installed here; see the R script's header):
- ratio_to_log: the SE metafor's rma(method="FE") reports for a log OR, recovered from its Wald CI (90/95/99%)
  and from its p-value; and conv.wald's definitions evaluated in R on a grid;
- ci_to_sd: sd(x) recovered from t.test(x)'s CI; se_to_sd and the z rule from Handbook 6.5.2.2 in R;
- statistic_to_smd: escalc("SMD", ti=) on a grid (t, F, chi-square, p), and escalc("SMD") of raw data recovered
  from t.test's t and p and anova's F;
- statistic_to_log_or: escalc("D2ORL") and effectsize::d_to_oddsratio;
- one_sided_pvalue: t.test(alternative = "greater"/"less");
- table_from_margins: 2x2 tables recovered from escalc("OR"), cor() (phi) and chisq.test() with and without Yates;
- percent_to_count: the counts whose percentage sprintf prints as the reported one;
- fivenum_to_mean_sd: the published formulas evaluated in R (a transcription check: no R implementation here).

Tolerances: CLOSED 1e-8 relative (closed forms; the JSON holds 15 significant digits), with ABS 1e-12 for values
at 0; INVERTED 1e-8 relative as well for values recovered by inverting an R quantile (t from p).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.engine import conversions as conv
from evsynth.meta.errors import AnalysisError, SchemaError

REF = json.loads((Path(__file__).parent / "reference" / "conversions_reference.json").read_text())
CLOSED, ABS = 1e-8, 1e-12


def close(got, want, what=""):
    assert got == pytest.approx(want, rel=CLOSED, abs=ABS), f"{what}: {got} vs R {want}"


def test_reference_is_complete():
    assert REF["meta"]["metafor"].startswith("3.8")
    sizes = {k: len(v) for k, v in REF.items() if isinstance(v, list)}
    assert sizes == {"wald": 21, "wald_formula": 31, "sd_formula": 18, "sd_from_ci": 21, "smd": 55, "smd_data": 14,
                     "logor": 55, "one_sided": 28, "table2x2": 10, "percent": 19, "fivenum": 32}


# ------------------------------------------------------------------------------------------------ ratios
@pytest.mark.parametrize("e", REF["wald"], ids=lambda e: f"{e['table']}-{e['level']}")
def test_ratio_se_recovers_metafor_wald_se(e):
    from_ci = conv.ratio_to_log(e["estimate"], e["ci_low"], e["ci_high"], level=e["level"])
    close(from_ci.yi, e["yi"], "yi")
    close(from_ci.sei, e["sei"], "sei from CI")
    close(from_ci.pvalue, e["pvalue"], "p implied by the CI")
    assert from_ci.source == "ci" and from_ci.symmetric and from_ci.asymmetry < 1e-12
    if e["yi"] == 0:  # OR 1, p 1: no SE from the p-value
        with pytest.raises(AnalysisError):
            conv.ratio_to_log(e["estimate"], pvalue=e["pvalue"])
        return
    from_p = conv.ratio_to_log(e["estimate"], pvalue=e["pvalue"])
    close(from_p.sei, e["sei"], "sei from p")
    assert from_p.source == "pvalue" and from_p.symmetric is None


@pytest.mark.parametrize("e", REF["wald_formula"], ids=lambda e: f"{e['estimate']}-{e.get('level', e.get('pvalue'))}")
def test_ratio_to_log_formula(e):
    res = conv.ratio_to_log(e["estimate"], e.get("ci_low"), e.get("ci_high"), e.get("pvalue"), e.get("level", 95))
    close(res.yi, e["yi"], "yi")
    close(res.sei, e["sei"], "sei")
    close(res.vi, e["sei"] ** 2, "vi")


def test_ratio_ci_preferred_to_p_and_asymmetry_flagged():
    res = conv.ratio_to_log(0.8, 0.6, 1.1, pvalue=0.01)
    assert res.source == "ci" and res.pvalue == pytest.approx(0.149, abs=1e-3)
    skewed = conv.ratio_to_log(1.0, 0.5, 3.0)  # log distances 0.69 and 1.10
    assert skewed.symmetric is False and skewed.asymmetry == pytest.approx(
        abs(math.log(3) + math.log(0.5)) / (math.log(3) - math.log(0.5)))
    assert conv.ratio_to_log(1.2, 1.2, 1.5).symmetric is False  # an estimate on its bound is allowed, and flagged


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
    ({"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1, "level": 100}, ["level"]),
])
def test_ratio_bad_input(kwargs, names):
    with pytest.raises(SchemaError) as err:
        conv.ratio_to_log(**kwargs)
    assert [p.file for p in err.value.problems] == names


def test_ratio_impossible_from_p():
    with pytest.raises(AnalysisError, match="p = 1"):
        conv.ratio_to_log(0.8, pvalue=1)
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


def test_handbook_divisors():
    """Handbook 6.5.2.2: 3.92, 3.29 and 5.15 for 95%, 90% and 99% CIs of large samples."""
    for level, divisor in ((95, 3.92), (90, 3.29), (99, 5.15)):
        assert 2 * conv.ci_to_sd(0, 1, 100, level).crit == pytest.approx(divisor, abs=0.005)


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


# ------------------------------------------------------------------------------------------- five numbers
SCENARIOS = {"S1": ("minimum", "maximum"), "S2": ("q1", "q3"), "S3": ("minimum", "q1", "q3", "maximum")}


@pytest.mark.parametrize("e", REF["fivenum"], ids=lambda e: f"n{e['n']}-{e['median']}")
@pytest.mark.parametrize("scenario", ["S1", "S2", "S3"])
def test_fivenum_formulas(e, scenario):
    args = {k: e[k] for k in SCENARIOS[scenario]}
    luo = conv.fivenum_to_mean_sd(e["n"], e["median"], **args)
    wan = conv.fivenum_to_mean_sd(e["n"], e["median"], method="wan", **args)
    assert luo.scenario == wan.scenario == scenario
    close(luo.mean, e["luo"][scenario], "Luo mean")
    close(wan.mean, e["wan_mean"][scenario], "Wan mean")
    close(wan.sd, e["wan_sd"][scenario], "Wan sd")
    close(luo.sd, e["shi_sd"]["S3"] if scenario == "S3" else e["wan_sd"][scenario], "default sd")
    assert luo.sd_method == ("Shi et al. 2020" if scenario == "S3" else "Wan et al. 2014")


def test_fivenum_recovers_a_normal_distribution():
    """Fed a normal's quantiles (mean 10, SD 2), every method returns the mean exactly (the summary is symmetric)
    and the SD within a few percent for large n (Wan's xi and eta tend to the normal's range and IQR)."""
    from statistics import NormalDist

    nd = NormalDist(10, 2)
    n = 400
    a, b = nd.inv_cdf((1 - 0.375) / (n + 0.25)), nd.inv_cdf((n - 0.375) / (n + 0.25))
    q1, q3 = nd.inv_cdf(1 - (0.75 * n - 0.125) / (n + 0.25)), nd.inv_cdf((0.75 * n - 0.125) / (n + 0.25))
    for method in ("luo/wan/shi", "wan"):
        for args in ({"minimum": a, "maximum": b}, {"q1": q1, "q3": q3}, {"minimum": a, "maximum": b, "q1": q1,
                                                                        "q3": q3}):
            res = conv.fivenum_to_mean_sd(n, 10, method=method, **args)
            assert res.mean == pytest.approx(10, rel=1e-12)
            assert res.sd == pytest.approx(2, rel=1e-10)  # these are exactly Wan's expected order statistics


@pytest.mark.parametrize("kwargs, names", [
    ({"n": 30, "median": 5}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3}, ["q3"]),
    ({"n": 30, "median": 5, "minimum": 1}, ["maximum"]),
    ({"n": 30, "median": 5, "q1": 6, "q3": 8}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3, "q3": 8, "minimum": 4, "maximum": 9}, ["q1"]),
    ({"n": 1, "median": 5, "q1": 3, "q3": 8}, ["n"]),
    ({"n": 30, "median": float("inf"), "q1": 3, "q3": 8}, ["median"]),
    ({"n": 30, "median": 5, "q1": 3, "q3": 8, "method": "hozo"}, ["method"]),
])
def test_fivenum_bad_input(kwargs, names):
    with pytest.raises(SchemaError) as err:
        conv.fivenum_to_mean_sd(**kwargs)
    assert [p.file for p in err.value.problems] == names


# ------------------------------------------------------------------------------------- statistics to SMD
def _statistic_args(e):
    return {e["source"]: e["value"], "direction": e["direction"]}


@pytest.mark.parametrize("e", REF["smd"], ids=lambda e: f"{e['source']}{e['value']}-{e['n1']}-{e['n2']}")
def test_smd_matches_escalc_ti(e):
    res = conv.statistic_to_smd(e["n1"], e["n2"], **_statistic_args(e))
    close(res.t, e["t"], "t")
    close(res.yi, e["yi"], "yi")
    close(res.vi, e["vi"], "vi")
    assert res.source == e["source"]


@pytest.mark.parametrize("e", REF["logor"], ids=lambda e: f"{e['source']}{e['value']}-{e['n1']}-{e['n2']}")
def test_log_or_matches_escalc_d2orl(e):
    res = conv.statistic_to_log_or(e["n1"], e["n2"], **_statistic_args(e))
    close(res.d, e["d"], "d")
    close(res.yi, e["yi"], "yi")
    close(res.yi, e["yi_effectsize"], "yi (effectsize)")
    close(res.vi, e["vi"], "vi")


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


# ----------------------------------------------------------------------------------------------------- 2x2
@pytest.mark.parametrize("e", REF["table2x2"], ids=lambda e: f"{e['a']}-{e['b']}-{e['c']}-{e['d']}")
def test_table_recovered_from_margins(e):
    want = (e["a"], e["b"], e["c"], e["d"])
    margins = (e["n"], e["n1"], e["m1"])
    sign = e["direction"] or 1  # ad = bc: chi-square 0, either direction
    runs = [conv.table_from_margins(*margins, odds_ratio=e["odds_ratio"]),
            conv.table_from_margins(*margins, phi=e["phi"]),
            conv.table_from_margins(*margins, chisq=e["chisq"], direction=sign)]
    if abs(e["a"] * e["d"] - e["b"] * e["c"]) > e["n"] / 2:  # otherwise Yates' correction is not invertible
        runs.append(conv.table_from_margins(*margins, chisq=e["chisq_yates"], direction=sign,
                                            correct=True))
    for res in runs:
        for got, cell in zip((res.a, res.b, res.c, res.d), want):
            assert got == pytest.approx(cell, rel=CLOSED, abs=1e-9), f"{res.source}: {res}"
        assert (res.ai, res.bi, res.ci, res.di) == want
        close(res.odds_ratio, e["odds_ratio"], f"{res.source} odds ratio")
        close(res.phi, e["phi"], f"{res.source} phi")
        close(res.odds_ratio_rounded, e["odds_ratio"], "rounded table's odds ratio")


def test_table_edges():
    even = conv.table_from_margins(100, 50, 30, odds_ratio=1)
    assert (even.a, even.ai) == (15, 15)
    extreme = conv.table_from_margins(100, 50, 30, odds_ratio=1e12)  # all 30 events in group 1
    assert extreme.ai == 30 and extreme.odds_ratio_rounded is None
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
        assert res.count in printed or res.count in ours


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


# ----------------------------------------------------------------------------------------------------- CLI
def run(*args):
    return CliRunner().invoke(main, ["convert", *[str(a) for a in args]])


@pytest.mark.parametrize("args, func, kwargs", [
    (["ratio", "--estimate", 0.8, "--ci-low", 0.6, "--ci-high", 1.1, "--level", 90], conv.ratio_to_log,
     {"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1, "level": 90}),
    (["ci-to-sd", "--ci-low", 2.5, "--ci-high", 4.7, "--n", 25], conv.ci_to_sd, {"ci_low": 2.5, "ci_high": 4.7,
                                                                                 "n": 25}),
    (["fivenum", "--n", 50, "--median", 10, "--q1", 7, "--q3", 14, "--min", 2, "--max", 25], conv.fivenum_to_mean_sd,
     {"n": 50, "median": 10, "q1": 7, "q3": 14, "minimum": 2, "maximum": 25}),
    (["smd", "--n1", 20, "--n2", 25, "--pvalue", 0.04, "--direction", -1], conv.statistic_to_smd,
     {"n1": 20, "n2": 25, "pvalue": 0.04, "direction": -1}),
    (["log-or", "--n1", 20, "--n2", 25, "--t", -1.3], conv.statistic_to_log_or, {"n1": 20, "n2": 25, "t": -1.3}),
    (["2x2", "--n", 100, "--n1", 50, "--m1", 32, "--chisq", 2.25, "--direction", -1, "--correct"],
     conv.table_from_margins, {"n": 100, "n1": 50, "m1": 32, "chisq": 2.25, "direction": -1, "correct": True}),
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
    assert "not symmetric" in res.stderr
    res = run("ratio", "--estimate", 0.8, "--ci-low", 0.6, "--ci-high", 1.1, "--pvalue", 0.01)
    assert "the CI implies p = 0.149 (reported: 0.01)" in res.stderr


@pytest.mark.parametrize("args, message", [
    (["ratio", "--estimate", 1.3, "--ci-low", 0.6, "--ci-high", 1.1], "--estimate: 1.3 lies outside its CI (0.6 to 1.1)"),
    (["ratio", "--estimate", "nan", "--pvalue", 0.2], "--estimate: nan is not a finite number"),
    (["ratio", "--estimate", 0.8, "--pvalue", 1], "--pvalue: p = 1 means z = 0"),
    (["ratio", "--estimate", 0.8, "--pvalue", 1.5], "--pvalue: 1.5 must be <= 1"),
    (["se-to-sd", "--se", -1, "--n", 10], "--se: -1 must be >= 0"),
    (["ci-to-sd", "--ci-low", 2, "--ci-high", 4, "--n", 1], "--n: 1 must be >= 2"),
    (["fivenum", "--n", 30, "--median", 5, "--min", 1], "--max: give both the minimum and the maximum"),
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
