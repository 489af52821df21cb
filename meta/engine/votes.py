"""Vote counting by direction of effect, for trials that report only a direction and whether it was significant
(Cochrane Handbook 12.2.2: count the trials favouring each side and test with the sign test; count significance
only as a description, never as the synthesis)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from math import comb
from typing import Sequence

from ..jsonable import Jsonable
from .results import CombinedP

BENEFIT, HARM = "favours intervention", "favours control"  # the `direction` vocabulary of a pvalues table


def vote_count(rows: Sequence[dict]) -> "VoteCount":
    """One vote per trial (its first row: a trial may report several outcomes), by direction, with the sign test.

    Parameters
    ----------
    rows : sequence of dict
        One per reported result: ``trial`` (or ``study_id``), ``direction`` (``"favours intervention"`` or
        ``"favours control"``), ``significance`` and ``p``, the exact two-sided p-value as a number (None or NaN
        when the trial gives none; text is parsed by the caller, see `evsynth.meta.inputs.numbers`).

    Returns
    -------
    VoteCount
    """
    trials: dict[str, dict] = {}
    for r in rows:
        trials.setdefault(r.get("trial") or r.get("study_id", ""), r)
    favour = tuple(t for t, r in trials.items() if r.get("direction") == BENEFIT)
    against = tuple(t for t, r in trials.items() if r.get("direction") == HARM)
    unknown = tuple(t for t, r in trials.items() if r.get("direction") not in (BENEFIT, HARM))
    significant = tuple(t for t in favour if trials[t].get("significance") == "significant")
    n = len(favour) + len(against)
    return VoteCount(len(trials), favour, against, unknown, significant, sign_test(len(favour), n) if n else None,
                     "vote counting by direction of effect with a two-sided sign test (Cochrane Handbook 12.2.2)",
                     _combined(trials))


def _combined(trials: dict[str, dict]):
    """Stouffer's combination of the trials' exact p-values with their direction (Cochrane Handbook 12.2.1), when
    at least two report one: a p-value given only as a bound ("p<0.05") or without a direction is not combined."""
    from .pvalues import combine_pvalues, one_sided

    exact = [(t, _number(r.get("p")), 1 if r.get("direction") == BENEFIT else -1)
             for t, r in trials.items() if r.get("direction") in (BENEFIT, HARM)]
    exact = [(t, p, d) for t, p, d in exact if 0 < p <= 1]
    if len(exact) < 2:
        return None
    left = [t for t in trials if t not in {t for t, _, _ in exact}]
    res = combine_pvalues(one_sided([p for _, p, _ in exact], [d for _, _, d in exact]), "stouffer",
                          study=[t for t, _, _ in exact])
    note = (f"{len(left)} trial(s) without an exact p-value and a direction are not combined: {', '.join(left)}"
            if left else "")
    return replace(res, notes=res.notes + ((note,) if note else ()))


def _number(value) -> float:
    """A p-value given as a number; anything else (None, text) is not an exact p-value."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def sign_test(successes: int, n: int) -> float:
    """Two-sided exact binomial test of p = 1/2.

    Parameters
    ----------
    successes : int
        Trials favouring one side.
    n : int
        Trials with a direction (at least 1).

    Returns
    -------
    float
        The two-sided p-value, at most 1.
    """
    k = min(successes, n - successes)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class VoteCount(Jsonable):
    """Trials that report only a direction and significance, counted by direction (Cochrane Handbook 12.2.2).

    Attributes
    ----------
    trials : int
        Trials counted (one vote each).
    favour_intervention : tuple[str, ...]
        Trials whose direction favours the intervention.
    favour_control : tuple[str, ...]
        Trials whose direction favours the control.
    no_direction : tuple[str, ...]
        Trials with no difference or no direction reported.
    significant_benefit : tuple[str, ...]
        Trials favouring the intervention that were significant on their own (a description, not the synthesis).
    sign_test_p : float | None
        Two-sided exact sign test of the directions (None when no trial has a direction).
    method : str
        How the votes were counted and tested.
    combined : CombinedP | None
        Stouffer's combination of the exact one-sided p-values, in the direction favouring the intervention
        (Cochrane Handbook 12.2.1), when at least two trials report an exact p with a direction.
    """

    trials: int
    favour_intervention: tuple[str, ...]
    favour_control: tuple[str, ...]
    no_direction: tuple[str, ...]
    significant_benefit: tuple[str, ...]
    sign_test_p: float | None
    method: str
    combined: CombinedP | None = None
