"""Bubble plot of a meta-regression: each study's effect against the moderator (e.g. dose in mg/day), bubbles
sized by random-effects weight, with the fitted line from the model's coefficients and the slope's 95% CI in
the legend."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun, MetaRegressionRun

from . import theme
from .forest_data import RATIO


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
    ax.scatter(x, y, s=15 + 300 * w / w.max(), facecolor=theme.PALETTE[0] + (0.35,), edgecolor=theme.PALETTE[0],
               lw=0.8, zorder=3, gid="studies")
    grid = np.linspace(x.min(), x.max(), 100)
    slope = coef[reg.moderator]
    ax.plot(grid, b0 + b1 * grid, color="black", lw=1.0, gid="fit",
            label=f"Fitted line: slope {slope.estimate:.3g} per unit ({slope.ci_low:.3g} to "
                  f"{slope.ci_high:.3g}), P = {slope.pvalue:.2f}" + (" (log scale)" if
                                                                           analysis.result.scale == "log" else ""))
    ax.axhline(0, color="#7f7f7f", lw=0.6, ls=":", gid="null")
    log = analysis.result.scale == "log"
    if log:
        lo, hi = ax.get_ylim()
        ticks = [t for t in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20) if lo <= math.log(t) <= hi]
        ax.set_yticks([math.log(t) for t in ticks], [f"{t:g}" for t in ticks])
        ax.set_ylabel(f"{RATIO.get(analysis.result.measure, 'Ratio')} (log scale)")
    else:
        ax.set_ylabel(analysis.result.measure)
    ax.set_xlabel(reg.moderator.replace("_", " ").capitalize())
    fig.legend(loc="outside lower center", frameon=False, fontsize=theme.FONT_SIZE - 1)
    left_out = len(reg.left_out)
    if left_out:
        ax.annotate(f"{left_out} stud{'y' if left_out == 1 else 'ies'} without a value left out",
                    (0.99, 0.01), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=theme.FONT_SIZE - 1.5, color="#555555")
    ax.set_title(analysis.title, fontsize=theme.FONT_SIZE, loc="left", wrap=True)
    return fig
