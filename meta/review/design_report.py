"""What design-aware pooling did to one analysis (meta/review/design.py), as results.json records it: crossover
trials analysed as paired and the sensitivity analysis over the correlation, double-zero trials left out of ratio
measures, and the rule used with fewer than 3 trials."""
from __future__ import annotations

from dataclasses import dataclass

from ..jsonable import Jsonable, Sparse
from ..robustness.refits import Skipped


@dataclass(frozen=True)
class CrossoverTrial(Jsonable):
    """One crossover trial of the analysis and how it was analysed.

    Attributes
    ----------
    study : str
        Study label.
    row : str
        The study_id of its evidence row.
    correlation : float | None
        The within-patient correlation used (the assumed one, or lower where the event counts bound it); None when
        the trial was analysed as parallel.
    yi : float
        Its effect size, analysis scale (paired where a correlation was used).
    vi_parallel : float
        Its sampling variance analysed as a parallel trial.
    vi : float
        Its sampling variance as pooled.
    note : str
        How it was analysed, and why.
    """

    study: str
    row: str
    correlation: float | None
    yi: float
    vi_parallel: float
    vi: float
    note: str


@dataclass(frozen=True)
class CorrelationRefit(Jsonable):
    """The analysis refitted with every crossover trial analysed at one within-patient correlation.

    Attributes
    ----------
    correlation : float | None
        The correlation assumed (None: every crossover trial analysed as parallel).
    k : int
        Studies pooled.
    estimate : float
        Pooled estimate, analysis scale.
    ci_low : float
        Lower confidence limit, analysis scale.
    ci_high : float
        Upper confidence limit, analysis scale.
    pvalue : float
        P-value of the test of no effect.
    """

    correlation: float | None
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    pvalue: float


@dataclass(frozen=True)
class FewTrials(Jsonable):
    """The rule applied because the analysis pools few trials.

    Attributes
    ----------
    trials : int
        Trials pooled.
    below : int
        The base's threshold (base.toml [methods] few_trials_below).
    rule : str
        The base's rule: "fixed", "adhoc" or "none".
    specified : str
        The model analyses.toml specifies (method and test).
    used : str
        The model used (method and test).
    prediction_interval : bool
        Whether a prediction interval is reported (never below 3 trials).
    reason : str
        Why, with its source.
    """

    trials: int
    below: int
    rule: str
    specified: str
    used: str
    prediction_interval: bool
    reason: str


@dataclass(frozen=True)
class DesignReport(Sparse):
    """Design-aware pooling of one analysis; a part that does not apply is absent.

    Attributes
    ----------
    crossover : tuple[CrossoverTrial, ...] | None
        The crossover trials pooled, each with how it was analysed.
    correlation : float | None
        The within-patient correlation the base assumes (base.toml [methods] crossover_correlation).
    correlation_source : str | None
        Where that value comes from.
    sensitivity : tuple[CorrelationRefit, ...] | Skipped | None
        The analysis at each correlation of the sensitivity analysis, and analysed as parallel.
    double_zero : tuple[str, ...] | None
        Trials without events (or with only events) in both arms.
    double_zero_rule : str | None
        What was done with them: "dropped" (a ratio measure) or "kept" (a risk difference, or the base keeps them).
    few_trials : FewTrials | None
        The rule applied below the base's number of trials.
    """

    crossover: tuple[CrossoverTrial, ...] | None = None
    correlation: float | None = None
    correlation_source: str | None = None
    sensitivity: tuple[CorrelationRefit, ...] | Skipped | None = None
    double_zero: tuple[str, ...] | None = None
    double_zero_rule: str | None = None
    few_trials: FewTrials | None = None
    SPARSE = ("crossover", "correlation", "correlation_source", "sensitivity", "double_zero", "double_zero_rule",
              "few_trials")
