"""Crossover trials entered as per-period (unpaired) summaries, analysed as paired with a within-patient
correlation r (Elbourne et al. 2002, Int J Epidemiol 31:140; Cochrane Handbook 23.2.6-23.2.7).

Pooling a crossover trial's two periods as if they were two parallel groups ignores that every patient is in both:
the trial gets too little weight (Handbook 23.2.6). When only the per-period summaries are reported, the paired
analysis is approximated with an assumed correlation r between a patient's two periods:

- a difference of two estimates computed from the same patients has variance v_t + v_c - 2 cov, and with
  cov = r sqrt(v_t v_c) this is the Handbook's SE(MD) = sqrt(SD_E^2 + SD_C^2 - 2 r SD_E SD_C) / sqrt(N)
  (23.2.7) for a mean difference;
- the standardised mean difference of a paired design is MD / sqrt((SD_E^2 + SD_C^2) / 2) with
  SE = sqrt(1/N + SMD^2 / (2N)) sqrt(2 (1 - r)) (Handbook 23.2.7, its worked example 0.218 and 0.256);
- a binary outcome reported as marginal counts (events on each treatment) gives the marginal log odds ratio, log
  risk ratio or risk difference, with the same variance formula applied to the delta-method variances of the two
  arms' estimates (Becker & Balagtas 1993, Biometrics 49:997; Elbourne et al. 2002; Curtin, Elbourne & Altman
  2002, Stat Med 21:2145). The correlation is then the phi coefficient of the paired 2x2 table, which the margins
  bound: phi <= sqrt(p_lo (1 - p_hi) / (p_hi (1 - p_lo))) (the Frechet bound p11 <= min(p_t, p_c)); an assumed r
  above the bound is lowered to it, and an arm with no events (or only events) bounds it at 0, where the paired
  and the parallel analysis agree.

With r = 0 the mean difference and the binary measures equal the parallel analysis exactly. The patients observed
in both periods are taken to be those of the smaller period (min(n_t, n_c)) when the two periods' counts differ.

Pure numpy; the per-row correlation is the column ``ri`` (metafor's name), NaN for a row that is not paired.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import AnalysisError
from .choices import Measure
from .escalc import corrected_cells

PAIRED_MEASURES = frozenset({Measure.OR, Measure.RR, Measure.RD, Measure.MD, Measure.SMD})


def paired_variance(v_t, v_c, r, n_t, n_c) -> np.ndarray:
    """The variance of a difference of two estimates from the same patients: v_t + v_c - 2 r sqrt(v_t v_c) f,
    with f = sqrt(min(n_t, n_c) / max(n_t, n_c)) (1 when the two periods have the same patients).

    Parameters
    ----------
    v_t, v_c : array_like
        The sampling variances of the treatment and the control period's estimates (a mean, a log odds, a log risk,
        a risk), as if the periods were independent groups.
    r : array_like
        The within-patient correlation of the two periods' estimates, in [0, 1).
    n_t, n_c : array_like
        Patients in the treatment and in the control period.

    Returns
    -------
    numpy.ndarray
        The paired variance (positive for r < 1).
    """
    v_t, v_c, r = (np.asarray(x, dtype=float) for x in (v_t, v_c, r))
    n_t, n_c = np.asarray(n_t, dtype=float), np.asarray(n_c, dtype=float)
    overlap = np.sqrt(np.minimum(n_t, n_c) / np.maximum(n_t, n_c))
    return v_t + v_c - 2 * r * np.sqrt(v_t * v_c) * overlap


def max_phi(events_t, n_t, events_c, n_c) -> np.ndarray:
    """The largest phi coefficient (within-patient correlation) that a paired 2x2 table with these margins can have.

    Parameters
    ----------
    events_t, n_t, events_c, n_c : array_like
        Events and patients on each treatment (the margins of the paired table).

    Returns
    -------
    numpy.ndarray
        sqrt(p_lo (1 - p_hi) / (p_hi (1 - p_lo))) with p_lo, p_hi the smaller and larger of the two event
        proportions (1 when they are equal); 0 where a proportion is 0 or 1 (a constant is uncorrelated).
    """
    p_t = np.asarray(events_t, dtype=float) / np.asarray(n_t, dtype=float)
    p_c = np.asarray(events_c, dtype=float) / np.asarray(n_c, dtype=float)
    lo, hi = np.minimum(p_t, p_c), np.maximum(p_t, p_c)
    inside = (lo > 0) & (hi < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.sqrt(lo * (1 - hi) / (hi * (1 - lo)))
    return np.where(inside, bound, 0.0)


def binary_correlation(r, events_t, n_t, events_c, n_c) -> np.ndarray:
    """The correlation a paired binary analysis can use: the assumed r, lowered to the margins' bound.

    Parameters
    ----------
    r : array_like
        The assumed within-patient correlation, in [0, 1) (NaN passes through).
    events_t, n_t, events_c, n_c : array_like
        Events and patients on each treatment.

    Returns
    -------
    numpy.ndarray
        min(r, :func:`max_phi`); NaN where r is NaN.
    """
    r = np.asarray(r, dtype=float)
    return np.where(np.isnan(r), np.nan, np.minimum(r, max_phi(events_t, n_t, events_c, n_c)))


def binary_period_variances(measure: Measure, a, b, c, d) -> tuple[np.ndarray, np.ndarray]:
    """The sampling variance of each period's estimate, as the parallel variance splits into them.

    Parameters
    ----------
    measure : Measure
        OR (log odds), RR (log risk) or RD (risk).
    a, b, c, d : array_like
        Events and non-events on treatment, then on control (after any zero-cell correction).

    Returns
    -------
    v_t, v_c : numpy.ndarray
        1/a + 1/b and 1/c + 1/d (OR); 1/a - 1/(a+b) and 1/c - 1/(c+d) (RR); p(1-p)/n of each period (RD). Their sum
        is escalc's parallel variance.

    Raises
    ------
    AnalysisError
        Another measure.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure is Measure.OR:
            return 1 / a + 1 / b, 1 / c + 1 / d
        if measure is Measure.RR:
            return 1 / a - 1 / (a + b), 1 / c - 1 / (c + d)
        if measure is Measure.RD:
            n1, n2 = a + b, c + d
            return a * b / n1**3, c * d / n2**3
    raise AnalysisError(f"no paired variance for measure {measure.value} of 2x2 counts (OR, RR and RD have one)")


