"""Small-study effects: Egger's regression test, Begg's rank correlation, Peters' and Harbord's tests for
binary outcomes, and trim-and-fill, as metafor's regtest(), ranktest() and trimfill() define them.

These tests have little power with few studies: the Cochrane Handbook (10.4.3.1) advises them only with at
least 10 studies. Results for fewer are still computed, and carry that warning in `notes`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..engine.choices import Measure, Method, Test
from ..engine.distributions import norm_sf, t_isf, t_sf
from ..engine.effects import Effects
from ..errors import AnalysisError
from ..engine.pooling import pool
from ..engine.regression import Design, meta_regression
from ..engine.results import MetaResult
from ..jsonable import Jsonable, Sparse
from .refits import Skipped

MIN_STUDIES = 10
FEW_STUDIES = (f"fewer than {MIN_STUDIES} studies: tests for funnel plot asymmetry have too little power to "
               f"tell chance from real asymmetry (Cochrane Handbook 10.4.3.1)")


@dataclass(frozen=True)
class AsymmetryTest(Jsonable):
    """A regression or rank test for funnel plot asymmetry.

    Attributes
    ----------
    name : str
        egger, egger_lm, peters, harbord or begg.
    statistic : float
        z or t of the asymmetry term; Kendall's tau for Begg's test.
    pvalue : float
        Its p-value.
    df : float | None
        Degrees of freedom of a t test.
    limit_estimate : float | None
        The intercept: the estimate as the standard error goes to 0 (analysis scale).
    limit_ci_low : float | None
        Its lower confidence limit.
    limit_ci_high : float | None
        Its upper confidence limit.
    k : int
        Studies tested.
    notes : tuple[str, ...]
        Warnings (fewer than 10 studies ...).
    """

    name: str  # "egger", "egger_lm", "peters", "harbord", "begg"
    statistic: float  # z or t for the asymmetry term; Kendall's tau for Begg's test
    pvalue: float
    df: float | None = None
    limit_estimate: float | None = None  # the intercept: the estimate as the standard error goes to 0
    limit_ci_low: float | None = None
    limit_ci_high: float | None = None
    k: int = 0
    notes: tuple[str, ...] = ()


def _notes(k: int, extra: Sequence[str] = ()) -> tuple[str, ...]:
    return tuple(([FEW_STUDIES] if k < MIN_STUDIES else []) + list(extra))


def _need(k: int, least: int, what: str) -> None:
    if k < least:
        raise AnalysisError(f"{what} needs at least {least} studies; there {'is' if k == 1 else 'are'} {k}")


def egger(effects: Effects, method: Method = Method.REML, test: Test = Test.Z, level: float = 0.95) -> AsymmetryTest:
    """metafor's regtest() default: the model with the standard error as moderator (same method and test).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    method : Method
        The analysis's method; MH and Peto are fitted by inverse variance (FE), with a note.
    test : Test
        z, or knha / adhoc (a t test with k - 2 df).
    level : float
        Confidence level as a proportion (0.95), for the limit estimate's CI.

    Returns
    -------
    AsymmetryTest
        The test of the standard error's coefficient, and the intercept (the limit estimate as the standard error
        goes to 0, analysis scale) with its CI.

    Raises
    ------
    AnalysisError
        Fewer than 3 studies; every study with the same variance (collinear moderator), and the other errors of
        :func:`meta_regression`.
    """
    method, test = Method(method), Test(test)
    k = effects.k
    _need(k, 3, "Egger's test")
    fit_method = Method.FE if method in (Method.MH, Method.PETO) else method
    design = Design(np.column_stack([np.ones(k), np.sqrt(effects.vi)]), ("intrcpt", "sei"))
    r = meta_regression(effects, design, fit_method, test, level)
    b0, b1 = r.coefficients
    notes = [] if fit_method is method else [f"fitted by inverse variance ({fit_method.value}), as {method.value} "
                                             f"has no meta-regression"]
    df = None if test is Test.Z else float(k - 2)
    return AsymmetryTest("egger", b1.statistic, b1.pvalue, df, b0.estimate, b0.ci_low, b0.ci_high, k,
                         _notes(k, notes))


def _weighted_lm(y: np.ndarray, x: np.ndarray, w: np.ndarray, level: float, name: str) -> AsymmetryTest:
    """Weighted least squares y ~ 1 + x with residual variance estimated (R's lm(weights=w)); t(k-2)."""
    k = len(y)
    X = np.column_stack([np.ones(k), x])
    xtwx = X.T @ (X * w[:, None])
    if np.linalg.matrix_rank(xtwx) < 2:
        raise AnalysisError(f"{name}: the predictor does not vary between studies")
    inv = np.linalg.inv(xtwx)
    beta = inv @ (X.T @ (w * y))
    resid = y - X @ beta
    df = k - 2
    s2 = float(np.sum(w * resid**2) / df)
    if not s2 > 1e-300:
        raise AnalysisError(f"{name}: the studies lie exactly on the regression line (no residual variance)")
    se = np.sqrt(np.diag(inv) * s2)
    t = beta / se
    p = 2 * t_sf(np.abs(t), df)
    crit = float(t_isf((1 - level) / 2, df))
    return AsymmetryTest(name, float(t[1]), float(p[1]), float(df), float(beta[0]), float(beta[0] - crit * se[0]),
                         float(beta[0] + crit * se[0]), k, _notes(k))


def egger_lm(effects: Effects, level: float = 0.95) -> AsymmetryTest:
    """The classical Egger test: weighted regression of yi on sei with weights 1/vi (regtest(model = "lm")).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    level : float
        Confidence level as a proportion (0.95), for the intercept's CI.

    Returns
    -------
    AsymmetryTest
        The t test (k - 2 df) of the slope on sei, and the intercept with its CI (analysis scale).

    Raises
    ------
    AnalysisError
        Fewer than 3 studies; sei does not vary; the studies lie exactly on the regression line.
    """
    _need(effects.k, 3, "Egger's test")
    return _weighted_lm(effects.yi, np.sqrt(effects.vi), 1 / effects.vi, level, "egger_lm")


def peters(effects: Effects, n_total: Sequence[float], level: float = 0.95) -> AsymmetryTest:
    """Peters' test: weighted regression of yi on 1/n (total sample size), weights 1/vi, as metafor's
    regtest(model = "lm", predictor = "ninv").

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    n_total : sequence of float
        Each study's total sample size, in the order of ``effects.study``.
    level : float
        Confidence level as a proportion (0.95), for the intercept's CI.

    Returns
    -------
    AsymmetryTest
        The t test (k - 2 df) of the slope on 1/n, and the intercept with its CI (analysis scale).

    Raises
    ------
    AnalysisError
        Fewer than 3 studies; not one sample size per study; 1/n does not vary; the studies lie exactly on the line.
    """
    _need(effects.k, 3, "Peters' test")
    n = np.asarray(n_total, dtype=float)
    if len(n) != effects.k:
        raise AnalysisError(f"Peters' test: {len(n)} sample sizes for {effects.k} studies")
    return _weighted_lm(effects.yi, 1 / n, 1 / effects.vi, level, "peters")


def harbord(data: Mapping[str, Sequence[float]], level: float = 0.95) -> AsymmetryTest:
    """Harbord, Egger & Sterne (2006): regress Z/sqrt(V) on sqrt(V) by ordinary least squares and test the
    intercept against t(k-2), where Z = a - (a+b)(a+c)/N is the efficient score of the log odds ratio and
    V = (a+b)(c+d)(a+c)(b+d) / (N^2 (N-1)) its (hypergeometric) variance. Studies with V = 0 (no events or
    no non-events at all) carry no information and are left out.

    Parameters
    ----------
    data : mapping of str to sequence of float
        The 2x2 counts per study: ``events_t, n_t, events_c, n_c``.
    level : float
        Not used (the test reports no limit estimate or CI).

    Returns
    -------
    AsymmetryTest
        The intercept's t statistic, its two-sided p-value and df = k - 2, k counting the studies with V > 0.

    Raises
    ------
    AnalysisError
        Fewer than 3 studies with V > 0.
    """
    a = np.asarray(data["events_t"], dtype=float)
    n1 = np.asarray(data["n_t"], dtype=float)
    c = np.asarray(data["events_c"], dtype=float)
    n2 = np.asarray(data["n_c"], dtype=float)
    N = n1 + n2
    m1 = a + c
    m2 = N - m1
    V = n1 * n2 * m1 * m2 / (N**2 * (N - 1))
    ok = V > 0
    k = int(ok.sum())
    _need(k, 3, "Harbord's test")
    Z = (a - n1 * m1 / N)[ok]
    sv = np.sqrt(V[ok])
    # ordinary least squares of Z/sqrt(V) on sqrt(V); the asymmetry term is the intercept
    X = np.column_stack([np.ones(k), sv])
    inv = np.linalg.inv(X.T @ X)
    beta = inv @ (X.T @ (Z / sv))
    resid = Z / sv - X @ beta
    s2 = float(resid @ resid / (k - 2))
    t0 = float(beta[0] / math.sqrt(inv[0, 0] * s2))
    skipped = int((~ok).sum())
    extra = [f"{skipped} studies without events or without non-events left out (no information)"] if skipped else []
    return AsymmetryTest("harbord", t0, float(2 * t_sf(abs(t0), k - 2)), float(k - 2), None, None, None, k,
                         _notes(k, extra))


def begg(effects: Effects) -> AsymmetryTest:
    """Begg and Mazumdar's rank correlation, as metafor's ranktest(): Kendall's tau between the standardised
    deviates (yi - theta_FE) / sqrt(vi - var(theta_FE)) and vi; the exact p-value (R's cor.test with
    exact = TRUE) unless there are ties (then the normal approximation with the tie-corrected variance).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.

    Returns
    -------
    AsymmetryTest
        Kendall's tau as the statistic and its two-sided p-value (NaN, with a note, when every value is tied).

    Raises
    ------
    AnalysisError
        Fewer than 3 studies.
    """
    k = effects.k
    _need(k, 3, "Begg's test")
    y, v = effects.yi, effects.vi
    w = 1 / v
    theta = float(np.sum(w * y) / np.sum(w))
    vb = 1 / float(np.sum(w))
    ystar = (y - theta) / np.sqrt(v - vb)
    tau, pvalue, note = kendall(ystar, v)
    return AsymmetryTest("begg", tau, pvalue, None, None, None, None, k, _notes(k, [note] if note else []))


EXACT_MAX = 250  # larger untied samples: the normal approximation


def kendall(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """Kendall's tau-b and its two-sided p-value as R's cor.test(method = "kendall", exact = TRUE).

    Parameters
    ----------
    x, y : numpy.ndarray
        The paired values, of equal length.

    Returns
    -------
    tau : float
        Kendall's tau-b (NaN when either variable is constant).
    pvalue : float
        Two-sided: exact without ties and for at most EXACT_MAX pairs; else the normal approximation with the
        tie-corrected variance (NaN when there is no variation).
    note : str
        Which approximation was used and why ("" for the exact p-value).
    """
    n = len(x)
    tx = _tie_counts(x)
    ty = _tie_counts(y)
    t0 = n * (n - 1) / 2
    t1 = float(np.sum(tx * (tx - 1)) / 2)
    t2 = float(np.sum(ty * (ty - 1)) / 2)
    denom = math.sqrt((t0 - t1) * (t0 - t2))
    if n <= EXACT_MAX:  # every pair at once (n^2 memory)
        dx = np.sign(x[:, None] - x[None, :])
        dy = np.sign(y[:, None] - y[None, :])
        iu = np.triu_indices(n, 1)
        s = float(np.sum(dx[iu] * dy[iu]))
    else:  # Knight's O(n log n) algorithm, in scipy
        from scipy.stats import kendalltau

        tau_b = kendalltau(x, y, variant="b").statistic
        s = float(tau_b) * denom if denom > 0 else 0.0
    tau = s / denom if denom > 0 else float("nan")
    ties = t1 > 0 or t2 > 0
    if not ties and n <= EXACT_MAX:
        q = round((tau + 1) * n * (n - 1) / 4)  # concordant pairs
        cdf = _kendall_cdf(n)
        if q > n * (n - 1) / 4:
            p = 1 - cdf[q - 1]
        else:
            p = cdf[q]
        return tau, min(2 * p, 1.0), ""
    v0 = n * (n - 1) * (2 * n + 5)
    vt = float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
    vu = float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    v1 = float(np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1)))
    v2 = float(np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2)))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    if not var_s > 0 or not math.isfinite(tau):
        return tau, float("nan"), "no variation to rank (every value tied): Kendall's tau is undefined"
    z = s / math.sqrt(var_s)
    note = ("ties: normal approximation to Kendall's tau (no exact p-value with ties, as R)" if ties else
            f"k > {EXACT_MAX}: normal approximation to Kendall's tau")
    return tau, float(2 * norm_sf(abs(z))), note


