"""base.toml's [methods] table: the evidence base's choices for design-aware pooling (meta/review/design.py).

    [methods]
    crossover_correlation = 0.5        # within-patient correlation of a crossover trial's two periods, in [0, 1)
    crossover_correlation_source = "..."   # where the value comes from (required with it)
    crossover_sensitivity = [0, 0.25, 0.5, 0.75]  # the correlations of the sensitivity analysis
    few_trials = "fixed"               # below few_trials_below trials: "fixed", "adhoc" or "none"
    few_trials_below = 3
    double_zero = "drop"               # trials without events (or only events) in both arms, ratio measures

Every key is optional; without [methods] the defaults below apply, and crossover trials are analysed as parallel
(no correlation is assumed) with the sensitivity analysis showing what a correlation would change. Light to import
(no numpy): `evsynth validate` reads it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import CellProblem, SchemaError, visible
from ..inputs.names import text_problem
from ..inputs.tomlfiles import line_of
from ..jsonable import Jsonable
from .about import BaseToml, read_base_toml

FEW_TRIALS = ("fixed", "adhoc", "none")
DOUBLE_ZERO = ("drop", "keep")
DUAL_EXTRACTION = ("required", "reported")
KEYS = ("crossover_correlation", "crossover_correlation_source", "crossover_sensitivity", "few_trials",
        "few_trials_below", "double_zero", "dual_extraction")
MAX_SOURCE = 400  # a citation with its location, as a quote is at most 400 characters


@dataclass(frozen=True)
class Methods(Jsonable):
    """The evidence base's design-aware pooling choices (base.toml [methods]).

    Attributes
    ----------
    crossover_correlation : float | None
        The within-patient correlation assumed for a crossover trial reported as per-period summaries (None: such
        trials are analysed as parallel).
    crossover_correlation_source : str
        Where that value comes from.
    crossover_sensitivity : tuple[float, ...]
        The correlations of the sensitivity analysis run for every analysis with a crossover trial.
    few_trials : str
        With fewer than few_trials_below trials: "fixed" (a fixed-effect model instead of a random-effects one),
        "adhoc" (Hartung-Knapp with its scale floored at 1) or "none" (the model as specified).
    few_trials_below : int
        The number of trials below which few_trials applies (and below 3, never a prediction interval).
    double_zero : str
        "drop": trials without events (or with only events) in both arms leave ratio analyses (OR, RR, Peto);
        "keep": they stay, with the zero-cell correction.
    dual_extraction : str
        "required": every row a pooled analysis takes has each of its effect numbers in extraction_log.csv (two
        independent readings, reconciled), or validate fails; "reported": the analyses say which rows were not
        extracted twice.
    """

    crossover_correlation: float | None = None
    crossover_correlation_source: str = ""
    crossover_sensitivity: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75)
    few_trials: str = "fixed"
    few_trials_below: int = 3
    double_zero: str = "drop"
    dual_extraction: str = "reported"


def load_methods(base_dir: str | Path, parsed: BaseToml | None = None) -> Methods:
    """The [methods] table of the base's base.toml (the defaults without base.toml or without the table).

    Parameters
    ----------
    base_dir : str or Path
        The evidence base's folder.
    parsed : BaseToml, optional
        base.toml as already read (see :func:`read_base_toml`); read here when not given.

    Returns
    -------
    Methods
        The choices, each checked.

    Raises
    ------
    SchemaError
        base.toml cannot be read or is not TOML; [methods] is not a table, has an unknown key, or a value of the
        wrong type or out of range (each with its line and key); a correlation without its source.
    """
    parsed = parsed if parsed is not None else read_base_toml(base_dir)
    if not parsed.exists:
        return Methods()
    path, lines = parsed.path, parsed.lines
    table = parsed.doc.get("methods", {})
    problems: list[CellProblem] = []

    def bad(key: str, reason: str) -> None:
        problems.append(CellProblem(str(path), line_of(lines, "methods", key) if key else line_of(lines, "methods"),
                                    f"methods.{visible(key)[:80]}" if key else "methods", reason))

    if not isinstance(table, dict):
        bad("", "must be a table ([methods])")
        raise SchemaError(problems)
    for key in table:
        if key not in KEYS:
            bad(key, f"unknown key (allowed: {', '.join(KEYS)})")
    values = {
        "crossover_correlation": _correlation(table, "crossover_correlation", bad),
        "crossover_correlation_source": _source(table, bad),
        "crossover_sensitivity": _sensitivity(table, bad),
        "few_trials": _choice(table, "few_trials", FEW_TRIALS, bad),
        "few_trials_below": _below(table, bad),
        "double_zero": _choice(table, "double_zero", DOUBLE_ZERO, bad),
        "dual_extraction": _choice(table, "dual_extraction", DUAL_EXTRACTION, bad),
    }
    if problems:
        raise SchemaError(problems)
    return Methods(**{k: v for k, v in values.items() if v is not None})


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _correlation(table: dict, key: str, bad) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if not _number(value) or not 0 <= value < 1:
        bad(key, f"must be a number from 0 up to (not including) 1, not {visible(repr(value))[:40]}")
        return None
    return float(value)


def _source(table: dict, bad) -> str | None:
    key = "crossover_correlation_source"
    value = table.get(key)
    if value is None:
        if "crossover_correlation" in table:
            bad("crossover_correlation", "needs crossover_correlation_source: where the value comes from")
        return None
    if not isinstance(value, str) or not value.strip():
        bad(key, "must be a non-empty string")
        return None
    why = text_problem(value, MAX_SOURCE)
    if why:
        bad(key, why)
        return None
    if "crossover_correlation" not in table:
        bad(key, "is the source of crossover_correlation, which is not set")
        return None
    return value.strip()


def _sensitivity(table: dict, bad) -> tuple[float, ...] | None:
    key = "crossover_sensitivity"
    if key not in table:
        return None
    value = table[key]
    if (not isinstance(value, list) or not 1 <= len(value) <= 20
            or not all(_number(v) and 0 <= v < 1 for v in value)):
        bad(key, "must be a list of 1 to 20 correlations, each from 0 up to (not including) 1")
        return None
    return tuple(sorted({float(v) for v in value}))


def _choice(table: dict, key: str, allowed: tuple[str, ...], bad) -> str | None:
    if key not in table:
        return None
    value = table[key]
    if value not in allowed:
        bad(key, f"{visible(repr(value))[:40]} is not one of {', '.join(allowed)}")
        return None
    return value


def _below(table: dict, bad) -> int | None:
    key = "few_trials_below"
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 10:
        bad(key, f"must be a whole number from 2 to 10, not {visible(repr(value))[:40]}")
        return None
    return value
