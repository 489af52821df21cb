"""Tail probabilities and quantiles from scipy.special (importing scipy.stats costs ~0.4 s of start-up)."""
from __future__ import annotations

import numpy as np
from scipy import special


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
