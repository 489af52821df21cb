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
    # RCTs without a PEDro score could be level 1a: too little data to tell, not a contradiction
    assert unassessed.status == "inconclusive" and unassessed.numbers["level"] == "2"
    assert unassessed.numbers["best_possible"] == "1a"
    assert one.numbers["best_possible"] == "1b"  # both scores known: even at best one good RCT, so it fails


# --- ranking, indirect comparison and dose dependence ---------------------------------------------------------------

def _rate_run(aid, events, n):
    from evsynth.meta.engine.choices import Measure
    from evsynth.meta.engine.model import Model
    from evsynth.meta.robustness.refits import fit_table

    res = fit_table({"events": list(events), "n": list(n)}, [f"s{i}" for i in range(len(n))], Model(Measure.PLO))
    return AnalysisRun(aid, aid, "proportions", {}, tuple(f"s{i}" for i in range(len(n))), result=res)


def _claim_of(kind, expected, analysis, **kw):
    return Claim("c", "000.txt", "Key points", "t", kind, expected, analysis=analysis, **kw)


def test_most_frequent_ranks_pooled_rates():
    runs = {"somnolence": _rate_run("somnolence", [30, 25, 40], [100, 100, 100]),
            "dizziness": _rate_run("dizziness", [10, 8, 12], [100, 100, 100]),
            "headache": _rate_run("headache", [5, 4, 6], [100, 100, 100])}
    among = ("somnolence", "dizziness", "headache")
    ok = evaluate(_claim_of("most_frequent", True, "somnolence", among=among), runs, {}, RULES)
    assert ok.status == "pass" and list(ok.numbers["rates"]) == ["somnolence", "dizziness", "headache"]
    assert not ok.numbers["ci_overlap"]
    wrong = evaluate(_claim_of("most_frequent", True, "dizziness", among=among), runs, {}, RULES)
    assert wrong.status == "fail"
    gone = evaluate(_claim_of("most_frequent", True, "somnolence", among=among + ("absent",)), runs, {}, RULES)
    assert gone.status == "inconclusive"


def test_lower_than_is_an_indirect_z_test_with_its_caveat():
    low = _rate_run("itb", [2, 3, 1], [60, 80, 50])
    high = _rate_run("oral", [30, 25, 40], [100, 100, 100])
    near = _rate_run("near", [3, 2, 2], [70, 60, 60])
    runs = {"itb": low, "oral": high, "near": near}
    ok = evaluate(_claim_of("lower_than", "oral", "itb"), runs, {}, RULES)
    assert ok.status == "pass" and ok.numbers["p"] < 0.001 and "indirect" in ok.found
    d = low.result.estimate - high.result.estimate
    assert abs(ok.numbers["difference"] - d) < 1e-12
    assert abs(ok.numbers["se"] - (low.result.se ** 2 + high.result.se ** 2) ** 0.5) < 1e-12
    assert evaluate(_claim_of("lower_than", "itb", "oral"), runs, {}, RULES).status == "fail"
    assert evaluate(_claim_of("lower_than", "near", "itb"), runs, {}, RULES).status == "inconclusive"


def test_dose_dependence_from_a_meta_regression_slope():
    from evsynth.meta.engine.results import Coefficient
    from evsynth.meta.review.results import MetaRegressionRun

    base = _rate_run("sedation", [10, 20, 30], [100, 100, 100])

    def with_slope(lo, est, hi):
        fields = {f: None for f in MetaRegressionRun.__dataclass_fields__ if f not in ("moderator", "left_out",
                                                                                     "points", "unit")}
        fields |= {"k": 3, "coefficients": (Coefficient("intrcpt", 0, 1, 0, 1, -1, 1),
                                             Coefficient("dose", est, 0.01, 2, 0.02, lo, hi))}
        return replace(base, meta_regression=MetaRegressionRun(**fields, moderator="dose"))

    claim = _claim_of("dose_dependent", True, "sedation")
    assert evaluate(claim, {"sedation": with_slope(0.01, 0.02, 0.03)}, {}, RULES).status == "pass"
    assert evaluate(claim, {"sedation": with_slope(-0.01, 0.01, 0.03)}, {}, RULES).status == "inconclusive"
    assert evaluate(claim, {"sedation": with_slope(-0.03, -0.02, -0.01)}, {}, RULES).status == "fail"
    assert evaluate(claim, {"sedation": base}, {}, RULES).status == "inconclusive"  # no moderator: not estimable


def test_claims_toml_checks_the_new_keys(tmp_path):
    from evsynth.meta.review.claims import load_claims

    text = '''
[claims.a]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
most_frequent = true
among = ["one"]

[claims.b]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
lower_than = "one"

[claims.c]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
level = "1c"
quote = "{long}"
'''.replace("{long}", "x" * 301)
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_claims(path, {"one", "two"})
    msg = str(err.value)
    for needle in ("claims.a.among", "claims.b.lower_than", "claims.c.level", "claims.c.quote"):
        assert needle in msg, needle


