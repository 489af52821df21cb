"""How well the evidence base is sourced and extracted: the figures a review's methods section reports.

Per base: the data rows that carry a scholarly identifier (a DOI, PMID or trial registration on the row or on its
source's sources.bib entry; a regulator's label counts when its entry carries a `setid` or `application` field),
the rows per source type, and, for the rows the analyses take (pooled or vote-counted), how many of their effect
numbers are printed in their quote and how many the tool computes in `derived`, and how many were extracted twice
(extraction_log.csv) with the agreement of the two readings before reconciliation.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..inputs.derived_grammar import parse_derived
from ..inputs.quoted import in_quote
from ..jsonable import Jsonable
from .dual import DUAL_FIELDS, dual_gaps, kind_of_table
from .protocol import eligible_rows

_LABEL_IDS = ("setid", "application")


@dataclass(frozen=True)
class Audit(Jsonable):
    """The sourcing and extraction figures of an evidence base.

    Attributes
    ----------
    rows : int
        Data rows (every table).
    identified : int
        Rows with a DOI, PMID, registration or regulator reference (on the row or its source entry).
    by_source_type : dict of str to int
        Rows per source type (sources.bib `type`).
    analysed_rows : int
        Distinct rows the analyses take.
    numbers : int
        Their effect numbers (non-empty numeric DUAL_FIELDS).
    quoted : int
        Of those, printed in the row's quote.
    derived : int
        Of those, computed by the tool in `derived`.
    dual_rows : int
        Analysed rows whose effect numbers were all extracted twice.
    agreed, compared : int
        Fields both extractors read, and how many they read alike (extraction_log.csv; 0, 0 without one).
    unidentified_sources : tuple of str
        The source keys of the rows without an identifier, most rows first.
    """

    rows: int
    identified: int
    by_source_type: dict
    analysed_rows: int
    numbers: int
    quoted: int
    derived: int
    dual_rows: int
    agreed: int
    compared: int
    unidentified_sources: tuple[str, ...]


def _identified(row: dict[str, str], sources: dict) -> bool:
    if any(row.get(c, "").strip() for c in ("doi", "pmid", "registry")):
        return True
    entry = sources.get(row.get("source", ""))
    fields = entry.fields if entry is not None else {}
    return bool(fields.get("doi") or fields.get("pmid") or any(fields.get(k) for k in _LABEL_IDS))


def audit(base, specs) -> Audit:
    """The figures of one evidence base and its analyses.

    Parameters
    ----------
    base : EvidenceBase
        The validated base.
    specs : sequence of AnalysisSpec
        Its analyses.

    Returns
    -------
    Audit
    """
    rows = [(t.name, r) for t in base.tables for r in t.rows]
    ident = [_identified(r, base.sources) for _, r in rows]
    types = Counter((base.sources[r["source"]].source_type if r.get("source") in base.sources else "unknown")
                    for _, r in rows)
    missing = Counter(r.get("source", "") for (_, r), ok in zip(rows, ident) if not ok)
    taken: dict[str, tuple[str, dict]] = {}
    dual_missing = set()
    for spec in specs:
        chosen = eligible_rows(base, spec).rows
        for r in chosen:
            taken.setdefault(r["study_id"], (spec.table, r))
        dual_missing |= {g.study_id for g in dual_gaps(base, spec.table, chosen)}
    numbers = quoted = derived = 0
    for table, r in taken.values():
        computed = _derived_targets(r)
        for field in DUAL_FIELDS.get(kind_of_table(table), ()):
            value = r.get(field, "").strip()
            if not value or field == "direction":
                continue
            numbers += 1
            quoted += field not in computed and in_quote(value, r.get("quote", ""))
            derived += field in computed
    agreed, compared = base.extraction_log.agreement() if base.extraction_log is not None else (0, 0)
    return Audit(len(rows), sum(ident), dict(sorted(types.items(), key=lambda x: -x[1])), len(taken), numbers,
                 quoted, derived, len(taken) - len(dual_missing & set(taken)), agreed, compared,
                 tuple(k for k, _ in missing.most_common()))


def _derived_targets(row: dict[str, str]) -> set[str]:
    text = row.get("derived", "").strip()
    if not text:
        return set()
    return set(parse_derived(text, row.keys()).targets)
