"""What is wrong with the shape of a CSV table, said once per cause, with the line and column a reviewer fixes.

A broken file gives one message per cause, not a cascade: an unclosed quote is named where it opened (see
csvtext.csv_records); a row with a cell too many or too few names the column where its cells stop fitting their
columns (found by trying each place for the missing or extra comma and keeping the one after which every cell fits,
as scored by the caller's row check); a row cut in two by a line break is one message, not two; the header row
repeated inside the file is one message, not one per cell; a first line that is not a header at all is one message,
not one per name; a misspelt column is one message ("did you mean"), not an unknown and a missing one; a file
separated by semicolons or tabs says so. Used by both parsers: the evidence reader (evidence._read_csv) and the
study-table reader (tables.read_csv_text).
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from .csvtext import SKIP_INITIAL_SPACE, TYPOGRAPHIC_QUOTES, Record, csv_records
from .names import MAX_LABEL, close_match
from .numbers import parse_number

HINTS = 50  # rows (or columns) given a located fault or a "did you mean": the search costs a row check per place
Score = Callable[[dict[str, str]], Sequence[str | None]]  # the column of each problem a row (column -> cell) has


@dataclass(frozen=True)
class CsvFault:
    """One fault of a table's shape: where (line from 1, column name or None) and why."""

    line: int | None
    column: str | None
    reason: str


def column_label(header: Sequence[str], index: int) -> str:
    """How a message names the cell at `index` of a record: "column 'name'", or "column N" past the header's end
    or for an unnamed column.

    Parameters
    ----------
    header : sequence of str
        The column names (stripped); empty for the header record itself.
    index : int
        The cell's position (from 0).

    Returns
    -------
    str
        The column's name in quotes, or its number (from 1).
    """
    if index < len(header) and header[index]:
        return f"column '{header[index][:MAX_LABEL]}'"
    return f"column {index + 1}"


def header_faults(record: Record | None, expected: Sequence[str] | None, what: str) -> list[CsvFault]:
    """The faults of a table's first record as its header.

    Parameters
    ----------
    record : Record or None
        The first non-blank record (None: the file has none).
    expected : sequence of str or None
        The columns the table must have, exactly (None: any columns, as a study table).
    what : str
        The table, for messages ("a binary table").

    Returns
    -------
    list of CsvFault
        Empty when the header is usable; else one fault for a quote that never closes, for a single column (naming
        the semicolon or tab that separates it), or for a first line that names none of the columns; or one per
        duplicated, unnamed, unknown (with "did you mean", which then stands for the missing column too) or missing
        column.
    """
    if record is None:
        return [CsvFault(None, None, "has no header row")]
    if record.fault is not None:
        return [CsvFault(record.fault.line, None, "the header row: " + record.fault.message(
            f"column {record.fault.cell + 1}"))]
    header = [c.strip() for c in record.cells]
    if len(header) < 2:
        seps = ((";", "semicolons"), ("\t", "tabs"), ("|", "bars"))
        sep = next((name for mark, name in seps if mark in record.cells[0]), None)
        why = (f"its columns are separated by {sep}, but the delimiter must be a comma; save it as CSV with commas"
               if sep else "is the delimiter a comma?")
        return [CsvFault(record.line, None, f"only one column found: {why}")]
    if expected is None:
        return []
    if not set(header) & set(expected):
        shown = ", ".join(repr(h[:40]) for h in header[:4])
        return [CsvFault(record.line, None, f"the first line is not a header row: none of its {len(header)} cells "
                         f"names a column of {what} (it begins {shown}); the first line names the columns: "
                         + ", ".join(expected))]
    return _name_faults(header, expected, what, record.line)


def _name_faults(header: list[str], expected: Sequence[str], what: str, line: int) -> list[CsvFault]:
    out: list[CsvFault] = []
    seen: set[str] = set()
    for i, col in enumerate(header):
        if col == "":
            out.append(CsvFault(line, None, "the header ends with a comma: its last column has no name; remove the "
                                "trailing comma" if i == len(header) - 1 else f"column {i + 1} of the header has "
                                "no name"))
        elif col in seen:
            out.append(CsvFault(line, col[:MAX_LABEL], "column appears more than once"))
        seen.add(col)
    missing = [c for c in expected if c not in seen]
    unknown = [c for c in dict.fromkeys(header) if c and c not in expected]
    meant: set[str] = set()
    for i, col in enumerate(unknown):
        hint = close_match(col, missing) or close_match(col, expected) if i < HINTS else []
        if hint and hint[0] in missing and hint[0] not in meant:
            meant.add(hint[0])
            out.append(CsvFault(line, col[:MAX_LABEL], f"unknown column for {what}; did you mean '{hint[0]}' (which "
                                "is missing)?"))
        else:
            out.append(CsvFault(line, col[:MAX_LABEL], f"unknown column for {what}"
                                + (f"; did you mean '{hint[0]}'?" if hint else "")))
    for col in missing:
        if col not in meant:
            out.append(CsvFault(line, col, f"missing column ({what} has: {', '.join(expected)})"))
    return out


