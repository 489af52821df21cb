"""The arguments of the public functions, as metafor users write them, checked and turned into the engine's
types; a bad one is an AnalysisError naming the argument and the choices (never a bare ValueError)."""
from __future__ import annotations

import math
import sys
import warnings

from ..engine.choices import Measure, Method, PredictionType, Test, ZeroTo
from ..engine.model import ZeroCells
from ..errors import AnalysisError, MissingDataWarning

# metafor's names for the fixed-effect model: "FE" (fixed), "EE" (equal) and "CE" (common) fit the same model
METHOD_ALIASES = {"EE": "FE", "CE": "FE"}


def _choice(what: str, value, choices: list[str]) -> AnalysisError:
    return AnalysisError(f"{what}={value!r} is not one of {', '.join(choices)}")


def measure_of(measure) -> Measure | None:
    """The effect measure a user names (case-insensitive), as the engine's enumeration.

    Parameters
    ----------
    measure : str, Measure or None
        The measure's name.

    Returns
    -------
    Measure or None
        None when `measure` is None.

    Raises
    ------
    AnalysisError
        An unknown measure (the message lists the choices).
    """
    if measure is None:
        return None
    if isinstance(measure, Measure):
        return measure
    try:
        return Measure(str(measure).upper())
    except ValueError:
        raise _choice("measure", measure, [m.value for m in Measure]) from None


def method_of(method, allow_counts: bool = False) -> Method:
    """The estimation method a user names (case-insensitive; metafor's "EE" and "CE" are "FE").

    Parameters
    ----------
    method : str or Method
        The method's name.
    allow_counts : bool
        Whether MH and PETO are accepted (rma_mh() and rma_peto() pass True).

    Returns
    -------
    Method

    Raises
    ------
    AnalysisError
        An unknown method; MH or PETO without `allow_counts`.
    """
    text = str(method.value if isinstance(method, Method) else method).upper()
    text = METHOD_ALIASES.get(text, text)
    try:
        m = Method(text)
    except ValueError:
        shown = [m.value for m in Method if m not in (Method.MH, Method.PETO)] + ["EE", "CE"]
        raise _choice("method", method, shown) from None
    if m in (Method.MH, Method.PETO) and not allow_counts:
        raise AnalysisError(f"method={method!r}: use rma_mh() or rma_peto(), as in metafor (rma.mh, rma.peto)")
    return m


def test_of(test) -> Test:
    """The test a user names (case-insensitive), as the engine's enumeration.

    Parameters
    ----------
    test : str or Test
        "z", "knha" or "adhoc".

    Returns
    -------
    Test

    Raises
    ------
    AnalysisError
        An unknown test.
    """
    try:
        return Test(str(test.value if isinstance(test, Test) else test).lower())
    except ValueError:
        raise _choice("test", test, [t.value for t in Test]) from None


def pi_type_of(pi_type) -> PredictionType:
    """The prediction interval type a user names (case-insensitive), as the engine's enumeration.

    Parameters
    ----------
    pi_type : str or PredictionType
        "metafor" or "higgins".

    Returns
    -------
    PredictionType

    Raises
    ------
    AnalysisError
        An unknown type.
    """
    try:
        return PredictionType(str(pi_type.value if isinstance(pi_type, PredictionType) else pi_type).lower())
    except ValueError:
        raise _choice("pi_type", pi_type, [p.value for p in PredictionType]) from None


def level_of(level) -> float:
    """metafor's `level`: a percentage (95), or a proportion (0.95) when below 1; returned as a proportion.

    Parameters
    ----------
    level : float
        A percentage in (1, 100), or a proportion in (0, 1); exactly 1 is refused as ambiguous.

    Returns
    -------
    float
        The level as a proportion (0.95).

    Raises
    ------
    AnalysisError
        Not a number, not finite, 0 or below, 100 or above, or 1.
    """
    try:
        x = float(level)
    except (TypeError, ValueError):
        raise AnalysisError(f"level={level!r} is not a number") from None
    if not math.isfinite(x) or not 0 < x < 100 or x == 1:
        raise AnalysisError(f"level={level!r}: give a percentage in (0, 100), such as 95, or a proportion below 1")
    return x / 100 if x > 1 else x


def zero_cells_of(add, to, drop00) -> ZeroCells:
    """metafor's zero-cell arguments, checked, as a ZeroCells.

    Parameters
    ----------
    add : float, optional
        The amount added to the cells, in [0, 1e6] (None: 0.5, or 0 for PAS and PFT).
    to : str or ZeroTo
        "only0", "all", "if0all" or "none" (case-insensitive).
    drop00 : bool, optional
        Whether double-zero studies get no effect size (None: the method's default).

    Returns
    -------
    ZeroCells

    Raises
    ------
    AnalysisError
        `add` not a number or outside [0, 1e6]; an unknown `to`; `drop00` neither a bool nor None.
    """
    if add is not None:
        try:
            add = float(add)
        except (TypeError, ValueError):
            raise AnalysisError(f"add={add!r} is not a number") from None
        if not math.isfinite(add) or not 0 <= add <= 1e6:
            raise AnalysisError(f"add={add!r}: the zero-cell correction must lie in [0, 1e6]")
    try:
        to_e = ZeroTo(str(to.value if isinstance(to, ZeroTo) else to).lower())
    except ValueError:
        raise _choice("to", to, [z.value for z in ZeroTo]) from None
    if drop00 is not None and not isinstance(drop00, bool):
        raise AnalysisError(f"drop00={drop00!r}: True, False or None (the method's default)")
    return ZeroCells(add, to_e, drop00)


def na_of(na) -> str:
    """The missing-value rule a user names: "omit" or "fail" (metafor's "na.omit" and "na.fail" too; case-insensitive).

    Parameters
    ----------
    na : str
        The rule.

    Returns
    -------
    str
        "omit" or "fail".

    Raises
    ------
    AnalysisError
        Any other value.
    """
    text = str(na).lower()
    text = text[3:] if text.startswith("na.") else text  # metafor's na.action names: "na.omit", "na.fail"
    if text not in ("omit", "fail"):
        raise _choice("na", na, ["omit", "fail"]) from None
    return text


def warn(message: str) -> None:
    """A MissingDataWarning pointing at the user's line (the first frame outside evsynth.meta.api).

    Parameters
    ----------
    message : str
        The warning's text.
    """
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("evsynth.meta.api"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, MissingDataWarning, stacklevel=level)
