"""Compare two reviews (results.json snapshots, read through the same types): what changed per analysis and per
claim."""
from __future__ import annotations

from .results import AnalysisRun, ReviewResults


def diff_results(old: ReviewResults, new: ReviewResults) -> dict:
    """{"evidence": {old, new}, "analyses": [{"id", "change"} or {"id", "fields": {key: {old, new}}}],
    "claims": [{"id", "old", "new", "old_found", "new_found"}]}: only what differs.

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
        tau^2, I^2 on the analysis scale; significance at 0.05; certainty; label; studies; vote counts), numbers equal
        within a relative 1e-12 counted as unchanged; each claim whose status or finding changed. Sorted by id.
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
            analyses.append({"id": aid, "fields": fields})
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
    yield "studies", list(getattr(ro, "studies", None) or []) or None, list(getattr(rn, "studies", None) or []) or None
    if o.votes is not None or n.votes is not None:
        for key in ("trials", "sign_test_p"):
            yield f"votes.{key}", getattr(o.votes, key, None), getattr(n.votes, key, None)


def _sig(r):
    return None if r is None or r.pvalue is None else r.pvalue < 0.05


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return False
