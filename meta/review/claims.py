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

from ..errors import CellProblem, SchemaError, visible
from ..jsonable import Jsonable
from .about import BaseInfo
from .documents import documents_from
from .rules import LABELS
from ..inputs.names import id_problem, text_problem
from ..inputs.tomlfiles import key_lines, line_of, read_toml

KINDS = ("label", "at_least", "within", "frequency_at_least", "mixed_results", "favours", "votes_favour",
         "doses_within", "level", "most_frequent", "lower_than", "dose_dependent", "frequency_at_most",
         "any_within", "none_observed", "reported", "not_checkable")
SCALES = ("labels", "scire")  # the scales a claim may be stated in (labels: the rule set's Strong / Mixed / ...)
MAX_QUOTE = 300  # a claim's quote of its document: at most one short sentence
MAX_AMONG = 100  # the entries an among list may name
# the cells a reported claim may read (counts, estimates, a p-value, a range's ends)
REPORTED_COLUMNS = ("events", "n", "events_t", "n_t", "events_c", "n_c", "n_total", "estimate", "ci_low", "ci_high",
                    "p", "low", "high", "mean_t", "mean_c", "k", "i2")
FREQUENCY_ORDER = ("very rare", "rare", "uncommon", "common", "very common")
COMMON = {"document", "section", "text", "analysis", "range_row", "min_studies", "route", "unit", "table", "acknowledged",
          "scale", "quote", "among", "row", "column"}
ACKNOWLEDGED_KEYS = ("why", "judged_on", "found")
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
    acknowledged: Acknowledged | None = None  # a contradiction the team examined and recorded
    scale: str = "labels"  # the scale the document states the claim in (SCALES)
    quote: str = ""  # the document's own words (one short sentence), shown beside the project's reading
    among: tuple[str, ...] = ()  # most_frequent: the analyses (rates) ranked; any_within: the ranges.csv rows combined
    row: str | None = None  # reported: the evidence row (study_id) whose number the document cites
    column: str | None = None  # reported: the row's cell that holds it (default: events, else estimate)


@dataclass(frozen=True)
class Acknowledged(Jsonable):
    """A contradiction the team examined: why the claim stands contradicted, and what the check found then.

    Attributes
    ----------
    why : str
        Why the contradiction is accepted (and what would resolve it).
    judged_on : str
        The evidence version it was judged on (a date, a commit, the evidence fingerprint).
    found : str
        Text the check's finding must still contain for the acknowledgement to hold (e.g. the rows outside a range):
        a contradiction that changes, or disappears, fails the check again.
    """

    why: str
    judged_on: str
    found: str


@dataclass(frozen=True)
class Verdict(Jsonable):
    """One documented claim, checked against the data.

    Attributes
    ----------
    id : str
        The claim's id.
    document : str
        The document it comes from (a file in shared/documents).
    section : str
        Its section there.
    claim : str
        The claim, in the project's words.
    analysis : str | None
        The analysis it rests on.
    expected : str
        What the claim expects, in words.
    found : str
        What the data give, in words.
    status : str
        pass, fail, inconclusive, not_checkable, or contradicted_acknowledged (a failure the team recorded in
        claims.toml; it does not fail `check` while the finding still contains what was recorded).
    numbers : dict
        The numbers behind the verdict (k, estimate, CI, I^2, reason codes ...).
    table : str | None
        The document table the claim is a row of (uses, side_effects, dosing).
    acknowledged : Acknowledged | None
        The recorded acknowledgement of a contradiction, when the claim has one.
    certainty : str | None
        The GRADE certainty of the analysis the claim rests on (None when it rests on none, or it is not graded).
    scale : str
        The scale the document states the claim in (labels, scire).
    quote : str
        The document's own words for the claim (may be empty).
    """

    id: str
    document: str
    section: str
    claim: str
    analysis: str | None
    expected: str
    found: str
    status: str  # pass | fail | inconclusive | not_checkable | contradicted_acknowledged
    numbers: dict = field(default_factory=dict)
    table: str | None = None
    acknowledged: Acknowledged | None = None
    certainty: str | None = None
    scale: str = "labels"
    quote: str = ""


