"""Argument checks for the conversions: every bad argument is collected, then all are raised at once.

Each problem is a `CellProblem` whose `file` is the argument's name (the CLI renames it to the option typed, and
meta/inputs/derived.py to the cell), so one message names every bad value. Pure Python: the conversions run inside
`evsynth validate`, which must not load numpy or scipy.
"""
from __future__ import annotations

import math

from ..errors import CellProblem, SchemaError


class ArgumentChecks:
    """Collects one problem per bad argument; `done()` raises them all as one `SchemaError`."""

    def __init__(self):
        self.problems: list[CellProblem] = []

    def bad(self, name: str, reason: str) -> None:
        """Record a problem with argument `name`.

        Parameters
        ----------
        name : str
            The argument's name.
        reason : str
            What is wrong with it.
        """
        self.problems.append(CellProblem(name, None, None, reason))

    def number(self, name: str, x, low: float | None = None, high: float | None = None, low_open: bool = False,
               high_open: bool = False, integer: bool = False) -> float | int | None:
        """A finite number within the bounds given.

        Parameters
        ----------
        name : str
            The argument's name, for the message.
        x : object
            The value as given (a number, or text that reads as one).
        low, high : float, optional
            Bounds; closed unless `low_open` / `high_open`.
        low_open, high_open : bool
            Exclude the bound itself.
        integer : bool
            The value must be whole; it is then returned as an int.

        Returns
        -------
        float, int or None
            The value, or None (with a problem recorded) when it is bad.
        """
        try:
            v = float(x)
        except (TypeError, ValueError):
            self.bad(name, f"{x!r} is not a number")
            return None
        if not math.isfinite(v):
            self.bad(name, f"{v} is not a finite number")
            return None
        if integer and not v.is_integer():
            self.bad(name, f"{v:g} is not a whole number")
            return None
        if low is not None and (v <= low if low_open else v < low):
            self.bad(name, f"{v:g} must be {'>' if low_open else '>='} {low:g}")
            return None
        if high is not None and (v >= high if high_open else v > high):
            self.bad(name, f"{v:g} must be {'<' if high_open else '<='} {high:g}")
            return None
        return int(v) if integer else v

    def direction(self, name: str, d) -> int | None:
        """A direction: +1 or -1.

        Parameters
        ----------
        name : str
            The argument's name.
        d : object
            The value as given.

        Returns
        -------
        int or None
            +1 or -1, or None (with a problem recorded) for anything else.
        """
        if d not in (1, -1, 1.0, -1.0):
            self.bad(name, f"{d!r} must be +1 or -1")
            return None
        return int(d)

    def one_of(self, names_values: dict[str, object]) -> str | None:
        """The name of the one argument given (not None) among several alternatives.

        Parameters
        ----------
        names_values : dict of str to object
            The alternatives, in order, with their values. When none or several are given, the problem is recorded
            under the first name.

        Returns
        -------
        str or None
            The name of the one given, or None (with a problem recorded) when none or several are.
        """
        given = [k for k, v in names_values.items() if v is not None]
        if len(given) == 1:
            return given[0]
        names = list(names_values)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}"
        self.bad(names[0], f"give exactly one of {listed}" + (f" (got {', '.join(given)})" if given else ""))
        return None

    def done(self) -> None:
        """Raise every recorded problem at once.

        Raises
        ------
        SchemaError
            One or more problems were recorded.
        """
        if self.problems:
            raise SchemaError(self.problems)
