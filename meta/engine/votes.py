"""Vote counting by direction of effect, for trials that report only a direction and whether it was significant
(Cochrane Handbook 12.2.2: count the trials favouring each side and test with the sign test; count significance
only as a description, never as the synthesis)."""
from __future__ import annotations

from math import comb
from typing import Sequence

BENEFIT, HARM = "favours baclofen", "favours control"


def vote_count(rows: Sequence[dict]) -> dict:
    trials: dict[str, dict] = {}
    for r in rows:  # one vote per trial: its first row (a trial may report several outcomes)
        trials.setdefault(r.get("trial") or r.get("study_id", ""), r)
    favour = [t for t, r in trials.items() if r.get("direction") == BENEFIT]
    against = [t for t, r in trials.items() if r.get("direction") == HARM]
    unknown = [t for t, r in trials.items() if r.get("direction") not in (BENEFIT, HARM)]
    significant = [t for t in favour if trials[t].get("significance") == "significant"]
    n = len(favour) + len(against)
    return {
        "trials": len(trials), "favour_baclofen": favour, "favour_control": against, "no_direction": unknown,
        "significant_benefit": significant, "sign_test_p": sign_test(len(favour), n) if n else None,
        "method": "vote counting by direction of effect with a two-sided sign test (Cochrane Handbook 12.2.2)",
    }


def sign_test(successes: int, n: int) -> float:
    """Two-sided exact binomial test of p = 1/2."""
    k = min(successes, n - successes)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)
