"""Does an analysis' conclusion (significance at 5%, and direction) survive defensible alternatives? Leave-one-out,
other tau^2 estimators and tests, and the prediction interval against the CI."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..engine.choices import Method, Test
from ..engine.model import Model
from ..engine.results import MetaResult
from ..errors import AnalysisError
from ..jsonable import Jsonable, Sparse
from .refits import Refit, Skipped, fit_table


@dataclass(frozen=True)
class Flip(Sparse):
    """A defensible alternative under which the conclusion (significance at 5%, or direction) changes.

    Attributes
    ----------
    by : str
        "leave-one-out" or "model".
    pvalue : float
        P-value under the alternative.
    without : str | None
        Leave-one-out: the study left out.
    estimate : float | None
        Leave-one-out: the pooled estimate without it, analysis scale.
    method : str | None
        Model: the tau^2 estimator.
    test : str | None
        Model: the test (z, knha).
    """

    by: str
    pvalue: float
    without: str | None = None
    estimate: float | None = None
    method: str | None = None
    test: str | None = None
    SPARSE = ("without", "estimate", "method", "test")


@dataclass(frozen=True)
class ModelAlternative(Sparse):
    """The analysis refitted with another tau^2 estimator and test.

    Attributes
    ----------
    method : str
        tau^2 estimator (DL, REML, PM).
    test : str
        Test and CI method (z, knha).
    estimate : float | None
        Pooled estimate, analysis scale.
    ci_low : float | None
        Lower confidence limit, analysis scale.
    ci_high : float | None
        Upper confidence limit, analysis scale.
    pvalue : float | None
        P-value of the test of no effect.
    error : str | None
        Why the alternative could not be fitted.
    """

    method: str
    test: str
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    pvalue: float | None = None
    error: str | None = None
    SPARSE = ("estimate", "ci_low", "ci_high", "pvalue", "error")


@dataclass(frozen=True)
class Robustness(Jsonable):
    """Does the conclusion survive leave-one-out, other estimators and tests, and the prediction interval?

    Attributes
    ----------
    significant : bool
        The pooled result is significant at 5%.
    flips : tuple[Flip, ...]
        Every alternative under which significance or direction changes.
    fragile : bool
        At least one flip.
    models : tuple[ModelAlternative, ...]
        The refits with DL, REML and PM, each with the z and Hartung-Knapp tests.
    ci_excludes_null_but_pi_does_not : bool | None
        The CI excludes no effect but the prediction interval includes it (None without a prediction interval).
    fragility_index : int | None
        The fragility index (binary outcomes), when computed.
    """

    significant: bool
    flips: tuple[Flip, ...]
    fragile: bool
    models: tuple[ModelAlternative, ...]
    ci_excludes_null_but_pi_does_not: bool | None
    fragility_index: int | None


ALTERNATIVES = [(m, t) for m in (Method.DL, Method.REML, Method.PM) for t in (Test.Z, Test.KNHA)]


def conclusion_robustness(columns, study, model: Model, result: MetaResult, leave_one_out: tuple[Refit, ...] | Skipped,
                          fragility_index: int | None = None) -> Robustness:
    """The flips of the conclusion under leave-one-out and under DL, REML and PM with the z and Hartung-Knapp
    tests, and whether the prediction interval contains the null where the CI excludes it.

    Parameters
    ----------
    columns, study
        The analysis' canonical columns and study labels (as `fit_table` takes them).
    model : Model
        The analysis' model.
    result : MetaResult
        Its pooled result.
    leave_one_out : tuple of Refit, or Skipped
        Its leave-one-out refits.
    fragility_index : int, optional
        Its fragility index, recorded alongside.

    Returns
    -------
    Robustness
    """
    sig = result.pvalue < 0.05
    direction = result.estimate > 0
    flips = [Flip("leave-one-out", r.pvalue, without=r.study, estimate=r.estimate)
             for r in (leave_one_out if isinstance(leave_one_out, tuple) else ())
             if (r.pvalue < 0.05) != sig or (sig and (r.estimate > 0) != direction)]
    models = []
    if not model.counts_based:
        for method, test in ALTERNATIVES:
            try:
                alt = fit_table(columns, study, replace(model, method=method, test=test), tau2_ci=False)
            except AnalysisError as exc:
                models.append(ModelAlternative(method.value, test.value, error=str(exc)))
                continue
            models.append(ModelAlternative(method.value, alt.test, alt.estimate, alt.ci_low, alt.ci_high, alt.pvalue))
            if (alt.pvalue < 0.05) != sig:
                flips.append(Flip("model", alt.pvalue, method=method.value, test=alt.test))
    pi_gap = None
    if result.pi_low is not None and result.pi_high is not None:
        pi_gap = bool(not (result.ci_low <= 0 <= result.ci_high) and result.pi_low <= 0 <= result.pi_high)
    return Robustness(bool(sig), tuple(flips), bool(flips), tuple(models), pi_gap, fragility_index)
