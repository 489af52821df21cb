"""ML and REML report the highest maximum of the likelihood, where it has two.

The data set below (one of 10,000 simulated in benchmarks/bench.py, seed 7, group 387) has a restricted
likelihood with a local maximum at tau^2 = 0 and a higher one inside. metafor 3.8-1 finds the inner one from its
Hedges start (rma(yi, vi, method = "REML", control = list(threshold = 1e-12)) gives 0.09528262682); searching only
from 0 finds the boundary one.
"""
from __future__ import annotations

import numpy as np
import pytest

from evsynth.meta.engine.choices import Measure, Method, Test
from evsynth.meta.engine.effects import Effects
from evsynth.meta.engine.fit import fit_batch
from evsynth.meta.engine.pooling import pool

YI = [-0.13157959267702141, 0.41733271696069235, 0.10844725575898571, 0.56680014581357474, 0.076639500526026555,
      0.38276827972989313, 1.609586470345741, -0.13622056225543461, 0.90626962209286965, 1.2753735868013027,
      -0.5290159442854534, 0.1516289885815893, 0.19443725677959167, -0.055246774558876388, -0.22162322992659866,
      -0.22069771413234512, -1.5546812366202125, 1.0801930165436364, -0.75982096704679836, 0.59529608778605336]
VI = [0.19708416870804618, 0.20331824376744884, 0.014782947429753262, 0.14291714595041044, 0.15211669824878948,
      0.32819284781540708, 0.351010116972922, 0.37771697581998293, 0.32212866847783184, 0.448118114266223,
      0.28252961427600298, 0.16355438999079258, 0.029687831954576187, 0.36615456724502493, 0.28554476778117577,
      0.09005011321314238, 0.26061165160286714, 0.47271869503081304, 0.30669720614179907, 0.16145103602810079]


def loglik(y, v, t2, reml):
    """The intercept-only (restricted) log-likelihood up to a constant, written out directly."""
    w = 1 / (v + t2)
    mu = np.sum(w * y) / np.sum(w)
    ll = -0.5 * np.sum(np.log(v + t2)) - 0.5 * np.sum(w * (y - mu) ** 2)
    return ll - 0.5 * np.log(np.sum(w)) if reml else ll


def test_the_higher_of_two_maxima_is_reported():
    y, v = np.array(YI), np.array(VI)
    res = pool(Effects(Measure.GEN, tuple(str(i) for i in range(20)), y, v, "identity"), Method.REML, Test.Z)
    assert res.tau2 == pytest.approx(0.09528262682, rel=1e-8)
    grid = np.linspace(0, 0.5, 5001)
    lls = np.array([loglik(y, v, t, True) for t in grid])
    assert abs(grid[np.argmax(lls)] - res.tau2) <= 1e-4
    assert loglik(y, v, 0.0, True) > loglik(y, v, 1e-3, True)  # 0 is a local maximum too, a lower one
    assert any("two local maxima" in n and "and 0:" in n for n in res.notes), res.notes


def hill_climb(ll: np.ndarray, start: int) -> int:
    """The grid point where climbing uphill from `start` stops: Fisher scoring's local maximum, discretised."""
    i = start
    while True:
        nxt = max((j for j in (i - 1, i + 1) if 0 <= j < len(ll)), key=lambda j: ll[j])
        if ll[nxt] <= ll[i]:
            return i
        i = nxt


@pytest.mark.parametrize("method", [Method.REML, Method.ML])
def test_no_worse_than_metafors_search(method):
    """On many small, noisy analyses (where two maxima are likeliest), the reported tau^2 is at least as likely
    as both what metafor would report (the maximum uphill of the Hedges start, or 0 if that is likelier) and
    the maximum uphill of 0, each found on a fine grid of the likelihood written out independently."""
    rng = np.random.default_rng(11)
    B, K = 2000, 6
    v = rng.uniform(0.005, 0.6, size=(B, K)) ** 2 * 3
    y = rng.normal(0, np.sqrt(v + rng.uniform(0, 0.4, size=(B, 1))))
    fit = fit_batch(y, v, np.ones((B, K), dtype=bool), None, method, Test.Z)
    reml = method is Method.REML
    grid = np.concatenate(([0.0], np.geomspace(1e-6, 20, 1500)))
    w = 1 / (v[:, :, None] + grid[None, None, :])  # (B, K, G)
    mu = np.sum(w * y[:, :, None], axis=1) / np.sum(w, axis=1)
    ll = -0.5 * np.sum(np.log(v[:, :, None] + grid), axis=1) - 0.5 * np.sum(w * (y[:, :, None] - mu[:, None]) ** 2,
                                                                              axis=1)
    if reml:
        ll -= 0.5 * np.log(np.sum(w, axis=1))
    yc = y - y.mean(axis=1, keepdims=True)  # Hedges' estimator, metafor's starting value
    he = np.maximum(0, (np.sum(yc**2, axis=1) / (K - 1)) - v.mean(axis=1))
    for b in range(B):
        ours = loglik(y[b], v[b], fit.tau2[b], reml)
        from_start = hill_climb(ll[b], int(np.searchsorted(grid, he[b])))
        assert ours >= max(ll[b, from_start], ll[b, hill_climb(ll[b], 0)]) - 1e-9, b
    assert np.isfinite(fit.other_max).sum() >= 3  # the battery does hold analyses with two maxima
