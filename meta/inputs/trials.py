"""Trials, not rows: which trial a row belongs to, and the same trial entered under two keys.

A trial key is the `trial` cell, or the `same_trial_as` cell when a second key was used for a trial already in the
base (a second publication of it, say). Two trial keys whose primary reports share a DOI, a PubMed id, a PubMed
Central id, a registry number or a title (of their sources.bib entries) are one trial counted twice, unless one
declares `same_trial_as` the other or is a subgroup report of it (`part_of`). Reports that are not the trial's own
(a review, a meta-analysis, a drug label, or a source whose sources.bib `type` is a review, a label or secondary)
cite many trials and are left out of the comparison.
"""
from __future__ import annotations

import re

from ..errors import CellProblem

NOT_OWN_DESIGNS = ("review", "meta-analysis", "drug label")
RANDOMISED = ("parallel RCT", "crossover RCT")
NOT_OWN_TYPES = ("peer-reviewed review", "regulatory label", "secondary: book", "secondary: news", "secondary: website")
_PMC = re.compile(r"PMC[0-9]{4,9}", re.IGNORECASE)


def trial_key(row: dict[str, str]) -> str:
    """The trial a row belongs to: its `same_trial_as` when given, else its `trial`.

    Parameters
    ----------
    row : dict of str to str
        The row's cells as text, by column.

    Returns
    -------
    str
    """
    return (row.get("same_trial_as") or "").strip() or (row.get("trial") or "").strip()


def _title(text: str) -> str:
    words = re.sub(r"[^0-9a-z]+", " ", text.casefold()).split()
    return " ".join(words) if len(words) >= 4 else ""  # a title of a few words is not an identifier


def _identifiers(row: dict[str, str], sources: dict) -> list[tuple[str, str]]:
    entry = sources.get(row.get("source", "").strip())
    fields = entry.fields if entry is not None else {}
    if row.get("design", "") in NOT_OWN_DESIGNS or fields.get("type", "").strip() in NOT_OWN_TYPES:
        return []
    out = [("DOI", row.get("doi", "").strip().lower()), ("PMID", row.get("pmid", "").strip())]
    out += [("registry number", r.strip().upper()) for r in row.get("registry", "").split(";")]
    out += [("PMC id", m.upper()) for m in _PMC.findall(row.get("url", ""))]
    out += [("DOI", fields.get("doi", "").strip().lower()), ("PMID", fields.get("pmid", "").strip())]
    title = _title(fields.get("title", ""))
    if title:
        out.append(("title", title))
    return [(kind, value) for kind, value in out if value]


def _doi(row: dict[str, str], sources: dict) -> str:
    entry = sources.get(row.get("source", "").strip())
    return (row.get("doi", "") or (entry.fields.get("doi", "") if entry is not None else "")).strip().lower()