def load_claims(path: str | Path, analyses: set[str], root: str | Path | None = None,
                about: BaseInfo = BaseInfo(), rows: tuple[set[str], set[str]] | None = None) -> tuple[Claim, ...]:
    """Read claims.toml: one Claim per [claims.<id>] table, every value typed and ranged.

    Parameters
    ----------
    path : str or Path
        The claims.toml file.
    analyses : set of str
        The ids of the analyses a claim may name.
    root : str or Path, optional
        The evidence base's folder (see :func:`read_bytes_safely`).
    about : BaseInfo
        The intervention's and comparator's names (the values a ``favours`` claim may take).
    rows : tuple of (set of str, set of str), optional
        Every study_id of the evidence base, and those of tables/ranges.csv: a claim's range_row, among entries read
        from ranges.csv and row must name one of them (not checked when None).

    Returns
    -------
    tuple of Claim
        In file order.

    Raises
    ------
    SchemaError
        Every problem found, each with its line and key: the file cannot be read or is not TOML, an unknown key, no
        claims, an invalid or case-colliding id, not exactly one expectation, an expectation of the wrong type or
        range, an unknown analysis, document or table, a row the base does not hold.
    """
    name = str(path)
    doc, text = read_toml(path, root)
    lines = key_lines(text)
    problems = [CellProblem(name, line_of(lines, key), visible(key)[:80], "unknown table or key at the top level (a "
                            "typo of [claims.<id>]?); it would be ignored") for key in doc
                if key not in ("claims", "documents")]
    documents_from(doc.get("documents"), DOCUMENT, lambda path, reason: problems.append(
        CellProblem(name, line_of(lines, *path), visible(".".join(path))[:100], reason)))
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
        claim = _claim(cid, body, analyses, bad, about)
        if len(problems) == before:
            out.append(claim)
    if rows is not None:
        problems.extend(_reference_problems(out, name, lines, *rows))
    if problems:
        raise SchemaError(problems)
    return tuple(out)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _claim(cid: str, body: dict, analyses: set[str], bad, about: BaseInfo) -> Claim | None:
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
    elif kind not in ("not_checkable", "any_within", "reported") and analysis is None and range_row is None:
        bad("analysis", "a checkable claim names the analysis (or range_row) it rests on")
    if analysis is not None and analysis not in analyses:
        bad("analysis", f"no analysis {visible(repr(analysis))} in analyses.toml")
    if kind in ("within", "any_within") and not (pair and 0 <= expected[0] and expected[1] <= 1):
        bad(kind, "must be [low, high]: two proportions, 0 <= low < high <= 1")
    if kind == "at_least" and not (_number(expected) and 0 <= expected <= 1):
        bad(kind, "must be a proportion between 0 and 1")
    if kind in ("frequency_at_least", "frequency_at_most") and expected not in FREQUENCY_ORDER:
        bad(kind, f"must be one of {', '.join(FREQUENCY_ORDER)}")
    if kind == "favours" and expected not in (about.intervention, about.comparator):
        bad(kind, f"must be {about.intervention!r} or {about.comparator!r} (the sides base.toml names)")
    if kind == "label" and isinstance(expected, str) and expected not in LABELS:
        bad(kind, f"{visible(repr(expected))} is not a label the rules give ({', '.join(LABELS)})")
    if kind in ("label", "not_checkable", "mixed_results", "votes_favour", "lower_than") and not (
            isinstance(expected, (str, bool)) and (not isinstance(expected, str) or not text_problem(expected))):
        bad(kind, "must be a string (a label name, or the reason the claim cannot be checked)" if kind in
            ("label", "not_checkable") else "must be true")
    scale = body.get("scale", "scire" if kind == "level" else "labels")
    if scale not in SCALES:
        bad("scale", f"{visible(repr(scale))} is not a scale the rules know ({', '.join(SCALES)})")
    if kind == "level":
        from .scales import LEVELS

        if scale != "scire":
            bad("scale", "a level claim is stated in the scire scale")
        if expected not in LEVELS:
            bad(kind, f"{visible(repr(expected))} is not a SCIRE level ({', '.join(LEVELS)})")
    among = body.get("among", [])
    if kind == "most_frequent":
        if expected is not True:
            bad(kind, "must be true (the claim's analysis has the highest rate among `among`)")
        if not (isinstance(among, list) and len(among) >= 2 and all(isinstance(x, str) for x in among)):
            bad("among", "a most_frequent claim needs among = [two or more analysis ids], its own among them")
            among = []
        else:
            if range_row is None:
                for x in among:
                    if x not in analyses:
                        bad("among", f"no analysis {visible(repr(x))} in analyses.toml")
            if (range_row or analysis) not in among:
                bad("among", "must include the claim's own analysis (or range_row)")
    elif kind == "any_within":
        if not (isinstance(among, list) and len(among) >= 2 and all(isinstance(x, str) and x and not text_problem(x, 200)
                                                                    for x in among)):
            bad("among", "an any_within claim needs among = [two or more rows of tables/ranges.csv] (the effects "
                         "whose combined rate the claim states)")
            among = []
    elif "among" in body:
        bad("among", "only a most_frequent or any_within claim names `among`")
    if isinstance(among, list) and len(among) > MAX_AMONG:
        bad("among", f"names {len(among)} entries; at most {MAX_AMONG}")
        among = []
    if isinstance(among, list) and len(set(map(str, among))) < len(among):
        bad("among", "names an entry twice (a rate counted twice would change the ranking or the sum)")
    if kind == "lower_than" and not (isinstance(expected, str) and expected.strip() and expected != analysis
                                     and not text_problem(expected, 200)):
        bad(kind, "must name another analysis, or a row of tables/ranges.csv (the rate the claim's analysis is lower "
                  "than)")
    if kind in ("dose_dependent", "none_observed") and expected is not True:
        bad(kind, "must be true (the claim's analysis rises with dose)" if kind == "dose_dependent" else
            "must be true (no study of the claim's analysis observed the event)")
    row, column = body.get("row"), body.get("column")
    if kind in ("any_within", "reported"):
        for key in ("analysis", "range_row", "min_studies"):
            if key in body:
                bad(key, f"an {kind} claim reads {'its ranges (among)' if kind == 'any_within' else 'its row'}, "
                         f"not {key}: remove it (a certainty or effect would be borrowed from elsewhere)")
    if column is not None and (kind != "reported" or column not in REPORTED_COLUMNS):
        bad("column", f"must be one of {', '.join(REPORTED_COLUMNS)}, on a reported claim")
        column = None
    if kind == "reported":
        if not (_number(expected) and expected >= 0):
            bad(kind, "must be the number the document cites (0 or more)")
        if not (isinstance(row, str) and row and not text_problem(row, 200)):
            bad("row", "a reported claim names the evidence row (study_id) that holds the number")
            row = None
    elif row is not None:
        bad("row", "only a reported claim names a row")
        row = None
    quote = body.get("quote", "")
    if not isinstance(quote, str) or text_problem(quote, MAX_QUOTE):
        bad("quote", f"must be the document's words, at most {MAX_QUOTE} characters without control characters")
    if body.get("table") is not None and body["table"] not in TABLES:
        bad("table", f"{visible(repr(body['table']))} is not one of {', '.join(TABLES)}")
    ack = _acknowledged(body.get("acknowledged"), kind, bad)
    return Claim(cid, str(document), str(body.get("section")), str(body.get("text")), kind, expected, analysis,
                 range_row, min_studies if isinstance(min_studies, int) else 2, body.get("route"), body.get("unit"),
                 body.get("table"), ack, str(scale), quote if isinstance(quote, str) else "",
                 tuple(among) if isinstance(among, list) else (), row, column)


