"""What a meta-analysis is asked to do, before any number is computed: the model (measure, estimator, test,
zero-cell rule, prediction interval, level) and the families of measures with the columns each needs.

Plain enums and frozen dataclasses: light to import (no numpy), so loaders and `evsynth validate` can use them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .choices import (
    BINARY_MEASURES,
    CONTINUOUS_MEASURES,
    PROPORTION_MEASURES,
    Measure,
    Method,
    PredictionType,
    Test,
    ZeroTo,
)


@dataclass(frozen=True)
class ZeroCells:
    """metafor's add / to / drop00 for 2x2 tables and proportions."""

    add: float | None = None  # None: 0.5, but 0 for PAS and PFT (metafor's default)
    to: ZeroTo = ZeroTo.ONLY0
    drop00: bool | None = None  # None: the method's default (False for escalc, True for MH and Peto, as metafor)

    def resolved(self, drop00_default: bool) -> "ZeroCells":
        """This rule with drop00 decided.

        Parameters
        ----------
        drop00_default : bool
            The value to use when ``drop00`` is None (False for escalc, True for Mantel-Haenszel and Peto).

        Returns
        -------
        ZeroCells
            A copy with ``drop00`` a bool (the given one kept when set).
        """
        return ZeroCells(self.add, self.to, drop00_default if self.drop00 is None else self.drop00)

    def add_for(self, measure: Measure) -> float:
        """The amount added to the cells of corrected studies.

        Parameters
        ----------
        measure : Measure
            The effect measure.

        Returns
        -------
        float
            ``add`` when given; else 0.5, or 0 for PAS and PFT (metafor's defaults).
        """
        if self.add is not None:
            return self.add
        return 0.0 if measure in (Measure.PAS, Measure.PFT) else 0.5

    def to_dict(self) -> dict:
        """The rule as JSON-ready values, with metafor's names.

        Returns
        -------
        dict
            ``add`` (a number, or "default" when not given), ``to`` (its value, e.g. "only0") and ``drop00`` (bool, or
            None when not decided).
        """
        return {"add": self.add if self.add is not None else "default", "to": self.to.value, "drop00": self.drop00}


@dataclass(frozen=True)
class Model:
    """What to fit: the measure, method, test, zero-cell rule, prediction interval and level."""

    measure: Measure
    method: Method = Method.REML
    test: Test = Test.Z
    zero_cells: ZeroCells = ZeroCells()
    pi_type: PredictionType = PredictionType.METAFOR
    level: float = 0.95

    @property
    def counts_based(self) -> bool:
        """Whether the method pools the 2x2 counts themselves (Mantel-Haenszel, Peto) rather than effect sizes.

        Returns
        -------
        bool
        """
        return self.method in (Method.MH, Method.PETO)


# Columns each table kind needs (canonical names, as `evsynth pool` reads them).
REQUIRED = {
    "binary": ("events_t", "n_t", "events_c", "n_c"),
    "continuous": ("mean_t", "sd_t", "n_t", "mean_c", "sd_c", "n_c"),
    "proportion": ("events", "n"),
    "generic": ("yi",),
    "generic_ratio": ("estimate", "ci_low", "ci_high"),
}


def kind_of(measure: Measure) -> str:
    """The family of a measure, which names the columns it needs (a key of REQUIRED).

    Parameters
    ----------
    measure : Measure
        The effect measure.

    Returns
    -------
    str
        "binary", "continuous", "proportion", or "generic" (GEN, and anything else).
    """
    if measure in BINARY_MEASURES:
        return "binary"
    if measure in CONTINUOUS_MEASURES:
        return "continuous"
    if measure in PROPORTION_MEASURES:
        return "proportion"
    return "generic"


