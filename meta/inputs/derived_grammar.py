"""The grammar of a `derived` cell: parse it into typed assignments (issue 16, item 3).

    derived    := assignment ( ";" assignment )*          spaces anywhere; an empty cell derives nothing
    assignment := COLUMN "=" FUNCTION "(" [ arg ( "," arg )* ] ")"
    arg        := NUMBER | COLUMN | "@" STUDY_ID "." COLUMN | "+1" | "-1" (a direction) | "_" (not reported)

A NUMBER is a plain decimal (meta/inputs/numbers.py), with an optional sign. Which of the forms an argument may
take follows from the function's parameter: a direction parameter takes only +1 or -1, an optional one also `_`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Collection, Union

from .derived_functions import FUNCTIONS, Param
from .names import close_match
from .numbers import NUMBER
from .quoted import CHECKED_NUMBERS

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(rf"\s*({_NAME})\s*=\s*({_NAME})\s*\(([^()]*)\)\s*")
_REFERENCE = re.compile(rf"@(\S+)\.({_NAME})")
EXAMPLE = "events_t = percent_of(71, 42)"
SHOWN = 60  # characters of a bad piece quoted in a message
MAX_DIGITS = 30  # a number with more digits, or a larger exponent, is no printed statistic (and 1e-999999999 as an
MAX_EXPONENT = 12  # exact fraction would take the memory of a billion digits)


@dataclass(frozen=True)
class Number:
    """A number written in the derivation; it must be in the row's quote (its sign aside)."""

    text: str
    value: Decimal


@dataclass(frozen=True)
class Cell:
    """Another cell of the same row."""

    column: str


@dataclass(frozen=True)
class Reference:
    """A cell of another row of the base, by its study_id: ``@study_id.column``."""

    study_id: str
    column: str


@dataclass(frozen=True)
class Direction:
    """The direction of an effect: +1 or -1."""

    sign: int


@dataclass(frozen=True)
class Blank:
    """``_``: a value the source does not report (an optional parameter)."""


Argument = Union[Number, Cell, Reference, Direction, Blank]


@dataclass(frozen=True)
class Assignment:
    """``target = function(args)``: the cell `target` is computed by `function` from `args`."""

    target: str
    function: str
    args: tuple[Argument, ...]
    text: str  # as written, spaces normalised: for messages


@dataclass(frozen=True)
class Parsed:
    """A `derived` cell, parsed: the assignments that parse, and why the others do not."""

    assignments: tuple[Assignment, ...]
    errors: tuple[str, ...]
    prose: bool = False  # the cell is not `column = function(...)` at all

    @property
    def targets(self) -> frozenset[str]:
        """The columns the assignments compute.

        Returns
        -------
        frozenset of str
        """
        return frozenset(a.target for a in self.assignments)


def parse_derived(text: str, columns: Collection[str]) -> Parsed:
    """Parse a `derived` cell into typed assignments.

    Parameters
    ----------
    text : str
        The cell ('' or spaces: nothing derived).
    columns : collection of str
        The numeric columns of the row's table: the targets and same-row arguments allowed.

    Returns
    -------
    Parsed
        The assignments that parse, and one reason for each part that does not (text that is not
        ``column = function(...)`` at all, as prose, gives one reason for the whole cell).
    """
    pieces = [p for p in text.split(";") if p.strip()]
    if not pieces:
        return Parsed((), ())
    matches = [_ASSIGNMENT.fullmatch(p) for p in pieces]
    bad = [p for p, m in zip(pieces, matches) if m is None]
    if bad:
        shown = " ".join(bad[0].split())
        shown = shown if len(shown) <= SHOWN else shown[:SHOWN] + "..."
        return Parsed((), (f"derived must be `column = function(arguments)`, separated by ';' (e.g. {EXAMPLE}); "
                           f"explain in notes. Not an assignment: {shown!r}",), True)
    assignments, errors, seen = [], [], set()
    for m in matches:
        target, name, inner = m.group(1), m.group(2), m.group(3)
        where = f"{target} = {name}(...)"
        problems = []
        if target not in columns:
            problems.append(_unknown_column(target, columns))
        elif target in seen:
            problems.append(f"{target} is computed twice")
        seen.add(target)
        fn = FUNCTIONS.get(name)
        if fn is None:
            hint = close_match(name, FUNCTIONS)
            errors.append(f"{where}: unknown function {name!r}" + (f"; did you mean '{hint[0]}'?" if hint else
                                                                     f" (known: {', '.join(FUNCTIONS)})"))
            continue
        raw = [a.strip() for a in inner.split(",")] if inner.strip() else []
        params = _params_for(fn.params, fn.variadic, len(raw))
        if params is None:
            want = f"at least {len(fn.params)}" if fn.variadic else str(len(fn.params))
            problems.append(f"{fn.signature} takes {want} argument(s), got {len(raw)}")
            params = ()
        args = []
        for i, (a, p) in enumerate(zip(raw, params)):
            arg = _argument(a, p, columns, f"argument {i + 1} ({p.name})")
            if isinstance(arg, str):
                problems.append(arg)
            else:
                args.append(arg)
        if problems:
            errors.extend(f"{where}: {p}" for p in problems)
        else:
            text_ = f"{target} = {name}({', '.join(raw)})"
            assignments.append(Assignment(target, name, tuple(args), text_))
    return Parsed(tuple(assignments), tuple(errors))


