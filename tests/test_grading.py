"""Certainty, labels and frequency words by the rules in evidence/grading.toml: each threshold named with its
source, and changing a threshold changes the verdicts."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from evsynth.meta.errors import SchemaError
from evsynth.meta.review.grading import Facts, certainty, frequency, label
from evsynth.meta.review.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES_PATH = ROOT / "evidence" / "grading.toml"
RULES = load_rules(RULES_PATH)

# five large, consistent, low-risk-of-bias RCTs with a clear benefit
GOOD = Facts(comparative=True, ratio=True, binary=True, k=5, designs=("parallel RCT",) * 5,
             participants=(400.0,) * 5, rob=("low",) * 5, yi=(-0.3, -0.25, -0.35, -0.2, -0.3), estimate=-0.28,
             ci_low=-0.4, ci_high=-0.16, pvalue=1e-5, i2=10.0, events=600, control_risk=0.3, fragility=20)


def levels(c):
    return {j.domain: j.change for j in c.judgements}


def test_good_evidence_is_high_and_strong():
    c = certainty(GOOD, RULES)
    assert c.level == "High" and c.start == "High" and set(levels(c).values()) == {0}
    assert label(GOOD, c, RULES).label == "Strong"
    assert all(j.source for j in c.judgements)


@pytest.mark.parametrize("change, domain, level", [
    (dict(rob=("not assessed",) * 5), "risk_of_bias", "Moderate"),
    (dict(ci_high=0.05), "imprecision", "Moderate"),
    (dict(i2=80.0, yi=(-0.5, 0.3, -0.4, 0.4, -0.2)), "inconsistency", "Moderate"),
    (dict(participants=(40.0,) * 5), "imprecision", "Moderate"),
    (dict(k=12, egger_p=0.02, designs=("parallel RCT",) * 12), "publication_bias", "Moderate"),
])
def test_each_domain_rates_down_by_its_rule(change, domain, level):
    f = replace(GOOD, **change)
    c = certainty(f, RULES)
    assert levels(c)[domain] == -1 and c.level == level
    # one level down still allows Strong (High or Moderate); a CI that crosses no effect does not
    assert (label(f, c, RULES).label == "Strong") is (f.ci_high < 0 and f.i2 <= 50)


def test_non_randomised_starts_low_and_a_large_effect_rates_up():
    f = replace(GOOD, designs=("observational",) * 5, estimate=-1.0, ci_low=-1.2, ci_high=-0.8)
    c = certainty(f, RULES)
    assert c.start == "Low" and levels(c)["upgrade"] == 1 and c.level == "Moderate"


def test_overrides_are_recorded():
    f = replace(GOOD, overrides={"indirectness": (-1, "surrogate outcome")})
    c = certainty(f, RULES)
    j = next(j for j in c.judgements if j.domain == "indirectness")
    assert j.override and j.change == -1 and "surrogate outcome" in j.reason and c.level == "Moderate"


def test_fragile_and_few_trials_give_reason_codes():
    f = replace(GOOD, fragility=2, k=2, designs=("parallel RCT",) * 2, participants=(400.0, 400.0), yi=(-0.3, -0.2))
    lab = label(f, certainty(f, RULES), RULES)
    assert lab.label == "Mixed" and {"FRAGILE", "FEW_RCTS"} <= set(lab.reasons)


@pytest.mark.parametrize("rate, word", [(0.25, "very common"), (0.1, "very common"), (0.05, "common"),
                                        (0.005, "uncommon"), (0.0005, "rare"), (0.00005, "very rare")])
def test_cioms_frequency(rate, word):
    assert frequency(rate, RULES) == word


def edited(tmp_path, pattern, repl):
    path = tmp_path / "grading.toml"
    text = RULES_PATH.read_text()
    new = re.sub(pattern, repl, text, count=1, flags=re.M)
    assert new != text
    path.write_text(new)
    return load_rules(path)


def test_changing_a_threshold_changes_the_verdict(tmp_path):
    f = replace(GOOD, i2=60.0, yi=(-0.5, 0.3, -0.4, 0.4, -0.2))
    assert levels(certainty(f, RULES))["inconsistency"] == -1
    looser = edited(tmp_path, r"^i2_no_concern = .*$", "i2_no_concern = 75.0")
    assert levels(certainty(f, looser))["inconsistency"] == 0
    stricter = edited(tmp_path, r"^very_common = .*$", "very_common = 0.30")
    assert frequency(0.25, stricter) == "common"
    fewer = edited(tmp_path, r"^strong_min_rct = .*$", "strong_min_rct = 6")
    assert label(GOOD, certainty(GOOD, fewer), fewer).label == "Mixed"


def test_every_section_names_its_source(tmp_path):
    path = tmp_path / "grading.toml"
    text = RULES_PATH.read_text()
    path.write_text(re.sub(r'^source = "Sterne.*$', "", text, flags=re.M))
    with pytest.raises(SchemaError, match="publication_bias'?: names no source"):
        load_rules(path)
    path.write_text(text.replace("egger_p = 0.10", 'egger_p = "ten"'))
    with pytest.raises(SchemaError, match="egger_p"):
        load_rules(path)


@pytest.mark.parametrize("kind,estimate,side", [("benefit", 0.4, "baclofen"), ("benefit", -0.4, "control"),
                                                ("harm", 0.4, "control"), ("harm", -0.4, "baclofen")])
def test_favours_reads_the_outcome_kind(kind, estimate, side):
    """More events on baclofen favours baclofen for a benefit (abstinence) and the control for a harm (dropout)."""
    from dataclasses import replace

    from evsynth.meta.review.about import BaseInfo
    from evsynth.meta.review.checks import evaluate
    from evsynth.meta.review.claims import Claim
    from evsynth.meta.review.pipeline import run_one

    real = run_one(ROOT / "evidence" / "baclofen", "aud_abstinence")
    result = replace(real.result, k=3, estimate=estimate, ci_low=estimate - 1, ci_high=estimate + 1, i2=0.0, back=None)
    analysis = replace(real, outcome_kind=kind, result=result, robustness=None)
    claim = Claim("c", "d.txt", "s", "t", "favours", "baclofen", analysis="a")
    v = evaluate(claim, {"a": analysis}, {}, None, about=BaseInfo("Baclofen", "baclofen", "control"))
    assert v.found.startswith(f"favours {side}")
    assert v.status == ("pass" if side == "baclofen" else "fail")
