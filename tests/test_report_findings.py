"""Issue 18: key findings first, every label with a GRADE certainty and reasons in words, summary-of-findings tables
per question (GRADEpro layout), the number formatter, and the methods / eligibility / limitations sections."""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.cli.report_findings import MAX_OUTCOMES, _sof_outcome, key_findings, sof_tables
from evsynth.cli.report import regression_text
from evsynth.meta.engine.votes import VoteCount
from evsynth.meta.review.grading import Facts, certainty_votes, label_votes
from evsynth.meta.review.plain import label_words, reason_words, status_words
from evsynth.meta.review.questions import question_of
from evsynth.meta.review.results import MetaRegressionRun, RegressionPoint, ReviewResults
from evsynth.meta.review.rules import load_rules
from evsynth.meta.review.wording import interval, number, p_text, percent

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
RULES = load_rules(ROOT / "evidence" / "grading.toml")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("findings") / "build"
    res = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--quiet"])
    assert res.exit_code in (0, 1), res.output
    return _load(out), (out / "report.html").read_text(encoding="utf-8")


def _load(out):
    import json

    return ReviewResults.from_dict(json.loads((out / "results.json").read_text(encoding="utf-8")))


# --- the formatter -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, text", [(3.45, "3.45"), (0.282, "0.282"), (42.2, "42.2"), (1, "1.00"), (0.0031, "0.00310"),
                                     (9.996, "10.0"), (1234.4, "1234"), (-0.5, "-0.500"), (None, "—"),
                                     (float("nan"), "—"), (float("inf"), "—"), (1e-7, "0.000000100")])
def test_number_has_three_significant_digits_and_no_exponent(x, text):
    assert number(x) == text


def test_interval_percent_and_p():
    assert interval(3.45, 0.2823, 42.24) == "3.45 (0.282 to 42.2)"
    assert interval(None, 1, 2) == "—" and interval(2.0, None, 3) == "2.00"
    assert percent(0.953, 230) == "95% of 230" and percent(0.0042) == "0.4%" and percent(None) == "—"
    assert p_text(0.0004) == "P < 0.001" and p_text(0.0312) == "P = 0.03" and p_text(0.0062) == "P = 0.006"
    assert p_text(None) == "—" and p_text(float("nan")) == "—"


# --- vote counts carry a GRADE certainty -----------------------------------------------------------------------------

def _votes(favour, against=(), none=(), significant=None, p=None):
    from evsynth.meta.engine.votes import sign_test

    n = len(favour) + len(against)
    return VoteCount(n + len(none), tuple(favour), tuple(against), tuple(none),
                     tuple(significant if significant is not None else favour),
                     p if p is not None else (sign_test(len(favour), n) if n else None), "sign test")


def _facts(k, n=100.0, rob="low", design="parallel RCT"):
    nan = float("nan")
    return Facts(comparative=True, ratio=False, binary=False, k=k, designs=(design,) * k, participants=(n,) * k,
                 rob=(rob,) * k, yi=(), estimate=nan, ci_low=nan, ci_high=nan, pvalue=None, i2=None)


def test_a_clear_vote_count_of_large_low_risk_trials_is_moderate_and_can_be_strong():
    v = _votes([f"t{i}" for i in range(7)])  # 7 of 7 favour: sign test P = 0.016
    c = certainty_votes(v, _facts(7, 100.0), RULES)
    changes = {j.domain: j.change for j in c.judgements}
    assert c.start == "High" and changes["imprecision"] == -1 and changes["risk_of_bias"] == 0
    assert c.level == "Moderate"
    assert label_votes(v, RULES, 0.0, c).label == "Strong"


def test_a_vote_count_without_a_significant_sign_test_or_assessed_risk_is_very_low_and_not_strong():
    v = _votes(["a", "b", "c", "d", "f"], ["e"], significant=["a", "b", "c"])  # 1 of 6 against: below 20%
    c = certainty_votes(v, _facts(6, 50.0, rob=""), RULES)
    changes = {j.domain: j.change for j in c.judgements}
    assert changes["imprecision"] == -2 and changes["risk_of_bias"] == -1 and changes["inconsistency"] == 0
    assert c.level == "Very low"
    lab = label_votes(v, RULES, 0.0, c)
    assert lab.label == "Mixed" and "LOW_CERTAINTY" in lab.reasons and "NOT_SIGNIFICANT" in lab.reasons


