"""Effect direction plot (Cochrane Handbook 12.3.1; Boon and Thomson 2021) for vote-counting analyses: one row
per trial, a triangle pointing to the side it favours (a circle when it reports no direction), filled when the
trial's own result is significant, and the sign test beneath."""
from __future__ import annotations

import matplotlib.pyplot as plt

from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun

from . import theme
from .theme import wrap

LABEL_WIDTH = 1.6  # inches: longer trial names wrap
SIDE_WIDTH = 0.8  # inches: the three columns' labels wrap to stay apart


def draw_direction(analysis: AnalysisRun, about: BaseInfo = BaseInfo()):
    """The effect direction plot of a vote-counting analysis.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis; it needs its vote count.
    about : BaseInfo
        The intervention's and comparator's names, for the axis.

    Returns
    -------
    matplotlib.figure.Figure
        Trials favouring the intervention first, then those without a direction, then those favouring the control.

    Raises
    ------
    ValueError
        The analysis is not a vote count, or it has no trial.
    """
    theme.theme()
    v = analysis.votes
    if v is None:
        raise ValueError(f"analysis {analysis.id!r} is not a vote count")
    significant = set(v.significant_benefit)
    rows = [(t, 1) for t in v.favour_intervention] + [(t, 0) for t in v.no_direction] + \
        [(t, -1) for t in v.favour_control]
    if not rows:
        raise ValueError(f"analysis {analysis.id!r}: no trial to show")
    labels = [wrap(t, LABEL_WIDTH) for t, _ in rows]
    units = [max(1, lab.count("\n") + 1) for lab in labels]  # a row per line of its label, 0.2 in each
    total = sum(units)
    ys = [total - sum(units[:i]) - u / 2 for i, u in enumerate(units)]
    fig, ax = plt.subplots(figsize=(theme.SINGLE_COLUMN * 1.3, 1.25 + 0.2 * total), layout="constrained")
    for i, ((trial, side), y) in enumerate(zip(rows, ys)):
        marker = {1: ">", 0: "o", -1: "<"}[side]
        filled = trial in significant
        ax.plot([side], [y], marker=marker, ms=7, color=theme.POOLED, mfc=theme.POOLED if filled else "white",
                mew=1.0, gid=f"trial-{i + 1}")
    ax.axvline(0, color="#bfbfbf", lw=0.6)
    ax.set_yticks(ys, labels)
    low, high = (("the lower dose", "the higher dose") if analysis.compares_doses else
                 (about.comparator, about.intervention))
    sides = [f"Favours {low}", "No difference or no direction", f"Favours {high}"]
    ax.set_xticks([-1, 0, 1], [wrap(t, SIDE_WIDTH, theme.FONT_SIZE - 0.5) for t in sides])
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-0.2, total + 0.2)
    p = v.sign_test_p
    ax.set_xlabel(f"Filled: significant on its own. Sign test over {v.trials} trial{'s' if v.trials != 1 else ''}: "
                  f"P = {p:.3f}" if p is not None else "Filled: significant on its own.", fontsize=theme.SMALL)
    theme.title(fig, analysis.title)
    return fig
