"""Read a CSV of studies into canonical numeric columns, collecting every bad cell into one SchemaError.

Accepts a byte-order mark, CRLF line ends, quoted fields and extra columns; rejects bytes that are not
UTF-8, empty files, missing or misspelt columns, text in number columns and impossible values.
"""
from __future__ import annotations

import csv
import io
import math
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..engine.choices import Measure
from ..engine.model import REQUIRED, kind_of
from ..engine.studies import Studies
from .names import close_match
from .numbers import NUMBER, parse_number
from ..errors import CellProblem, SchemaError, number_text
from .csvshape import CsvFault, first_record, header_faults, study_table_faults, well_formed
from .csvtext import PANDAS_OPTIONS, csv_header, csv_rows
from .textfiles import read_bytes_safely, read_text

COUNT_COLUMNS = {"events_t", "n_t", "events_c", "n_c", "events", "n"}
MAX_MAGNITUDE = 1e50  # beyond it, squares and weighted sums of squares can overflow a double
MIN_VARIANCE = 1e-50


@dataclass(frozen=True)
class StudyTable(Studies):
    """Studies read from a file: also its path, the measure family and the raw text cells (canonical names
    applied), for ordering columns and filters."""

    path: str = ""
    kind: str = ""
    frame: pd.DataFrame | None = None
    omitted: tuple[tuple[int, str], ...] = ()  # (line, column) of each missing value left as NaN (na="omit")


PARQUET = (".parquet", ".pq")


