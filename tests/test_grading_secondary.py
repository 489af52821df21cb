"""The grading rule for rows resting only on secondary sources (evidence/grading.toml,
certainty.risk_of_bias.secondary_share_max): risk of bias rated down one more level and the label's reason code
SECONDARY_SOURCES when such rows carry more than the threshold's share of the participants."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from evsynth.meta.engine.votes import vote_count
from evsynth.meta.errors import SchemaError
from evsynth.meta.review.grading import Facts, certainty, label, label_votes, secondary_share
from evsynth.meta.review.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES_PATH = ROOT / "evidence" / "grading.toml"
RULES = load_rules(RULES_PATH)

# five large, consistent, low-risk-of-bias RCTs with a clear benefit (as in test_grading.py)
GOOD = Facts(comparative=True, ratio=True, binary=True, k=5, designs=("parallel RCT",) * 5,
             participants=(400.0,) * 5, rob=("low",) * 5, yi=(-0.3, -0.25, -0.35, -0.2, -0.3), estimate=-0.28,
             ci_low=-0.4, ci_high=-0.16, pvalue=1e-5, i2=10.0, events=600, control_risk=0.3, fragility=20)


def rob(c):
    return next(j for j in c.judgements if j.domain == "risk_of_bias")


def test_the_rule_is_in_the_rule_set_with_its_source():
    assert RULES.get("certainty.risk_of_bias", "secondary_share_max") == 0.25
    assert "Cochrane Handbook" in RULES.get("certainty.risk_of_bias", "source_secondary")


@pytest.mark.parametrize("flags, share", [
    ((False,) * 5, 0.0),
    ((True, False, False, False, False), 0.2),
    ((True, True, False, False, False), 0.4),
    ((True,) * 5, 1.0),
])
def test_share_of_participants(flags, share):
    assert secondary_share(flags, (400.0,) * 5) == pytest.approx((share, "participants"))


def test_share_weighs_participants_and_falls_back_to_studies():
    assert secondary_share((True, False), (100.0, 300.0)) == (0.25, "participants")
    assert secondary_share((True, False, False, False), (float("nan"),) * 4) == (0.25, "studies")
    assert secondary_share((True,), (10.0, 30.0)) == (0.25, "participants")  # missing flags count as False


def test_one_study_in_five_is_below_the_threshold():
    f = replace(GOOD, secondary=(True, False, False, False, False))
    c = certainty(f, RULES)
    assert rob(c).change == 0 and c.level == "High"
    assert label(f, c, RULES).label == "Strong"


def test_two_studies_in_five_rate_down_with_a_reason_code():
    f = replace(GOOD, secondary=(True, True, False, False, False))
    c = certainty(f, RULES)
    j = rob(c)
    assert j.change == -1 and c.level == "Moderate"
    assert "SECONDARY_SOURCES: 40% of the participants rest only on secondary sources" in j.reason
    assert "more than 25%" in j.reason and "Cochrane Handbook 5.1, 7.4.1" in j.source
    lab = label(f, c, RULES)
    assert lab.label == "Mixed" and "SECONDARY_SOURCES" in lab.reasons


def test_it_adds_to_the_risk_of_bias_judgement_and_stops_at_minus_two():
    f = replace(GOOD, rob=("not assessed",) * 5, secondary=(True,) * 5)
    j = rob(certainty(f, RULES))
    assert j.change == -2 and "not assessed" in j.reason and "100% of the participants" in j.reason
    f = replace(GOOD, rob=("high",) * 5, secondary=(True, True, False, False, False))
    assert rob(certainty(f, RULES)).change == -2


def test_unknown_participants_count_studies():
    f = replace(GOOD, binary=False, participants=(float("nan"),) * 5, secondary=(True, True, False, False, False))
    assert "40% of the studies rest only on secondary sources" in rob(certainty(f, RULES)).reason


def edited(tmp_path, pattern, repl):
    text = RULES_PATH.read_text()
    new = re.sub(pattern, repl, text, count=1, flags=re.M)
    assert new != text
    path = tmp_path / "grading.toml"
    path.write_text(new)
    return path


def test_changing_the_threshold_changes_the_verdict(tmp_path):
    f = replace(GOOD, secondary=(True, True, False, False, False))
    looser = load_rules(edited(tmp_path, r"^secondary_share_max = .*$", "secondary_share_max = 0.5"))
    c = certainty(f, looser)
    assert rob(c).change == 0 and label(f, c, looser).label == "Strong"


def test_the_threshold_is_required_and_a_probability(tmp_path):
    with pytest.raises(SchemaError, match="secondary_share_max"):
        load_rules(edited(tmp_path, r"^secondary_share_max = .*$", ""))
    with pytest.raises(SchemaError, match="1.5 must lie between 0 and 1"):
        load_rules(edited(tmp_path, r"^secondary_share_max = .*$", "secondary_share_max = 1.5"))


def test_votes_get_the_reason_code():
    rows = [{"trial": f"T{i}", "direction": "favours intervention", "p": 0.01, "significance": "significant"}
            for i in range(6)]
    votes = vote_count(rows)
    assert label_votes(votes, RULES).label == "Strong"
    assert "SECONDARY_SOURCES" not in label_votes(votes, RULES, 0.25).reasons
    lab = label_votes(votes, RULES, 0.5)
    assert "SECONDARY_SOURCES" in lab.reasons and lab.label == "Mixed"
