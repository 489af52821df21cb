"""The report's words for numbers: durations in one reader's unit, units with symbols, counts, a verdict's numbers."""
from __future__ import annotations

import math

import pytest

from evsynth.meta.review.wording import count_text, duration_text, numbers_text, unit_text


@pytest.mark.parametrize("low, high, text", [
    (12, None, "12 weeks"), (1, 1, "1 week"), (12, 16, "12 to 16 weeks"), (4.286, 12, "4.3 to 12 weeks"),
    (12, 52, "3 to 12 months"), (52, 104, "12 to 24 months"), (52, 268.7, "1 to 5.2 years"),
    (156, 162.1, "3 to 3.1 years"), (52, 52, "12 months"), (260, 260, "5 years"),
])
def test_durations_take_one_unit_a_reader_expects(low, high, text):
    assert duration_text(low, high) == text


def test_units_counts_and_numbers_read_as_words():
    assert unit_text("ug/day") == "µg/day" and unit_text("mg/day") == "mg/day"
    assert (count_text(1, "trial"), count_text(3, "trial"), count_text(2, "study", "studies")) == \
        ("1 trial", "3 trials", "2 studies")
    text = numbers_text({"trials": 8, "favour_intervention": 5, "favour_control": 0, "sign_test_p": 0.0625})
    assert text == "8 trials; 5 favouring the intervention; 0 favouring the control; sign test P = 0.06"
    text = numbers_text({"k": 3, "estimate": 3.4502, "ci_low": 0.2819, "ci_high": 42.19, "i2": 76.7,
                         "certainty": "Low"})
    assert text == "3 studies; estimate 3.45 (95% CI 0.282 to 42.2); I² = 77%; certainty: low"
    assert numbers_text({"trials": 1, "sign_test_p": None, "favour_intervention": math.nan}) == "1 trial"
    assert "_" not in numbers_text({"trials": 2, "sign_test_p": 0.5, "favour_control": 1})