def read_parquet(path: str | Path, numeric: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A Parquet table: the columns named in `numeric` as numbers, every other column as text, as a CSV is read
    (needs pyarrow).

    Parameters
    ----------
    path : str or Path
        The Parquet file.
    numeric : mapping of str to str, optional
        File column name -> canonical name of the columns to keep as numbers.

    Returns
    -------
    pandas.DataFrame
        The table, column names stripped; the other columns as str ("" for a null).

    Raises
    ------
    SchemaError
        The file cannot be read (see :func:`read_bytes_safely`), pyarrow is not installed, the file is not Parquet, or
        it has no rows.
    """
    name = str(path)
    raw = read_bytes_safely(path)
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except ImportError:
        raise SchemaError([CellProblem(name, None, None, "reading Parquet needs pyarrow: "
                                       "pip install 'evsynth[parquet]'")]) from None
    except (OSError, ValueError) as exc:
        raise SchemaError([CellProblem(name, None, None, f"not a readable Parquet file: {exc}")]) from None
    wanted = set((numeric or {}).keys())
    for col in frame.columns:
        if str(col).strip() not in wanted:
            frame[col] = ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in frame[col]]
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise SchemaError([CellProblem(name, None, None, "has no data rows")])
    return frame


def read_csv_text(path: str | Path, numeric: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The CSV's cells as strings, except the columns named in `numeric` (file name -> canonical name), which
    the C parser converts when they are clean; or a SchemaError naming the file. A .parquet file is read as
    Parquet (its rows are numbered as if it had a header line, like a CSV's lines).

    Parameters
    ----------
    path : str or Path
        The CSV (or .parquet / .pq) file.
    numeric : mapping of str to str, optional
        File column name -> canonical name of the columns pandas may parse as numbers.

    Returns
    -------
    pandas.DataFrame
        The table, column names stripped, blank records dropped; ``attrs["lines"]`` holds the line each CSV record
        starts on, as an array of int (absent for Parquet).

    Raises
    ------
    SchemaError
        The file cannot be read (see :func:`read_text`), has only one column or no data rows, or is not well-formed
        CSV: a quote that never closes (named where it opened) or is followed by text, a record with more or fewer
        cells than the header (naming the column where a comma is missing or extra, when one place fits), a row cut
        in two by a line break; one message per cause (see csvshape). pandas would pad a short record, or drop or
        take as an index a first record's extra cells, without a word: those are checked here.
    """
    name = str(path)
    if Path(path).suffix.lower() in PARQUET:
        return read_parquet(path, numeric)
    text = read_text(path)
    first = first_record(text)
    faults = header_faults(first, None, "")
    if faults:
        raise SchemaError([CellProblem(name, f.line, f.column, f.reason) for f in faults])
    wanted = set((numeric or {}).keys())
    # text as Python strings (object): pandas 3 with pyarrow would use Arrow strings, which cost more memory
    # here and are converted back to Python objects anyway
    dtype = {c: object for c in first.cells if c.strip() not in wanted}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # "a loss of data": a first row too long
            frame = pd.read_csv(io.StringIO(text), dtype=dtype, **PANDAS_OPTIONS)
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as exc:
        faults = study_table_faults(text, wanted, MISSING_TEXT) or [
            CsvFault(None, None, f"not a readable CSV file: {str(exc).strip()}")]
    else:
        faults = [] if well_formed(text, len(frame.columns), len(frame)) else \
            study_table_faults(text, wanted, MISSING_TEXT)
    if faults:
        raise SchemaError([CellProblem(name, f.line, f.column, f.reason) for f in faults])
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _record_lines(text, frame)
    if frame.empty:
        raise SchemaError([CellProblem(name, None, None, "has a header but no data rows")])
    repeats = _header_repeats(frame)
    if repeats:
        raise SchemaError([CellProblem(name, int(frame.attrs["lines"][i]), None, "repeats the header row (two files "
                                       "pasted together?); remove this line") for i in repeats])
    return frame


def _header_repeats(frame: pd.DataFrame) -> list[int]:
    """The rows that repeat the header, cell for cell (found through the first column, which then holds text)."""
    first = frame.columns[0]
    if frame[first].dtype != object:
        return []
    maybe = np.flatnonzero(frame[first].to_numpy(dtype=object) == first)
    return [int(i) for i in maybe if all(str(v).strip() == c for c, v in zip(frame.columns, frame.iloc[i]))]


def _record_lines(text: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without records whose cells are all blank (as the evidence reader skips them: a spreadsheet's
    trailing ",,,"), and with the line each record starts on in ``frame.attrs["lines"]``. One line per record
    unless the text has blank lines or line breaks inside quotes; then the csv module, with the same dialect,
    finds the lines."""
    blank = _blank_records(frame)
    ends = text.count("\n") + (0 if text.endswith("\n") else 1)
    if ends == len(frame) + 1:
        lines = np.arange(2, len(frame) + 2)
    else:
        reader = csv_rows(text)
        next(reader, None)
        found, start = [], reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells) or len(cells) > 1:  # pandas drops only whitespace-only lines
                found.append(start)
            start = reader.line_num + 1
        lines = np.array(found) if len(found) == len(frame) else np.arange(2, len(frame) + 2)
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    # an array, not a tuple: pandas deep-copies attrs whenever a column is taken, and a tuple of 2 million ints
    # costs seconds each time
    frame.attrs["lines"] = np.asarray(lines, dtype=np.int64)
    return frame


def _blank_records(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is blank: checked cell by cell only where every number column is empty."""
    maybe = np.ones(len(frame), bool)
    for col in frame.columns:
        if frame[col].dtype.kind in "iuf":
            maybe &= frame[col].isna().to_numpy()
    for i in np.flatnonzero(maybe):
        maybe[i] = all(not str(v).strip() for v in frame.iloc[i] if v == v)
    return maybe


def parse_column_map(spec: str | None) -> dict[str, str]:
    """'events_t=ai,n_t=n1i' -> {'events_t': 'ai', 'n_t': 'n1i'} (canonical name -> name in the file).

    Parameters
    ----------
    spec : str or None
        The ``--columns`` option: comma-separated ``canonical=name`` pairs (empty parts ignored).

    Returns
    -------
    dict of str to str
        Canonical name -> the file's name ({} for None or "").

    Raises
    ------
    SchemaError
        A part without '='.
    """
    mapping: dict[str, str] = {}
    if not spec:
        return mapping
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise SchemaError([CellProblem("--columns", None, None, f"'{part}' should be canonical=name")])
        canon, actual = (s.strip() for s in part.split("=", 1))
        mapping[canon] = actual
    return mapping


def required_columns(measure: Measure, available: set[str]) -> tuple[str, ...]:
    """The canonical columns `measure` reads from a table with the columns `available`.

    Parameters
    ----------
    measure : Measure
        The effect measure.
    available : set of str
        The table's (canonical) column names.

    Returns
    -------
    tuple of str
        REQUIRED's columns of the measure's kind; for a generic measure ``yi, vi``, ``yi, sei`` (yi without vi) or
        ``estimate, ci_low, ci_high`` (when any of them is present), and ``yi, vi`` when none fits (so the message
        names them).
    """
    kind = kind_of(measure)
    if kind != "generic":
        return REQUIRED[kind]
    if "yi" in available:
        return ("yi", "vi") if "vi" in available else ("yi", "sei")
    if {"estimate", "ci_low", "ci_high"} & available:
        return REQUIRED["generic_ratio"]
    return ("yi", "vi")


def load_table(
    path: str | Path,
    measure: Measure,
    column_map: Mapping[str, str] | None = None,
    group_by: tuple[str, ...] = (),
    study_column: str = "study",
    missing_groups: str = "error",
    require_study: bool = False,
    na: str = "fail",
) -> StudyTable:
    """The table's canonical columns, validated; `missing_groups`: a blank (or, in Parquet, null) grouping value
    is an error naming its rows ("error"), or its own group named MISSING_GROUP ("keep"). `na`: a missing value
    (a blank cell, R's `NA`, a Parquet null) in a column the measure reads is an error naming it ("fail"), or left
    as NaN and listed in `omitted` ("omit"), so that the engine leaves the study out with the reason "missing",
    as metafor does.

    Parameters
    ----------
    path : str or Path
        The CSV or Parquet file.
    measure : Measure
        The effect measure; it decides the columns read.
    column_map : mapping of str to str, optional
        Canonical name -> the file's name, for the file's own column names.
    group_by : tuple of str
        Grouping columns (for one analysis per group).
    study_column : str
        The column of study labels; a blank label, or a table without the column, gives "row <line>".
    missing_groups : {"error", "keep"}
        What a blank grouping value does (see above).
    require_study : bool
        Whether `study_column` must exist.
    na : {"fail", "omit"}
        What a missing value does (see above).

    Returns
    -------
    StudyTable
        The needed columns as float arrays (NaN only for omitted values), the study labels, the grouping values as
        text, each row's line, and the frame of all cells.

    Raises
    ------
    SchemaError
        Every problem found, each with its line and column: a file that cannot be read, a ``column_map`` name the file
        lacks, a missing column, a cell that is not a finite number, a missing value with ``na="fail"``, an impossible
        value (see :func:`range_problems`), a blank grouping value with ``missing_groups="error"``.
    """
    name = str(path)
    rename = {actual: canon for canon, actual in (column_map or {}).items()}
    frame = read_csv_text(path, _numeric_candidates(path, measure, rename))
    problems: list[CellProblem] = []
    for actual in rename:
        if actual not in frame.columns:
            problems.append(CellProblem(name, 1, actual, f"--columns names '{actual}', which the file does not have"))
    frame = frame.rename(columns=rename)
    available = set(frame.columns)
    needed = required_columns(measure, available)
    problems.extend(_missing_columns(name, list(frame.columns), needed, (*group_by, *((study_column,) if
                                     require_study else ())), measure))
    if problems:
        raise SchemaError(problems)
    found = frame.attrs.get("lines")
    lines = tuple(found.tolist()) if found is not None else tuple(range(2, len(frame) + 2))
    columns: dict[str, np.ndarray] = {}
    omitted: list[tuple[int, str]] = []
    for col in needed:
        series = frame[col]
        if series.dtype.kind in "iuf":
            values = series.to_numpy(dtype=float)
            if not values.flags.writeable:  # a read-only view of pandas' block: bad cells are replaced below
                values = values.copy()
            cells = None
        else:
            cells = series.astype(str).to_numpy(dtype=object)
            values = pd.to_numeric(cells, errors="coerce").astype(float)
        for i in np.flatnonzero(~np.isfinite(values)):  # only the bad cells go through the slow path
            cell = str(series.iloc[i]) if cells is None else cells[i]
            if na == "omit" and (math.isnan(values[i]) if cells is None else cell.strip() in MISSING_TEXT):
                values[i] = math.nan  # a null in a numeric (Parquet) column, or a blank or NA cell
                omitted.append((lines[i], col))
                continue
            values[i] = _number(cell, name, lines[i], col, problems)
        columns[col] = values
    _check_ranges(columns, name, lines, problems)
    if problems:
        raise SchemaError(problems)
    if study_column in frame.columns:
        study = tuple(s.strip() or f"row {ln}" for s, ln in zip(frame[study_column].to_numpy(dtype=object), lines))
    else:
        study = tuple(f"row {ln}" for ln in lines)
    groups = {g: _group_values(frame[g], g, name, lines, missing_groups, problems) for g in group_by}
    if problems:
        raise SchemaError(problems)
    return StudyTable(columns, study, groups, lines, path=name, kind=kind_of(measure), frame=frame,
                      omitted=tuple(sorted(omitted)))


def _missing_columns(name: str, columns: list[str], needed: tuple[str, ...], also: tuple[str, ...],
                     measure: Measure) -> list[CellProblem]:
    """A problem per column the measure (`needed`) or the options (`also`) need and the file lacks, with "did you
    mean"; one problem when it has none of the measure's columns and nothing close (no header row?)."""
    shown = ", ".join(map(str, columns[:20])) + (" ..." if len(columns) > 20 else "")
    hints = {col: close_match(col, columns) for col in needed if col not in columns}
    none_found = len(needed) > 1 and len(hints) == len(needed) and not any(hints.values())
    out = []
    if none_found:  # one cause, one message
        out.append(CellProblem(name, 1, None, f"none of the columns {measure.value} needs ({', '.join(needed)}) is "
                               f"in the header row, which reads: {shown}; is the header row missing, or are the "
                               "columns named otherwise (--columns)?"))
    for col in (*needed, *also):
        if col in columns or (none_found and col in needed):
            continue
        hint = hints[col] if col in hints else close_match(col, columns)
        extra = f"; did you mean '{hint[0]}'?" if hint else f"; the file has: {shown}"
        out.append(CellProblem(name, 1, col, f"missing column needed for {measure.value}{extra}"))
    return out


MISSING_GROUP = "(missing)"
MISSING_TEXT = ("", "NA")  # the cells that hold no value: blank, or R's NA (as write.csv writes it)


def _group_values(series: pd.Series, col: str, file: str, lines, missing: str,
                  problems: list[CellProblem]) -> tuple[str, ...]:
    values = ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
              for v in series.to_numpy(dtype=object)]
    blank = [i for i, v in enumerate(values) if v == ""]
    if blank and missing == "keep":
        taken = [i for i, v in enumerate(values) if v == MISSING_GROUP]
        if taken:
            problems.append(CellProblem(file, lines[taken[0]], col, f"--by-missing keep would merge the blank rows "
                                        f"into the group '{MISSING_GROUP}' that this column already has; rename it"))
        return tuple(MISSING_GROUP if v == "" else v for v in values)
    if blank:
        shown = ", ".join(str(lines[i]) for i in blank[:10]) + (f" and {len(blank) - 10} more" if len(blank) > 10 else "")
        problems.append(CellProblem(file, lines[blank[0]], col, f"--by {col}: {len(blank)} row(s) have no value (lines "
                                    f"{shown}); fill them in, or pool them as their own group '{MISSING_GROUP}' with "
                                    "--by-missing keep"))
    return tuple(values)


def _numeric_candidates(path, measure: Measure, rename: Mapping[str, str]) -> dict[str, str]:
    """Columns of the file that the measure will read as numbers (file name -> canonical name)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return {}  # read_csv_text says what the path is instead
        if Path(path).suffix.lower() in PARQUET:
            import pyarrow.parquet as pq

            header = [c.strip() for c in pq.read_schema(path).names]
        else:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                header = csv_header(fh)
    except (OSError, UnicodeDecodeError, csv.Error, ImportError, ValueError):
        return {}
    canon = {rename.get(c, c): c for c in header}
    return {canon[c]: c for c in required_columns(measure, set(canon)) if c in canon}


def _number(cell: str, file: str, line: int, col: str, problems: list[CellProblem]) -> float:
    text = cell.strip()
    if text in MISSING_TEXT:
        problems.append(CellProblem(file, line, col, "missing value"))
        return math.nan
    value = parse_number(text)
    if value is None or math.isnan(value):
        finite = NUMBER.fullmatch(text) or text.lower().lstrip("+-") in ("nan", "inf", "infinity")
        problems.append(CellProblem(file, line, col, f"'{text}' is not a {'finite ' if finite else ''}number"))
        return math.nan
    return value


def _check_ranges(c: dict[str, np.ndarray], file: str, lines, problems: list[CellProblem]) -> None:
    for i, col, reason in range_problems(c):
        problems.append(CellProblem(file, lines[i], col, reason))


def range_problems(c: Mapping[str, np.ndarray]) -> list[tuple[int, str, str]]:
    """Impossible values in canonical columns, as (row, column, why); missing values (NaN) are not checked.

    Parameters
    ----------
    c : mapping of str to numpy.ndarray
        Canonical columns as floats (counts, means and SDs, yi with vi or sei, or a ratio with its CI on the natural
        scale).

    Returns
    -------
    list of tuple of (int, str, str)
        (row position from 0, column, reason) for each impossible value: a negative or fractional count, a group size
        of 0, more events than the group, an SD, SE or variance at or below 0 or too small, a magnitude above 1e50, a
        ratio or CI limit at or below 0, an estimate outside its CI, a CI of zero width.
    """
    found: list[tuple[int, str, str]] = []

    def bad(col: str, test: np.ndarray, reason: str) -> None:
        for i in np.flatnonzero(test & ~np.isnan(c[col])):
            found.append((int(i), col, reason.format(v=number_text(c[col][i]))))

    for col in COUNT_COLUMNS & c.keys():
        bad(col, c[col] < 0, "{v} is negative; counts cannot be")
        bad(col, (c[col] >= 0) & (c[col] != np.floor(c[col])), "{v} is not a whole number")
    for col in ("n_t", "n_c", "n"):
        if col in c:
            bad(col, c[col] == 0, "group size is 0")
    for ev, n in (("events_t", "n_t"), ("events_c", "n_c"), ("events", "n")):
        if ev in c and n in c:
            bad(ev, c[ev] > c[n], "{v} events is more than the group size " + "in column '" + n + "'")
    for col in ("sd_t", "sd_c"):
        if col in c:
            bad(col, c[col] <= 0, "standard deviation {v} must be above 0")
            bad(col, (c[col] > 0) & (c[col] < MIN_VARIANCE ** 0.5), "standard deviation {v} is below 1e-25")
    for col, values in c.items():  # squares and sums of squares must not overflow (|x| <= 1e50)
        bad(col, np.abs(values) > MAX_MAGNITUDE, "{v} is beyond the range evsynth computes with (|x| <= 1e50)")
    if "vi" in c:
        bad("vi", (c["vi"] > 0) & (c["vi"] < MIN_VARIANCE), "sampling variance {v} is below 1e-50; its weight "
            "1/vi would swamp every other study (is it a standard error squared twice?)")
        bad("vi", c["vi"] < 0, "sampling variance {v} is negative")
        bad("vi", c["vi"] == 0, "sampling variance is 0; a study needs a positive variance")
    if "sei" in c:
        bad("sei", c["sei"] <= 0, "standard error {v} must be above 0")
        bad("sei", (c["sei"] > 0) & (c["sei"] < MIN_VARIANCE ** 0.5), "standard error {v} is below 1e-25")
    if "estimate" in c:
        for col in ("estimate", "ci_low", "ci_high"):
            bad(col, c[col] <= 0, "{v}: a ratio and its CI must be above 0")
        inside = (c["ci_low"] <= c["estimate"]) & (c["estimate"] <= c["ci_high"])
        bad("estimate", ~inside & (c["ci_low"] > 0) & (c["ci_high"] > 0), "{v} is outside its confidence interval")
        bad("ci_high", c["ci_high"] == c["ci_low"], "the CI has zero width")
    return found