TOO_LONG = f"has more digits than a report prints (at most {MAX_DIGITS}, exponent -{MAX_DIGITS} to {MAX_EXPONENT})"


def written_decimal(text: str) -> Decimal | None:
    """A plain decimal number (meta/inputs/numbers.py's NUMBER) as an exact Decimal that keeps its written precision.

    Parameters
    ----------
    text : str
        The number as written ("35.00", "-2.1", "1e-3"); surrounding spaces are ignored.

    Returns
    -------
    Decimal or None
        The number (Decimal("35.00") has two decimals); None when it is not a plain decimal, or has more than
        MAX_DIGITS digits or an exponent outside -MAX_DIGITS to MAX_EXPONENT.
    """
    t = text.strip()
    if not NUMBER.fullmatch(t):
        return None
    d = Decimal(t)
    sign, digits, exponent = d.as_tuple()
    if len(digits) > MAX_DIGITS or not -MAX_DIGITS <= exponent <= MAX_EXPONENT:
        return None
    return d


def _params_for(params: tuple[Param, ...], variadic: bool, n: int) -> tuple[Param, ...] | None:
    """The parameter each of `n` arguments binds to, or None when `n` is the wrong number of arguments."""
    if variadic and n >= len(params):
        return params + (params[-1],) * (n - len(params))
    return params if n == len(params) else None


def _argument(text: str, param: Param, columns: Collection[str], label: str) -> Argument | str:
    """One argument for `param`, or why it cannot be one (`label` names it in the reason)."""
    if param.kind == "direction":
        if text in ("+1", "-1"):
            return Direction(int(text))
        return f"{label}: a direction must be +1 or -1, not {text!r}"
    if text == "_":
        if param.kind == "optional":
            return Blank()
        return f"{label} cannot be `_` (not reported): it is needed"
    if text == "":
        return f"{label} is empty"
    if NUMBER.fullmatch(text):
        value = written_decimal(text)
        return Number(text, value) if value is not None else f"{label}: {text[:SHOWN]!r} {TOO_LONG}"
    m = _REFERENCE.fullmatch(text)
    if m:
        if m.group(2) not in CHECKED_NUMBERS:
            return _unknown_column(m.group(2), CHECKED_NUMBERS, f"in {text!r}")
        return Reference(m.group(1), m.group(2))
    if re.fullmatch(_NAME, text):
        return Cell(text) if text in columns else _unknown_column(text, columns)
    return (f"{label}: {text[:SHOWN]!r} is not a number, a column, @study_id.column"
            + (", _" if param.kind == "optional" else ""))


def _unknown_column(name: str, columns: Collection[str], where: str = "") -> str:
    hint = close_match(name, columns)
    return (f"unknown column {name!r}{' ' + where if where else ''}" +
            (f"; did you mean '{hint[0]}'?" if hint else f" (the numbers of this table: {', '.join(columns)})"))