def test_trials_pointing_both_ways_are_rated_down_for_inconsistency():
    v = _votes(["a", "b", "c"], ["d", "e"])
    c = certainty_votes(v, _facts(5), RULES)
    assert {j.domain: j.change for j in c.judgements}["inconsistency"] == -1


def test_small_trials_with_a_significant_sign_test_lose_one_more_level_for_imprecision():
    v = _votes([f"t{i}" for i in range(7)])
    c = certainty_votes(v, _facts(7, 20.0), RULES)  # 140 participants < 400
    assert {j.domain: j.change for j in c.judgements}["imprecision"] == -2 and c.level == "Low"


def test_every_vote_count_of_the_base_has_a_certainty_and_its_label_reads_it(built):
    results, _ = built
    votes = [a for a in results.analyses if a.votes is not None]
    assert votes and all(a.certainty is not None and a.certainty.level in ("High", "Moderate", "Low", "Very low")
                         for a in votes)
    for a in votes:
        assert ("LOW_CERTAINTY" in a.label.reasons) == (a.certainty.level in ("Low", "Very low"))


# --- words, not codes ---------------------------------------------------------------------------------------------

def test_every_reason_code_and_label_has_words_with_the_rule_sets_thresholds():
    words = reason_words(RULES)
    assert {"CI_CROSSES_NULL", "HETEROGENEITY", "LOW_CERTAINTY", "FRAGILE", "INCONSISTENT_DIRECTION", "FEW_RCTS",
            "FEW_PARTICIPANTS", "SECONDARY_SOURCES", "NOT_SIGNIFICANT", "FEW_SIGNIFICANT"} <= set(words)
    assert "50%" in words["HETEROGENEITY"] and "3 randomised" in words["FEW_RCTS"]
    other = replace(RULES, raw={**RULES.raw, "labels": {**RULES.raw["labels"], "strong_min_rct": 4}})
    assert "4 randomised" in reason_words(other)["FEW_RCTS"] and "at least 4" in label_words(other)["Strong"]
    assert list(label_words(RULES)) == ["Strong", "Mixed", "Experimental, limited"]


def test_status_words():
    assert status_words("pass", "Very low") == "consistent with the data (certainty: very low)"
    assert status_words("fail") == "contradicted by the data"
    assert status_words("not_checkable", "Low") == "not checkable with this evidence base"


# --- key findings and the report's order ------------------------------------------------------------------------------

def test_key_findings_come_first_with_certainty_and_reasons_in_words(built):
    results, html = built
    order = [html.index(f'id="{i}"') for i in ("key", "sof", "tables", "claims", "methods", "analyses",
                                                  "references", "cite", "glossary", "provenance")]
    assert order == sorted(order)
    key = html[html.index('id="key"'):html.index('id="definitions"')]
    rows = key_findings(results, {})
    claims_with_analysis = [c for c in results.claims if c.analysis or c.table == "uses"]
    assert len(rows) == len(claims_with_analysis) and key.count("<tr>") == len(rows) + 1
    assert ">pass<" not in key and "consistent with the data (certainty: " in key
    assert not re.search(r"\b[A-Z]+_[A-Z_]+\b", htmllib.unescape(re.sub("<[^>]+>", " ", key)))  # no codes
    for r in rows:
        if r["analysis"]:
            assert r["certainty"].split()[0].strip("⊕◯") == "" and r["reason"]


def test_the_definitions_section_defines_every_label_and_code(built):
    results, html = built
    defs = html[html.index('id="definitions"'):html.index('id="sof"')]
    for label, text in results.rules.labels.items():
        assert htmllib.escape(label) in defs and htmllib.escape(text) in defs
    for code in results.rules.reasons:
        assert f"<code>{code}</code>" in defs


def test_no_raw_values_in_the_report_text(built):
    _, html = built
    text = htmllib.unescape(re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S))
    text = re.sub("<[^>]+>", " ", text)
    for bad in (r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"P = <", r"\b1 trials", r"sign_test_p", r"\bug/day"):
        assert not re.search(bad, text), bad


# --- summary of findings ---------------------------------------------------------------------------------------------

