"""Issue 19: the SCIRE levels of evidence as code (worked examples from its published definition), pedro.csv, and
claims stated in the SCIRE scale."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from evsynth.meta.engine.votes import VoteCount
from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.pedro import PedroScores, load_pedro
from evsynth.meta.review.checks import evaluate
from evsynth.meta.review.claims import Claim
from evsynth.meta.review.results import AnalysisRun
from evsynth.meta.review.rules import load_rules
from evsynth.meta.review.scales import ScaleTrial, at_least, scire_level

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "evidence" / "grading.toml")


def T(name, design="parallel RCT", pedro=None):
    return ScaleTrial(name, design, pedro)


# SCIRE: "a level 1 RCT had a PEDro score of greater than or equal to 6 ... a level 2 RCT had a PEDro score of 5 or
# less"; from version 4.0, two or more level-1 RCTs = 1a, a single one = 1b; pre-post and case series = level 4.
@pytest.mark.parametrize("trials, level", [
    ([T("a", pedro=8), T("b", "crossover RCT", 6)], "1a"),           # two RCTs at PEDro >= 6
    ([T("a", pedro=9), T("b", pedro=7), T("c", pedro=4)], "1a"),     # a weak third does not lower it
    ([T("a", pedro=6)], "1b"),                                      # one RCT at the threshold
    ([T("a", pedro=7), T("b", pedro=5)], "1b"),                      # one good, one below
    ([T("a", pedro=5), T("b", pedro=3)], "2"),                       # RCTs below 6 only
    ([T("a", pedro=None)], "2"),                                     # an RCT not assessed is not high quality
    ([T("c", "prospective controlled trial")], "2"),
    ([T("d", "case-control")], "3"),
    ([T("e", "open-label"), T("f", "case series")], "4"),           # pre-post / case series
    ([T("g", "case report")], "5"),
    ([], "5"),
])
def test_scire_levels_follow_the_published_definition(trials, level):
    assert scire_level(trials, RULES).level == level


def test_the_threshold_and_words_come_from_the_rule_set():
    stricter = replace(RULES, raw={**RULES.raw, "scales": {"scire": {**RULES.raw["scales"]["scire"],
                                                                      "high_quality_pedro": 7}}})
    trials = [T("a", pedro=6), T("b", pedro=7)]
    assert scire_level(trials, RULES).level == "1a" and scire_level(trials, stricter).level == "1b"
    assert scire_level(trials, RULES).words == "strong"
    assert at_least("1a", "1b") and at_least("1b", "1b") and not at_least("2", "1b")


def _base_with_pedro(tmp_path, text):
    base = tmp_path / "base"
    shutil.copytree(ROOT / "evidence" / "baclofen", base)
    (base / "pedro.csv").write_text(text, encoding="utf-8")
    from evsynth.meta.inputs.evidence import load_base

    return load_base(base)


def test_pedro_csv_is_read_and_checked(tmp_path):
    from evsynth.meta.inputs.evidence import load_base

    head = "trial,pedro,source,location,quote\n"
    good = _base_with_pedro(tmp_path, head + "nance1995,7,nance1995,PEDro database,Total PEDro score 7/10\n"
                                               "penn1989,not assessed,penn1989,—,no PEDro record found\n")
    assert good.pedro.score("nance1995") == 7 and good.pedro.score("penn1989") is None
    assert good.pedro.score("no-such-trial") is None
    bad = head + ("nance1995,11,nance1995,PEDro database,score 11\n"
                  "nosuchtrial,5,nance1995,p. 1,score 5\n"
                  "penn1989,6,penn1989,p. 2,a score of seven\n"
                  "penn1989,6,,,\n")
    (tmp_path / "base" / "pedro.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_base(tmp_path / "base")
    text = str(err.value)
    for needle in ("line 2, column 'pedro'", "line 3, column 'trial'", "does not hold the score 6",
                   "'penn1989' is named twice", "column 'source'"):
        assert needle in text, needle


def _claim(expected="1a"):
    return Claim("sci", "003.txt", "Key points", "strong evidence", "level", expected, analysis="votes",
                 scale="scire", quote="There is strong evidence.")


def _run(significant):
    votes = VoteCount(len(significant), tuple(significant), (), (), tuple(significant), 0.01, "sign test")
    return AnalysisRun("votes", "votes", "pvalues", {}, tuple(significant), votes=votes)


def test_a_level_claim_passes_with_two_good_rcts_and_fails_with_one():
    rows = tuple({"study_id": f"{t}-01", "trial": t, "design": "crossover RCT"} for t in ("a", "b", "c"))
    pedro = PedroScores({"a": 7, "b": 6, "c": 3})
    ok = evaluate(_claim(), {"votes": _run(["a", "b"])}, {}, RULES, rows, pedro=pedro)
    assert ok.status == "pass" and ok.numbers["level"] == "1a" and ok.scale == "scire"
    assert ok.quote == "There is strong evidence."
    one = evaluate(_claim(), {"votes": _run(["a", "c"])}, {}, RULES, rows, pedro=pedro)
    assert one.status == "fail" and one.numbers["level"] == "1b" and "level 1b (moderate)" in one.found
    assert evaluate(_claim("1b"), {"votes": _run(["a", "c"])}, {}, RULES, rows, pedro=pedro).status == "pass"
    unassessed = evaluate(_claim(), {"votes": _run(["a", "b"])}, {}, RULES, rows, pedro=PedroScores())
    assert unassessed.status == "fail" and unassessed.numbers["level"] == "2"