def data_records(records: Iterable[Record], header: Sequence[str], score: Score | None = None
                 ) -> Iterator[tuple[int, tuple[str, ...]] | CsvFault]:
    """The data rows after the header, as (line, cells) with exactly one cell per column, and a CsvFault for each
    record that is not one (one per cause). Blank records are skipped.

    Parameters
    ----------
    records : iterable of Record
        The records after the header (csvtext.csv_records).
    header : sequence of str
        The column names, stripped.
    score : callable, optional
        ``score(row)``: the column of each problem the row (column -> cell) has (None for the row); used to find
        where a row with a cell too many or too few goes out of step with its columns. Without it, only the count
        is given.

    Returns
    -------
    Iterator of tuple of (int, tuple of str) or CsvFault
        Each good row with the line it starts on, and each fault: a quote that never closes or is followed by text
        (csvtext.QuoteFault), the header repeated, a row cut in two by a line break (one fault for both lines), a
        row with too many or too few cells (naming the column where a comma is missing or extra, when `score` finds
        one place that fits best, and typographic quotes used as CSV quotes).
    """
    width = len(header)
    pending: Record | None = None  # a short record: the next line may be the rest of it
    hints = [0]
    for rec in records:
        if rec.fault is None and not any(c.strip() for c in rec.cells):
            continue
        if pending is not None:
            joined = rec.fault is None and rec.line == pending.end + 1 and \
                len(pending.cells) + len(rec.cells) - 1 == width
            if joined:
                yield _cut(pending, rec, header)
                pending = None
                continue
            yield _count_fault(pending, header, score, hints)
            pending = None
        if rec.fault is not None:
            yield CsvFault(rec.fault.line, _name(header, rec.fault.cell),
                           rec.fault.message(column_label(header, rec.fault.cell)))
        elif len(rec.cells) == width:
            if [c.strip() for c in rec.cells] == list(header):
                yield CsvFault(rec.line, None, "repeats the header row (two files pasted together?); remove this line")
            else:
                yield rec.line, rec.cells
        elif len(rec.cells) < width:
            pending = rec
        else:
            yield _count_fault(rec, header, score, hints)
    if pending is not None:
        yield _count_fault(pending, header, score, hints)


def _name(header: Sequence[str], index: int) -> str | None:
    return header[index][:MAX_LABEL] if index < len(header) and header[index] else None


def _cut(first: Record, rest: Record, header: Sequence[str]) -> CsvFault:
    at = len(first.cells) - 1
    return CsvFault(first.line, _name(header, at), f"the row breaks off in this cell and goes on on line {rest.line} "
                    f"({len(first.cells)} + {len(rest.cells)} cells, one split in two, where the header has "
                    f"{len(header)}): a line break inside the cell; join the two lines")


def _count_fault(rec: Record, header: Sequence[str], score: Score | None, hints: list[int]) -> CsvFault:
    n, width = len(rec.cells), len(header)
    head = f"{n} cells where the header has {width}"
    if any(q in c for c in rec.cells for q in TYPOGRAPHIC_QUOTES):
        return CsvFault(rec.line, None, f"{head}: the row holds typographic quotes (\u201c \u201d), which CSV does "
                        "not read as quotes; a cell holding a comma needs straight double quotes (\")")
    if score is not None and abs(n - width) == 1 and hints[0] < HINTS:
        hints[0] += 1
        found = _locate(list(rec.cells), header, score)
        if found is not None:
            return CsvFault(rec.line, found[0], f"{head}: {found[1]}")
    return CsvFault(rec.line, None, f"{head} (a missing or extra comma, or an unquoted comma?)")


def _locate(cells: list[str], header: Sequence[str], score: Score) -> tuple[str | None, str] | None:
    """Where a row with one cell too many or too few goes out of step: the column, and what to do there; None when
    no single stretch of columns fits better than the rest."""
    width = len(header)
    tries: list[tuple[int, int, str]] = []  # (problems, position of the cell at fault, how)
    if len(cells) == width + 1:
        for i in range(width):
            if not cells[i + 1].strip():  # an extra comma: drop the empty cell after cell i
                tries.append((len(score(dict(zip(header, cells[:i + 1] + cells[i + 2:])))), i, "extra"))
            merged = cells[:i] + [cells[i] + "," + cells[i + 1]] + cells[i + 2:]  # a comma inside cell i
            tries.append((len(score(dict(zip(header, merged)))), i, "comma in cell"))
    else:
        for i in range(width - 1):  # cell i holds two cells: put an empty one after it, and excuse those two
            row = dict(zip(header, cells[:i + 1] + [""] + cells[i + 1:]))
            tries.append((sum(c not in (header[i], header[i + 1]) for c in score(row)), i, "missing"))
    best = min(t[0] for t in tries)
    if any(t[0] == best and t[2] == "extra" for t in tries):  # an empty cell too many explains it most simply
        tries = [t for t in tries if t[2] == "extra"] + [(best + 1, t[1], t[2]) for t in tries if t[2] != "extra"]
    places = sorted({t[1] for t in tries if t[0] == best})
    if len(places) == len({t[1] for t in tries}) or places[-1] - places[0] + 1 != len(places):
        return None
    how = next(t[2] for t in tries if t[0] == best and t[1] == places[0])
    i = places[0]
    where = (f"column '{header[i]}'" if len(places) == 1 else
             f"one of the columns '{header[places[0]]}' to '{header[places[-1]]}'")
    if how == "extra":
        return header[i], (f"an extra comma after {where} (an empty cell after {cells[i][:40]!r}); without it, "
                           "every cell fits its column")
    if how == "comma in cell":
        return header[i], (f"a comma inside the unquoted text of {where}, between {cells[i][-30:]!r} and "
                           f"{cells[i + 1][:30]!r}; quote that cell, or remove the comma")
    return header[i], (f"a comma missing in {where} ({cells[i][:60]!r} reads as one cell); with it, every later "
                       "cell fits its column")


