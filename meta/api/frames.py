"""A pandas DataFrame to the engine's canonical columns: which column plays which part (canonical names, metafor's
argument names, or a `columns=` mapping), numbers checked cell by cell (every problem names its row and column),
missing values found, and study labels made unique as metafor makes them."""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..engine.choices import Measure
from ..engine.model import REQUIRED, kind_of
from ..errors import CellProblem, SchemaError
from ..inputs.numbers import parse_number
from ..inputs.tables import MISSING_TEXT, range_problems

# metafor's argument names for the canonical columns (`n_t` is metafor's n1i for both binary and continuous data)
METAFOR_NAMES = {
    "events_t": "ai", "n_t": "n1i", "events_c": "ci", "n_c": "n2i",
    "mean_t": "m1i", "sd_t": "sd1i", "mean_c": "m2i", "sd_c": "sd2i",
    "events": "xi", "n": "ni", "yi": "yi", "vi": "vi", "sei": "sei",
}
# metafor's non-event counts: a group's size is its events plus these (n1i = ai + bi, n2i = ci + di, ni = xi + mi)
COMPLEMENTS = {"n_t": ("events_t", "bi"), "n_c": ("events_c", "di"), "n": ("events", "mi")}
KNOWN = set(METAFOR_NAMES) | set(METAFOR_NAMES.values()) | {"bi", "di", "mi", "estimate", "ci_low", "ci_high"}


@dataclass(frozen=True)
class FrameData:
    """The studies of a DataFrame, every row kept: canonical columns (NaN where a value is missing), the source
    column(s) of each, unique labels, and which rows miss a value (with the source columns that miss it)."""

    frame: pd.DataFrame
    columns: dict[str, np.ndarray]
    sources: dict[str, tuple[str, ...]]
    labels: tuple[str, ...]
    missing: dict[int, tuple[str, ...]]  # row position -> the source columns without a value

    @property
    def n(self) -> int:
        """The number of rows (studies) of the table, missing values included.

        Returns
        -------
        int
        """
        return len(self.labels)

    def where(self, i: int) -> str:
        """Row `i` as a message names it (see :func:`row_name`).

        Parameters
        ----------
        i : int
            The row's position (from 0).

        Returns
        -------
        str
        """
        return row_name(self.frame, i)


def row_name(frame: pd.DataFrame, i: int) -> str:
    """Row i as a message names it: by its index label in the DataFrame (what `df.loc[...]` takes).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    i : int
        The row's position (from 0).

    Returns
    -------
    str
        "row 3", or "row 'a'" for a string index label.
    """
    label = frame.index[i]
    label = label.item() if hasattr(label, "item") else label
    return f"row {label!r}" if isinstance(label, str) else f"row {label}"


