"""Effect-size formulas, transcribed from metafor's escalc() (3.8-1 and 4.x agree on these).

Arrays in, arrays out; the caller records which studies were adjusted or dropped.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .choices import Measure, ZeroTo

Z975 = 1.959963984540054


def _zero_flags(cells: list[np.ndarray], to: ZeroTo) -> np.ndarray:
    n = len(cells[0])
    if to is ZeroTo.NONE:
        return np.zeros(n, dtype=bool)
    if to is ZeroTo.ALL:
        return np.ones(n, dtype=bool)
    any0 = np.zeros(n, dtype=bool)
    for c in cells:
        any0 |= c == 0
    if to is ZeroTo.IF0ALL:
        return np.full(n, bool(any0.any()))
    return any0


def corrected_cells(measure: Measure, cols: dict, zero) -> tuple[np.ndarray, ...]:
    """The four cells of each 2x2 table after the zero-cell rule, as escalc() computes its effects from them.

    Parameters
    ----------
    measure : Measure
        The binary measure (it decides the default amount added, see ``ZeroCells.add_for``).
    cols : dict
        Float arrays ``events_t, n_t, events_c, n_c``.
    zero : ZeroCells
        The zero-cell rule; ``drop00`` is read as a bool (None counts as False).

    Returns
    -------
    a, b, c, d : numpy.ndarray
        Events and non-events of the treatment arm, then of the control arm, with the correction added where it
        applies.
    adjusted : numpy.ndarray
        bool, True for the studies that received the correction (not the dropped ones).
    dropped : numpy.ndarray
        bool, True for the double-zero studies dropped (only with ``drop00``).
    """
    ai, n1 = cols["events_t"], cols["n_t"]
    ci, n2 = cols["events_c"], cols["n_c"]
    bi, di = n1 - ai, n2 - ci
    dropped = np.zeros(len(ai), dtype=bool)
    if zero.drop00:
        dropped = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    adjusted = _zero_flags([ai, bi, ci, di], zero.to) & ~dropped
    add = zero.add_for(measure) * adjusted
    return ai + add, bi + add, ci + add, di + add, adjusted, dropped


def binary_effects(measure: Measure, cols: dict, zero) -> tuple[np.ndarray, ...]:
    """OR, RR, RD, PETO from events/totals per arm.

    Parameters
    ----------
    measure : Measure
        OR, RR, RD or PETO.
    cols : dict
        Float arrays ``events_t, n_t, events_c, n_c`` (events and totals per arm).
    zero : ZeroCells
        The zero-cell rule; ``drop00`` is read as a bool (None counts as False).

    Returns
    -------
    yi : numpy.ndarray
        Log odds ratio (OR, PETO), log risk ratio (RR) or risk difference (RD, a difference of proportions 0-1);
        NaN or infinite where not estimable (a zero cell without correction).
    vi : numpy.ndarray
        Sampling variances (infinite or NaN likewise).
    adjusted : numpy.ndarray
        bool, True for the studies that received the zero-cell correction (not the dropped ones).
    dropped : numpy.ndarray
        bool, True for the double-zero studies dropped (only with ``drop00``).

    Raises
    ------
    ValueError
        A measure that is not a two-arm binary one (callers check this first).
    """
    ai, bi, ci, di, adjusted, dropped = corrected_cells(measure, cols, zero)
    n1, n2 = ai + bi, ci + di
    p1, p2 = ai / n1, ci / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure is Measure.RR:
            yi = np.log(p1) - np.log(p2)
            vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
        elif measure is Measure.OR:
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
        elif measure is Measure.RD:
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        elif measure is Measure.PETO:
            n = n1 + n2
            xt, yt = ai + ci, bi + di
            e = xt * n1 / n
            v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
            yi = (ai - e) / v
            vi = 1 / v
        else:  # pragma: no cover - guarded by the caller
            raise ValueError(measure)
    return yi, vi, adjusted, dropped


def cmi(m: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction of Hedges' g (metafor's .cmicalc).

    Parameters
    ----------
    m : numpy.ndarray
        Degrees of freedom, n_t + n_c - 2.

    Returns
    -------
    numpy.ndarray
        The correction factor c(m) (below 1); Hedges' g is c(m) times Cohen's d.
    """
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def continuous_effects(measure: Measure, cols: dict) -> tuple[np.ndarray, np.ndarray]:
    """MD (heteroscedastic variance, vtype LS) and SMD (Hedges' g, vtype LS).

    Parameters
    ----------
    measure : Measure
        MD; any other measure gives SMD.
    cols : dict
        Float arrays ``mean_t, sd_t, n_t, mean_c, sd_c, n_c``.

    Returns
    -------
    yi : numpy.ndarray
        Mean difference (treatment minus control, in the unit of the means), or Hedges' g (in pooled-SD units).
    vi : numpy.ndarray
        Sampling variances.
    """
    m1, s1, n1 = cols["mean_t"], cols["sd_t"], cols["n_t"]
    m2, s2, n2 = cols["mean_c"], cols["sd_c"], cols["n_c"]
    if measure is Measure.MD:
        return m1 - m2, s1**2 / n1 + s2**2 / n2
    mi = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / mi)
    yi = cmi(mi) * (m1 - m2) / sp
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    return yi, vi


def proportion_effects(measure: Measure, cols: dict, zero) -> tuple[np.ndarray, ...]:
    """PR, PLO, PAS, PFT; PAS and PFT are corrected only when an `add` is given explicitly, as in metafor.

    Parameters
    ----------
    measure : Measure
        PR, PLO or PAS; any other measure gives PFT.
    cols : dict
        Float arrays ``events, n``.
    zero : ZeroCells
        The zero-cell rule (its `add` defaults to 0.5 for PR and PLO, 0 for PAS and PFT).

    Returns
    -------
    yi : numpy.ndarray
        The raw proportion (PR, 0-1, not percent), its logit (PLO), arcsine square root (PAS) or Freeman-Tukey double
        arcsine (PFT); NaN or infinite where not estimable (a logit of 0 or 1 without correction).
    vi : numpy.ndarray
        Sampling variances.
    adjusted : numpy.ndarray
        bool, True for the studies that received the zero-cell correction.
    """
    xi, ni = cols["events"], cols["n"]
    amount = zero.add_for(measure)
    adjusted = _zero_flags([xi, ni - xi], zero.to) & (amount > 0)
    add = amount * adjusted
    x, m = xi + add, ni - xi + add
    n = x + m
    p = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure is Measure.PR:
            return p, p * (1 - p) / n, adjusted
        if measure is Measure.PLO:
            return np.log(p / (1 - p)), 1 / x + 1 / m, adjusted
    if measure is Measure.PAS:
        return np.arcsin(np.sqrt(p)), 1 / (4 * n), adjusted
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return yi, 1 / (4 * n + 2), adjusted


def generic_from_ratio_ci(est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A ratio (OR, RR, HR) with its 95% CI to the log scale: yi = log(est), sei = (log hi - log lo) / (2 z).

    Parameters
    ----------
    est : numpy.ndarray
        The ratios, natural scale (positive).
    lo : numpy.ndarray
        Lower limits of their 95% CIs, natural scale.
    hi : numpy.ndarray
        Upper limits, natural scale.

    Returns
    -------
    yi : numpy.ndarray
        log(est).
    vi : numpy.ndarray
        The sampling variance, sei squared (not sei).
    """
    sei = (np.log(hi) - np.log(lo)) / (2 * Z975)
    return np.log(est), sei**2
