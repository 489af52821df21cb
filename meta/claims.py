"""claims.toml: the documents' claims as checkable expectations, and their evaluation against the results.

Statuses: pass (the data support the claim), fail (the data contradict it), inconclusive (too little data to
tell: the analysis could not run, or it has fewer studies than the claim needs), not_checkable (the claim
states why the data cannot test it). Each verdict carries the numbers behind it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .analyses import cell_number
from .errors import CellProblem, SchemaError
from .results import _AsDict
from .tomlfiles import read_toml

KINDS = ("label", "at_least", "within", "frequency_at_least", "mixed_results", "favours", "votes_favour",
         "doses_within", "not_checkable")
FREQUENCY_ORDER = ("very rare", "rare", "uncommon", "common", "very common")
COMMON = {"document", "section", "text", "analysis", "range_row", "min_studies", "route", "unit", "table"}
# the documents' tables a claim is a row of, regenerated in the report
TABLES = ("uses", "side_effects", "dosing")


@dataclass(frozen=True)
class Claim:
    id: str
    document: str
    section: str
    text: str
    kind: str
    expected: object
    analysis: str | None = None
    range_row: str | None = None
    min_studies: int = 2
    route: str | None = None  # doses_within: the route and unit of the doses checked
    unit: str | None = None
    table: str | None = None  # uses | side_effects | dosing: the document table this claim is a row of


@dataclass(frozen=True)
class Verdict(_AsDict):
    id: str
    document: str
    section: str
    claim: str
    analysis: str | None
    expected: str
    found: str
    status: str  # pass | fail | inconclusive | not_checkable
    numbers: dict = field(default_factory=dict)
    table: str | None = None


def load_claims(path: str | Path, analyses: set[str]) -> tuple[Claim, ...]:
    name = str(path)
    doc, text = read_toml(path)
    raw = doc.get("claims")
    if not isinstance(raw, dict) or not raw:
        raise SchemaError([CellProblem(name, None, "claims", "no [claims.<id>] tables")])
    problems, out = [], []
    lines = text.splitlines()
    for cid, body in raw.items():
        line = next((i + 1 for i, ln in enumerate(lines) if ln.strip() == f"[claims.{cid}]"), None)

        def bad(key, reason, cid=cid, line=line):
            problems.append(CellProblem(name, line, f"claims.{cid}.{key}", reason))

        if not isinstance(body, dict):
            bad("", "must be a table")
            continue
        kinds = [k for k in KINDS if k in body]
        unknown = set(body) - COMMON - set(KINDS)
        for key in sorted(unknown):
            bad(key, f"unknown key (expectations: {', '.join(KINDS)})")
        for key in ("document", "section", "text"):
            if not isinstance(body.get(key), str) or not body[key].strip():
                bad(key, "is required (a non-empty string)")
        if len(kinds) != 1:
            bad("", f"needs exactly one expectation of {', '.join(KINDS)}; has {len(kinds)}")
            continue
        kind = kinds[0]
        expected = body[kind]
        analysis = body.get("analysis")
        range_row = body.get("range_row")
        if kind == "doses_within":
            if not (isinstance(expected, list) and len(expected) == 2 and expected[0] < expected[1]):
                bad(kind, "must be [low, high] with low < high")
            if not isinstance(body.get("route"), str) or not isinstance(body.get("unit"), str):
                bad(kind, "needs route and unit (e.g. route = \"oral\", unit = \"mg/day\")")
        elif kind != "not_checkable" and analysis is None and range_row is None:
            bad("analysis", "a checkable claim names the analysis (or range_row) it rests on")
        if analysis is not None and analysis not in analyses:
            bad("analysis", f"no analysis {analysis!r} in analyses.toml")
        if kind == "within" and not (isinstance(expected, list) and len(expected) == 2
                                     and all(isinstance(x, (int, float)) for x in expected) and expected[0] < expected[1]):
            bad(kind, "must be [low, high] with low < high")
        if kind == "at_least" and not (isinstance(expected, (int, float)) and 0 <= expected <= 1):
            bad(kind, "must be a proportion between 0 and 1")
        if kind == "frequency_at_least" and expected not in FREQUENCY_ORDER:
            bad(kind, f"must be one of {', '.join(FREQUENCY_ORDER)}")
        if kind == "favours" and expected not in ("baclofen", "control"):
            bad(kind, "must be \"baclofen\" or \"control\"")
        if kind == "label" and not isinstance(expected, str):
            bad(kind, "must be a label name")
        if body.get("table") is not None and body["table"] not in TABLES:
            bad("table", f"{body['table']!r} is not one of {', '.join(TABLES)}")
        out.append(Claim(cid, str(body.get("document")), str(body.get("section")), str(body.get("text")), kind,
                         expected, analysis, range_row, int(body.get("min_studies", 2)), body.get("route"),
                         body.get("unit"), body.get("table")))
    if problems:
        raise SchemaError(problems)
    return tuple(out)


def evaluate(claim: Claim, results: dict[str, dict], ranges: dict[str, dict], rules,
             rows: tuple[dict, ...] = ()) -> Verdict:
    """One claim against the analyses' results (by id), the ranges table's rows (by study_id) and, for doses,
    every row of the evidence base."""
    from .grading import frequency

    def verdict(expected: str, found: str, status: str, numbers: dict | None = None) -> Verdict:
        return Verdict(claim.id, claim.document, claim.section, claim.text, claim.analysis, expected, found, status,
                       numbers or {}, claim.table)

    if claim.kind == "not_checkable":
        return verdict("-", str(claim.expected), "not_checkable")
    if claim.kind == "doses_within":
        low, high = claim.expected
        doses = [(r.get("study_id"), cell_number(r.get("dose"))) for r in rows
                 if r.get("route") == claim.route and r.get("dose_unit") == claim.unit]
        doses = [(sid, d) for sid, d in doses if d == d]
        outside = [f"{sid} ({d:g})" for sid, d in doses if not low <= d <= high]
        expected = f"{low:g}-{high:g} {claim.unit}"
        if not doses:
            return verdict(expected, f"no {claim.route} dose in {claim.unit}", "inconclusive")
        found = f"{len(doses)} doses, {min(d for _, d in doses):g}-{max(d for _, d in doses):g} {claim.unit}"
        return verdict(expected, found + (f"; outside: {', '.join(outside)}" if outside else ""),
                       "fail" if outside else "pass", {"doses": len(doses), "outside": outside})
    if claim.range_row is not None:
        row = ranges.get(claim.range_row)
        if row is None:
            return verdict(str(claim.expected), f"no row {claim.range_row!r} in ranges.csv", "inconclusive")
        low = cell_number(row.get("low")) / 100
        high = cell_number(row.get("high")) / 100
        found = frequency(low, rules) if low == low else "unknown"
        ok = found in FREQUENCY_ORDER and FREQUENCY_ORDER.index(found) >= FREQUENCY_ORDER.index(claim.expected)
        return verdict(f"at least {claim.expected}", f"{found} (reported {low:.0%}-{high:.0%})",
                       "pass" if ok else "fail", {"low": low, "high": high, "source": row.get("source")})
    a = results.get(claim.analysis or "")
    if a is not None and claim.kind == "votes_favour":
        v = a.get("votes") or {}
        fav, against, p = len(v.get("favour_baclofen", [])), len(v.get("favour_control", [])), v.get("sign_test_p")
        numbers = {"favour_baclofen": fav, "favour_control": against, "significant_benefit":
                   len(v.get("significant_benefit", [])), "sign_test_p": p, "trials": v.get("trials", 0)}
        if fav <= against and fav + against > 0:
            status = "fail"
        elif p is not None and p < 0.05:
            status = "pass"
        else:
            status = "inconclusive"
        found = (f"{fav} favour baclofen, {against} favour control ({numbers['significant_benefit']} significant); "
                 f"sign test p = {p:.3g}" if p is not None else "no trial with a direction")
        return verdict("trials favour baclofen (sign test p < 0.05)", found, status, numbers)
    if a is not None and claim.kind == "label" and "votes" in a:
        found = (a.get("label") or {}).get("label", "not graded")
        return verdict(claim.expected, found, "pass" if found == claim.expected else "fail",
                       {"reasons": (a.get("label") or {}).get("reasons", []), "trials": a["votes"]["trials"],
                        "sign_test_p": a["votes"]["sign_test_p"]})
    if a is None or "result" not in a:
        return verdict(str(claim.expected), "the analysis did not run", "inconclusive")
    res = a["result"]
    k = res["k"]
    back = res.get("back") or {}
    numbers = {"k": k, "estimate": back.get("estimate", res["estimate"]), "ci_low": back.get("ci_low", res["ci_low"]),
               "ci_high": back.get("ci_high", res["ci_high"]), "i2": res.get("i2")}
    rob = a.get("robustness")
    if rob:
        numbers["robustness"] = {"fragile": rob["fragile"], "flips": rob["flips"],
                                 "fragility_index": rob.get("fragility_index")}
    if claim.kind == "label":
        lab = a.get("label") or {}
        found = lab.get("label", "not graded")
        numbers |= {"certainty": (a.get("certainty") or {}).get("level"), "reasons": lab.get("reasons", [])}
        return verdict(claim.expected, found, "pass" if found == claim.expected else "fail", numbers)
    if k < claim.min_studies:
        return verdict(_expect(claim), f"{k} study", "inconclusive", numbers)
    est, lo, hi = numbers["estimate"], numbers["ci_low"], numbers["ci_high"]
    if claim.kind == "at_least":
        status = "pass" if est >= claim.expected else ("fail" if hi < claim.expected else "inconclusive")
        return verdict(_expect(claim), f"{est:.0%} ({lo:.0%} to {hi:.0%})", status, numbers)
    if claim.kind == "within":
        low, high = claim.expected
        if low <= est <= high:
            status = "pass"
        else:
            status = "fail" if (hi < low or lo > high) else "inconclusive"
        return verdict(_expect(claim), f"{est:.0%} ({lo:.0%} to {hi:.0%})", status, numbers)
    if claim.kind == "favours":
        # on the analysis scale, > 0 is more of the outcome on baclofen: that favours baclofen for a benefit
        # (abstinence) and the control for a harm (dropout, an adverse event). The claim names the side the pooled
        # point estimate should lie on.
        raw_est, raw_lo, raw_hi = res["estimate"], res["ci_low"], res["ci_high"]
        more = raw_est > 0
        side = "baclofen" if more == (a.get("outcome_kind", "benefit") == "benefit") else "control"
        return verdict(f"the pooled estimate favours {claim.expected}",
                       f"favours {side}: {est:.3g} ({lo:.3g} to {hi:.3g})",
                       "pass" if side == claim.expected else "fail",
                       numbers | {"analysis_scale": [raw_est, raw_lo, raw_hi]})
    if claim.kind == "frequency_at_least":
        found = frequency(est, rules)
        need = FREQUENCY_ORDER.index(claim.expected)
        if FREQUENCY_ORDER.index(found) >= need:
            status = "pass"
        else:
            status = "fail" if FREQUENCY_ORDER.index(frequency(hi, rules)) < need else "inconclusive"
        return verdict(_expect(claim), f"{found} ({est:.1%}; CI {lo:.1%} to {hi:.1%})", status, numbers)
    # mixed_results: per-study 95% CIs, some excluding no effect in favour of baclofen and some including it
    per = _study_cis(a)
    favour = [s for s, l, h in per if l > 0]
    null = [s for s, l, h in per if l <= 0 <= h]
    numbers |= {"significant_benefit": favour, "no_significant_difference": null}
    ok = bool(favour) and bool(null)
    status = "pass" if ok else "fail"
    return verdict("some trials show a benefit, others not",
                   f"{len(favour)} with a significant benefit, {len(null)} without", status, numbers)


def _expect(claim: Claim) -> str:
    if claim.kind == "at_least":
        return f">= {claim.expected:.0%}"
    if claim.kind == "within":
        return f"{claim.expected[0]:.0%} to {claim.expected[1]:.0%}"
    if claim.kind == "frequency_at_least":
        return f"at least {claim.expected}"
    return str(claim.expected)


def _study_cis(a: dict) -> list[tuple[str, float, float]]:
    """Each included study's own 95% CI on the analysis scale (the analysis' study_effects)."""
    return [(s["study"], s["ci_low"], s["ci_high"]) for s in a.get("study_effects") or []]
