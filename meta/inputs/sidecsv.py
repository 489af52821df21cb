"""The evidence base's side files in CSV (risk_of_bias.csv, extraction_log.csv): one reader for their shared shape.

Each has a fixed set of columns, one record per line, and rows that cite a source: `source` (a sources.bib key),
`location` and `quote`. This module reads such a file strictly enough to locate every fault (the header, a row's
cell count, an unreadable row) and checks the provenance cells; each loader adds its own rules per row.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Mapping

from ..errors import CellProblem, SchemaError
from .csvtext import csv_rows
from .names import MAX_LABEL, close_match
from .textfiles import read_text

MAX_QUOTE = 400


def read_side_csv(path: str | Path, columns: tuple[str, ...], root: str | Path | None = None
                  ) -> tuple[list[tuple[int, dict[str, str]]], list[CellProblem]]:
    """The lines of a side file as (line, row) with cells stripped, and the problems of its shape.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : tuple of str
        Its columns (each exactly once, in any order).
    root : str or Path, optional
        The folder a symbolic link must stay inside.

    Returns
    -------
    rows : list of (int, dict)
        Each readable line with the right number of cells; blank lines (before the header too) are skipped.
    problems : list of CellProblem
        A row with too many or too few cells, or unreadable.

    Raises
    ------
    SchemaError
        The file cannot be read, or its header is wrong (a missing, unknown or repeated column): nothing after it
        could be read in the right place.
    """
    name = str(path)
    reader = csv_rows(read_text(path, root))
    header: list[str] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                header = [h.strip() for h in cells]
                break
    except csv.Error as exc:
        raise SchemaError([CellProblem(name, reader.line_num, None, f"not a readable CSV file: {exc}")]) from None
    head_line = reader.line_num
    problems = _header_problems(name, head_line, header, columns)
    if problems:
        raise SchemaError(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(CellProblem(name, line, None, f"{len(cells)} cells where the header has "
                                            f"{len(header)} (a missing or extra comma, or an unquoted comma?)"))
                continue
            rows.append((line, {k: v.strip() for k, v in zip(header, cells)}))
    except csv.Error as exc:
        problems.append(CellProblem(name, reader.line_num, None, f"not a readable CSV row: {exc}"))
    return rows, problems


def _header_problems(name: str, line: int, header: list[str], columns: tuple[str, ...]) -> list[CellProblem]:
    file = Path(name).name
    problems = [CellProblem(name, line, c[:MAX_LABEL], "column appears more than once")
                for c in sorted({c for c in header if header.count(c) > 1})]
    for col in header:
        if col not in columns:
            hint = close_match(col, columns)
            problems.append(CellProblem(name, line, col[:MAX_LABEL], f"unknown column for {file}"
                                        + (f"; did you mean '{hint[0]}'?" if hint else "")))
    problems += [CellProblem(name, line, c, f"missing column ({file} has: {', '.join(columns)})")
                 for c in columns if c not in header]
    return problems


def provenance_problems(row: dict[str, str], sources: Mapping, what: str, holds: str) -> list[tuple[str, str]]:
    """(column, why) for a side-file row's source, location and quote: all three given, the source a key of
    sources.bib, the quote at most MAX_QUOTE characters.

    Parameters
    ----------
    row : dict of str to str
        The row (with source, location and quote cells).
    sources : mapping of str to BibEntry
        sources.bib by key (when empty, keys are not checked: the .bib file's own problems are reported).
    what : str
        What the row records, for the message ("the judgements of a source").
    holds : str
        What the quote holds ("the judgements").

    Returns
    -------
    list of (str, str)
    """
    out = [(c, f"is empty: a row records {what}, so it needs its {c}") for c in ("source", "location", "quote")
           if not row[c]]
    if row["source"] and sources and row["source"] not in sources:
        hint = close_match(row["source"], sources)
        out.append(("source", f"{row['source'][:MAX_LABEL]!r} is not a key in sources.bib"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")))
    if len(row["quote"]) > MAX_QUOTE:
        out.append(("quote", f"is {len(row['quote'])} characters long; quote at most {MAX_QUOTE}, the words that "
                    f"hold {holds}"))
    return out
