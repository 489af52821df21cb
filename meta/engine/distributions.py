"""Tail probabilities and quantiles of the normal, t, chi-square and F distributions, from scipy.special.

scipy.special's ufuncs (about 1 µs a call) rather than scipy.stats, whose import costs ~0.4 s; scipy.special
costs ~0.2 s to import, paid only by commands that fit models (this module is never imported by `evsynth --help`
or `evsynth validate`: tests/test_layers.py). Every function broadcasts and works elementwise, so a value never
depends on the other elements of its batch (tests/test_scale.py).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special


def norm_sf(x):
    """Upper tail probability P(Z > x) of the standard normal distribution.

    Parameters
    ----------
    x : array_like
        Quantiles.

    Returns
    -------
    numpy.ndarray or float
        Probabilities, elementwise (a scalar for a scalar `x`).
    """
    return special.ndtr(-np.asarray(x, float))


def norm_isf(a):
    """Inverse of :func:`norm_sf`: the x with P(Z > x) = a for the standard normal.

    Parameters
    ----------
    a : array_like
        Upper tail probabilities, in [0, 1] (0 gives inf, 1 gives -inf).

    Returns
    -------
    numpy.ndarray or float
        Quantiles, elementwise (a scalar for a scalar `a`).
    """
    return -special.ndtri(np.asarray(a, float))


def t_sf(x, df):
    """Upper tail probability P(T > x) of Student's t distribution.

    Parameters
    ----------
    x : array_like
        Quantiles.
    df : array_like
        Degrees of freedom (> 0), broadcast against `x`.

    Returns
    -------
    numpy.ndarray or float
        Probabilities, elementwise (a scalar for scalar arguments).
    """
    return special.stdtr(df, -np.asarray(x, float))


def t_isf(a, df):
    """Inverse of :func:`t_sf`: the x with P(T > x) = a for Student's t distribution.

    Parameters
    ----------
    a : array_like
        Upper tail probabilities, in [0, 1]; a = 1 gives -inf.
    df : array_like
        Degrees of freedom (> 0), broadcast against `a`.

    Returns
    -------
    numpy.ndarray or float
        Quantiles, elementwise (a scalar for scalar arguments).
    """
    p = 1 - np.asarray(a, float)
    # scipy.special.stdtrit(df, 0) returns +inf (scipy 1.17.1); the quantile is -inf. p = 1 - a is 0 or at
    # least 1.1e-16, well above where stdtrit's lower tail goes wrong (p < 1e-78 for df < 1)
    return np.where(p == 0, -np.inf, special.stdtrit(df, p))[()]


def chi2_sf(x, df):
    """Upper tail probability P(X > x) of the chi-square distribution.

    Parameters
    ----------
    x : array_like
        Quantiles.
    df : array_like
        Degrees of freedom, broadcast against `x`.

    Returns
    -------
    numpy.ndarray or float
        Probabilities, elementwise (a scalar for scalar arguments).
    """
    return special.chdtrc(df, x)


def chi2_isf(a, df):
    """Inverse of :func:`chi2_sf`: the x with P(X > x) = a for the chi-square distribution (the upper quantile).

    Parameters
    ----------
    a : array_like
        Upper tail probabilities, in [0, 1].
    df : array_like
        Degrees of freedom, broadcast against `a`.

    Returns
    -------
    numpy.ndarray or float
        Quantiles, elementwise (a scalar for scalar arguments).
    """
    return special.chdtri(df, a)


def chi2_ppf(a, df):
    """The x with P(X <= x) = a for the chi-square distribution (the lower quantile).

    Parameters
    ----------
    a : array_like
        Lower tail probabilities, in [0, 1].
    df : array_like
        Degrees of freedom, broadcast against `a`.

    Returns
    -------
    numpy.ndarray or float
        Quantiles, elementwise (a scalar for scalar arguments).
    """
    return special.chdtri(df, 1 - np.asarray(a, float))


def f_sf(x, df1, df2):
    """Upper tail probability P(F > x) of the F distribution.

    Parameters
    ----------
    x : array_like
        Quantiles.
    df1 : array_like
        Numerator degrees of freedom.
    df2 : array_like
        Denominator degrees of freedom; all three broadcast together.

    Returns
    -------
    numpy.ndarray or float
        Probabilities, elementwise (a scalar for scalar arguments).
    """
    return special.fdtrc(df1, df2, x)


def zero_events_upper(n: float, level: float = 0.95) -> float:
    """The exact (Clopper-Pearson) upper confidence limit of a proportion when none of n had the event.

    Parameters
    ----------
    n : float
        The number of patients, none with the event.
    level : float
        The two-sided confidence level.

    Returns
    -------
    float
        1 - ((1 - level) / 2) ** (1 / n), what R's binom.test(0, n) gives; nan for n <= 0.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie between 0 and 1, not {level!r}")
    return -math.expm1(math.log((1.0 - level) / 2.0) / n) if n > 0 else float("nan")  # exact for large n