DOCUMENTS = ROOT.parent / "shared" / "documents"


@pytest.mark.skipif(not DOCUMENTS.is_dir(), reason="the source documents are not beside the checkout")
def test_every_claim_quotes_its_document_exactly():
    import re
    import tomllib

    claims = tomllib.loads((ROOT / "evidence" / "baclofen" / "claims.toml").read_text("utf-8"))["claims"]
    assert all(c.get("quote") for c in claims.values())
    for cid, c in claims.items():
        doc = " ".join((DOCUMENTS / c["document"]).read_text("utf-8").split())
        quote = " ".join(c["quote"].replace(" | ", " ").split())
        assert quote in doc, cid


def test_frequency_at_most_on_a_range_and_a_pooled_rate():
    ranges = {"r1": {"low": "1", "high": "11", "outcome": "confusion"},
              "r2": {"low": "0.01", "high": "0.05", "outcome": "hallucinations"},
              "r3": {"low": "0.05", "high": "2", "outcome": "x"}}

    def claim(expected, row=None, analysis=None):
        return Claim("c", "001.txt", "s", "t", "frequency_at_most", expected, analysis=analysis, range_row=row)

    assert evaluate(claim("rare", "r1"), {}, ranges, RULES).status == "fail"  # 1% is common already
    assert evaluate(claim("uncommon", "r2"), {}, ranges, RULES).status == "pass"  # 0.01-0.05%: rare to uncommon
    assert evaluate(claim("uncommon", "r3"), {}, ranges, RULES).status == "inconclusive"  # straddles the band
    assert evaluate(claim("rare", "missing"), {}, ranges, RULES).status == "inconclusive"
    low = _rate_run("low", [0, 1, 0], [400, 500, 450])  # about 0.1%: its CI reaches into "uncommon"
    v = evaluate(claim("common", analysis="low"), {"low": low}, {}, RULES)
    assert v.status == "pass" and v.numbers["high"] < 0.1
    high = _rate_run("high", [40, 50, 45], [100, 100, 100])
    assert evaluate(claim("uncommon", analysis="high"), {"high": high}, {}, RULES).status == "fail"


# --- combined rates, dose comparisons, events never observed -----------------------------------------------------------

LABEL_RANGES = {"som": {"low": "10", "high": "63", "outcome": "somnolence"},
                "wea": {"low": "5", "high": "15", "outcome": "weakness"},
                "diz": {"low": "5", "high": "15", "outcome": "dizziness"},
                "con": {"low": "1", "high": "11", "outcome": "confusion"}}


def _any(low, high, among=("som", "wea", "diz", "con")):
    return Claim("c", "002.txt", "s", "t", "any_within", [low, high], among=tuple(among))


def test_any_within_bounds_the_share_with_any_of_several_effects():
    # the share with any: at least the largest single rate (10%), at most the sum (63+15+15+11 = 104%, so 100%), and
    # at least 63% where somnolence peaks
    v = evaluate(_any(0.10, 0.75), {}, LABEL_RANGES, RULES)
    assert v.status == "inconclusive"
    assert v.numbers == {"floor": 0.10, "ceiling": 1.0, "highest_single": 0.63, "lowest_at_most": 0.51}
    assert evaluate(_any(0.05, 1.0), {}, LABEL_RANGES, RULES).status == "pass"  # the whole interval inside
    assert evaluate(_any(0.10, 0.50), {}, LABEL_RANGES, RULES).status == "fail"  # below somnolence's 63%
    assert evaluate(_any(0.01, 0.08), {}, LABEL_RANGES, RULES).status == "fail"  # below the 10% floor
    small = {"a": {"low": "10", "high": "20"}, "b": {"low": "5", "high": "10"}}
    tight = evaluate(_any(0.10, 0.30, ("a", "b")), {}, small, RULES)
    assert tight.status == "pass" and abs(tight.numbers["ceiling"] - 0.30) < 1e-12
    assert evaluate(_any(0.1, 0.3, ("a", "zz")), {}, small, RULES).status == "inconclusive"  # a row is missing
    # where somnolence is at its 10% low, any of it and hypotension (0-9%) is at most 19%: a claimed 25% floor fails
    hyp = {**LABEL_RANGES, "hyp": {"low": "0", "high": "9", "outcome": "hypotension"}}
    capped = evaluate(_any(0.25, 0.75, ("som", "hyp")), {}, hyp, RULES)
    assert capped.status == "fail" and abs(capped.numbers["lowest_at_most"] - 0.19) < 1e-12
    mixed = {"a": {"low": "10", "high": "20", "source": "label"}, "b": {"low": "5", "high": "10", "source": "review"}}
    apart = evaluate(_any(0.10, 0.30, ("a", "b")), {}, mixed, RULES)
    assert apart.status == "inconclusive" and "different sources" in apart.found  # not one set of patients


