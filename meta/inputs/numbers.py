"""The one parser of numbers in evidence files: plain ASCII decimals ("12", "0.5", ".5", "1e-3"), nothing else
("3_0", Arabic-Indic or full-width digits, "inf", "nan" are not numbers in a table)."""
from __future__ import annotations

import math
import re

NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_number(text: str) -> float | None:
    """None for an empty cell; NaN for a cell that is not a finite number (the caller reports it).

    Parameters
    ----------
    text : str
        The cell (None counts as empty); surrounding whitespace is ignored.

    Returns
    -------
    float or None
        The number; NaN when the cell is not a plain ASCII decimal or is not finite (1e999); None when it is empty.
    """
    t = (text or "").strip()
    if t == "":
        return None
    if not NUMBER.fullmatch(t):
        return math.nan
    x = float(t)
    return x if math.isfinite(x) else math.nan


def cell_number(text) -> float:
    """A cell as a number, NaN when it is empty or not a number (for cells already validated).

    Parameters
    ----------
    text : object
        The cell: a str, None, or anything else (read through ``str()``).

    Returns
    -------
    float
        The number, or NaN.
    """
    x = parse_number(text if isinstance(text, str) else ("" if text is None else str(text)))
    return math.nan if x is None else x
