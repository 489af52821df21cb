"""Numbers and units as a report reads them: one place for the words the report, `evsynth check` and the figures use.

P-values as "P < 0.001" / "P = 0.03" (engine.text.p_report), durations in the unit a reader expects (weeks up to
half a year, months up to two years, years beyond), units with their symbols (µg/day), counts with their noun in the
right number ("1 trial", "3 trials"), and the names of a verdict's numbers in words, never as keys.
"""
from __future__ import annotations

import math

from ..engine.text import p_report

UNITS = {"ug/day": "µg/day", "ug": "µg", "mcg/day": "µg/day", "ug/kg/day": "µg/kg/day"}
NUMBER_WORDS = {
    "k": "studies", "trials": "trials", "estimate": "estimate", "ci_low": "95% CI from", "ci_high": "to",
    "i2": "I²", "certainty": "certainty", "sign_test_p": "sign test", "favour_intervention": "favouring the intervention",
    "favour_control": "favouring the control",
}


def unit_text(unit: str) -> str:
    """A dose unit with its symbol: "ug/day" -> "µg/day"; others as given.

    Parameters
    ----------
    unit : str
        The unit as the tables write it.

    Returns
    -------
    str
    """
    return UNITS.get(unit, unit)


def number(x, sig: int = 3) -> str:
    """A number with `sig` significant digits, never in exponent form: 3.45, 0.282, 42.2, 1.00, 0.0031; whole
    numbers of 1000 or more without decimals (1234); "—" when there is none (None, NaN, infinite).

    Parameters
    ----------
    x : float or None
        The number.
    sig : int
        Significant digits.

    Returns
    -------
    str
    """
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0" if sig <= 1 else "0." + "0" * (sig - 1)
    a = abs(x)
    if a >= 10 ** (sig - 1):
        return f"{x:.0f}"
    decimals = sig - 1 - math.floor(math.log10(a))
    text = f"{x:.{decimals}f}"
    if abs(float(text)) >= 10 ** (sig - decimals):  # rounding carried a digit (9.996 -> 10.00): one decimal fewer
        text = f"{x:.{max(decimals - 1, 0)}f}"
    return text


def interval(estimate, low, high, sig: int = 3) -> str:
    """An estimate with its confidence interval: "3.45 (0.282 to 42.2)"; "—" for a missing estimate.

    Parameters
    ----------
    estimate, low, high : float or None
        The estimate and the interval's ends.
    sig : int
        Significant digits of each.

    Returns
    -------
    str
    """
    if number(estimate) == "—":
        return "—"
    if number(low) == "—" or number(high) == "—":
        return number(estimate, sig)
    return f"{number(estimate, sig)} ({number(low, sig)} to {number(high, sig)})"


def percent(x, denominator: float | None = None, decimals: int | None = None) -> str:
    """A proportion as a percentage: "95%", "9.5%", "0.4%", with its denominator when given ("12% of 230").

    Parameters
    ----------
    x : float or None
        A proportion, 0-1.
    denominator : float, optional
        The number of participants it is a share of.
    decimals : int, optional
        Decimals (default: none from 10% up, one below).

    Returns
    -------
    str
        "—" when there is no proportion.
    """
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "—"
    d = decimals if decimals is not None else (0 if abs(x) >= 0.1 else 1)
    text = f"{100 * x:.{d}f}%"
    if denominator is not None and isinstance(denominator, (int, float)) and math.isfinite(denominator):
        text += f" of {denominator:.0f}"
    return text


def p_text(p) -> str:
    """A p-value as every output shows it: "P < 0.001", "P = 0.003", "P = 0.24"; "—" when there is none.

    Parameters
    ----------
    p : float or None

    Returns
    -------
    str
    """
    if p is None or not isinstance(p, (int, float)) or p != p:
        return "—"
    return p_report(p)


def _g(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def duration_text(low: float, high: float | None = None) -> str:
    """A follow-up or treatment length (in weeks) in one unit a reader expects: weeks up to 26, months up to 104
    weeks (52/12 weeks a month), years beyond (52 weeks a year), with at most one decimal.

    Parameters
    ----------
    low : float
        The shortest, in weeks.
    high : float, optional
        The longest, in weeks (a range "low to high"); None or equal to low for one value.

    Returns
    -------
    str
        "12 weeks", "12 to 16 weeks", "12 to 36 months", "1 to 5.2 years".
    """
    high = low if high is None else high
    if high <= 26:
        scale, unit, digits = 1.0, "weeks", 1
    elif high <= 104:
        scale, unit, digits = 12 / 52, "months", 0
    else:
        scale, unit, digits = 1 / 52, "years", 1
    a, b = _g(low * scale, digits), _g(high * scale, digits)
    if a == b:
        singular = {"weeks": "week", "months": "month", "years": "year"}[unit]
        return f"{a} {singular if a == '1' else unit}"
    return f"{a} to {b} {unit}"


def count_text(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 trial", "3 trials".

    Parameters
    ----------
    n : int
        The count.
    noun : str
        The singular noun.
    plural : str, optional
        The plural, when not noun + "s".

    Returns
    -------
    str
    """
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def numbers_text(numbers: dict) -> str:
    """A verdict's numbers as a reader reads them: "8 trials; 5 favouring the intervention; sign test P = 0.06".

    Parameters
    ----------
    numbers : dict
        The verdict's numbers (keys of NUMBER_WORDS are shown; others are not).

    Returns
    -------
    str
        The parts joined by "; "; a number that is missing (None, NaN) is left out.
    """
    parts = []
    n = {k: v for k, v in numbers.items() if v is not None and v == v}
    if "k" in n:
        parts.append(count_text(int(n["k"]), "study", "studies"))
    if "trials" in n:
        parts.append(count_text(int(n["trials"]), "trial"))
    if "estimate" in n:
        ci = f" (95% CI {number(n['ci_low'])} to {number(n['ci_high'])})" if "ci_low" in n and "ci_high" in n else ""
        parts.append(f"estimate {number(n['estimate'])}{ci}")
    if "i2" in n:
        parts.append(f"I² = {n['i2']:.0f}%")
    for key in ("favour_intervention", "favour_control"):
        if key in n:
            parts.append(f"{int(n[key])} {NUMBER_WORDS[key]}")
    if "sign_test_p" in n:
        parts.append(f"sign test {p_report(n['sign_test_p'])}")
    if "certainty" in n:
        parts.append(f"certainty: {str(n['certainty']).lower()}")
    return "; ".join(parts)
