"""What a row's quote states: the numbers written in it (as digits or words), and whether it says there were none.

The provenance rule of an evidence base is that every number of a row is in its quote or computed (by a derivation
in `derived`, meta/inputs/derived.py) from numbers that are. This module reads the quote's side of that rule.
"""
from __future__ import annotations

import re

# numbers whose value must be visible in the row's quote unless `derived` computes them
QUOTED_NUMBERS = ("events_t", "n_t", "events_c", "n_c", "events", "n", "mean_t", "sd_t", "mean_c", "sd_c",
                  "mean_pre", "sd_pre", "mean_post", "sd_post", "estimate", "ci_low", "ci_high", "se", "p", "i2",
                  "k", "low", "high")
CHECKED_NUMBERS = QUOTED_NUMBERS + ("n_total",)  # every data number of a row: quoted or derived

_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                      "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
_WORD = re.compile(r"\b(" + "|".join(sorted([*_TENS, *_UNITS], key=len, reverse=True)) +
                   r")(?:[- ](" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"))?\b", re.IGNORECASE)
# a quote that says there were none: "no adverse events", "none", "zero", "neither ... nor", "without", "did not"
_NONE = re.compile(r"\b(no|none|zero|nor|neither|without|never|nobody|nil)\b"
                   r"|\b(did|does|do|was|were|is|are|had|has|have|could)(\s+not\b|n't\b)", re.IGNORECASE)


def numbers_in(text: str) -> set[str]:
    """The numbers a sentence states, canonical: digits ('0.50', '.5', '1·5', '12%') and words ('Twenty-eight').

    Parameters
    ----------
    text : str
        The sentence (a row's quote).

    Returns
    -------
    set of str
        Each number as its absolute value's ``repr(float)`` ('0.5', '28.0'); signs are dropped, a decimal comma
        ('0,5') reads as a point, and a grouped number ('1,128') gives both 1128.0 and, read as a decimal comma,
        1.128.
    """
    t = text.replace("·", ".").replace("\u2212", "-")
    found = {canon(m) for m in re.findall(r"\d*[.,]?\d+", t)}
    found |= {canon(m.replace(",", "")) for m in re.findall(r"\d{1,3}(?:,\d{3})+", t)}  # 1,128 people
    for m in _WORD.finditer(t):
        first, second = m.group(1).lower(), (m.group(2) or "").lower()
        value = _TENS.get(first, _UNITS.get(first, 0))
        if second and first in _TENS:
            value += _UNITS[second]
        elif second:
            found.add(str(float(_UNITS[second])))
        found.add(repr(float(value)))
    return found


def canon(text: str) -> str:
    """A number as `numbers_in` lists it: '0.50', '.5' and '0,5' give '0.5'; '12' and '12.0' give '12.0'.

    Parameters
    ----------
    text : str
        The number as written (a cell or a literal); a sign is dropped.

    Returns
    -------
    str
        ``repr(abs(float(text)))``, or `text` itself (without its sign) when it is not a number.
    """
    t = text.replace(",", ".").lstrip("+-")
    try:
        x = float(t)
    except ValueError:
        return t
    return repr(abs(x))


def in_quote(value: str, quote: str, shown: set[str] | None = None) -> bool:
    """Whether the number `value` is written in `quote` (signs ignored).

    Parameters
    ----------
    value : str
        The number as written in a cell or a derivation.
    quote : str
        The row's quote.
    shown : set of str, optional
        ``numbers_in(quote)``, when the caller has it already.

    Returns
    -------
    bool
    """
    return canon(value.strip()) in (numbers_in(quote) if shown is None else shown)


def states_none(quote: str) -> bool:
    """Whether a quote says that there were none (no, none, zero, nor, neither, without, never, did not ...).

    Parameters
    ----------
    quote : str
        The row's quote.

    Returns
    -------
    bool
    """
    return _NONE.search(quote) is not None
