"""The report's methods, eligibility, limitations and how-to-cite sections, generated from the results.

Software versions are those of the environment that renders the report; no wall-clock date is written, so that two
builds of the same evidence in the same environment are byte-identical.
"""
from __future__ import annotations

import platform
from importlib import metadata

from evsynth.meta.engine.choices import MEASURE_NAMES, METHOD_NAMES, TEST_NAMES
from evsynth.meta.review.questions import question_of
from evsynth.meta.review.results import ReviewResults
from evsynth.meta.review.wording import count_text

PACKAGES = ("numpy", "scipy", "pandas", "statsmodels", "matplotlib", "jinja2")


def software() -> list[tuple[str, str]]:
    """(name, version) of Python and the libraries the numbers and figures come from."""
    out = [("Python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def methods(results: ReviewResults) -> dict:
    """What the methods section states: the models fitted (with how many analyses each), the zero-cell rules, the
    small-number rule, the grading rules' version and the inputs' fingerprints."""
    models: dict[str, list[str]] = {}
    zero, few = set(), set()
    for a in results.analyses:
        res = a.result
        if res is None:
            continue
        model = (f"{METHOD_NAMES.get(res.method, res.method)}, {TEST_NAMES.get(res.test, res.test)} test; "
                 f"{MEASURE_NAMES.get(res.measure, res.measure).lower()}")
        models.setdefault(model, []).append(a.id)
        zc = res.zero_cells or {}
        if zc:
            add = zc.get("add")
            zero.add(f"{'0.5' if add in (None, 'default') else add} added to every cell of "
                     f"{'studies with a zero cell' if zc.get('to') == 'only0' else 'all studies'}; trials without "
                     f"events in both arms {'dropped' if zc.get('drop00') else 'kept'} ({MEASURE_NAMES.get(res.measure, res.measure).lower()})")
        d = a.design
        if d is not None and d.few_trials is not None:
            few.add(f"With fewer than {d.few_trials.below} trials, {d.few_trials.used} instead of "
                    f"{d.few_trials.specified}, and no prediction interval")
    votes = [a.id for a in results.analyses if a.votes is not None]
    rules = results.rules
    return {
        "models": [{"model": m, "n": len(ids), "analyses": ", ".join(ids)} for m, ids in models.items()],
        "zero_cells": sorted(zero), "few_trials": sorted(few),
        "votes": count_text(len(votes), "analysis", "analyses") if votes else "",
        "rules": f"{rules.version} (SHA-256 {rules.sha256[:16]}…)" if rules and rules.sha256 else
                 (rules.version if rules else "none"),
        "evidence": results.evidence.sha256[:16], "files": len(results.evidence.files),
        "tool": results.tool, "software": software(),
    }


def eligibility(results: ReviewResults) -> list[dict]:
    """Per analysis, its protocol criteria (column: admitted values) and the PRISMA counts of its rows."""
    out = []
    for a in results.analyses:
        q = question_of(a, results.base.comparator)
        other = {c: ", ".join(v) for c, v in (a.where or {}).items() if c not in ("condition", "route", "comparator",
                                                                                   "outcome", "design")}
        out.append({"id": a.id, "title": a.title, "condition": q.condition, "route": q.route,
                    "comparison": q.comparison, "design": ", ".join((a.where or {}).get("design", ())) or "any",
                    "outcome": q.outcome, "other": "; ".join(f"{c}: {v}" for c, v in other.items()) or "—",
                    "assessed": a.candidates if a.candidates is not None else len(a.rows) + len(a.excluded or ()),
                    "taken": len(a.rows), "trials": a.trials if a.trials is not None else len(a.rows),
                    "excluded": len(a.excluded or ())})
    return out


def limitations(results: ReviewResults) -> list[str]:
    """What the grading flagged, as sentences a panel reads before it trusts a label: analyses resting on
    secondary sources, risk of bias not assessed, few trials, uncontrolled evidence, vote counts, claims that cannot
    be checked or were contradicted."""
    graded = [a for a in results.analyses if a.label is not None]
    n = len(graded)

    def having(code: str) -> list[str]:
        return [a.id for a in graded if code in a.label.reasons]

    def rob_not_assessed(a) -> bool:
        return any(j.domain == "risk_of_bias" and "not assessed" in j.reason for j in
                   (a.certainty.judgements if a.certainty else ()))

    out = []
    no_rob = [a.id for a in graded if rob_not_assessed(a)]
    if no_rob:
        out.append(f"Risk of bias was not assessed for any trial of {len(no_rob)} of {n} analyses; GRADE's rule "
                   f"(assume fewer than the needed share at low risk) rated each of them down: {', '.join(no_rob)}.")
    for code, words in (("SECONDARY_SOURCES", "rest in part on secondary reports (news, websites, books) rather than "
                                              "the trials' own publications"),
                        ("FEW_RCTS", "have fewer randomised trials than the Strong label needs"),
                        ("FEW_PARTICIPANTS", "have fewer participants than the Mixed label needs"),
                        ("FRAGILE", "change their conclusion when one trial is left out or a few outcomes change")):
        ids = having(code)
        if ids:
            out.append(f"{len(ids)} of {n} analyses {words}: {', '.join(ids)}.")
    single = [a.id for a in graded if question_of(a).comparison.startswith("single-arm")]
    if single:
        out.append(f"{len(single)} analyses pool single-arm rates from uncontrolled studies, which cannot separate "
                   f"the drug's effect from the natural course, placebo response or co-interventions: "
                   f"{', '.join(single)}.")
    votes = [a.id for a in graded if a.votes is not None]
    if votes:
        out.append(f"{len(votes)} analyses are vote counts of trials that report only a direction and its "
                   "significance: they say which way the trials point, not how large the effect is "
                   f"({', '.join(votes)}).")
    low = [a.id for a in graded if a.certainty and a.certainty.level in ("Low", "Very low")]
    if low:
        out.append(f"The certainty of {len(low)} of {n} analyses is low or very low: further research is likely to "
                   "change their estimates.")
    status = {}
    for c in results.claims:
        status.setdefault(c.status, []).append(c.id)
    if status.get("not_checkable"):
        out.append(f"{count_text(len(status['not_checkable']), 'claim')} of the source documents cannot be checked "
                   f"with this evidence base (each with its reason below): {', '.join(status['not_checkable'])}.")
    if status.get("inconclusive"):
        out.append(f"{count_text(len(status['inconclusive']), 'claim')} could not be settled for want of data: "
                   f"{', '.join(status['inconclusive'])}.")
    out.append("The evidence tables were extracted from the sources named in the provenance table; where a trial's "
               "own report could not be reached, the gap is recorded in gaps.csv rather than filled.")
    return out


def how_to_cite(results: ReviewResults) -> str:
    """A citation of this evidence summary: title, tool version, rule set and the evidence's fingerprint (which
    identifies the data exactly; no date, so that builds stay byte-identical)."""
    rules = results.rules.version if results.rules else "no rule set"
    return (f"{results.base.title}: evidence summary regenerated from data. evsynth {results.tool}, grading rules "
            f"{rules}, evidence SHA-256 {results.evidence.sha256}.")
