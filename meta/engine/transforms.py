"""Back-transformations from the analysis scale to the natural scale (metafor's transf.* functions)."""
from __future__ import annotations

import numpy as np


def ipft_hm(t: np.ndarray | float, ni: np.ndarray) -> np.ndarray:
    """Inverse Freeman-Tukey double arcsine with the harmonic mean of the sample sizes (Miller 1978).

    Parameters
    ----------
    t : numpy.ndarray or float
        Values on the Freeman-Tukey double arcsine scale.
    ni : numpy.ndarray
        The sample sizes whose harmonic mean is used.

    Returns
    -------
    numpy.ndarray
        Proportions, 0-1.
    """
    return ipft(t, 1.0 / np.mean(1.0 / np.asarray(ni, dtype=float)))


def ipft(t: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """Inverse Freeman-Tukey double arcsine for sample size n (broadcast against t).

    Parameters
    ----------
    t : numpy.ndarray or float
        Values on the Freeman-Tukey double arcsine scale.
    n : numpy.ndarray or float
        Sample size(s).

    Returns
    -------
    numpy.ndarray
        Proportions, 0-1 (0 below the scale's smallest value for `n`, 1 above its largest).
    """
    t = np.asarray(t, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(2 * t)
        z = 0.5 * (1 - np.sign(np.cos(2 * t)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))
    lo = 0.5 * (np.arcsin(0.0) + np.arcsin(np.sqrt(1 / (n + 1))))
    hi = 0.5 * (np.arcsin(np.sqrt(n / (n + 1))) + np.arcsin(1.0))
    return np.where(t > hi, 1.0, np.where(t < lo, 0.0, z))


def to_natural(scale: str, values, n=None) -> list[float]:
    """Values (a point estimate and its interval, say) on the natural scale, for display. The Freeman-Tukey
    scale needs the sample size(s) behind them: a study's n, or the pooled studies' n, whose harmonic mean is used
    (metafor's transf.ipft.hm); without them the values are NaN. Scales without a transformation pass through.

    Parameters
    ----------
    scale : str
        "log", "logit", "arcsine", "ft" or "identity" (any other passes through).
    values : sequence of float
        Values on that scale.
    n : array_like, optional
        Sample size(s) for the Freeman-Tukey scale.

    Returns
    -------
    list of float
        The values on the natural scale (a ratio for log, a proportion 0-1 for logit, arcsine and ft), or unchanged.
    """
    if scale == "ft":
        ns = np.atleast_1d(np.asarray(n if n is not None else [], dtype=float))
        if ns.size == 0:
            return [float("nan")] * len(values)
        out = back_transform(scale, values, np.full(len(values), ns.size / np.sum(1.0 / ns)))
    else:
        out = back_transform(scale, values)
    return [float(v) for v in (values if out is None else out)]


def back_transform(scale: str, values, ni=None):
    """Map values on `scale` to the natural scale; None where no transformation applies.

    Parameters
    ----------
    scale : str
        "log" (exp), "logit" (inverse logit), "arcsine" (sin^2, clipped to [0, pi/2] first) or "ft" (inverse
        Freeman-Tukey with the harmonic mean of `ni`).
    values : array_like or None
        Values on that scale.
    ni : array_like, optional
        Sample sizes, for the "ft" scale.

    Returns
    -------
    numpy.ndarray or None
        The values on the natural scale (inf beyond the floating-point range for log); None for any other scale or
        when `values` is None.
    """
    if values is None:
        return None
    v = np.asarray(values, dtype=float)
    if scale == "log":
        with np.errstate(over="ignore"):  # beyond 1.8e308: inf, which results show as null with a note
            out = np.exp(v)
    elif scale == "logit":
        with np.errstate(over="ignore"):
            out = 1 / (1 + np.exp(-v))
    elif scale == "arcsine":
        out = np.sin(np.clip(v, 0, np.pi / 2)) ** 2
    elif scale == "ft":
        out = ipft_hm(v, ni)
    else:
        return None
    return out
