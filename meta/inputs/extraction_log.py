"""extraction_log.csv: the record of dual extraction (optional file of a base).

A row that enters a pooled analysis is extracted twice, independently, by two extractors who do not see each
other's work, and the two readings are reconciled against the source (Cochrane Handbook 5.5.2, MECIR C45-C46). One
line of this file per table row and field: the first extractor's value, the second's, the value the table now holds
(`resolution`) and, whenever the two readings differ or the resolution is neither of them, `why`. An empty `first`
or `second` means that extractor found no value. Like every number in the base, the resolution says where it comes
from: `source` (a sources.bib key), `location` and a `quote` that holds it (or, for a value the row computes in
`derived`, the numbers it is computed from).

The log is checked against the tables, so it cannot drift from them: a resolution that is not the cell's current
value is an error (a cell corrected later must be re-extracted, or its line corrected with the reason), as is a line
for a row or column that does not exist. Which pooled rows lack a dual extraction is :mod:`meta.review.dual`'s job.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import CellProblem, SchemaError, visible
from .derived_grammar import parse_derived
from .names import MAX_LABEL, close_match, text_problem
from .quoted import in_quote
from .sidecsv import provenance_problems, read_side_csv

FILE = "extraction_log.csv"
COLUMNS = ("study_id", "field", "first", "second", "resolution", "why", "source", "location", "quote")
_NOT_FIELDS = ("study_id", "quote", "notes", "derived", "url", "location")


@dataclass(frozen=True)
class LogEntry:
    """One field of one row, as two extractors read it and as it was reconciled.

    Attributes
    ----------
    study_id : str
        The table row.
    field : str
        The column.
    first, second : str
        The two extractors' values ("" where one found none).
    resolution : str
        The reconciled value (the cell's value).
    why : str
        Why, when the readings differ or the resolution is neither of them.
    line : int
        The line of extraction_log.csv.
    """

    study_id: str
    field: str
    first: str
    second: str
    resolution: str
    why: str
    line: int

    @property
    def agreed(self) -> bool:
        """Whether the two independent readings agreed before reconciliation.

        Returns
        -------
        bool
        """
        return same_value(self.first, self.second)


@dataclass(frozen=True)
class ExtractionLog:
    """extraction_log.csv, read and checked against the tables.

    Attributes
    ----------
    path : Path
        The file.
    entries : tuple of LogEntry
        Its lines, in file order.
    """

    path: Path
    entries: tuple[LogEntry, ...]

    def read_once(self, study_id: str) -> bool:
        """Whether a line of the row lacks one of the two readings (an extractor could not reach the number).

        Parameters
        ----------
        study_id : str
            The table row.

        Returns
        -------
        bool
        """
        return any(e.study_id == study_id and not (e.first.strip() and e.second.strip()) for e in self.entries)

    def fields_of(self, study_id: str) -> frozenset[str]:
        """The fields of a row that were extracted twice: both readings present.

        Parameters
        ----------
        study_id : str
            The table row.

        Returns
        -------
        frozenset of str
        """
        return frozenset(e.field for e in self.entries if e.study_id == study_id and e.first.strip()
                         and e.second.strip())

    def agreement(self) -> tuple[int, int]:
        """How many fields the two extractors read alike before reconciliation, of how many both read.

        Returns
        -------
        tuple of int
            (agreed, compared): fields where one extractor found nothing are not compared.
        """
        both = [e for e in self.entries if e.first.strip() and e.second.strip()]
        return sum(e.agreed for e in both), len(both)


def _number(text: str) -> bool:
    try:
        Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return False
    return bool(text.strip())


def same_value(a: str, b: str) -> bool:
    """Whether two cells hold the same value: equal numbers (``30`` and ``30.0``), else equal text.

    Parameters
    ----------
    a, b : str
        The cells.

    Returns
    -------
    bool
    """
    a, b = a.strip(), b.strip()
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, ValueError):
        return " ".join(a.split()) == " ".join(b.split())


def load_extraction_log(path: str | Path, tables: Iterable, root: str | Path | None = None,
                        complete: bool = True, sources: Mapping | None = None) -> ExtractionLog:
    """Read extraction_log.csv and check it against the tables' rows.

    Parameters
    ----------
    path : str or Path
        The file.
    tables : iterable of EvidenceTable
        The base's tables.
    root : str or Path, optional
        The folder a symbolic link must stay inside.
    complete : bool, optional
        False when a table or rows could not be read (their problems are reported): a line for a row that was not
        read is then not an error (the reading fault is its cause).
    sources : mapping of str to BibEntry, optional
        sources.bib by key (when empty, source keys are not checked: the .bib file's own problems are reported).

    Returns
    -------
    ExtractionLog

    Raises
    ------
    SchemaError
        Every problem, each with file, line and column: unreadable or not CSV, a missing, unknown or repeated column,
        a row with too many or too few cells, a study_id no table has, a field its table lacks (or a provenance
        column), a (study_id, field) given twice, a resolution that is not the cell's current value, differing
        readings without `why`, a line without its source, location and quote, a source not in sources.bib, a
        numeric resolution its quote does not hold (unless the row computes it in `derived`), an unsafe character.
    """
    name = str(path)
    lines, problems = read_side_csv(path, COLUMNS, root)
    cells = {r["study_id"].strip(): (t.name, r) for t in tables for r in t.rows}
    entries: list[LogEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in lines:
        if not complete and row["study_id"] not in cells:
            continue
        problems += [CellProblem(name, line, col, why) for col, why in _row_problems(row, cells, sources or {})]
        key = (row["study_id"], row["field"])
        if key in seen:
            problems.append(CellProblem(name, line, "field", f"{row['study_id']} {row['field']} is already "
                                        f"logged on line {seen[key]}"))
        seen.setdefault(key, line)
        entries.append(LogEntry(row["study_id"], row["field"], row["first"], row["second"], row["resolution"],
                                row["why"], line))
    if problems:
        raise SchemaError(problems)
    return ExtractionLog(Path(path), tuple(entries))


def _row_problems(row: dict[str, str], cells: dict[str, tuple[str, dict[str, str]]], sources: Mapping
                  ) -> list[tuple[str, str]]:
    """(column, why) for each problem of one line."""
    out = [(c, f"{c} {why}") for c in COLUMNS if (why := text_problem(row[c]))]
    out += provenance_problems(row, sources, "a reconciled value", "the value")
    sid, field = row["study_id"], row["field"]
    shown_sid, shown_field = visible(sid)[:MAX_LABEL], visible(field)[:MAX_LABEL]
    if sid not in cells:
        hint = close_match(sid, cells)
        return out + [("study_id", f"names row {shown_sid!r}, which no table has"
                       + (f"; did you mean '{hint[0]}'?" if hint else ""))]
    table, cell_row = cells[sid]
    if field not in cell_row or field in _NOT_FIELDS:
        hint = close_match(field, [c for c in cell_row if c not in _NOT_FIELDS])
        return out + [("field", f"{shown_field!r} is not a field of {table} that is extracted"
                       + (f"; did you mean '{hint[0]}'?" if hint else ""))]
    now = cell_row[field].strip()
    if not same_value(row["resolution"], now):
        out.append(("resolution", f"{sid} {field} holds {visible(now)[:MAX_LABEL] or 'nothing'!r} in {table}, not the "
                                  f"reconciled {visible(row['resolution'])[:MAX_LABEL] or 'nothing'!r}: a cell changed "
                                  "after reconciliation is "
                                  "extracted again, or this line is corrected with its reason"))
    computed = parse_derived(cell_row.get("derived", ""), cell_row.keys()).targets if cell_row.get("derived") else ()
    if _number(row["resolution"]) and field not in computed and row["quote"] and not in_quote(row["resolution"],
                                                                                              row["quote"]):
        out.append(("quote", f"does not hold the resolution {visible(row['resolution'])[:MAX_LABEL]!r}: quote the "
                             "words that hold it (a value the row computes in `derived` needs no quote of its own)"))
    differ = not same_value(row["first"], row["second"])
    neither = not (same_value(row["resolution"], row["first"]) or same_value(row["resolution"], row["second"]))
    if (differ or neither) and not row["why"]:
        out.append(("why", "is empty: the readings differ" + (" and the resolution is neither" if neither else "")
                    + ", so say why the table holds this value"))
    return out
