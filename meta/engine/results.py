"""Typed, frozen result objects. `to_dict()` is exactly what `--format json` prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..jsonable import Jsonable, clean
from .text import render_regression, render_result, render_subgroups


@dataclass(frozen=True)
class Exclusion(Jsonable):
    """A study left out of a pooled analysis, and why.

    Attributes
    ----------
    study : str
        Study label.
    reason : str
        Why it was left out.
    """

    study: str
    reason: str


@dataclass(frozen=True)
class BackTransformed(Jsonable):
    """Estimate and intervals on the natural scale (exp for log ratios, expit for logits, ...).

    Attributes
    ----------
    estimate : float
        Pooled estimate, natural scale (a ratio, a proportion ...).
    ci_low : float
        Lower confidence limit, natural scale.
    ci_high : float
        Upper confidence limit, natural scale.
    pi_low : float | None
        Lower prediction limit, natural scale (random effects, k >= 2).
    pi_high : float | None
        Upper prediction limit, natural scale.
    """

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


@dataclass(frozen=True)
class MetaResult(Jsonable):
    """One pooled analysis, with metafor's names in snake_case and everything that produced it.

    Attributes
    ----------
    k : int
        Studies pooled.
    measure : str
        Effect measure (OR, RR, RD, PETO, MD, SMD, PR, PLO, PAS, PFT, GEN).
    method : str
        FE, MH, PETO, or the tau^2 estimator of a random-effects model (DL, REML, ML, PM, SJ, HE, EB).
    test : str
        Test and CI method: z, knha (Hartung-Knapp) or adhoc.
    scale : str
        Scale of estimate, CI and PI: log, logit, arcsine, ft or identity.
    estimate : float
        Pooled estimate, analysis scale (metafor's b).
    se : float
        Its standard error, analysis scale.
    statistic : float
        z or t statistic of the test of no effect.
    pvalue : float
        Its two-sided p-value.
    ci_low : float
        Lower confidence limit, analysis scale.
    ci_high : float
        Upper confidence limit, analysis scale.
    df : float | None
        Degrees of freedom of the t distribution (knha, adhoc); None under z.
    pi_low : float | None
        Lower prediction limit, analysis scale (random effects, k >= 2).
    pi_high : float | None
        Upper prediction limit, analysis scale.
    pi_method : str | None
        How the prediction interval's critical value was chosen (metafor or higgins).
    tau2 : float
        Between-study variance tau^2, analysis scale squared (0 for fixed-effect models).
    tau2_se : float | None
        Its standard error.
    tau2_ci_low : float | None
        Lower limit of tau^2's Q-profile CI.
    tau2_ci_high : float | None
        Upper limit of tau^2's Q-profile CI.
    tau : float
        sqrt(tau^2), analysis scale.
    i2 : float | None
        I^2, percent.
    i2_ci_low : float | None
        Lower limit of I^2's CI, percent.
    i2_ci_high : float | None
        Upper limit of I^2's CI, percent.
    h2 : float | None
        H^2 (total variability over sampling variability).
    h2_ci_low : float | None
        Lower limit of H^2's CI.
    h2_ci_high : float | None
        Upper limit of H^2's CI.
    q : float | None
        Cochran's Q.
    q_df : int
        Its degrees of freedom (k - 1).
    q_pvalue : float | None
        Its p-value.
    back : BackTransformed | None
        The estimate and intervals on the natural scale (None on the identity scale).
    iterations : int
        Iterations of the tau^2 estimator (0 for closed forms).
    converged : bool
        Whether the estimator converged (if not, DerSimonian-Laird was used, with a note).
    studies : tuple[str, ...]
        Labels of the studies pooled.
    weights : tuple[float, ...]
        Their weights, percent, in the order of studies.
    excluded : tuple[Exclusion, ...]
        Studies left out, each with why.
    adjusted : tuple[str, ...]
        Studies that received the zero-cell correction.
    zero_cells : dict | None
        The zero-cell rule: add, to, drop00 (metafor's names).
    notes : tuple[str, ...]
        What a reader needs to read the result right (fallbacks, boundaries, warnings).
    group : Any
        The group's value, in a batch of analyses by group (absent otherwise).
    extra : dict
        Method-specific statistics (e.g. the CMH test of Mantel-Haenszel).
    """

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
        """The result as metafor prints it (`level`, in percent, names the CI of tau^2).

        Parameters
        ----------
        level : float
            The confidence level, in percent, printed beside the tau^2 CI; it is a label only (the CI was computed at
            the
            model's level).

        Returns
        -------
        str
            The multi-line summary, study labels made visible (control characters escaped).
        """
        return render_result(self, level)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self, studies: bool = True) -> dict:
        """Everything, as JSON-ready values; `studies=False` leaves out the per-study labels and weights.

        Parameters
        ----------
        studies : bool
            Whether to include ``studies`` and ``weights``.

        Returns
        -------
        dict
            Every field (NaN and infinities as None, nested results as dicts); ``group`` only when set.
        """
        d = {key: clean(value) for key, value in self.__dict__.items()}
        if self.group is None:
            d.pop("group")
        if not studies:
            d.pop("studies")
            d.pop("weights")
        return d


@dataclass(frozen=True)
class Coefficient(Jsonable):
    """One coefficient of a meta-regression.

    Attributes
    ----------
    name : str
        intrcpt, or the moderator's name.
    estimate : float
        Coefficient, analysis scale per unit of the moderator.
    se : float
        Its standard error.
    statistic : float
        z or t statistic.
    pvalue : float
        Its p-value.
    ci_low : float
        Lower confidence limit.
    ci_high : float
        Upper confidence limit.
    permutation_pvalue : float | None
        Permutation p-value (metafor's permutest()), when computed.
    """

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
    """A meta-regression (metafor's rma(yi, vi, mods = ...)).

    Attributes
    ----------
    k : int
        Studies in the model.
    measure : str
        Effect measure.
    method : str
        tau^2 estimator (or FE).
    test : str
        z or knha.
    coefficients : tuple[Coefficient, ...]
        The intercept and the moderators' coefficients.
    qm : float
        Omnibus test of the moderators (chi^2 under z; F under knha).
    qm_df : tuple[float, ...]
        Its degrees of freedom (one number under z, two under knha).
    qm_pvalue : float
        Its p-value.
    qm_permutation_pvalue : float | None
        Its permutation p-value, when computed.
    tau2 : float
        Residual between-study variance.
    tau2_se : float | None
        Its standard error.
    i2 : float | None
        Residual I^2, percent.
    h2 : float | None
        Residual H^2.
    r2 : float | None
        Percent of tau^2 accounted for by the moderators, against the intercept-only model.
    qe : float
        Test for residual heterogeneity.
    qe_df : int
        Its degrees of freedom.
    qe_pvalue : float
        Its p-value.
    permutations : int
        Permutations run (0: none).
    excluded : tuple[Exclusion, ...]
        Studies left out, each with why.
    notes : tuple[str, ...]
        What a reader needs to read the model right.
    """

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
        """The meta-regression as metafor prints it.

        Parameters
        ----------
        level : float
            Accepted for symmetry with :meth:`MetaResult.summary`; not used (nothing printed depends on it).

        Returns
        -------
        str
            The multi-line summary.
        """
        return render_regression(self, level)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class SubgroupResult(Jsonable):
    """Pooled results per subgroup and the test for subgroup differences.

    Attributes
    ----------
    variable : str
        The column that defines the subgroups.
    tau2_common : bool
        Whether tau^2 was estimated in common across subgroups.
    subgroups : tuple[MetaResult, ...]
        One pooled result per subgroup (its group field names it).
    q_between : float
        Q for subgroup differences.
    q_between_df : int
        Its degrees of freedom (subgroups - 1).
    q_between_pvalue : float
        Its p-value.
    overall : MetaResult
        The pooled result of all studies.
    notes : tuple[str, ...]
        What a reader needs to read the test right.
    """

    variable: str
    tau2_common: bool
    subgroups: tuple[MetaResult, ...]
    q_between: float
    q_between_df: int
    q_between_pvalue: float
    overall: MetaResult
    notes: tuple[str, ...] = ()

    def summary(self, level: float = 95.0) -> str:
        """Each subgroup's pooled result and the test for subgroup differences.

        Parameters
        ----------
        level : float
            Accepted for symmetry with :meth:`MetaResult.summary`; not used (nothing printed depends on it).

        Returns
        -------
        str
            The multi-line summary.
        """
        return render_subgroups(self, level)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class CombinedP(Jsonable):
    """Studies that report only a direction and a p-value, combined.

    Attributes
    ----------
    method : str
        stouffer, weighted_stouffer or fisher.
    k : int
        Studies combined.
    statistic : float
        Stouffer's Z (or Fisher's chi-square).
    pvalue : float
        Combined one-sided p-value, in the direction favouring the intervention.
    pvalue_two_sided : float
        The two-sided p-value.
    studies : tuple[str, ...]
        The studies combined.
    notes : tuple[str, ...]
        Studies not combined, and why.
    """

    method: str
    k: int
    statistic: float
    pvalue: float  # one-sided, in the direction of benefit as coded
    pvalue_two_sided: float
    studies: tuple[str, ...]
    notes: tuple[str, ...] = ()