def paired_smd(mean_t, sd_t, mean_c, sd_c, n, r) -> tuple[np.ndarray, np.ndarray]:
    """The standardised mean difference of a crossover trial and its variance (Cochrane Handbook 23.2.7).

    Parameters
    ----------
    mean_t, sd_t, mean_c, sd_c : array_like
        Each period's mean and standard deviation.
    n : array_like
        Patients (in both periods).
    r : array_like
        The within-patient correlation, in [0, 1).

    Returns
    -------
    yi : numpy.ndarray
        (mean_t - mean_c) / sqrt((sd_t^2 + sd_c^2) / 2).
    vi : numpy.ndarray
        (1/n + yi^2 / (2n)) * 2 (1 - r), the square of the Handbook's SE.
    """
    mean_t, sd_t, mean_c, sd_c, n, r = (np.asarray(x, dtype=float) for x in (mean_t, sd_t, mean_c, sd_c, n, r))
    yi = (mean_t - mean_c) / np.sqrt((sd_t**2 + sd_c**2) / 2)
    return yi, (1 / n + yi**2 / (2 * n)) * 2 * (1 - r)


def paired_effects(measure: Measure, cols: Mapping[str, np.ndarray], zero_cells, yi: np.ndarray,
                   vi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows with a within-patient correlation (column ``ri``) analysed as paired; the other rows unchanged.

    Parameters
    ----------
    measure : Measure
        OR, RR, RD, MD or SMD.
    cols : mapping of str to numpy.ndarray
        The canonical columns of the measure and ``ri`` (NaN for a row that is not paired).
    zero_cells : ZeroCells
        The zero-cell rule the parallel effects used (binary measures).
    yi, vi : numpy.ndarray
        The parallel effect sizes and variances of every row.

    Returns
    -------
    yi, vi : numpy.ndarray
        The paired effect sizes (changed for SMD only) and variances where ``ri`` is set.

    Raises
    ------
    AnalysisError
        A paired row with a measure that has no paired form here (PETO, the proportions), or a correlation outside
        [0, 1).
    """
    r = np.asarray(cols["ri"], dtype=float)
    paired = ~np.isnan(r)
    if not paired.any():
        return yi, vi
    if measure not in PAIRED_MEASURES:
        raise AnalysisError(f"a within-patient correlation (ri) is defined here for OR, RR, RD, MD and SMD, not "
                            f"{measure.value}")
    if ((r[paired] < 0) | (r[paired] >= 1)).any():
        raise AnalysisError("a within-patient correlation (ri) must lie in [0, 1)")
    n_t, n_c = cols["n_t"], cols["n_c"]
    if measure is Measure.SMD:
        y, v = paired_smd(cols["mean_t"], cols["sd_t"], cols["mean_c"], cols["sd_c"], np.minimum(n_t, n_c), r)
        return np.where(paired, y, yi), np.where(paired, v, vi)
    if measure is Measure.MD:
        v_t, v_c = cols["sd_t"] ** 2 / n_t, cols["sd_c"] ** 2 / n_c
    else:
        a, b, c, d, _, _ = corrected_cells(measure, dict(cols), zero_cells)
        v_t, v_c = binary_period_variances(measure, a, b, c, d)
        r = binary_correlation(r, cols["events_t"], n_t, cols["events_c"], n_c)
    with np.errstate(invalid="ignore"):
        v = paired_variance(v_t, v_c, np.where(paired, r, 0.0), n_t, n_c)
    return yi, np.where(paired, v, vi)
