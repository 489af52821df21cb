"""Typed, frozen result objects. `to_dict()` is exactly what `--format json` prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..jsonable import Jsonable, clean
from .text import render_regression, render_result, render_subgroups


@dataclass(frozen=True)
class Exclusion(Jsonable):
    """A study left out of a pooled analysis, and why."""

    study: str
    reason: str


@dataclass(frozen=True)
class BackTransformed(Jsonable):
    """Estimate and intervals on the natural scale (exp for log ratios, expit for logits, ...)."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


@dataclass(frozen=True)
class MetaResult(Jsonable):
    """One pooled analysis, with metafor's names in snake_case and everything that produced it."""

    k: int
    measure: str
    method: str
    test: str
    scale: str
    estimate: float
    se: float
    statistic: float  # z or t
    pvalue: float
    ci_low: float
    ci_high: float
    df: float | None  # degrees of freedom of the t distribution (knha/adhoc), else None
    pi_low: float | None
    pi_high: float | None
    pi_method: str | None
    tau2: float
    tau2_se: float | None
    tau2_ci_low: float | None
    tau2_ci_high: float | None
    tau: float
    i2: float | None
    i2_ci_low: float | None
    i2_ci_high: float | None
    h2: float | None
    h2_ci_low: float | None
    h2_ci_high: float | None
    q: float | None
    q_df: int
    q_pvalue: float | None
    back: BackTransformed | None
    iterations: int
    converged: bool
    studies: tuple[str, ...]
    weights: tuple[float, ...]  # percent, in the order of `studies`
    excluded: tuple[Exclusion, ...] = ()
    adjusted: tuple[str, ...] = ()
    zero_cells: dict | None = None
    notes: tuple[str, ...] = ()
    group: Any = None
    extra: dict = field(default_factory=dict)  # method-specific statistics (e.g. the CMH test for MH)

    def summary(self, level: float = 95.0) -> str:
        """The result as metafor prints it (`level`, in percent, names the CI of tau^2)."""
        return render_result(self, level)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self, studies: bool = True) -> dict:
        """Everything, as JSON-ready values; `studies=False` leaves out the per-study labels and weights."""
        d = {key: clean(value) for key, value in self.__dict__.items()}
        if self.group is None:
            d.pop("group")
        if not studies:
            d.pop("studies")
            d.pop("weights")
        return d


@dataclass(frozen=True)
class Coefficient(Jsonable):
    name: str
    estimate: float
    se: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    permutation_pvalue: float | None = None


@dataclass(frozen=True)
class RegressionResult(Jsonable):
    """A meta-regression (metafor's rma(yi, vi, mods = ...))."""

    k: int
    measure: str
    method: str
    test: str
    coefficients: tuple[Coefficient, ...]
    qm: float  # omnibus test of the moderators (chi^2 under z; F under knha)
    qm_df: tuple[float, ...]
    qm_pvalue: float
    qm_permutation_pvalue: float | None
    tau2: float
    tau2_se: float | None
    i2: float | None
    h2: float | None
    r2: float | None  # percent of tau^2 accounted for, against the intercept-only model
    qe: float
    qe_df: int
    qe_pvalue: float
    permutations: int
    excluded: tuple[Exclusion, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self, level: float = 95.0) -> str:
        """The meta-regression as metafor prints it."""
        return render_regression(self, level)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class SubgroupResult(Jsonable):
    """Pooled results per subgroup and the test for subgroup differences."""

    variable: str
    tau2_common: bool
    subgroups: tuple[MetaResult, ...]
    q_between: float
    q_between_df: int
    q_between_pvalue: float
    overall: MetaResult
    notes: tuple[str, ...] = ()

    def summary(self, level: float = 95.0) -> str:
        """Each subgroup's pooled result and the test for subgroup differences."""
        return render_subgroups(self, level)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class CombinedP(Jsonable):
    """Studies that report only a direction and a p-value, combined."""

    method: str
    k: int
    statistic: float
    pvalue: float  # one-sided, in the direction of benefit as coded
    pvalue_two_sided: float
    studies: tuple[str, ...]
    notes: tuple[str, ...] = ()