def _tie_counts(x: np.ndarray) -> np.ndarray:
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def _kendall_cdf(n: int) -> np.ndarray:
    """P(T <= q) for the number of concordant pairs T among n untied pairs (Mahonian numbers / n!)."""
    counts = np.array([1.0])
    for m in range(2, n + 1):
        # permutations of m: convolve with a window of m ones (inversions added by the m-th element)
        new = np.convolve(counts, np.ones(m))
        counts = new / m  # keep probabilities, not counts (no overflow)
    return np.cumsum(counts)


@dataclass(frozen=True)
class TrimFill(Jsonable):
    """Duval and Tweedie's trim-and-fill (metafor's trimfill()).

    Attributes
    ----------
    estimator : str
        L0 or R0.
    side : str
        The side on which studies are missing: left or right.
    k0 : int
        Studies imputed.
    k0_se : float
        Standard error of k0.
    filled : MetaResult
        The analysis with the imputed studies.
    filled_yi : tuple[float, ...]
        Effect sizes of the imputed studies, analysis scale.
    filled_vi : tuple[float, ...]
        Their sampling variances.
    notes : tuple[str, ...]
        What a reader needs to read it right.
    """

    estimator: str  # "L0" or "R0"
    side: str  # the side on which studies are missing: "left" or "right"
    k0: int  # studies imputed
    k0_se: float
    filled: MetaResult  # the analysis with the imputed studies
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    notes: tuple[str, ...] = ()