def as_frame(data) -> pd.DataFrame:
    """`data` as a DataFrame: a DataFrame as it is (not copied), a dict of columns converted.

    Parameters
    ----------
    data : pandas.DataFrame or mapping
        The table, or its columns by name.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SchemaError
        A mapping pandas cannot make a table of (e.g. columns of different lengths); anything else.
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except (ValueError, TypeError) as exc:
            raise SchemaError([CellProblem("data", None, None, f"cannot be read as a table: {exc}")]) from None
    raise SchemaError([CellProblem("data", None, None, f"expected a pandas DataFrame (or a dict of columns), not "
                                   f"{type(data).__name__}")])


def roles(measure: Measure, frame: pd.DataFrame, columns: Mapping[str, str] | None) -> dict[str, tuple[str, ...]]:
    """Canonical column -> the DataFrame column(s) it is read from (two for a size made of events + non-events);
    a SchemaError names every column that is needed and absent, or wrongly mapped.

    Parameters
    ----------
    measure : Measure
        The effect measure; it decides the canonical columns needed (for GEN: yi with vi, else sei; or estimate,
        ci_low, ci_high).
    frame : pandas.DataFrame
        The table.
    columns : mapping of str to str, optional
        The user's mapping: canonical or metafor name (or bi, di, mi) -> the table's column.

    Returns
    -------
    dict of str to tuple of str
        Each needed canonical column -> its source column, or (events column, non-events column) for a group size.

    Raises
    ------
    SchemaError
        A `columns` key evsynth does not read or a value the table lacks; a needed column absent.
    """
    problems: list[CellProblem] = []
    mapped: dict[str, str] = {}
    names = [str(c) for c in frame.columns]
    for key, actual in (columns or {}).items():
        role = _role_of(str(key))
        if role is None:
            problems.append(CellProblem("columns=", None, str(key), f"'{key}' is not a column evsynth reads; use a "
                                        f"canonical name or metafor's: {', '.join(sorted(KNOWN))}"))
        elif actual not in frame.columns:
            problems.append(CellProblem("columns=", None, str(actual), f"maps {key} to '{actual}', which the table "
                                        f"does not have{_hint(str(actual), names)}"))
        else:
            mapped[role] = actual
    if problems:
        raise SchemaError(problems)

    def find(role: str) -> str | None:
        if role in mapped:
            return mapped[role]
        for name in (role, METAFOR_NAMES.get(role)):
            if name is not None and name in frame.columns:
                return name
        return None

    kind = kind_of(measure)
    if kind == "generic":
        if find("yi") is not None:
            needed = ("yi", "vi") if find("vi") is not None or find("sei") is None else ("yi", "sei")
        elif any(find(c) for c in REQUIRED["generic_ratio"]):
            needed = REQUIRED["generic_ratio"]
        else:
            needed = ("yi", "vi")
    else:
        needed = REQUIRED[kind]
    found: dict[str, tuple[str, ...]] = {}
    for role in needed:
        col = find(role)
        if col is None and role in COMPLEMENTS:
            events, other = COMPLEMENTS[role]
            other_col = mapped.get(other, other if other in frame.columns else None)
            if other_col is not None and find(events) is not None:
                found[role] = (find(events), other_col)
                continue
        if col is None:
            alias = METAFOR_NAMES.get(role)
            also = f" or metafor's '{alias}'" if alias and alias != role else ""
            if role in COMPLEMENTS:
                also += f" (or '{COMPLEMENTS[role][1]}', the non-events)"
            problems.append(CellProblem("data frame", None, role, f"missing column needed for {measure.value}: "
                                        f"'{role}'{also}, or map one with columns={{'{role}': ...}}"
                                        f"{_hint(role, names)}"))
        else:
            found[role] = (col,)
    if problems:
        raise SchemaError(problems)
    return found


def _role_of(key: str) -> str | None:
    if key in METAFOR_NAMES or key in ("estimate", "ci_low", "ci_high"):
        return key
    for canon, alias in METAFOR_NAMES.items():
        if key == alias:
            return canon
    return key if key in ("bi", "di", "mi") else None


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def read_numbers(frame: pd.DataFrame, column: str, where, problems: list[CellProblem]) -> np.ndarray:
    """A column as floats, NaN where a value is missing (None, NaN, a blank or NA cell); text that is not a number,
    booleans and infinities are problems naming the row and column.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    column : str
        The column to read.
    where : callable
        ``where(i)``: how a message names the row at position i.
    problems : list of CellProblem
        Where the problems go (appended; nothing is raised).

    Returns
    -------
    numpy.ndarray
        One float per row, NaN where the value is missing or is a problem.
    """
    series = frame[column]
    if series.dtype.kind in "iuf":
        values = series.to_numpy(dtype=float, na_value=np.nan).copy()
        for i in np.flatnonzero(np.isinf(values)):
            problems.append(CellProblem(where(i), None, column, f"{values[i]} is not a finite number"))
        return values
    values = np.full(len(series), np.nan)
    for i, cell in enumerate(series.tolist()):
        if cell is None or cell is pd.NA or cell is pd.NaT or (isinstance(cell, float) and math.isnan(cell)):
            continue
        if isinstance(cell, (bool, np.bool_)):
            problems.append(CellProblem(where(i), None, column, f"{cell} is not a number"))
        elif isinstance(cell, (int, float, np.integer, np.floating)):
            x = float(cell)
            if math.isinf(x):
                problems.append(CellProblem(where(i), None, column, f"{cell} is not a finite number"))
            elif not math.isnan(x):
                values[i] = x
        elif isinstance(cell, str):
            if cell.strip() in MISSING_TEXT:
                continue
            x = parse_number(cell)
            if x is None or x != x:
                problems.append(CellProblem(where(i), None, column, f"{cell[:60]!r} is not a number"))
            else:
                values[i] = x
        else:
            problems.append(CellProblem(where(i), None, column, f"{str(cell)[:60]!r} ({type(cell).__name__}) is "
                                        "not a number"))
    return values


def read_frame(data, measure: Measure, columns: Mapping[str, str] | None = None,
               slab: str | Sequence | None = None) -> FrameData:
    """Every row of `data` in the engine's canonical columns, checked; SchemaError lists every bad cell.

    Parameters
    ----------
    data : pandas.DataFrame or mapping
        The table (see :func:`as_frame`).
    measure : Measure
        The effect measure; it decides the columns read (see :func:`roles`).
    columns : mapping of str to str, optional
        The user's mapping of canonical (or metafor) names to the table's columns.
    slab : str or sequence, optional
        The study labels (see :func:`study_labels`).

    Returns
    -------
    FrameData
        Every row: the canonical columns as floats (NaN where a value is missing; a group size is events plus
        non-events when given so), their source columns, unique labels, and the rows with a missing value.

    Raises
    ------
    SchemaError
        No rows; a column missing or wrongly mapped; a cell that is not a finite number, a non-event count that is
        not a count, an impossible value (see :func:`range_problems`); a missing or wrong study label.
    """
    frame = as_frame(data)
    if len(frame) == 0:
        raise SchemaError([CellProblem("data frame", None, None, "has no rows")])
    found = roles(measure, frame, columns)
    labels = study_labels(frame, slab)
    fd = FrameData(frame, {}, found, labels, {})
    problems: list[CellProblem] = []
    sources = dict.fromkeys(src for srcs in found.values() for src in srcs)  # each once (ai is in n1i = ai + bi)
    raw = {src: read_numbers(frame, src, fd.where, problems) for src in sources}
    if problems:
        raise SchemaError(problems)
    cols: dict[str, np.ndarray] = {}
    for role, srcs in found.items():
        cols[role] = raw[srcs[0]] if len(srcs) == 1 else raw[srcs[0]] + raw[srcs[1]]
    missing: dict[int, tuple[str, ...]] = {}
    for src, values in raw.items():
        for i in np.flatnonzero(np.isnan(values)).tolist():
            missing[i] = missing.get(i, ()) + (src,)
    for role, srcs in found.items():
        if len(srcs) == 2:  # non-events (bi, di, mi) are counts too
            other = raw[srcs[1]]
            with np.errstate(invalid="ignore"):
                bad = ~np.isnan(other) & ((other < 0) | (other != np.floor(other)))
            for i in np.flatnonzero(bad).tolist():
                problems.append(CellProblem(fd.where(i), None, srcs[1], f"{other[i]:g} is not a count"))
    for i, canon, reason in range_problems(cols):
        for role, srcs in found.items():  # name the table's columns, not the canonical ones
            reason = reason.replace(f"column '{role}'", f"column '{' + '.join(srcs)}'")
        problems.append(CellProblem(fd.where(i), None, found[canon][-1], reason))
    if problems:
        raise SchemaError(problems)
    return FrameData(frame, cols, found, labels, dict(sorted(missing.items())))


def study_labels(frame: pd.DataFrame, slab: str | Sequence | None) -> tuple[str, ...]:
    """One label per row: the `slab` column (or sequence), else a `study` column, else 1, 2, ... (as metafor);
    duplicates told apart as metafor's .make.unique does. A missing label is an error, as in metafor.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    slab : str or sequence, optional
        A column name, or one label per row; None: the ``study`` column when there is one, else 1, 2, ...

    Returns
    -------
    tuple of str
        One unique label per row (see :func:`label_text` and :func:`make_unique`).

    Raises
    ------
    SchemaError
        `slab` names a column the table lacks, or has not one label per row; a label is missing or blank.
    """
    n = len(frame)
    if slab is None:
        if "study" not in frame.columns:
            return tuple(str(i + 1) for i in range(n))
        slab = "study"
    if isinstance(slab, str):
        if slab not in frame.columns:
            raise SchemaError([CellProblem("slab=", None, slab, f"names a column the table does not have"
                                           f"{_hint(slab, [str(c) for c in frame.columns])}")])
        values, name = frame[slab].tolist(), slab
    else:
        values, name = list(slab), "slab"
        if len(values) != n:
            raise SchemaError([CellProblem("slab=", None, None, f"has {len(values)} labels for {n} rows")])
    labels, blank = [], []
    for i, v in enumerate(values):
        text = label_text(v)
        if text is None:
            blank.append(i)
        labels.append(text or "")
    if blank:
        rows = ", ".join(str(frame.index[i]) for i in blank[:20]) + (" ..." if len(blank) > 20 else "")
        raise SchemaError([CellProblem("data frame", None, name, f"{len(blank)} study label(s) missing (rows "
                                       f"{rows}); metafor refuses missing study labels too")])
    return tuple(make_unique(labels))


def label_text(v) -> str | None:
    """A cell as a label (a whole float without its ".0", as R prints it), None when it is missing or blank.

    Parameters
    ----------
    v : object
        The cell.

    Returns
    -------
    str or None
        The label (a str as it is, a whole float below 1e15 as an integer, anything else through ``str()``), or None
        for None, NA, NaT, NaN and blank text.
    """
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def make_unique(labels: Sequence[str]) -> list[str]:
    """metafor's .make.unique: one pass over the distinct labels in order of first appearance; each label that
    occurs more than once (at that point of the pass) gets .1, .2, ... in row order.

    Parameters
    ----------
    labels : sequence of str
        The labels, one per row.

    Returns
    -------
    list of str
        The labels, those that repeat suffixed ".1", ".2", ... in row order (a copy; unchanged when all are
        distinct).
    """
    x = list(labels)
    if len(set(x)) == len(x):
        return x
    for value in dict.fromkeys(labels):
        rows = [i for i, v in enumerate(x) if v == value]
        if len(rows) > 1:
            for j, i in enumerate(rows, start=1):
                x[i] = f"{value}.{j}"
    return x
