"""Bubble plot of a meta-regression: each study's effect against the moderator (e.g. dose in mg/day), bubbles
sized by random-effects weight, with the fitted line from the model's coefficients and the slope's 95% CI in
the legend."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun, MetaRegressionRun

from . import scales, theme
from .forest_data import PROPORTION, RATIO


def draw_bubble(analysis: AnalysisRun, about: BaseInfo | None = None):
    """The bubble plot of an analysis's meta-regression: each study's effect (analysis scale; a log axis labelled with
    ratios for ratio measures) against the moderator, bubble area by weight 1/(vi + tau^2), and the fitted line.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis; it needs a meta-regression with points.
    about : BaseInfo, optional
        Not used (the drawers share one signature).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        The analysis has no meta-regression (or it has no points).
    """
    theme.theme()
    reg = analysis.meta_regression
    if not isinstance(reg, MetaRegressionRun) or not reg.points:
        raise ValueError(f"analysis {analysis.id!r} has no meta-regression to draw")
    pts = reg.points
    x = np.array([p.x for p in pts])
    y = np.array([p.yi for p in pts])
    w = 1 / (np.array([p.vi for p in pts]) + (reg.tau2 or 0.0))
    coef = {c.name: c for c in reg.coefficients}
    b0, b1 = coef["intrcpt"].estimate, coef[reg.moderator].estimate
    fig, ax = plt.subplots(figsize=(theme.SINGLE_COLUMN * 1.2, theme.SINGLE_COLUMN), layout="constrained")
    dots = ax.scatter(x, y, s=15 + 300 * w / w.max(), facecolor=theme.PALETTE[0] + (0.35,),
                      edgecolor=theme.PALETTE[0], lw=0.8, zorder=3, gid="studies", clip_on=False)
    grid = np.linspace(x.min(), x.max(), 100)
    slope = coef[reg.moderator]
    ax.plot(grid, b0 + b1 * grid, color="black", lw=1.0, gid="fit",
            label=f"Fitted line: slope {slope.estimate:.3g} per unit ({slope.ci_low:.3g} to "
                  f"{slope.ci_high:.3g}), P = {slope.pvalue:.2f}" + (" (log scale)" if
                                                                           analysis.result.scale == "log" else ""))
    if analysis.result.measure not in PROPORTION:  # a single-arm rate has no null of no effect
        ax.axhline(0, color="#7f7f7f", lw=0.6, ls=":", gid="null")
    # the axis holds the studies (and the null): the fitted line is cut at its edge, it never stretches it
    ys = np.concatenate([y, [0.0] if analysis.result.measure not in PROPORTION else []])
    ys = ys[np.isfinite(ys)]
    pad = 0.05 * (float(ys.max() - ys.min()) or max(abs(float(ys.max())), 1.0))
    ax.set_ylim(float(ys.min()) - pad, float(ys.max()) + pad)
    log = analysis.result.scale == "log"
    if log:
        scales.set_ticks(ax.yaxis, scales.log_ticks(to_axis=math.log, from_axis=math.exp))
        ax.set_ylabel(f"{RATIO.get(analysis.result.measure, 'Ratio')} (log scale)")
    else:
        ax.set_ylabel(analysis.result.measure)
    ax.set_xlabel(reg.moderator.replace("_", " ").capitalize())
    fig.legend(loc="outside lower center", frameon=False, fontsize=theme.SMALL)
    left_out = len(reg.left_out)
    if left_out:
        ax.annotate(f"{left_out} stud{'y' if left_out == 1 else 'ies'} without a value left out",
                    (0.99, 0.01), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=theme.SMALL, color="#555555")
    theme.title(fig, analysis.title)
    scales.thin(fig)
    scales.room_for_markers(ax, [dots])
    return fig