def trimfill(effects: Effects, method: Method = Method.REML, estimator: str = "L0", side: str | None = None,
             level: float = 0.95, maxiter: int = 100, test: Test = Test.Z) -> TrimFill:
    """Duval and Tweedie's trim-and-fill, as metafor's trimfill(): the side from the sign of the slope on the
    standard error (missing on the left when it is positive), iterating the estimator of the number of
    missing studies, then refitting with the mirrored studies. As metafor, the refit with filled studies uses
    the z test; when none is missing (k0 = 0) the model is returned as fitted (with `test`).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    method : Method
        The tau^2 estimator or FE; MH and Peto are replaced by FE.
    estimator : {"L0", "R0"}
        The estimator of the number of missing studies.
    side : {"left", "right"}, optional
        The side on which studies are missing (default: from the sign of the slope on the standard error).
    level : float
        Confidence level as a proportion (0.95).
    maxiter : int
        Iterations of the estimator before giving up.
    test : Test
        The test of the returned model when no study is imputed (the filled model uses z).

    Returns
    -------
    TrimFill
        The number of studies imputed and its standard error, the model with them (analysis scale), and their
        mirrored effect sizes and variances.

    Raises
    ------
    AnalysisError
        An unknown estimator or side; fewer than 3 studies; the side cannot be chosen (every variance equal); R0 with
        no study below the centre; no convergence within `maxiter`.
    ValueError
        An unknown method or test name.
    """
    method, test = Method(method), Test(test)
    if method in (Method.MH, Method.PETO):
        method = Method.FE
    if estimator not in ("L0", "R0"):
        raise AnalysisError(f"trim-and-fill estimator must be L0 or R0, not {estimator!r}")
    k = effects.k
    _need(k, 3, "trim-and-fill")
    yi, vi = effects.yi, effects.vi
    if side is None:
        if np.ptp(vi) == 0:
            raise AnalysisError("trim-and-fill cannot choose the side: every study has the same variance, so the "
                                "regression on the standard error is undefined (give the side)")
        design = Design(np.column_stack([np.ones(k), np.sqrt(vi)]), ("intrcpt", "sei"))
        slope = meta_regression(effects, design, method, Test.Z, level).coefficients[1].estimate
        side = "right" if slope < 0 else "left"
    elif side not in ("left", "right"):
        raise AnalysisError(f"trim-and-fill side must be left or right, not {side!r}")
    sign = -1.0 if side == "right" else 1.0
    y = sign * yi
    order = np.argsort(y, kind="stable")
    y, v = y[order], vi[order]
    k0, k0_prev, it = 0, -1, 0
    beta = float("nan")
    se_k0 = float("nan")
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise AnalysisError(f"trim-and-fill did not converge in {maxiter} iterations")
        keep = k - k0
        beta = _pool_estimate(y[:keep], v[:keep], method, level)
        yc = y - beta
        ranks = _rank_first(np.abs(yc))
        signed = np.sign(yc) * ranks
        if estimator == "R0":
            neg = signed[signed < 0]
            if len(neg) == 0:
                raise AnalysisError("trim-and-fill R0: no study lies below the centre, so R0 is undefined")
            k0f = (k - np.max(-neg)) - 1
            se_k0 = math.sqrt(2 * max(0.0, k0f) + 2)
        else:
            sr = float(np.sum(signed[signed > 0]))
            k0f = (4 * sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0f**3 + 27 * k0f**2 + 17 * k0f - 18 * k * k0f**2
                      - 18 * k * k0f + 6 * k**2 * k0f) / 24
            se_k0 = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else float("nan")  # NaN, as R's sqrt
        k0 = max(0, int(round(k0f)))  # halves to even, as R's round()
        se_k0 = max(0.0, se_k0)
    notes = list(_notes(k))
    if k0 > 0:
        mirrored = 2 * beta - y[k - k0:]
        fy = sign * mirrored
        fv = v[k - k0:]
        filled_effects = Effects(effects.measure, effects.study + tuple(f"Filled {i + 1}" for i in range(k0)),
                                 np.concatenate([yi, fy]), np.concatenate([vi, fv]), effects.scale)
        filled = pool(filled_effects, method, Test.Z, level=level)
    else:
        fy, fv = np.array([]), np.array([])
        filled = pool(effects, method, test, level=level)
    return TrimFill(estimator, side, k0, float(se_k0), filled, tuple(fy.tolist()), tuple(fv.tolist()), tuple(notes))


