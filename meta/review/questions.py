"""The question an analysis answers (population, route, comparison, outcome), read from its protocol's criteria.

The report groups its key findings, summary-of-findings tables and analyses by question and by condition, so that a
reader never meets single-arm rates beside placebo-controlled effects, or one population's outcomes in another's
table. Light to import (no numpy).
"""
from __future__ import annotations

from dataclasses import dataclass

from .results import AnalysisRun

UNCONTROLLED = ("open-label", "case series", "observational", "before_after", "single-arm", "cohort")


@dataclass(frozen=True)
class Question:
    """Population, route and comparison of an analysis (the PICO without the outcome), and its outcome.

    Attributes
    ----------
    condition : str
        The conditions its protocol admits, joined ("AUD"; "MS, SCI"), or "any condition".
    route : str
        The routes it admits, or "any route".
    comparison : str
        "vs placebo" (the comparators it admits), "single-arm (no comparator)" for rates and uncontrolled designs, or
        "any comparator".
    outcome : str
        The outcomes it admits, joined, or the analysis's title.
    """

    condition: str
    route: str
    comparison: str
    outcome: str

    @property
    def population(self) -> tuple[str, str, str]:
        """The grouping key: condition, route, comparison (the outcome varies within a question's table).

        Returns
        -------
        tuple of str
        """
        return self.condition, self.route, self.comparison

    def text(self) -> str:
        """The population as one line.

        Returns
        -------
        str
            "AUD · any route · vs placebo".
        """
        return " · ".join(self.population)


def _join(values) -> str:
    return ", ".join(str(v) for v in values if str(v).strip())


def question_of(a: AnalysisRun, comparator: str = "control") -> Question:
    """The question an analysis answers.

    Parameters
    ----------
    a : AnalysisRun
        The analysis (its protocol criteria `where`, its measure or vote count).
    comparator : str
        The base's name for the comparator, used when a comparative analysis names none.

    Returns
    -------
    Question
    """
    where = a.where or {}
    condition = _join(where.get("condition", ())) or "any condition"
    route = _join(where.get("route", ())) or "any route"
    designs = [d.lower() for d in where.get("design", ())]
    single_arm = (a.result is not None and a.result.measure in ("PR", "PLO", "PAS", "PFT")) or \
        (bool(designs) and all(any(u in d for u in UNCONTROLLED) for d in designs))
    if single_arm:
        comparison = "single-arm (no comparator)"
    elif where.get("comparator"):
        comparison = "vs " + _join(where["comparator"])
    else:
        comparison = f"vs {comparator}" if a.votes is not None else "any comparator"
    outcome = _join(where.get("outcome", ())) or a.title
    return Question(condition, route, comparison, outcome)