def _dose_run(higher_more, higher_less, none=(), harm=True, comparator="dose comparison"):
    """A vote count of trials comparing doses: for a harm, more at the higher dose is "favours control"."""
    trials = len(higher_more) + len(higher_less) + len(none)
    from evsynth.meta.engine.votes import sign_test

    p = sign_test(len(higher_more), len(higher_more) + len(higher_less)) if higher_more or higher_less else None
    favour_i, favour_c = (higher_less, higher_more) if harm else (higher_more, higher_less)
    votes = VoteCount(trials, tuple(favour_i), tuple(favour_c), tuple(none), (), p, "sign test")
    return {"dose": AnalysisRun("dose", "dose", "pvalues", {"comparator": (comparator,)}, (),
                                outcome_kind="harm" if harm else "benefit", votes=votes)}


def test_dose_dependence_from_trials_comparing_doses():
    claim = _claim_of("dose_dependent", True, "dose")
    six = [f"t{i}" for i in range(6)]
    ok = evaluate(claim, _dose_run(six, []), {}, RULES)
    assert ok.status == "pass" and abs(ok.numbers["sign_test_p"] - 2 * 0.5 ** 6) < 1e-12
    assert "6 trials report it more often at the higher dose" in ok.found
    assert evaluate(claim, _dose_run([], six), {}, RULES).status == "fail"
    one = evaluate(claim, _dose_run(["beraha"], [], ["x"]), {}, RULES)
    assert one.status == "inconclusive" and one.numbers["higher_dose_more"] == ["beraha"]
    assert "1 no difference (x)" in one.found
    # a benefit rising with dose: "favours intervention" (the higher dose) is the rise
    assert evaluate(claim, _dose_run(six, [], harm=False), {}, RULES).status == "pass"
    assert evaluate(claim, _dose_run([], six, harm=False), {}, RULES).status == "fail"
    placebo = evaluate(claim, _dose_run(six, [], comparator="placebo"), {}, RULES)
    assert placebo.status == "inconclusive" and "does not compare doses" in placebo.found  # not a dose comparison


def test_none_observed_counts_zero_events_with_an_exact_upper_limit():
    rows = ({"study_id": "a-01", "events": "0", "n": "42"}, {"study_id": "b-01", "events": "0", "n": "18"},
            {"study_id": "c-01", "events": "2", "n": "30"}, {"study_id": "d-01", "events": "", "n": ""})

    def run(*ids):
        return {"lab": AnalysisRun("lab", "lab", "proportions", {}, ids)}

    claim = _claim_of("none_observed", True, "lab")
    ok = evaluate(claim, run("a-01", "b-01"), {}, RULES, rows)
    assert ok.status == "pass" and ok.numbers["patients"] == 60
    assert abs(ok.numbers["upper_95"] - (1 - 0.025 ** (1 / 60))) < 1e-12  # Clopper-Pearson, 0 of 60
    assert "exact 95% CI 0% to 5.96%" in ok.found
    seen = evaluate(claim, run("a-01", "c-01"), {}, RULES, rows)
    assert seen.status == "fail" and seen.numbers["with_events"] == ["c-01 (2 of 30)"]
    assert evaluate(claim, run("d-01"), {}, RULES, rows).status == "inconclusive"  # no count at all
    one = evaluate(claim, run("a-01"), {}, RULES, rows)  # a claim needs min_studies (2) studies to pass
    assert one.status == "inconclusive" and "fewer than the 2 studies" in one.found
    assert evaluate(replace(claim, min_studies=1), run("a-01"), {}, RULES, rows).status == "pass"
    assert evaluate(claim, run(), {}, RULES, rows).status == "inconclusive"
    part = evaluate(claim, run("a-01", "b-01", "d-01"), {}, RULES, rows)  # a study without a count: cannot tell
    assert part.status == "inconclusive" and "no count in d-01" in part.found


