"""The glossary: every term a guideline panel meets in the report, defined once, in plain words."""
from __future__ import annotations

import pytest

from evsynth.meta.review.glossary import GLOSSARY, Term, find

REQUIRED = ("DL", "REML", "PM", "HKSJ", "HK", "τ²", "I²", "Q", "prediction interval", "RR", "OR", "SMD", "MD", "PR",
            "TSA", "fragility index", "CIOMS frequency categories", "very common (CIOMS)", "common (CIOMS)",
            "uncommon (CIOMS)", "rare (CIOMS)", "very rare (CIOMS)", "GRADE", "high certainty",
            "moderate certainty", "low certainty", "very low certainty", "risk of bias (GRADE domain)",
            "inconsistency (GRADE domain)", "indirectness (GRADE domain)", "imprecision (GRADE domain)",
            "publication bias (GRADE domain)", "RoB 2", "vote count", "sign test", "ITT", "SoF")


def test_every_entry_has_a_term_and_a_definition_and_terms_are_unique():
    assert all(isinstance(t, Term) and t.term.strip() and len(t.definition.split()) >= 5 for t in GLOSSARY)
    terms = [t.term.casefold() for t in GLOSSARY]
    assert len(terms) == len(set(terms))
    defs = [t.definition for t in GLOSSARY]
    assert len(defs) == len(set(defs))
    for t in GLOSSARY:  # plain text, one sentence or more, no markup
        assert t.definition == " ".join(t.definition.split()) and t.definition.endswith(".")
        assert not any(c in t.term + t.definition for c in "*_`[]{}\\")  # "<" and ">" are the CIOMS bands


@pytest.mark.parametrize("name", REQUIRED)
def test_the_terms_of_the_report_are_defined(name):
    assert find(name) is not None, name


def test_find_reads_abbreviations_and_words():
    assert find("hksj") is find("HK") is find("Hartung–Knapp–Sidik–Jonkman")
    assert find("risk ratio").term == "RR (risk ratio)" and find("tau-squared").term.startswith("τ²")
    assert find("odds") is None and find("") is None


def test_the_cioms_bands_and_grade_levels_say_what_they_should():
    assert "≥1/10)" in find("very common (CIOMS)").definition
    assert "≥1/100 to <1/10" in find("common (CIOMS)").definition
    assert "≥1/1000 to <1/100" in find("uncommon (CIOMS)").definition
    assert "≥1/10 000 to <1/1000" in find("rare (CIOMS)").definition
    assert "<1/10 000" in find("very rare (CIOMS)").definition
    cats = find("CIOMS frequency categories").definition
    assert all(band in cats for band in ("very common (≥1/10)", "common (≥1/100 to <1/10)",
                                         "uncommon (≥1/1000 to <1/100)", "rare (≥1/10 000 to <1/1000)",
                                         "very rare (<1/10 000)"))
    levels = [find(f"{w} certainty").definition for w in ("high", "moderate", "low", "very low")]
    assert "almost certainly close" in levels[0] and "probably close" in levels[1]
    assert "may well be markedly different" in levels[2] and "probably markedly different" in levels[3]
    assert all(d in find("GRADE").definition for d in ("risk of bias", "inconsistency", "indirectness",
                                                       "imprecision", "publication bias"))


def test_terms_round_trip_through_json():
    assert all(Term.from_dict(t.to_dict()) == t for t in GLOSSARY)
