"""Combining one-sided p-values from studies that report only a direction and a p-value
(Cochrane Handbook 12.2.1): Stouffer, weighted Stouffer (weights usually sqrt(n)) and Fisher."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from . import distributions as stats

from ..errors import AnalysisError, SchemaError
from .conversions import one_sided_pvalue
from .results import CombinedP


def one_sided(p_two_sided: Sequence[float], direction: Sequence[int]) -> np.ndarray:
    """Two-sided p with the direction (+1 favours the intervention, -1 the control) to a one-sided p.

    The elementwise form of :func:`evsynth.meta.engine.conversions.one_sided_pvalue`, the one implementation.

    Parameters
    ----------
    p_two_sided : sequence of float
        Two-sided p-values, in (0, 1] (proportions, not percent).
    direction : sequence of int
        +1 or -1 per study.

    Returns
    -------
    numpy.ndarray
        One-sided p-values for benefit of the intervention: p / 2 where the direction is +1, 1 - p / 2 where it is -1.

    Raises
    ------
    AnalysisError
        A p-value outside (0, 1]; a direction other than +1 or -1; not one direction per p-value.
    """
    p = np.asarray(p_two_sided, float).ravel()
    d = np.asarray(direction, float).ravel()
    if p.shape != d.shape:
        raise AnalysisError(f"one direction per p-value: {d.size} directions for {p.size} p-values")
    out = np.empty_like(p)
    for i, (pi, di) in enumerate(zip(p.tolist(), d.tolist())):
        try:
            out[i] = one_sided_pvalue(pi, di)
        except SchemaError as exc:
            reasons = "; ".join(f"{problem.file} {problem.reason}" for problem in exc.problems)
            raise AnalysisError(f"study {i + 1}: {reasons} (p-values must lie in (0, 1]; direction must be +1 "
                                "(favours intervention) or -1 (favours control))") from None
    return out


def combine_pvalues(
    p_one_sided: Sequence[float],
    method: str = "stouffer",
    weights: Sequence[float] | None = None,
    study: Sequence[str] | None = None,
) -> CombinedP:
    """Combine one-sided p-values (Stouffer, weighted Stouffer or Fisher).

    Parameters
    ----------
    p_one_sided : sequence of float
        One-sided p-values for benefit of the intervention (see :func:`one_sided`), strictly between 0 and 1.
    method : {"stouffer", "weighted_stouffer", "fisher"}
        The combination.
    weights : sequence of float, optional
        Positive weights, one per study (usually the square root of the sample size); needed by weighted_stouffer,
        ignored otherwise.
    study : sequence of str, optional
        One label per p-value (default "1", "2", ...).

    Returns
    -------
    CombinedP
        The statistic (Stouffer's Z, or Fisher's chi-square with 2k df), the combined one-sided p-value, and
        ``min(1, 2 min(p, 1 - p))`` as the two-sided one.

    Raises
    ------
    AnalysisError
        Fewer than 2 p-values; a p-value not strictly between 0 and 1; weighted Stouffer without weights, or with
        weights not positive or not one per study; an unknown method.
    """
    p = np.asarray(p_one_sided, float)
    k = len(p)
    if k < 2:
        raise AnalysisError("combining p-values needs at least 2 studies")
    if np.any((p <= 0) | (p >= 1)):
        raise AnalysisError("one-sided p-values must lie strictly between 0 and 1")
    labels = tuple(str(s) for s in study) if study is not None else tuple(str(i + 1) for i in range(k))
    z = stats.norm_isf(p)
    if method == "stouffer":
        stat = float(z.sum() / np.sqrt(k))
        pc = float(stats.norm_sf(stat))
    elif method == "weighted_stouffer":
        if weights is None:
            raise AnalysisError("weighted Stouffer needs weights (e.g. the square root of each sample size)")
        w = np.asarray(weights, float)
        if w.shape != p.shape or np.any(w <= 0):
            raise AnalysisError("weights must be positive, one per study")
        stat = float((w * z).sum() / np.sqrt((w**2).sum()))
        pc = float(stats.norm_sf(stat))
    elif method == "fisher":
        stat = float(-2 * np.log(p).sum())
        pc = float(stats.chi2_sf(stat, 2 * k))
    else:
        raise AnalysisError(f"unknown p-value combination method '{method}' (stouffer, weighted_stouffer, fisher)")
    return CombinedP(method, k, stat, pc, min(1.0, 2 * min(pc, 1 - pc)), labels)
