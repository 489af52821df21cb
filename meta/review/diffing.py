"""Compare two reviews (results.json snapshots, read through the same types): what changed per analysis and per
claim, and, for each analysis that changed, what a reviewer needs beside it: the effect on the natural scale with
its measure ("RR 1.92 (0.36 to 10.2), P = 0.24"), the label with its reason codes, the fragility index, the
conclusion's robustness flips and the subgroup results, each before and after."""
from __future__ import annotations

import math

from ..engine.results import MetaResult, SubgroupResult
from ..engine.text import p_report
from ..engine.transforms import to_natural
from ..robustness.fragility import Fragility
from ..robustness.refits import Skipped
from .results import AnalysisRun, ReviewResults

PROPORTIONS = ("PR", "PLO", "PAS", "PFT")  # measures whose natural scale is a proportion, shown as a percentage


def diff_results(old: ReviewResults, new: ReviewResults) -> dict:
    """{"evidence": {old, new}, "analyses": [{"id", "change"} or {"id", "fields": {key: {old, new}}, "context":
    {key: {old, new}}}], "claims": [{"id", "old", "new", "old_found", "new_found"}]}: what differs.

    Parameters
    ----------
    old : ReviewResults
        The earlier review.
    new : ReviewResults
        The later review.

    Returns
    -------
    dict
        The two evidence fingerprints; each analysis added, removed or with changed fields (k, estimate, CI, p-value,
        tau^2, I^2 on the analysis scale; significance at 0.05; certainty; label and its reason codes; the fragility
        index; the robustness flips; the subgroup results; studies; vote counts), numbers equal within a relative
        1e-12 counted as unchanged; for each changed analysis its `context` before and after, as text, whether
        changed or not: effect (natural scale, with the measure and P), label, its reason codes, certainty,
        fragility, flips, subgroups. Each claim whose status or finding changed. Sorted by id.
    """
    a_old = {a.id: a for a in old.analyses}
    a_new = {a.id: a for a in new.analyses}
    analyses = []
    for aid in sorted(set(a_old) | set(a_new)):
        o, n = a_old.get(aid), a_new.get(aid)
        if o is None or n is None:
            analyses.append({"id": aid, "change": "added" if o is None else "removed"})
            continue
        fields = {key: {"old": fo, "new": fn} for key, fo, fn in _fields(o, n) if fo != fn and not _same(fo, fn)}
        if fields:
            context = {key: {"old": f(o), "new": f(n)} for key, f in CONTEXT}
            analyses.append({"id": aid, "fields": fields, "context": {k: v for k, v in context.items()
                                                                      if v["old"] is not None or v["new"] is not None}})
    c_old = {c.id: c for c in old.claims}
    c_new = {c.id: c for c in new.claims}
    claims = []
    for cid in sorted(set(c_old) | set(c_new)):
        o, n = c_old.get(cid), c_new.get(cid)
        so, sn = (o.status if o else None), (n.status if n else None)
        fo, fn = (o.found if o else None), (n.found if n else None)
        if so != sn or fo != fn:
            claims.append({"id": cid, "old": so, "new": sn, "old_found": fo, "new_found": fn})
    return {"evidence": {"old": old.evidence.to_dict(), "new": new.evidence.to_dict()}, "analyses": analyses,
            "claims": claims}


def _fields(o: AnalysisRun, n: AnalysisRun):
    ro, rn = o.result, n.result
    for key in ("k", "estimate", "ci_low", "ci_high", "pvalue", "tau2", "i2"):
        yield key, getattr(ro, key, None), getattr(rn, key, None)
    yield "significant", _sig(ro), _sig(rn)
    yield "certainty", getattr(o.certainty, "level", None), getattr(n.certainty, "level", None)
    yield "label", getattr(o.label, "label", None), getattr(n.label, "label", None)
    yield "label.reasons", _reasons(o), _reasons(n)
    yield "fragility.index", _fragility_index(o), _fragility_index(n)
    yield "robustness.flips", flips_text(o), flips_text(n)
    yield "subgroups", subgroups_text(o), subgroups_text(n)
    yield "studies", list(getattr(ro, "studies", None) or []) or None, list(getattr(rn, "studies", None) or []) or None
    if o.votes is not None or n.votes is not None:
        for key in ("trials", "sign_test_p"):
            yield f"votes.{key}", getattr(o.votes, key, None), getattr(n.votes, key, None)


def _reasons(a: AnalysisRun) -> list[str] | None:
    return list(a.label.reasons) if a.label is not None else None


def _fragility_index(a: AnalysisRun) -> int | None:
    return a.fragility.index if isinstance(a.fragility, Fragility) else None


def _sig(r):
    return None if r is None or r.pvalue is None else r.pvalue < 0.05


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return False


def number(x: float | None) -> str:
    """A number on the natural scale, as a reviewer reads it: 0.36, 1.92, 10.2, 152, 0.0021.

    Parameters
    ----------
    x : float or None
        The number.

    Returns
    -------
    str
        Two decimals from 0.01 to 10, one decimal to 100, none beyond, two significant digits below 0.01; "NA" for
        None or NaN, "inf" for infinity.
    """
    if x is None or x != x:
        return "NA"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    a = abs(x)
    if a == 0:
        return "0"
    return f"{x:.0f}" if a >= 100 else f"{x:.1f}" if a >= 10 else f"{x:.2f}" if a >= 0.01 else f"{x:.2g}"


