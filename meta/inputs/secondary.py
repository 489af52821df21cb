"""Rows that rest on a secondary source: a news report, a newsletter summary, a website or a book that reports a
study in its own words (sources.bib `type` "secondary: ..."), not the study's own report, its registry record, its
regulatory label, a conference abstract or a peer-reviewed review.

Such a row must say so, and why no primary source was used, in its `notes` (the word "secondary" must appear there);
the grading rules count the participants such rows carry (meta/review/grading.py).
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..errors import CellProblem
from .bibtex import BibEntry


def _url(url: str) -> str:
    u = url.strip().lower()
    for prefix in ("https://", "http://"):
        if u.startswith(prefix):
            u = u[len(prefix):]
    return u[4:].rstrip("/") if u.startswith("www.") else u.rstrip("/")


def secondary_source(row: Mapping[str, str], sources: Mapping[str, BibEntry],
                     by_url: Mapping[str, BibEntry] | None = None) -> BibEntry | None:
    """The secondary source a row rests on: its `source` entry when that is of a "secondary: ..." type, else the
    secondary entry whose url is the row's `url` (the row was read there, whatever key it cites); None otherwise.

    Parameters
    ----------
    row : mapping of str to str
        An evidence row (its `source` and `url` cells are read).
    sources : mapping of str to BibEntry
        sources.bib by key.
    by_url : mapping of str to BibEntry, optional
        Secondary entries by normalised url (see :func:`secondary_by_url`); computed when not given.

    Returns
    -------
    BibEntry or None
        The secondary entry, or None when the row rests on a primary source (or its source is unknown).
    """
    entry = sources.get(row.get("source", "").strip())
    if entry is not None and entry.secondary:
        return entry
    by_url = secondary_by_url(sources) if by_url is None else by_url
    url = _url(row.get("url", ""))
    return by_url.get(url) if url else None


def secondary_by_url(sources: Mapping[str, BibEntry]) -> dict[str, BibEntry]:
    """The secondary entries of sources.bib by their url (scheme, "www." and a final "/" ignored, case-folded).

    Parameters
    ----------
    sources : mapping of str to BibEntry
        sources.bib by key.

    Returns
    -------
    dict of str to BibEntry
        Each secondary entry with a url, by its normalised url (the first entry wins).
    """
    if _LAST and _LAST[0] is sources and _LAST[1] == len(sources):  # the same base's sources, for each analysis
        return _LAST[2]
    out: dict[str, BibEntry] = {}
    for e in sources.values():
        url = _url(e.fields.get("url", ""))
        if e.secondary and url:
            out.setdefault(url, e)
    _LAST[:] = [sources, len(sources), out]
    return out


_LAST: list = []  # (sources, their number, their secondary entries by url): computed once per base, not per analysis


def secondary_problems(tables: Iterable, sources: Mapping[str, BibEntry]) -> list[CellProblem]:
    """Rows of the tables that rest on a secondary source without saying so in `notes`.

    Parameters
    ----------
    tables : iterable of EvidenceTable
        The evidence tables (each with its path, rows and the line each row starts on).
    sources : mapping of str to BibEntry
        sources.bib by key.

    Returns
    -------
    list of CellProblem
        File, line, column "notes", and which secondary source (key and type) the row rests on, for each row whose
        notes do not mention "secondary" (the reason no primary source was used belongs there).
    """
    by_url = secondary_by_url(sources)
    problems = []
    for t in tables:
        for row, line in zip(t.rows, t.lines):
            entry = secondary_source(row, sources, by_url)
            if entry is None or "secondary" in row.get("notes", "").lower():
                continue
            via = "" if entry.key == row.get("source", "").strip() else f", read at its url {row.get('url', '')!r}"
            problems.append(CellProblem(str(t.path), line, "notes", f"rests on a secondary source ({entry.key!r}, "
                                        f"type {entry.source_type!r}{via}); say in notes why no primary source was "
                                        "used (name it as secondary)"))
    return problems