def _pool_estimate(y: np.ndarray, v: np.ndarray, method: Method, level: float) -> float:
    e = Effects(Measure.GEN, tuple(str(i) for i in range(len(y))), y, v, "identity")
    return pool(e, method, Test.Z, level=level, tau2_ci=False).estimate


def _rank_first(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties broken by position (R's rank(ties.method = "first"))."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


@dataclass(frozen=True)
class SmallStudyEffects(Sparse):
    """Tests for small-study effects (funnel-plot asymmetry) and trim-and-fill.

    Attributes
    ----------
    egger : AsymmetryTest | Skipped
        Egger's regression test (metafor's regtest(), same model).
    egger_lm : AsymmetryTest | Skipped | None
        The classical weighted-regression variant.
    begg : AsymmetryTest | Skipped | None
        Begg and Mazumdar's rank correlation (Kendall's tau).
    trimfill : TrimFill | Skipped | None
        Duval and Tweedie's trim-and-fill.
    peters : AsymmetryTest | Skipped | None
        Peters' test (two-arm binary data).
    harbord : AsymmetryTest | Skipped | None
        Harbord's score test (two-arm binary data).
    few_studies : bool
        Fewer than 10 studies: the tests have too little power (Cochrane Handbook 10.4.3.1).
    warning : str | None
        The warning shown with the tests when few_studies.
    """

    egger: AsymmetryTest | Skipped
    egger_lm: AsymmetryTest | Skipped | None = None
    begg: AsymmetryTest | Skipped | None = None
    trimfill: TrimFill | Skipped | None = None
    peters: AsymmetryTest | Skipped | None = None
    harbord: AsymmetryTest | Skipped | None = None
    few_studies: bool = False
    warning: str | None = None
    SPARSE = ("egger_lm", "begg", "trimfill", "peters", "harbord", "warning")


def _attempt(fn):
    """fn()'s result, or Skipped with the reason it cannot be computed for these data."""
    try:
        return fn()
    except AnalysisError as exc:
        return Skipped(str(exc))


def small_study_effects(effects: Effects, method: Method = Method.REML, test: Test = Test.Z, level: float = 0.95,
                        n_total: Sequence[float] | None = None, cells: Mapping[str, Sequence[float]] | None = None,
                        estimator: str = "L0", egger_only: bool = False) -> SmallStudyEffects:
    """Every small-study test that applies, each computed on its own (one that cannot be computed is Skipped with
    its reason, and the others are still reported): what `evsynth run` stores and `evsynth bias` prints.

    Parameters
    ----------
    effects : Effects
        The pooled studies' effect sizes.
    method, test, level
        The analysis' model (Egger's test and trim-and-fill refit with it).
    n_total : sequence of float, optional
        Each study's participants: adds Peters' test (two-arm binary data).
    cells : mapping, optional
        The 2x2 counts (events_t, n_t, events_c, n_c): adds Harbord's test.
    estimator : {"L0", "R0"}
        Trim-and-fill's estimator.
    egger_only : bool
        Only Egger's test (what the grading rules read; `evsynth check`).

    Returns
    -------
    SmallStudyEffects
    """
    few = effects.k < MIN_STUDIES
    found = {"egger": _attempt(lambda: egger(effects, method, test, level))}
    if not egger_only:
        found |= {"egger_lm": _attempt(lambda: egger_lm(effects, level)), "begg": _attempt(lambda: begg(effects)),
                  "trimfill": _attempt(lambda: trimfill(effects, method, estimator, level=level, test=test))}
        if n_total is not None:
            found["peters"] = _attempt(lambda: peters(effects, n_total, level))
        if cells is not None:
            found["harbord"] = _attempt(lambda: harbord(cells, level))
    return SmallStudyEffects(**found, few_studies=few, warning=FEW_STUDIES if few else None)
