"""Meta-regression on continuous and categorical moderators (metafor's rma(yi, vi, mods = ...)),
with the omnibus test, R^2 against the intercept-only model, and permutation p-values (permutest)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .choices import Method, Test
from .effects import Effects
from ..errors import AnalysisError
from .fit import fit_batch
from .results import Coefficient, RegressionResult

COMPTOL = np.sqrt(np.finfo(float).eps)


@dataclass(frozen=True)
class Design:
    """A model matrix with named columns; categorical moderators are dummy-coded against their first level
    in sorted order, as R's factor() does."""

    X: np.ndarray
    names: tuple[str, ...]


def design_matrix(moderators: Mapping[str, Sequence], categorical: Sequence[str] = (), intercept: bool = True) -> Design:
    """The model matrix of a meta-regression, with named columns.

    Parameters
    ----------
    moderators : mapping of str to sequence
        One value per study for each moderator, in column order.
    categorical : sequence of str
        The moderators to dummy-code (their values are compared as text).
    intercept : bool
        Whether to add an intercept column ("intrcpt"); with it, a categorical moderator's first level (in sorted
        order) is the reference, without it every level gets a column.

    Returns
    -------
    Design
        X (studies x columns, float) and the column names: "intrcpt", a numeric moderator's name, or "name[level]"
        for a dummy.

    Raises
    ------
    AnalysisError
        A categorical moderator with a single level; a moderator not declared categorical that is not numeric.
    """
    cols: list[np.ndarray] = []
    names: list[str] = []
    n = len(next(iter(moderators.values()))) if moderators else 0
    if intercept:
        cols.append(np.ones(n))
        names.append("intrcpt")
    for name, values in moderators.items():
        if name in categorical:
            values = [str(v) for v in values]
            levels = sorted(set(values))
            if len(levels) < 2:
                raise AnalysisError(f"moderator '{name}' has a single level ({levels[0]!r}); it explains nothing")
            for level in levels[1:] if intercept else levels:
                cols.append(np.array([v == level for v in values], dtype=float))
                names.append(f"{name}[{level}]")
        else:
            try:
                cols.append(np.asarray(values, dtype=float))
            except ValueError:
                raise AnalysisError(f"moderator '{name}' is not numeric; declare it categorical") from None
            names.append(name)
    return Design(np.column_stack(cols), tuple(names))


def meta_regression(
    effects: Effects,
    design: Design,
    method: Method = Method.REML,
    test: Test = Test.Z,
    level: float = 0.95,
    permutations: int = 0,
    seed: int = 20261121,
) -> RegressionResult:
    """Fit yi = X beta + u + e; optionally an approximate permutation test with `permutations` shuffles.

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    design : Design
        The model matrix, one row per study of `effects` in the same order.
    method : Method
        The tau^2 estimator (residual heterogeneity), or FE.
    test : Test
        z, or knha / adhoc (t tests and an F omnibus test).
    level : float
        Confidence level as a proportion (0.95).
    permutations : int
        Permutations for the permutation p-values (0: none); the first is the observed data.
    seed : int
        Seed of the permutations' random generator.

    Returns
    -------
    RegressionResult
        Coefficients on the analysis scale (per unit of a moderator); QM (chi-square under z, F under knha/adhoc);
        R^2 in percent (None for a fixed-effect model or without an intercept).

    Raises
    ------
    AnalysisError
        The design's rows do not match the studies; collinear moderators; no more studies than coefficients.
    ValueError
        An unknown method or test name.
    """
    method, test = Method(method), Test(test)
    k, p = design.X.shape
    if k != effects.k:
        raise AnalysisError(f"the design has {k} rows but there are {effects.k} studies")
    if np.linalg.matrix_rank(design.X) < p:
        raise AnalysisError("the moderators are collinear (the model matrix is rank deficient)")
    if k <= p:
        raise AnalysisError(f"meta-regression with {p} coefficients needs more than {p} studies; there are {k}")
    y, v = effects.yi[None, :], effects.vi[None, :]
    mask = np.ones_like(y, dtype=bool)
    fit = fit_batch(y, v, mask, design.X[None], method, test, level=level, tau2_ci=False)
    r2 = None
    if method.is_random and "intrcpt" in design.names:
        base = fit_batch(y, v, mask, None, method, Test.Z, level=level, tau2_ci=False)
        t0 = float(base.tau2[0])
        r2 = 0.0 if t0 == 0 else max(0.0, 100 * (t0 - float(fit.tau2[0])) / t0)
    perm_p = [None] * p
    qm_perm_p = None
    if permutations > 0:
        rng = np.random.default_rng(seed)
        B = permutations
        Xp = np.stack([design.X] + [design.X[rng.permutation(k)] for _ in range(B - 1)])
        pf = fit_batch(np.repeat(y, B, 0), np.repeat(v, B, 0), np.repeat(mask, B, 0), Xp, method, test,
                       level=level, tau2_ci=False)
        z_obs = fit.statistic[0]
        perm_p = [float(np.mean(np.abs(pf.statistic[:, j]) >= abs(z_obs[j]) - COMPTOL)) for j in range(p)]
        qm_perm_p = float(np.mean(pf.qm >= fit.qm[0] - COMPTOL))
    coefs = tuple(
        Coefficient(name, float(fit.beta[0, j]), float(fit.se[0, j]), float(fit.statistic[0, j]),
                    float(fit.pvalue[0, j]), float(fit.ci_low[0, j]), float(fit.ci_high[0, j]), perm_p[j])
        for j, name in enumerate(design.names)
    )
    use_t = test is not Test.Z
    return RegressionResult(
        k=k, measure=effects.measure.value, method=method.value, test=test.value, coefficients=coefs,
        qm=float(fit.qm[0]), qm_df=(float(fit.qm_df[0]), float(k - p)) if use_t else (float(fit.qm_df[0]),),
        qm_pvalue=float(fit.qm_pvalue[0]), qm_permutation_pvalue=qm_perm_p,
        tau2=float(fit.tau2[0]), tau2_se=float(fit.tau2_se[0]) if method.is_random else None,
        i2=float(fit.i2[0]), h2=float(fit.h2[0]), r2=r2, qe=float(fit.q[0]), qe_df=int(fit.q_df[0]),
        qe_pvalue=float(fit.q_pvalue[0]), permutations=permutations, excluded=effects.excluded,
        notes=(("permutation p-values from an approximate test (the first permutation is the observed data, "
                "as in metafor's permutest)",) if permutations else ()),
    )
