"""Batched weighted least squares: the matrix algebra every estimator shares.

Shapes: B analyses padded to K studies; y, w are (B, K); X is (B, K, p); padded cells carry w = 0.
P = W - W X (X'WX)^-1 X'W is never formed: its traces reduce to p x p products.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WLSFit:
    beta: np.ndarray  # (B, p)
    vb: np.ndarray  # (B, p, p) = (X'WX)^-1
    resid: np.ndarray  # (B, K)
    rss: np.ndarray  # y'Py = sum w e^2, (B,)
    tr_p: np.ndarray  # tr(P), (B,)


def _inv(a: np.ndarray) -> np.ndarray:
    if a.shape[-1] == 1:
        return 1.0 / a
    return np.linalg.inv(a)


def fit(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> WLSFit:
    """Weighted least squares of y on X with weights w, for B analyses at once.

    Parameters
    ----------
    y : numpy.ndarray
        (B, K) responses.
    w : numpy.ndarray
        (B, K) weights, 0 for padding cells.
    X : numpy.ndarray
        (B, K, p) model matrix.

    Returns
    -------
    WLSFit
        Coefficients (B, p), their covariance (X'WX)^-1, residuals (0 in padding cells), the weighted residual sum of
        squares y'Py and tr(P).
    """
    if X.shape[2] == 1:  # one column (the usual intercept-only model): the same algebra with sums
        x = X[:, :, 0]
        wx = w * x
        xtwx = np.sum(wx * x, axis=1)
        b = np.sum(wx * y, axis=1) / xtwx
        resid = (y - x * b[:, None]) * (w > 0)
        rss = np.sum(w * resid**2, axis=1)
        tr_p = w.sum(axis=1) - np.sum(wx * wx, axis=1) / xtwx
        return WLSFit(b[:, None], (1 / xtwx)[:, None, None], resid, rss, tr_p)
    Xw = X * w[:, :, None]
    xtwx = np.einsum("bkp,bkq->bpq", Xw, X)
    vb = _inv(xtwx)
    beta = np.einsum("bpq,bq->bp", vb, np.einsum("bkp,bk->bp", Xw, y))
    resid = (y - np.einsum("bkp,bp->bk", X, beta)) * (w > 0)
    rss = np.sum(w * resid**2, axis=1)
    # tr(P) = sum w - tr(vb X'W^2 X)
    xtw2x = np.einsum("bkp,bkq->bpq", Xw * w[:, :, None], X)
    tr_p = w.sum(axis=1) - np.einsum("bpq,bqp->b", vb, xtw2x)
    return WLSFit(beta, vb, resid, rss, tr_p)


def p_times(w: np.ndarray, X: np.ndarray, vb: np.ndarray, a: np.ndarray) -> np.ndarray:
    """P a = W a - W X (X'WX)^-1 X'W a, for a (B, K).

    Parameters
    ----------
    w : numpy.ndarray
        (B, K) weights.
    X : numpy.ndarray
        (B, K, p) model matrix.
    vb : numpy.ndarray
        (B, p, p) = (X'WX)^-1, from :func:`fit`.
    a : numpy.ndarray
        (B, K) the vectors to multiply.

    Returns
    -------
    numpy.ndarray
        (B, K) P a.
    """
    wa = w * a
    if X.shape[2] == 1:
        x = X[:, :, 0]
        return wa - w * x * (vb[:, 0, 0] * np.sum(x * wa, axis=1))[:, None]
    coef = np.einsum("bpq,bq->bp", vb, np.einsum("bkp,bk->bp", X, wa))
    return wa - w * np.einsum("bkp,bp->bk", X, coef)


def reml_terms(y, w, X, wf: WLSFit) -> tuple[np.ndarray, np.ndarray]:
    """y'PPy and tr(PP), needed by the ML/REML score and the REML standard error of tau^2.

    Parameters
    ----------
    y : numpy.ndarray
        (B, K) responses; not read (the residuals come from `wf`).
    w : numpy.ndarray
        (B, K) weights.
    X : numpy.ndarray
        (B, K, p) model matrix.
    wf : WLSFit
        The fit of y on X with weights w.

    Returns
    -------
    ypp, tr_pp : numpy.ndarray
        (B,) y'PPy and tr(PP).
    """
    ype = w * wf.resid  # P y = W e
    ypp = np.sum(ype**2, axis=1)
    if X.shape[2] == 1:
        wx = w * X[:, :, 0]
        inv = wf.vb[:, 0, 0]
        s2, s3 = np.sum(wx * wx, axis=1), np.sum(w * wx * wx, axis=1)
        return ypp, np.sum(w**2, axis=1) - 2 * inv * s3 + (inv * s2) ** 2
    Xw = X * w[:, :, None]
    s2 = np.einsum("bkp,bkq->bpq", Xw, Xw)  # X'W^2X
    s3 = np.einsum("bkp,bkq->bpq", Xw * w[:, :, None], Xw)  # X'W^3X
    vs2 = np.einsum("bpq,bqr->bpr", wf.vb, s2)
    tr_pp = np.sum(w**2, axis=1) - 2 * np.einsum("bpq,bqp->b", wf.vb, s3) + np.einsum("bpq,bqp->b", vs2, vs2)
    return ypp, tr_pp


def ols_terms(y, v, X, mask) -> tuple[np.ndarray, np.ndarray]:
    """Residual sum of squares and tr(PV) of the unweighted fit (Hedges' estimator).

    Parameters
    ----------
    y : numpy.ndarray
        (B, K) responses.
    v : numpy.ndarray
        (B, K) sampling variances (0 in padding cells).
    X : numpy.ndarray
        (B, K, p) model matrix.
    mask : numpy.ndarray
        (B, K) bool, True for a study's cell.

    Returns
    -------
    rss, tr_pv : numpy.ndarray
        (B,) residual sum of squares and tr(PV), P from the unweighted fit.
    """
    w1 = mask.astype(float)
    wf = fit(y, w1, X)
    Xm = X * w1[:, :, None]
    xvx = np.einsum("bkp,bkq->bpq", Xm * v[:, :, None], Xm)
    tr_pv = np.sum(v * w1, axis=1) - np.einsum("bpq,bqp->b", wf.vb, xvx)
    return wf.rss, tr_pv
