"""claims.toml: the documents' claims as checkable expectations, and their evaluation against the results.

Statuses: pass (the data support the claim), fail (the data contradict it), inconclusive (too little data to
tell: the analysis could not run, or it has fewer studies than the claim needs), not_checkable (the claim
states why the data cannot test it). Each verdict carries the numbers behind it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.numbers import cell_number
from ..errors import CellProblem, SchemaError, visible
from ..jsonable import Jsonable
from .rules import LABELS
from ..inputs.names import id_problem, text_problem
from ..inputs.tomlfiles import key_lines, line_of, read_toml

KINDS = ("label", "at_least", "within", "frequency_at_least", "mixed_results", "favours", "votes_favour",
         "doses_within", "not_checkable")
FREQUENCY_ORDER = ("very rare", "rare", "uncommon", "common", "very common")
COMMON = {"document", "section", "text", "analysis", "range_row", "min_studies", "route", "unit", "table"}
# the documents' tables a claim is a row of, regenerated in the report
TABLES = ("uses", "side_effects", "dosing")
DOCUMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")  # a file name in ../shared/documents, never a path


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
class Verdict(Jsonable):
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


def load_claims(path: str | Path, analyses: set[str], root: str | Path | None = None) -> tuple[Claim, ...]:
    name = str(path)
    doc, text = read_toml(path, root)
    lines = key_lines(text)
    problems = [CellProblem(name, line_of(lines, key), visible(key)[:80], "unknown table or key at the top level (a "
                            "typo of [claims.<id>]?); it would be ignored") for key in doc if key != "claims"]
    out = []
    raw = doc.get("claims")
    if not isinstance(raw, dict) or not raw:
        raise SchemaError([*problems, CellProblem(name, None, "claims", "no [claims.<id>] tables")])
    folded: dict[str, str] = {}
    for cid, body in raw.items():
        def bad(key, reason, cid=cid):
            where = line_of(lines, "claims", cid, key) if key else line_of(lines, "claims", cid)
            problems.append(CellProblem(name, where, f"claims.{visible(cid)}" + (f".{key}" if key else ""), reason))

        why = id_problem(cid) or (f"differs from claim {folded[cid.lower()]!r} only in case" if cid.lower() in folded
                                  else None)
        if why:
            bad("", why)
            continue
        folded[cid.lower()] = cid
        if not isinstance(body, dict):
            bad("", "must be a table")
            continue
        before = len(problems)
        claim = _claim(cid, body, analyses, bad)
        if len(problems) == before:
            out.append(claim)
    if problems:
        raise SchemaError(problems)
    return tuple(out)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _claim(cid: str, body: dict, analyses: set[str], bad) -> Claim | None:
    """One [claims.<id>] table, every value typed and ranged; problems go to `bad(key, reason)`."""
    kinds = [k for k in KINDS if k in body]
    for key in sorted(set(body) - COMMON - set(KINDS)):
        bad(key, f"unknown key (expectations: {', '.join(KINDS)})")
    for key in ("document", "section", "text"):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            bad(key, "is required (a non-empty string)")
        elif text_problem(value):
            bad(key, text_problem(value))
    for key in ("analysis", "range_row", "route", "unit", "table"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or text_problem(value, 200)):
            bad(key, "must be a short string without control characters")
            return None
    document = body.get("document")
    if isinstance(document, str) and not DOCUMENT.fullmatch(document):
        bad("document", f"{visible(repr(document))} is not a document file name (e.g. 001_6ad1292415944aad.txt)")
    if len(kinds) != 1:
        bad("", f"needs exactly one expectation of {', '.join(KINDS)}; has {len(kinds)}")
        return None
    kind = kinds[0]
    expected = body[kind]
    analysis, range_row = body.get("analysis"), body.get("range_row")
    min_studies = body.get("min_studies", 2)
    if not (isinstance(min_studies, int) and not isinstance(min_studies, bool) and 1 <= min_studies <= 10_000):
        bad("min_studies", f"must be a whole number from 1 to 10000, not {visible(repr(min_studies))}")
    pair = isinstance(expected, list) and len(expected) == 2 and all(_number(x) for x in expected) \
        and expected[0] < expected[1]
    if kind == "doses_within":
        if not pair or expected[0] < 0:
            bad(kind, "must be [low, high]: two numbers (a dose per day), 0 <= low < high")
        if not isinstance(body.get("route"), str) or not isinstance(body.get("unit"), str):
            bad(kind, "needs route and unit (e.g. route = \"oral\", unit = \"mg/day\")")
    elif kind != "not_checkable" and analysis is None and range_row is None:
        bad("analysis", "a checkable claim names the analysis (or range_row) it rests on")
    if analysis is not None and analysis not in analyses:
        bad("analysis", f"no analysis {visible(repr(analysis))} in analyses.toml")
    if kind == "within" and not (pair and 0 <= expected[0] and expected[1] <= 1):
        bad(kind, "must be [low, high]: two proportions, 0 <= low < high <= 1")
    if kind == "at_least" and not (_number(expected) and 0 <= expected <= 1):
        bad(kind, "must be a proportion between 0 and 1")
    if kind == "frequency_at_least" and expected not in FREQUENCY_ORDER:
        bad(kind, f"must be one of {', '.join(FREQUENCY_ORDER)}")
    if kind == "favours" and expected not in ("baclofen", "control"):
        bad(kind, "must be \"baclofen\" or \"control\"")
    if kind == "label" and isinstance(expected, str) and expected not in LABELS:
        bad(kind, f"{visible(repr(expected))} is not a label the rules give ({', '.join(LABELS)})")
    if kind in ("label", "not_checkable", "mixed_results", "votes_favour") and not (
            isinstance(expected, (str, bool)) and (not isinstance(expected, str) or not text_problem(expected))):
        bad(kind, "must be a string (a label name, or the reason the claim cannot be checked)" if kind in
            ("label", "not_checkable") else "must be true")
    if body.get("table") is not None and body["table"] not in TABLES:
        bad("table", f"{visible(repr(body['table']))} is not one of {', '.join(TABLES)}")
    return Claim(cid, str(document), str(body.get("section")), str(body.get("text")), kind, expected, analysis,
                 range_row, min_studies if isinstance(min_studies, int) else 2, body.get("route"), body.get("unit"),
                 body.get("table"))


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