def _acknowledged(raw, kind: str, bad) -> Acknowledged | None:
    """[claims.<id>.acknowledged]: why, judged_on and found, each a non-empty string."""
    if raw is None:
        return None
    if kind == "not_checkable":
        bad("acknowledged", "a not_checkable claim cannot be contradicted; remove the acknowledgement")
        return None
    if not isinstance(raw, dict) or set(raw) != set(ACKNOWLEDGED_KEYS):
        bad("acknowledged", f"must be a table with exactly {', '.join(ACKNOWLEDGED_KEYS)}")
        return None
    for key in ACKNOWLEDGED_KEYS:
        value = raw[key]
        if not isinstance(value, str) or not value.strip() or text_problem(value):
            bad(f"acknowledged.{key}", "must be a non-empty string without control characters")
            return None
    return Acknowledged(raw["why"].strip(), raw["judged_on"].strip(), raw["found"].strip())



def _reference_problems(claims: list[Claim], name: str, lines, row_ids: set[str],
                        range_ids: set[str]) -> list[CellProblem]:
    """The claims' references to evidence rows that do not exist: a `range_row`, an `among` entry read as a row of
    tables/ranges.csv (any_within, and most_frequent with range_row), a `row` (reported). A misspelt id would
    otherwise leave the claim inconclusive in silence."""
    out = []

    def missing(c: Claim, key: str, value: str, where: str, ids: set[str]):
        if value not in ids:
            out.append(CellProblem(name, line_of(lines, "claims", c.id, key), f"claims.{visible(c.id)}.{key}",
                                   f"{visible(repr(value))[:80]} is not a study_id of {where}"))

    for c in claims:
        if c.range_row is not None:
            missing(c, "range_row", c.range_row, "tables/ranges.csv", range_ids)
        if c.kind == "any_within" or (c.kind == "most_frequent" and c.range_row is not None):
            for x in c.among:
                missing(c, "among", x, "tables/ranges.csv", range_ids)
        if c.row is not None:
            missing(c, "row", c.row, "the evidence base's tables", row_ids)
    return out