def test_sof_tables_are_one_per_question_with_at_most_seven_outcomes(built):
    results, html = built
    tables = sof_tables(results)
    assert tables and all(1 <= len(t["rows"]) <= MAX_OUTCOMES for t in tables)
    assert len({t["title"] for t in tables}) == len(tables)  # a reader tells the questions apart by their titles
    for t in tables:  # one population, route and comparison per table
        qs = {question_of(next(a for a in results.analyses if a.id == r["id"]), results.base.comparator).population
              for r in t["rows"]}
        assert len(qs) == 1
        letters = {x for r in t["rows"] for x in r["letters"].split(",") if x}
        assert letters == {f for f, _ in t["footnotes"]}  # every footnote used, every letter defined
    single = [t for t in tables if t["single_arm"]]
    comparative = [t for t in tables if not t["single_arm"]]
    assert single and comparative
    sof = html[html.index('id="sof"'):html.index('id="tables"')]
    assert sof.count("<h3>") == len(tables) and "Certainty starts" in sof


def test_a_sof_row_with_no_control_events_gives_the_risk_difference_per_1000(built):
    results, _ = built
    a = next(a for a in results.analyses if a.sof and a.sof.control_per_1000 is not None)
    zero = replace(a, sof=replace(a.sof, control_per_1000=0.0, risk_difference_per_1000=(52.4, -10.2, 115.0)))
    row = _sof_outcome(zero, results.base, [])
    assert row["difference"] == "52 more per 1000 (10 fewer to 115 more; risk difference)"
    assert "no events with the comparator" in row["intervention"]


def test_the_pooled_risk_difference_is_computed_when_the_control_arms_have_no_events():
    import json

    from evsynth.meta.review.summary import _risk_difference

    class Res:  # the fields _risk_difference reads
        method, test = "REML", "z"

    class E:
        def __init__(self, s):
            self.study = s

    # metafor: rma(measure = "RD", ...), tests/reference/make_sof_reference.R
    for case in json.loads((ROOT / "tests" / "reference" / "sof_reference.json").read_text(encoding="utf-8")):
        data = [{"events_t": a, "n_t": n1, "events_c": c, "n_c": n2}
                for a, n1, c, n2 in zip(case["ai"], case["n1i"], case["ci"], case["n2i"])]
        rd = _risk_difference(Res(), data, [E(f"s{i}") for i in range(len(data))])
        want = [1000 * case[k] for k in ("estimate", "ci_low", "ci_high")]
        assert rd is not None and all(abs(x - y) < 1e-5 for x, y in zip(rd, want)), (rd, want)


# --- methods, eligibility, limitations ---------------------------------------------------------------------------------

def test_methods_eligibility_and_limitations_are_generated_from_the_results(built):
    import platform

    results, html = built
    methods = html[html.index('id="methods"'):html.index('id="published"')]
    assert f"Python {platform.python_version()}" in methods and results.evidence.sha256[:16] in methods
    assert results.rules.version in methods
    assert "mantel-haenszel" not in methods and "hartung-knapp" not in methods  # names keep their capitals
    elig = methods[methods.index('id="eligibility"'):methods.index('id="flow"')]
    assert elig.count("<tr>") == len(results.analyses) + 1
    lim = methods[methods.index('id="limitations"'):]
    n_votes = sum(a.votes is not None for a in results.analyses)
    assert f"{n_votes} analyses are vote counts" in lim


def test_excluded_rows_link_only_to_rows_the_provenance_table_holds(built):
    _, html = built
    ids = set(re.findall(r'id="r-([^"]+)"', html))
    links = set(re.findall(r'href="#r-([^"]+)"', html))
    assert links and links <= ids


# --- meta-regression slope and subgroups -------------------------------------------------------------------------------

def test_a_dose_slope_is_given_per_10_units_and_a_ratio_slope_as_a_factor():
    from evsynth.meta.engine.results import Coefficient

    coef = [Coefficient("intrcpt", 0.1, 0.1, 1, 0.3, -0.1, 0.3),
            Coefficient("dose", 0.01, 0.005, 2, 0.04, 0.0005, 0.0195)]
    reg = MetaRegressionRun(**_reg_fields(coef), moderator="dose", unit="mg/day",
                            points=tuple(RegressionPoint(f"s{i}", x, 0.1, 0.1) for i, x in enumerate((30, 60, 90))))
    text = regression_text(reg, True, "OR")
    assert "per 10 mg/day" in text and "1.11 (1.01 to 1.22)" in text  # exp(0.1), exp(0.005), exp(0.195)
    lin = regression_text(reg, False, "MD")
    assert "slope 0.100 (0.00500 to 0.195) per 10 mg/day" in lin


