"""L'Abbé plot: each two-arm study's event risk with the intervention against its risk on the control, circles sized by
weight, the line of no effect and the pooled risk ratio (or odds ratio) as a line. From the results' per-arm
counts and weights; nothing is re-estimated."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun

from . import scales, theme


def draw_labbe(analysis: AnalysisRun, about: BaseInfo = BaseInfo()):
    """The L'Abbé plot of one pooled two-arm binary analysis.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis, with its pooled result and study effects holding per-arm counts.
    about : BaseInfo
        The intervention's name, for the y axis (the x axis says "control").

    Returns
    -------
    matplotlib.figure.Figure
        Risks as proportions on both axes, from 0 to the largest risk rounded up (at most 1), widened so that no
        circle is cut; the pooled line for RR, OR, Peto's OR and RD.

    Raises
    ------
    ValueError
        No study effect has two-arm event counts.
    """
    theme.theme()
    res = analysis.result
    effects = [e for e in analysis.study_effects or () if "events_t" in e.data]
    if not effects:
        raise ValueError(f"analysis {analysis.id!r}: a L'Abbé plot needs two-arm event counts")
    weights = dict(zip(res.studies, res.weights))
    pc = np.array([e.data["events_c"] / e.data["n_c"] for e in effects])
    pt = np.array([e.data["events_t"] / e.data["n_t"] for e in effects])
    w = np.array([weights.get(e.study, 0.0) for e in effects])
    # both axes 0 to the largest risk rounded up (0.1, 0.2, 0.5 ... 1), so rare events are not lost in a corner
    top = scales.round_linear(0.0, max(float(np.nanmax(np.concatenate([pc, pt]))), 1e-3), None,
                              bounds=(0.0, 1.0))[1]
    fig, ax = plt.subplots(figsize=(theme.SINGLE_COLUMN, theme.SINGLE_COLUMN), layout="constrained")
    ax.plot([0, 1], [0, 1], color="black", lw=0.6, gid="no-effect")
    grid = np.linspace(0.0005, 0.9995, 800)
    est = res.estimate
    if res.measure == "RR":
        line = np.clip(grid * math.exp(est), 0, 1)
    elif res.measure in ("OR", "PETO"):
        odds = grid / (1 - grid) * math.exp(est)
        line = odds / (1 + odds)
    elif res.measure == "RD":
        line = np.clip(grid + est, 0, 1)
    else:
        line = None
    if line is not None:
        ax.plot(grid, line, color=theme.POOLED, lw=1.0, ls="--", gid="pooled",
                label=f"Pooled {res.measure} {math.exp(est) if res.scale == 'log' else est:.2f}")
        fig.legend(loc="outside lower center", frameon=False)  # below: never over a circle
    dots = ax.scatter(pc, pt, s=20 + 400 * w / max(w.max(), 1e-12), facecolor=theme.PALETTE[0] + (0.35,),
                      edgecolor=theme.PALETTE[0], lw=0.8, zorder=3, gid="studies", clip_on=False)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    for axis in (ax.xaxis, ax.yaxis):
        scales.set_ticks(axis, scales.linear_ticks(within=(0.0, top)))
    ax.set_xlabel("Event risk, control")
    ax.set_ylabel(f"Event risk, {about.intervention}")
    theme.title(fig, analysis.title)
    scales.room_for_markers(ax, [dots], equal=True)
    return fig
