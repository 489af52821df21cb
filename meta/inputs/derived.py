"""Computed derivations (issue 16, item 3): `evsynth validate` recomputes every `derived` cell of an evidence base.

Every data number of a row (`quoted.CHECKED_NUMBERS`: the counts, means, SDs, estimates, CIs, p-values and
n_total) is written in the row's quote or computed in `derived` by a function of numbers that are: numbers in the
quote, other cells of the row, or cells of other rows (``@study_id.column``), each of them quoted or derived in
turn. The grammar is in `derived_grammar`, the functions in `derived_functions`; evidence/README.md ("Derived
numbers") documents both. `check_derivations` checks, for each row:

1. the cell parses (known function, number of arguments, columns, study_ids);
2. each number written in a derivation is in the row's quote;
3. the result, rounded to the decimals written in the target cell, equals the cell (a count exactly);
4. a referenced cell of another row is quoted or derived there; no derivation depends on itself (a cycle);
5. every data number of the row is in its quote or the target of a derivation.
"""
from __future__ import annotations

import re

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Sequence

from ..errors import CellProblem
from .derived_functions import FUNCTIONS, DerivationError, DerivedFunction, Value
from .derived_grammar import (SHOWN, TOO_LONG, Assignment, Blank, Cell, Direction, Number, Parsed, Reference,
                              parse_derived, written_decimal)
from .names import close_match
from .numbers import parse_number
from .quoted import CHECKED_NUMBERS, canon, numbers_in

COUNT_COLUMNS = ("events_t", "n_t", "events_c", "n_c", "events", "n", "n_total", "k")
_PERCENT = re.compile(r"\d*[.,·]?\d+\s*%")  # '29%', '7.6 %': a share, never a count of people
from .schema import COUNTS, REQUIRED_NUMBERS

if TYPE_CHECKING:
    from .evidence import EvidenceTable

__all__ = ["FUNCTIONS", "DerivedFunction", "DerivationError", "Assignment", "Parsed", "parse_derived",
           "check_derivations", "matches", "describe"]
HINTS = 50  # "did you mean" for the first unknown study_ids of a check only (difflib is slow on thousands)
CYCLE_SHOWN = 6  # cells of a cycle named in its message
FLOAT_TOLERANCE = 1e-12  # relative: floating-point noise in a conversion's result, never a reported digit
HELP = "(evidence/README.md, Derived numbers)"


@dataclass(frozen=True)
class _Row:
    """One row of the base, with what the checks need: where it is, its quote's numbers, its parsed derivations."""

    index: int
    file: str
    name: str  # the table's file name, for messages
    kind: str
    line: int
    row: dict[str, str]
    columns: tuple[str, ...]  # its table's data numbers
    shown: frozenset[str]     # numbers_in(quote)
    parsed: Parsed
    counted: frozenset[str] = frozenset()  # the quote's numbers that are not percentages ('29' of '(29%)' is no count)

    def shows(self, column: str, value: str) -> bool:
        """Whether the quote writes this cell's value (a count only as a number that is not a percentage)."""
        return canon(value) in (self.counted if column in COUNT_COLUMNS else self.shown)

    @property
    def study_id(self) -> str:
        return self.row.get("study_id", "").strip()

    def grounded(self, column: str) -> bool | None:
        """The cell is in the quote or derived; None when `derived` did not parse (its own error says so)."""
        if self.shows(column, self.row.get(column, "").strip()) or column in self.parsed.targets:
            return True
        return None if self.parsed.errors else False


class _Index:
    """The rows by study_id (the first of a duplicated one), and the "did you mean" hints left to give."""

    def __init__(self, rows: dict[str, _Row], complete: bool):
        self.rows = rows
        self.complete = complete  # every row of the base was read: an unknown study_id is an error
        self.hints = HINTS

    def get(self, study_id: str) -> _Row | None:
        return self.rows.get(study_id)

    def __contains__(self, study_id: str) -> bool:
        return study_id in self.rows

    def __getitem__(self, study_id: str) -> _Row:
        return self.rows[study_id]

    def hint(self) -> bool:
        self.hints -= 1
        return self.hints >= 0


class _ArgProblem(Exception):
    """An argument that cannot be used: `column` is where to report it (None: the target cell)."""

    def __init__(self, reason: str, column: str | None = None):
        super().__init__(reason)
        self.column = column


class _Skip(Exception):
    """An argument cell that is not a number: the table's own check reports it; nothing more to say here."""


def check_derivations(tables: Sequence["EvidenceTable"], complete: bool = True) -> list[CellProblem]:
    """Every problem of the `derived` cells, and every data number neither in its quote nor derived.

    Parameters
    ----------
    tables : sequence of EvidenceTable
        All the tables of the base (references ``@study_id.column`` reach across them).
    complete : bool, optional
        Every table and row of the base was read. When False (a table or rows were lost to a fault of the file,
        reported where it is), a reference to a study_id that no row read has is not reported: the lost row may be
        the one it names.

    Returns
    -------
    list of CellProblem
        In table and row order. The column is `derived` for a cell that does not parse (or names an unknown
        study_id or column), else the target cell of the derivation or the unquoted number; the reason says what
        was computed and what is written, or which argument is not in the quote.
    """
    rows = _rows(tables)
    by_id = _Index({}, complete)
    for r in rows:
        by_id.rows.setdefault(r.study_id, r)
    cyclic, cycles = _cycles(rows, by_id)
    problems: list[CellProblem] = []
    for r in rows:
        problems.extend(_row_problems(r, by_id, cyclic, cycles.get(r.index, [])))
    return problems


