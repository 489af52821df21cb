"""Tail probabilities and quantiles of the normal, t, chi-square and F distributions, from scipy.special.

scipy.special's ufuncs (about 1 µs a call) rather than scipy.stats, whose import costs ~0.4 s; scipy.special
costs ~0.2 s to import, paid only by commands that fit models (this module is never imported by `evsynth --help`
or `evsynth validate`: tests/test_layers.py). Every function broadcasts and works elementwise, so a value never
depends on the other elements of its batch (tests/test_scale.py).
"""
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
    p = 1 - np.asarray(a, float)
    # scipy.special.stdtrit(df, 0) returns +inf (scipy 1.17.1); the quantile is -inf. p = 1 - a is 0 or at
    # least 1.1e-16, well above where stdtrit's lower tail goes wrong (p < 1e-78 for df < 1)
    return np.where(p == 0, -np.inf, special.stdtrit(df, p))[()]


def chi2_sf(x, df):
    return special.chdtrc(df, x)


def chi2_isf(a, df):
    return special.chdtri(df, a)


def chi2_ppf(a, df):
    return special.chdtri(df, 1 - np.asarray(a, float))


def f_sf(x, df1, df2):
    return special.fdtrc(df1, df2, x)
