"""Compare two results snapshots (results.json): what changed per analysis and per claim."""
from __future__ import annotations


def diff_results(old: dict, new: dict) -> dict:
    a_old = {a["id"]: a for a in old.get("analyses", [])}
    a_new = {a["id"]: a for a in new.get("analyses", [])}
    analyses = []
    for aid in sorted(set(a_old) | set(a_new)):
        o, n = a_old.get(aid), a_new.get(aid)
        if o is None or n is None:
            analyses.append({"id": aid, "change": "added" if o is None else "removed"})
            continue
        row = {"id": aid, "fields": {}}
        for key, fo, fn in _fields(o, n):
            if fo != fn and not _same_number(fo, fn):
                row["fields"][key] = {"old": fo, "new": fn}
        if row["fields"]:
            analyses.append(row)
    c_old = {c["id"]: c for c in old.get("claims", [])}
    c_new = {c["id"]: c for c in new.get("claims", [])}
    claims = []
    for cid in sorted(set(c_old) | set(c_new)):
        o, n = c_old.get(cid), c_new.get(cid)
        so, sn = (o or {}).get("status"), (n or {}).get("status")
        if so != sn or (o or {}).get("found") != (n or {}).get("found"):
            claims.append({"id": cid, "old": so, "new": sn, "old_found": (o or {}).get("found"),
                           "new_found": (n or {}).get("found")})
    return {"evidence": {"old": old.get("evidence"), "new": new.get("evidence")}, "analyses": analyses,
            "claims": claims}


def _fields(o: dict, n: dict):
    ro, rn = o.get("result") or {}, n.get("result") or {}
    for key in ("k", "estimate", "ci_low", "ci_high", "pvalue", "tau2", "i2"):
        yield key, ro.get(key), rn.get(key)
    yield "significant", _sig(ro), _sig(rn)
    yield "certainty", (o.get("certainty") or {}).get("level"), (n.get("certainty") or {}).get("level")
    yield "label", (o.get("label") or {}).get("label"), (n.get("label") or {}).get("label")
    yield "studies", ro.get("studies"), rn.get("studies")
    if "votes" in o or "votes" in n:
        vo, vn = o.get("votes") or {}, n.get("votes") or {}
        for key in ("trials", "sign_test_p"):
            yield f"votes.{key}", vo.get(key), vn.get(key)


def _sig(r: dict):
    p = r.get("pvalue")
    return None if p is None else p < 0.05


def _same_number(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return False