def _rows(tables: Sequence["EvidenceTable"]) -> list[_Row]:
    out: list[_Row] = []
    for t in tables:
        numeric = tuple(c for c in CHECKED_NUMBERS if c in t.header)
        for row, line in zip(t.rows, t.lines):
            parsed = parse_derived(row.get("derived", ""), numeric)
            quote = row.get("quote", "")
            out.append(_Row(len(out), str(t.path), t.name, t.kind, line, row, numeric, frozenset(numbers_in(quote)),
                            parsed, frozenset(numbers_in(_PERCENT.sub(" ", quote)))))
    return out


def _row_problems(r: _Row, by_id: _Index, cyclic: set, cycles: list[CellProblem]) -> list[CellProblem]:
    out = []
    uncovered = [(c, v) for c in r.columns if (v := r.row.get(c, "").strip()) and _finite(v)
                 and not r.shows(c, v) and c not in r.parsed.targets]
    if r.parsed.errors:
        first, *rest = r.parsed.errors
        if uncovered:
            first += " (not in the quote: " + ", ".join(f"{c} = {v}" for c, v in uncovered) + ")"
        elif r.parsed.prose:
            first += " (every number of the row is in its quote: move the text to notes)"
        out += [CellProblem(r.file, r.line, "derived", e) for e in (first, *rest)]
    out += cycles
    for a in r.parsed.assignments:
        if (r.index, a.target) not in cyclic:
            out += _check_assignment(r, a, by_id)
    if not r.parsed.errors:
        out += [CellProblem(r.file, r.line, c, f"{v} is not in the row's quote and `derived` does not compute it: "
                            f"quote the sentence that holds it, or write `{c} = function(...)` in derived {HELP}")
                for c, v in uncovered]
    return out


def _finite(text: str) -> bool:
    x = parse_number(text)
    return x is not None and x == x


def _check_assignment(r: _Row, a: Assignment, by_id: _Index) -> list[CellProblem]:
    """The problems of one derivation: its arguments, its computation, and its result against the cell."""
    values, unquoted, problems = [], [], []
    for arg in a.args:
        try:
            values.append(_resolve(r, arg, by_id))
        except _Skip:
            return []
        except _ArgProblem as exc:
            p = CellProblem(r.file, r.line, exc.column or a.target, f"{a.text}: {exc}")
            if p not in problems:  # sum(@x.n_t, @x.n_c) with no row x: one message
                problems.append(p)
        if isinstance(arg, Number) and canon(arg.text) not in r.shown:
            unquoted.append(arg.text)
    if unquoted:
        what = " and ".join(unquoted) + (" are" if len(unquoted) > 1 else " is")
        problems.append(CellProblem(r.file, r.line, a.target, f"{a.text}: {what} not in the row's quote"))
    if problems:
        return problems
    try:
        result = FUNCTIONS[a.function].compute(tuple(values), r.row.get("quote", ""))
    except DerivationError as exc:
        return [CellProblem(r.file, r.line, a.target, f"{a.text}: {exc}")]
    written = r.row.get(a.target, "").strip()
    x = parse_number(written)
    if x is None:
        if a.target in REQUIRED_NUMBERS.get(r.kind, ()):
            return []  # the table's own check says it is empty
        return [CellProblem(r.file, r.line, a.target, f"{a.text} gives {describe(result, None)}; the cell is "
                            "empty: write the value")]
    if x != x:
        return []
    if written_decimal(written) is None:
        return [CellProblem(r.file, r.line, a.target, f"{written[:SHOWN]} {TOO_LONG}")]
    if matches(result, written, a.target in COUNTS):
        return []
    decimals = 0 if a.target in COUNTS else _decimals(written)
    return [CellProblem(r.file, r.line, a.target, f"{a.text} gives {describe(result, decimals)}; the cell says "
                        f"{written}" + (" (a count must be exact)" if a.target in COUNTS else ""))]