def _reg_fields(coef):
    from dataclasses import fields

    base = {f.name: None for f in fields(MetaRegressionRun) if f.name not in ("moderator", "unit", "points",
                                                                               "left_out")}
    base["coefficients"] = tuple(coef)
    base["k"] = 3
    return base


def test_the_base_wide_risk_of_bias_summary_counts_each_pooled_trial_once(built):
    from evsynth.figures.catalogue import base_rob_table, plan

    results, html = built
    table = base_rob_table(results)
    studies = {e.study for a in results.analyses for e in a.study_effects or ()}
    assert set(table.studies) == studies and len(table.studies) == len(studies)
    assert abs(sum(table.weights) - 100) < 1e-9 and ("", "rob-summary") in plan(results)
    rob = html[html.index('id="rob"'):html.index('id="limitations"')]
    assert "<svg" in rob and f"({len(studies)} studies)" in rob and "<figcaption>" in rob


def test_references_glossary_and_prisma_flow_are_in_the_report(built):
    from evsynth.meta.review.glossary import GLOSSARY

    results, html = built
    refs = html[html.index('id="references"'):html.index('id="cite"')]
    cited = {p.source for p in results.studies.values() if p.source}
    items = re.findall(r'<li id="ref-([^"]+)"', refs)
    assert items and set(items) <= cited and len(items) == len(set(items))
    assert "Abel NA, Smith RA. Intrathecal baclofen for treatment of intractable spinal spasticity." in refs
    gl = html[html.index('id="glossary"'):html.index('id="provenance"')]
    assert gl.count("<dt>") == len(GLOSSARY)
    flow = html[html.index('id="flow"'):html.index('id="rob"')]
    assert "<svg" in flow and "PRISMA 2020" in flow and "Trials included" in flow
    cite = html[html.index('id="cite"'):html.index('id="glossary"')]
    assert results.evidence.sha256 in cite and results.tool in cite


def test_a_key_finding_shows_a_label_only_for_a_label_claim_and_dose_votes_in_dose_words(built):
    from evsynth.cli.report_findings import effect_text
    from evsynth.meta.review.rules import LABELS

    results, _ = built
    rows = {r["claim"]: r for r in key_findings(results, {})}
    claims = {c.id: c for c in results.claims}
    for cid, r in rows.items():
        c = claims[cid]
        if c.scale == "labels" and c.expected not in LABELS:
            assert r["label"] == "—" and r["reason"] == c.found, cid  # e.g. a rate's range, a dose trend
    dose = rows["sedation_weakness_dose_dependent"]
    assert dose["reason"].startswith("1 trial reports it more often at the higher dose (beraha2016)")
    votes = next(a for a in results.analyses if a.id == "somnolence_by_dose_votes")
    assert effect_text(votes, results.base).startswith("0 of 1 trial favour the higher dose, 1 the lower dose")
    cocaine = next(a for a in results.analyses if a.id == "cocaine_vs_placebo_votes")
    assert effect_text(cocaine, results.base).startswith("1 of 2 trials favour baclofen, 0 the ")
    assert rows["uses_other_limited"]["label"] == "Experimental, limited"


def test_a_rate_whose_studies_saw_no_event_shows_none_and_its_exact_upper_limit(built):
    from evsynth.cli.report_findings import effect_text

    results, html = built
    a = next(a for a in results.analyses if a.id == "long_term_hepatic_renal_toxicity")
    assert effect_text(a, results.base) == "none of 65 (0.0% to 5.5%, exact); 1 trial"
    assert a.sof.intervention_per_1000[:2] == (0.0, 0.0) and abs(a.sof.intervention_per_1000[2] - 55.17) < 0.01
    assert "0 per 1000 (0 to 55)" in html  # not the continuity-corrected 8 per 1000
    tables = html[html.index('id="tables"'):html.index('id="claims"')]  # the documents' side-effects table
    assert "none of 65 (0.0% to 5.5%, exact)" in tables and "no event observed" in tables
