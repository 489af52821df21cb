"""The one place that calls PyMARE and statsmodels, used as independent cross-checks of our engine.

Known defects, corrected here so they are fixed in one place:
- statsmodels' combine_effects does not truncate the DL / PM tau^2 at 0 (it can be negative, and so can I^2);
  we truncate and recompute the random-effects weights.
- PyMARE (>= 0.0.10) reports the Hartung-Knapp standard error by default for random-effects estimators, not
  the Wald one metafor prints with test="z"; we take only its tau^2 and recompute the rest.
- PyMARE's effect-size expressions (pymare.effectsize) give wrong variances for SMD/RMD; we never use them.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reference:
    tau2: float
    estimate: float
    se: float
    engine: str


def _pooled(yi: np.ndarray, vi: np.ndarray, tau2: float, engine: str) -> Reference:
    w = 1 / (vi + tau2)
    return Reference(tau2, float(np.sum(w * yi) / np.sum(w)), float(np.sqrt(1 / np.sum(w))), engine)


def statsmodels_fit(yi, vi, method: str) -> Reference:
    """DL ("DL") or Paule-Mandel ("PM") through statsmodels, with tau^2 truncated at 0.

    Parameters
    ----------
    yi : array_like
        Effect sizes, analysis scale (log scale for ratio measures).
    vi : array_like
        Their sampling variances.
    method : {"DL", "PM"}
        The tau^2 estimator, upper case (any other name raises KeyError).

    Returns
    -------
    Reference
        tau^2 (truncated at 0), the inverse-variance pooled estimate and its Wald standard error recomputed with
        that tau^2, and ``engine="statsmodels"``.
    """
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = combine_effects(yi, vi, method_re={"DL": "chi2", "PM": "iterated"}[method])
    return _pooled(yi, vi, max(0.0, float(res.tau2)), "statsmodels")


def pymare_fit(yi, vi, method: str) -> Reference:
    """DL, HE, ML or REML tau^2 through PyMARE; the estimate and Wald SE are recomputed from it.

    Parameters
    ----------
    yi : array_like
        Effect sizes, analysis scale (log scale for ratio measures).
    vi : array_like
        Their sampling variances.
    method : {"DL", "HE", "ML", "REML"}
        The tau^2 estimator, upper case (any other name raises KeyError).

    Returns
    -------
    Reference
        PyMARE's tau^2 truncated at 0, the inverse-variance pooled estimate and its Wald standard error recomputed
        with it, and ``engine="pymare"``.
    """
    from pymare import Dataset
    from pymare.estimators import DerSimonianLaird, Hedges, VarianceBasedLikelihoodEstimator

    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    estimator = {
        "DL": DerSimonianLaird,
        "HE": Hedges,
        "ML": lambda: VarianceBasedLikelihoodEstimator(method="ML"),
        "REML": lambda: VarianceBasedLikelihoodEstimator(method="REML"),
    }[method]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = estimator.fit_dataset(Dataset(y=yi, v=vi))
    tau2 = float(np.ravel(fitted.params_["tau2"])[0])
    return _pooled(yi, vi, max(0.0, tau2), "pymare")