def _resolve(r: _Row, arg, by_id: _Index):
    """An argument's value: a Decimal (as written, precision kept), a direction (+1/-1), or None for `_`."""
    if isinstance(arg, Number):
        return arg.value
    if isinstance(arg, Direction):
        return arg.sign
    if isinstance(arg, Blank):
        return None
    if isinstance(arg, Cell):
        return _cell_value(r, arg.column, arg.column)
    other = by_id.get(arg.study_id)
    name = f"@{arg.study_id}.{arg.column}"
    if other is None and not by_id.complete:
        raise _Skip  # the row may be one the reading lost; that fault is reported where it is
    if other is None:
        hint = close_match(arg.study_id, by_id.rows) if by_id.hint() else []
        raise _ArgProblem(f"no row has study_id {arg.study_id!r}" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                          "derived")
    if arg.column not in other.columns:
        raise _ArgProblem(f"{arg.study_id} is a row of {other.name}, which has no {arg.column} column", "derived")
    value = _cell_value(other, arg.column, f"{name} ({other.name}, line {other.line})")
    if other.grounded(arg.column) is False:
        raise _ArgProblem(f"{name} = {other.row[arg.column].strip()} ({other.name}, line {other.line}) is neither "
                          "in its row's quote nor derived there")
    return value


def _cell_value(r: _Row, column: str, name: str) -> Decimal:
    text = r.row.get(column, "").strip()
    x = parse_number(text)
    if x is None:
        raise _ArgProblem(f"{name} is empty")
    if x != x:
        raise _Skip
    value = written_decimal(text)
    if value is None:
        raise _ArgProblem(f"{name} = {text[:SHOWN]} {TOO_LONG}")
    return value


def _decimals(text: str) -> int:
    return max(0, -Decimal(text).as_tuple().exponent)


def matches(result: Value, written: str, whole: bool) -> bool:
    """Whether a derivation's result, rounded to the decimals written in the cell, equals the cell.

    Parameters
    ----------
    result : Fraction or float
        The derivation's result: a Fraction when it is exact, a float from a conversion.
    written : str
        The cell as written ("35.00": two decimals); a plain decimal number that `written_decimal` accepts.
    whole : bool
        The cell is a count: it must equal the result exactly (up to floating-point noise for a float result).

    Returns
    -------
    bool
        True when ``|result - written|`` is at most half a unit of the cell's last decimal (so a tie rounds either
        way), with FLOAT_TOLERANCE of the result's size added for a float; for a count, when they are equal.
    """
    w = Fraction(Decimal(written))
    if isinstance(result, Fraction):
        half = Fraction(0) if whole else Fraction(1, 2 * 10 ** _decimals(written))
        return abs(result - w) <= half
    half = 0.0 if whole else 0.5 * 10.0 ** -_decimals(written)
    return abs(result - float(w)) <= half + FLOAT_TOLERANCE * max(1.0, abs(result))


def describe(result: Value, decimals: int | None) -> str:
    """A derivation's result for a message: rounded to the cell's decimals, with more digits when that hides some.

    Parameters
    ----------
    result : Fraction or float
        The result.
    decimals : int or None
        The decimals written in the cell; None when the cell is empty (then up to 6 significant digits).

    Returns
    -------
    str
        For example '30', '35.00 (34.9963)'.
    """
    exact = Decimal(result.numerator) / Decimal(result.denominator) if isinstance(result, Fraction) \
        else Decimal(repr(float(result)))
    full = f"{float(result):.6g}"
    if decimals is None:
        return str(int(result)) if isinstance(result, Fraction) and result.denominator == 1 else full
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return str(rounded) if rounded == exact else f"{rounded} ({full})"


def _cycles(rows: list[_Row], by_id: _Index) -> tuple[set, dict[int, list[CellProblem]]]:
    """The derived cells that depend on themselves, and one problem per cycle, at its first cell in file order."""
    nodes: dict[tuple[int, str], tuple[_Row, Assignment, list[tuple[int, str]]]] = {}
    for r in rows:
        for a in r.parsed.assignments:
            deps = [(r.index, x.column) if isinstance(x, Cell) else (by_id[x.study_id].index, x.column)
                    for x in a.args if isinstance(x, Cell) or (isinstance(x, Reference) and x.study_id in by_id)]
            nodes[(r.index, a.target)] = (r, a, deps)
    order = {node: i for i, node in enumerate(nodes)}  # file order, then as written in the row
    state: dict[tuple[int, str], int] = {}  # 1: on the current path, 2: done
    cyclic: set = set()
    reports: dict[int, list[CellProblem]] = {}
    for start in nodes:
        if start in state:
            continue
        path, stack = [start], [iter(nodes[start][2])]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif nxt in nodes and state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                if not cyclic.intersection(cycle):
                    _report_cycle(cycle, nodes, order, reports)
                cyclic.update(cycle)
            elif nxt in nodes and nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(nodes[nxt][2]))
    return cyclic, reports


def _report_cycle(cycle: list, nodes: dict, order: dict, reports: dict[int, list[CellProblem]]) -> None:
    first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    cycle = cycle[first:] + cycle[:first]
    names = [f"{nodes[node][0].study_id}.{node[1]}" for node in cycle[:CYCLE_SHOWN]]
    if len(cycle) > CYCLE_SHOWN:
        names.append(f"... ({len(cycle)} cells in all)")
    r, a, _ = nodes[cycle[0]]
    reports.setdefault(r.index, []).append(CellProblem(
        r.file, r.line, a.target, f"{a.text}: a circular derivation ({' -> '.join(names + names[:1])}): one of "
        "these cells must be in its quote"))
