"""Contour-enhanced funnel plot (Peters et al. 2008): each study's effect against its standard error, with the
regions where a study would be significant at 10%, 5% and 1% shaded around the null, and trim-and-fill's
imputed studies when asked. Drawn from an analysis' results; nothing is re-estimated."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun
from evsynth.meta.robustness.small_study import TrimFill

from . import scales, theme
from .forest_data import PROPORTION, RATIO

# where a study alone would have this two-sided p (metafor's contour-enhanced funnel: levels 90, 95, 99)
SHADES = (("p > 0.10", "#ffffff"), ("0.05 < p ≤ 0.10", "#a6a6a6"), ("0.01 < p ≤ 0.05", "#c8c8c8"),
          ("p ≤ 0.01", "#e8e8e8"))
Z = {0.10: 1.6448536269514722, 0.05: 1.959963984540054, 0.01: 2.5758293035489004}


def draw_funnel(analysis: AnalysisRun, trimfill: bool = False, about: BaseInfo | None = None):
    """The contour-enhanced funnel plot of one pooled analysis (analysis scale; a log axis labelled with ratios for
    ratio measures); no contours for single-arm proportions.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis, with its pooled result and study effects.
    trimfill : bool
        Whether to add trim-and-fill's imputed studies (when it imputed any).
    about : BaseInfo, optional
        Not used (the drawers share one signature).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        Fewer than 2 study effects.
    """
    theme.theme()
    res = analysis.result
    effects = analysis.study_effects or ()
    if len(effects) < 2:
        raise ValueError(f"analysis {analysis.id!r}: a funnel plot needs at least 2 studies")
    yi = np.array([e.yi for e in effects])
    se = np.sqrt([e.vi for e in effects])
    filled_yi = filled_se = np.array([])
    tf = analysis.small_study_effects.trimfill if analysis.small_study_effects else None
    if trimfill and isinstance(tf, TrimFill) and tf.k0:
        filled_yi, filled_se = np.array(tf.filled_yi), np.sqrt(tf.filled_vi)
    null = 0.0 if res.measure not in PROPORTION else None
    centre = res.estimate
    top = max(float(np.max(se)), float(np.max(filled_se)) if filled_se.size else 0.0) * 1.08
    fig, ax = plt.subplots(figsize=(theme.SINGLE_COLUMN, theme.SINGLE_COLUMN * 1.05), layout="constrained")
    s = np.linspace(0, 2 * top, 200)  # beyond the axis' end, which room for the markers may move
    ref = null if null is not None else centre
    if null is not None:  # contours around the null: where a study alone would be significant
        ax.axhspan(0, 2 * top, color=SHADES[3][1], lw=0, zorder=0, gid="contour-outside")
        for (_, colour), p in zip(SHADES[2::-1], (0.01, 0.05, 0.10)):
            ax.fill_betweenx(s, ref - Z[p] * s, ref + Z[p] * s, color=colour, lw=0, gid=f"contour-{p:.2f}")
    ax.plot([centre - Z[0.05] * 2 * top, centre, centre + Z[0.05] * 2 * top], [2 * top, 0, 2 * top], color="black",
            lw=0.6, ls="--", gid="pseudo-ci")
    ax.axvline(centre, color=theme.POOLED, lw=0.9, gid="pooled-line")
    dots = [ax.scatter(yi, se, s=16, color=theme.STUDY, zorder=3, gid="studies", label="Studies")]
    if filled_yi.size:
        dots.append(ax.scatter(filled_yi, filled_se, s=16, facecolor="white", edgecolor=theme.IMPUTED, zorder=3,
                               gid="imputed", label=f"Imputed by trim-and-fill ({tf.k0})"))
    ax.set_ylim(top, 0)
    ax.set_ylabel("Standard error")
    # every study, and the pseudo 95% CI at the largest standard error: all studies are shown, none is cut
    xs = np.concatenate([yi, filled_yi, [centre - Z[0.05] * top, centre + Z[0.05] * top]])
    xs = xs[np.isfinite(xs)]
    ax.set_xlim(float(xs.min()), float(xs.max()))
    scales.set_ticks(ax.yaxis, scales.linear_ticks(within=(0.0, math.inf)))
    if res.scale == "log":
        ax.set_xlabel(f"{RATIO.get(res.measure, res.measure)} (log scale)")
        scales.set_ticks(ax.xaxis, scales.log_ticks(to_axis=math.log, from_axis=math.exp))
    else:
        ax.set_xlabel(f"{res.measure} ({res.scale} scale)" if res.scale not in ("none", "", None) else res.measure)
        scales.set_ticks(ax.xaxis, scales.linear_ticks())
    handles, labels = ax.get_legend_handles_labels()
    if null is not None:
        handles += [plt.Rectangle((0, 0), 1, 1, fc=c, ec="#7f7f7f", lw=0.4) for _, c in SHADES]
        labels += [f"Study alone: {t}" for t, _ in SHADES]
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False, fontsize=theme.SMALL)
    theme.title(fig, analysis.title)
    for d in dots:
        d.set_clip_on(False)
    scales.room_for_markers(ax, dots)
    return fig