def test_claims_toml_checks_any_within_and_none_observed(tmp_path):
    from evsynth.meta.review.claims import load_claims

    path = tmp_path / "claims.toml"
    path.write_text('''
[claims.a]
document = "000_x.txt"
section = "s"
text = "t"
any_within = [0.1, 0.75]

[claims.b]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
none_observed = false

[claims.c]
document = "000_x.txt"
section = "s"
text = "t"
any_within = [0.1, 7.5]
among = ["r1", "r2"]

[claims.d]
document = "000_x.txt"
section = "s"
text = "t"
any_within = [0.1, 0.75]
among = ["r1", "r2", "r1"]
''', encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_claims(path, {"one"})
    msg = str(err.value)
    assert "claims.d.among" in msg and "twice" in msg
    for needle in ("claims.a.among", "claims.b.none_observed", "claims.c.any_within"):
        assert needle in msg, needle


def test_the_zero_events_upper_limit_equals_rs_binom_test():
    import json

    from evsynth.meta.engine.distributions import zero_events_upper

    ref = json.loads((ROOT / "tests" / "reference" / "zero_events_reference.json").read_text("utf-8"))
    for n, upper in ref.items():
        assert abs(zero_events_upper(float(n)) - upper) < 1e-12, n
    assert zero_events_upper(0) != zero_events_upper(0)  # nan: no patients, no limit
    assert zero_events_upper(1e15) > 0 and abs(zero_events_upper(1e15) * 1e15 - 3.6888794541139363) < 1e-9
    with pytest.raises(ValueError):
        zero_events_upper(10, level=1.5)


def test_reported_checks_a_cited_number_against_the_row_that_holds_it(tmp_path):
    rows = ({"study_id": "z-01", "study": "Zhao 2025", "events": "40", "n": "432", "outcome_detail": "signals"},
            {"study_id": "g-01", "study": "G", "estimate": "4.69"}, {"study_id": "e-01", "events": ""})

    def claim(value, row):
        return Claim("c", "000.txt", "s", "t", "reported", value, row=row)

    ok = evaluate(claim(40, "z-01"), {}, {}, RULES, rows)
    assert ok.status == "pass" and ok.found == "40 of 432 (Zhao 2025: signals)"
    assert evaluate(claim(41, "z-01"), {}, {}, RULES, rows).status == "fail"
    assert evaluate(claim(4.7, "g-01"), {}, {}, RULES, rows).status == "pass"  # rounding to the printed digits
    assert evaluate(claim(5, "g-01"), {}, {}, RULES, rows).status == "pass"  # "5" is 4.69 printed without decimals
    assert evaluate(claim(4, "g-01"), {}, {}, RULES, rows).status == "fail"
    assert evaluate(claim(40.2, "z-01"), {}, {}, RULES, rows).status == "fail"  # 40.2 is not the count 40
    assert evaluate(claim(4.69, "g-01"), {}, {}, RULES, rows).status == "pass"
    assert evaluate(claim(4.6, "g-01"), {}, {}, RULES, rows).status == "fail"  # 4.69 prints as 4.7
    assert evaluate(claim(40, "e-01"), {}, {}, RULES, rows).status == "inconclusive"
    assert evaluate(claim(40, "nope"), {}, {}, RULES, rows).status == "inconclusive"
    n = evaluate(replace(claim(432, "z-01"), column="n"), {}, {}, RULES, rows)  # the document cites the denominator
    assert n.status == "pass" and n.found.startswith("432 (n)")
    from evsynth.meta.review.claims import load_claims

    path = tmp_path / "claims.toml"
    path.write_text('''
[claims.a]
document = "000_x.txt"
section = "s"
text = "t"
reported = 40

[claims.b]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
at_least = 0.5
row = "z-01"

[claims.c]
document = "000_x.txt"
section = "s"
text = "t"
analysis = "one"
min_studies = 3
row = "z-01"
column = "weight"
reported = 40
''', encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_claims(path, {"one"})
    msg = str(err.value)
    for needle in ("claims.a.row", "claims.b.row", "claims.c.analysis", "claims.c.min_studies", "claims.c.column"):
        assert needle in msg, needle


def test_a_claim_naming_a_row_the_base_does_not_hold_is_an_input_error(tmp_path):
    from click.testing import CliRunner

    from evsynth.cli.main import main

    base = tmp_path / "evidence" / "baclofen"
    shutil.copytree(ROOT / "evidence" / "baclofen", base)
    shutil.copy(ROOT / "evidence" / "grading.toml", tmp_path / "evidence" / "grading.toml")
    text = (base / "claims.toml").read_text("utf-8")
    text = text.replace('row = "zhao2025-01"', 'row = "zhao2025-99"').replace(
        '"baclofentabletsuslabel-05"]\nany_within', '"baclofentabletsuslabel-55"]\nany_within')
    (base / "claims.toml").write_text(text, "utf-8")
    res = CliRunner().invoke(main, ["validate", str(base)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "claims.neuro_faers_40_reactions.row" in res.output and "'zhao2025-99' is not a study_id" in res.output
    assert "claims.adverse_effects_10_to_75.among" in res.output and "baclofentabletsuslabel-55" in res.output