def effect_text(res: MetaResult | None, n=None) -> str | None:
    """A pooled result on the natural scale, named by its measure: "RR 1.92 (0.36 to 10.2), P = 0.24"; a
    proportion as a percentage: "PLO 41.2% (30.1% to 53.2%), P < 0.001".

    Parameters
    ----------
    res : MetaResult or None
        The pooled result (analysis scale).
    n : array_like, optional
        The studies' sample sizes (needed for the Freeman-Tukey scale only).

    Returns
    -------
    str or None
        The measure, the estimate and its CI on the natural scale, and the p-value; None without a result.
    """
    if res is None:
        return None
    est, lo, hi = to_natural(res.scale, [res.estimate, res.ci_low, res.ci_high], n)
    if res.measure in PROPORTIONS:
        shown = f"{_pct(est)} ({_pct(lo)} to {_pct(hi)})"
    else:
        shown = f"{number(est)} ({number(lo)} to {number(hi)})"
    return f"{res.measure} {shown}, {p_report(res.pvalue)}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if x == x else "NA"


def _sizes(a: AnalysisRun) -> list[float]:
    return [e.data["n"] for e in a.study_effects or () if "n" in e.data]


def analysis_effect(a: AnalysisRun) -> str | None:
    """What an analysis found, in a line: its pooled effect (see :func:`effect_text`) with k, or its vote count.

    Parameters
    ----------
    a : AnalysisRun
        The analysis.

    Returns
    -------
    str or None
        The line; None when the analysis has neither a result nor a vote count.
    """
    if a.result is not None:
        return f"{effect_text(a.result, _sizes(a))}, k = {a.result.k}"
    if a.votes is not None:
        v = a.votes
        return (f"{len(v.favour_intervention)} of {v.trials} trials favour the intervention, "
                f"{len(v.favour_control)} the control (sign test {p_report(v.sign_test_p)})")
    return None


def fragility_text(a: AnalysisRun) -> str | None:
    """The fragility index and where it is reached: "3 (reverse: not significant; Hauser 2017, control arm, remove
    events)".

    Parameters
    ----------
    a : AnalysisRun
        The analysis.

    Returns
    -------
    str or None
        The index and the change that reaches it, or why it was not computed; None when it does not apply.
    """
    f = a.fragility
    if isinstance(f, Skipped):
        return f"not computed: {f.error}"
    if not isinstance(f, Fragility):
        return None
    if f.index is None:
        return "none: no change of events in one arm of one study flips significance"
    reverse = "" if f.significant else "reverse: not significant; "
    return f"{f.index} ({reverse}{f.study}, {f.arm} arm, {f.direction})"


def flips_text(a: AnalysisRun) -> list[str] | None:
    """Each defensible alternative under which the conclusion (significance at 5%, or direction) changes.

    Parameters
    ----------
    a : AnalysisRun
        The analysis.

    Returns
    -------
    list of str or None
        "without STUDY: RR 2.60, P = 0.041" (leave-one-out, natural scale) or "DL with knha: P = 0.06" (another
        estimator and test), one per flip ([] when none); None without a robustness analysis.
    """
    rob = a.robustness
    if rob is None:
        return None
    out = []
    for f in rob.flips:
        if f.by == "leave-one-out":
            est = to_natural(a.result.scale, [f.estimate], _sizes(a))[0] if a.result and f.estimate is not None \
                else None
            name = f"{a.result.measure} " if a.result else ""
            out.append(f"without {f.without}: {name}{number(est)}, {p_report(f.pvalue)}")
        else:
            out.append(f"{f.method} with {f.test}: {p_report(f.pvalue)}")
    return out


def subgroups_text(a: AnalysisRun) -> list[str] | None:
    """Each subgroup's pooled effect, and the test for subgroup differences.

    Parameters
    ----------
    a : AnalysisRun
        The analysis.

    Returns
    -------
    list of str or None
        "dose_group = low: RR 0.76 (0.28 to 2.09), P = 0.59, k = 1", one per subgroup, then the test for
        subgroup differences; a one-line reason when not computed; None when the analysis has no subgroups.
    """
    sg = a.subgroups
    if isinstance(sg, Skipped):
        return [f"not computed: {sg.error}"]
    if not isinstance(sg, SubgroupResult):
        return None
    out = [f"{sg.variable} = {s.group}: {effect_text(s, _sizes(a))}, k = {s.k}" for s in sg.subgroups]
    out.append(f"test for subgroup differences: Q = {sg.q_between:.2f}, df = {sg.q_between_df}, "
               f"{p_report(sg.q_between_pvalue)}")
    return out


CONTEXT = (("effect", analysis_effect), ("label", lambda a: a.label.label if a.label is not None else None),
           ("reasons", _reasons), ("certainty", lambda a: getattr(a.certainty, "level", None)),
           ("fragility", fragility_text), ("flips", flips_text), ("subgroups", subgroups_text))