# ---- study tables (read by pandas, which says nothing of a short record): checked here ----

def first_record(text: str, prefix: int = 1 << 16) -> Record | None:
    """The first record of a CSV text that is not blank (its header), read from the text's first `prefix`
    characters unless it runs on past them.

    Parameters
    ----------
    text : str
        The CSV text.
    prefix : int
        How much of the text to read first (the header of a large file is near its start).

    Returns
    -------
    Record or None
        The record (with its fault, if its quoting is broken); None when every record is blank.
    """
    head = text[:prefix]
    first = next((r for r in csv_records(head) if r.fault is not None or any(c.strip() for c in r.cells)), None)
    if len(head) < len(text) and (first is None or first.fault is not None or first.end >= head.count("\n")):
        first = next((r for r in csv_records(text) if r.fault is not None or any(c.strip() for c in r.cells)), None)
    return first


def well_formed(text: str, width: int, records: int) -> bool:
    """Whether every record of a CSV text that pandas read as `records` records of `width` columns has `width`
    cells, with every quote in its place.

    Without quotes, by counting commas: pandas refuses a record with too many cells after the first, so the total
    is right only when none has too few and the first has none too many. With quotes, by reading the text with the
    csv module in strict mode (about the cost of pandas' own read).

    Parameters
    ----------
    text : str
        The CSV text.
    width : int
        The number of columns pandas found.
    records : int
        The number of records pandas read (blank records included, blank lines not).

    Returns
    -------
    bool
        True when the text is well-formed; False when it may not be (:func:`study_table_faults` says how).
    """
    if '"' not in text:
        return _second_line(text).count(",") == width - 1 and text.count(",") == (width - 1) * (records + 1)
    try:  # the record lengths counted in C (map, Counter): the csv module's parse is the only cost
        counts = Counter(map(len, csv.reader(io.StringIO(text, newline=""), skipinitialspace=SKIP_INITIAL_SPACE,
                                             strict=True)))
    except csv.Error:
        return False
    return set(counts) <= {width, 0}  # 0: a blank line; any other length, blank or not, is looked at closely


def _second_line(text: str) -> str:
    """The second line that is not blank (the first data record of a text without quotes), or ""."""
    seen, start = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        if text[start:end].strip():
            seen += 1
            if seen == 2:
                return text[start:end]
        start = end
    return ""


def study_table_faults(text: str, numeric: set[str], missing: Sequence[str] = ("", "NA")) -> list[CsvFault]:
    """Each fault of a study table's shape (see :func:`data_records`), where the numeric columns guide the search
    for a missing or extra comma.

    Parameters
    ----------
    text : str
        The CSV text (its header readable: see :func:`header_faults`).
    numeric : set of str
        The columns that hold numbers.
    missing : sequence of str
        The cells that stand for a missing number.

    Returns
    -------
    list of CsvFault
        The faults, in file order; empty when the shape is right.
    """
    records = csv_records(text)
    first = next(r for r in records if r.fault is not None or any(c.strip() for c in r.cells))
    header = [c.strip() for c in first.cells]
    cols = [c for c in header if c in numeric]

    def misfits(row: dict[str, str]) -> list[str]:  # a cell that is not a number; more events than patients
        out = [c for c in cols if row[c].strip() not in missing and not _is_number(row[c])]
        for ev, n in (("events_t", "n_t"), ("events_c", "n_c"), ("events", "n")):
            if ev in cols and n in cols and _is_number(row[ev]) and _is_number(row[n]) and \
                    float(row[ev]) > float(row[n]):
                out.append(ev)
        return out

    return [f for f in data_records(records, header, misfits if cols else None) if isinstance(f, CsvFault)]


def _is_number(cell: str) -> bool:
    x = parse_number(cell)
    return x is not None and not math.isnan(x)