def trial_problems(tables, sources: dict) -> list[CellProblem]:
    """The cross-table checks of trial identity.

    Parameters
    ----------
    tables : sequence of EvidenceTable
        The base's tables (rows and the line each starts on).
    sources : dict of str to BibEntry
        sources.bib by key (for the titles, DOIs and types of the sources).

    Returns
    -------
    list of CellProblem
        A `same_trial_as` naming a trial no table has, or a trial that is itself declared the same as another (name
        the first key); two trial keys sharing an identifier of their own reports (each pair once, at the first row of
        the second key); two keys with the same numbers for one outcome in one year; rows of one trial that
        disagree on its randomised design (parallel or crossover).
    """
    problems: list[CellProblem] = []
    trials = {(r.get("trial") or "").strip() for t in tables for r in t.rows}
    aliased = {(r.get("trial") or "").strip(): (r.get("same_trial_as") or "").strip()
               for t in tables for r in t.rows if (r.get("same_trial_as") or "").strip()}
    parents = {(r.get("trial") or "").strip(): (r.get("part_of") or "").strip()
               for t in tables for r in t.rows if (r.get("part_of") or "").strip()}
    owner: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    reported: set[tuple[str, str]] = set()
    for t in tables:
        for row, line in zip(t.rows, t.lines):
            where = (str(t.path), line)
            alias = (row.get("same_trial_as") or "").strip()
            if alias == (row.get("trial") or "").strip():
                continue  # reported with the row's own checks; nothing follows from it
            if alias and alias not in trials:
                problems.append(CellProblem(*where, "same_trial_as", f"names trial {alias!r}, which no table has"))
                continue
            if alias and alias in aliased:
                problems.append(CellProblem(*where, "same_trial_as", f"names {alias!r}, which is itself declared the "
                                            f"same as {aliased[alias]!r}: name {aliased[alias]!r}"))
                continue
            key = trial_key(row)
            doi = _doi(row, sources)
            for kind, value in _identifiers(row, sources):
                first = owner.setdefault((kind, value), (key, str(t.path), line, doi))
                other = first[0]
                pair = tuple(sorted((key, other)))
                if other == key or pair in reported or parents.get(key) == other or parents.get(other) == key:
                    continue
                if kind == "title" and doi and first[3] and doi != first[3]:
                    continue  # one title, two DOIs: two publications (a reply, a correction, a series)
                reported.add(pair)
                problems.append(CellProblem(*where, "trial", f"trial {key!r} shares its {kind} {value!r} with trial "
                                            f"{other!r} ({first[1]}, line {first[2]}): one trial under two keys would "
                                            f"be counted twice. If it is the same trial, set same_trial_as = "
                                            f"{other!r} on the rows of {key!r}; if it is a subgroup report, set "
                                            f"part_of = {other!r}"))
    problems.extend(_design_problems(tables))
    problems.extend(_same_numbers_problems(tables, parents, reported))
    return problems


def _same_numbers_problems(tables, parents: dict, reported: set) -> list[CellProblem]:
    """Two trial keys with a row of one table for the same outcome, in the same year, with the same numbers (two
    or more of them): one trial entered twice under two keys whose reports share no identifier."""
    from .quoted import QUOTED_NUMBERS

    first: dict[tuple, tuple[str, int]] = {}
    out = []
    for t in tables:
        for row, line in zip(t.rows, t.lines):
            if row.get("design", "") in NOT_OWN_DESIGNS:
                continue
            numbers = tuple(row.get(c, "").strip() for c in QUOTED_NUMBERS if c in row)
            if sum(1 for x in numbers if x) < 2:
                continue
            key = trial_key(row)
            cell = (t.name, row.get("outcome", ""), row.get("year", "").strip(), numbers)
            other, where = first.setdefault(cell, (key, line))
            pair = tuple(sorted((key, other)))
            if other == key or pair in reported or parents.get(key) == other or parents.get(other) == key:
                continue
            reported.add(pair)
            out.append(CellProblem(str(t.path), line, "trial", f"trial {key!r} has the same numbers for outcome "
                                   f"{row.get('outcome', '')!r} in the same year as trial {other!r} (line {where}): "
                                   f"probably one trial under two keys. If it is, set same_trial_as = {other!r} on "
                                   f"the rows of {key!r}"))
    return out


def _design_problems(tables) -> list[CellProblem]:
    """Rows of one trial that call it parallel in one place and crossover in another (phases such as an open-label
    extension may differ; the randomised design may not)."""
    first: dict[str, tuple[str, str, int]] = {}
    out = []
    for t in tables:
        for row, line in zip(t.rows, t.lines):
            design = row.get("design", "")
            if design not in RANDOMISED:
                continue
            key = trial_key(row)
            seen = first.setdefault(key, (design, str(t.path), line))
            if seen[0] != design:
                out.append(CellProblem(str(t.path), line, "design", f"{design!r}, but trial {key!r} is {seen[0]!r} in "
                                       f"{seen[1]}, line {seen[2]}: one trial has one randomised design (a crossover "
                                       "trial pooled as parallel ignores the within-patient correlation)"))
    return out

