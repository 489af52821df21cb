"""Tail probabilities and quantiles of the normal, t, chi-square and F distributions.

From meta/special.py, our numpy implementations (checked against scipy.special and mpmath in
tests/test_special.py): importing scipy.special costs ~0.1-0.16 s of start-up, scipy.stats ~0.4 s.
"""
from __future__ import annotations

import numpy as np

from . import special


def norm_sf(x):
    return special.ndtr(-np.asarray(x, float))


def norm_isf(a):
    return -special.ndtri(np.asarray(a, float))


def t_sf(x, df):
    return special.stdtr(df, -np.asarray(x, float))


def t_isf(a, df):
    return special.stdtrit(df, 1 - np.asarray(a, float))


def chi2_sf(x, df):
    return special.chdtrc(df, x)


def chi2_isf(a, df):
    return special.chdtri(df, a)


def chi2_ppf(a, df):
    return special.chdtri(df, 1 - np.asarray(a, float))


def f_sf(x, df1, df2):
    return special.fdtrc(df1, df2, x)
