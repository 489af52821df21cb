"""Back-transformations from the analysis scale to the natural scale (metafor's transf.* functions)."""
from __future__ import annotations

import numpy as np


def ipft_hm(t: np.ndarray | float, ni: np.ndarray) -> np.ndarray:
    """Inverse Freeman-Tukey double arcsine with the harmonic mean of the sample sizes (Miller 1978)."""
    return ipft(t, 1.0 / np.mean(1.0 / np.asarray(ni, dtype=float)))


def ipft(t: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """Inverse Freeman-Tukey double arcsine for sample size n (broadcast against t)."""
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
    (metafor's transf.ipft.hm); without them the values are NaN. Scales without a transformation pass through."""
    if scale == "ft":
        ns = np.atleast_1d(np.asarray(n if n is not None else [], dtype=float))
        if ns.size == 0:
            return [float("nan")] * len(values)
        out = back_transform(scale, values, np.full(len(values), ns.size / np.sum(1.0 / ns)))
    else:
        out = back_transform(scale, values)
    return [float(v) for v in (values if out is None else out)]


def back_transform(scale: str, values, ni=None):
    """Map values on `scale` to the natural scale; None where no transformation applies."""
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
