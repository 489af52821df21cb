"""Enumerations of the choices a user makes: effect measure, estimator, test, zero-cell rule."""
from __future__ import annotations

from enum import Enum


class Measure(str, Enum):
    OR = "OR"  # log odds ratio
    RR = "RR"  # log risk ratio
    RD = "RD"  # risk difference
    PETO = "PETO"  # Peto's log odds ratio
    MD = "MD"  # mean difference
    SMD = "SMD"  # Hedges' g
    PR = "PR"  # raw proportion
    PLO = "PLO"  # logit proportion
    PAS = "PAS"  # arcsine square-root proportion
    PFT = "PFT"  # Freeman-Tukey double arcsine proportion
    GEN = "GEN"  # generic effect: yi with vi or sei (or a ratio with its CI, pooled on the log scale)


class Method(str, Enum):
    FE = "FE"  # fixed (common / equal) effect, inverse variance
    MH = "MH"  # Mantel-Haenszel
    PETO = "PETO"  # Peto's one-step
    DL = "DL"
    REML = "REML"
    ML = "ML"
    PM = "PM"
    SJ = "SJ"
    HE = "HE"
    EB = "EB"

    @property
    def is_random(self) -> bool:
        """Whether the method is a random-effects tau^2 estimator (anything but FE, MH and PETO).

        Returns
        -------
        bool
        """
        return self.value not in _FIXED_METHODS


_FIXED_METHODS = frozenset({"FE", "MH", "PETO"})


class Test(str, Enum):
    Z = "z"
    KNHA = "knha"  # Hartung-Knapp-Sidik-Jonkman: t(k-p) and the weighted residual scale
    ADHOC = "adhoc"  # the same with the scale truncated below at 1 (Jackson et al. 2017; metafor's test="adhoc")


class ZeroTo(str, Enum):
    """Which studies receive the zero-cell correction (metafor's `to`)."""

    ONLY0 = "only0"
    ALL = "all"
    IF0ALL = "if0all"
    NONE = "none"


class PredictionType(str, Enum):
    """How the prediction interval's critical value is chosen.

    METAFOR: metafor's predict() default: z under test="z", t(k-p) under knha/adhoc.
    HIGGINS: Higgins, Thompson & Spiegelhalter (2009) t(k-2) (metafor's predtype="Riley" for intercept-only models).
    """

    METAFOR = "metafor"
    HIGGINS = "higgins"


RATIO_MEASURES = frozenset({Measure.OR, Measure.RR, Measure.PETO})
BINARY_MEASURES = frozenset({Measure.OR, Measure.RR, Measure.RD, Measure.PETO})
CONTINUOUS_MEASURES = frozenset({Measure.MD, Measure.SMD})
PROPORTION_MEASURES = frozenset({Measure.PR, Measure.PLO, Measure.PAS, Measure.PFT})


# what a reader is shown for each choice (forest plots, the report): one table each
MEASURE_NAMES = {"OR": "Odds ratio", "RR": "Risk ratio", "PETO": "Peto odds ratio", "GEN": "Ratio",
                 "RD": "Risk difference", "MD": "Mean difference", "SMD": "Standardised mean difference",
                 "PR": "Proportion", "PLO": "Proportion", "PAS": "Proportion", "PFT": "Proportion"}
METHOD_NAMES = {"REML": "REML", "DL": "DerSimonian-Laird", "PM": "Paule-Mandel", "ML": "ML", "SJ": "Sidik-Jonkman",
                "HE": "Hedges", "EB": "empirical Bayes", "FE": "common effect (inverse variance)",
                "MH": "Mantel-Haenszel", "PETO": "Peto"}
TEST_NAMES = {"knha": "Hartung-Knapp", "z": "z", "adhoc": "Hartung-Knapp (ad hoc)"}
