"""Pooled adverse-event rates with their 95% CIs against the CIOMS frequency bands (very common >= 1/10,
common >= 1/100, uncommon >= 1/1000, rare >= 1/10000, very rare below): one row per pooled rate."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import blended_transform_factory

from . import scales, theme

BANDS = ("very common", "common", "uncommon", "rare", "very rare")
FLOOR = 1e-5  # the axis' left end: 0.001%
DECADES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
SHORT = {"very common": "very\ncommon", "common": "common", "uncommon": "un-\ncommon", "rare": "rare",
         "very rare": "very\nrare"}


def rate_rows(analyses) -> list[tuple[str, float, float, float, int]]:
    """(title, rate, CI low, CI high, k) of every pooled single-arm rate of a harm outcome (AnalysisRuns).

    Parameters
    ----------
    analyses : iterable of AnalysisRun
        The analyses.

    Returns
    -------
    list of tuple of (str, float, float, float, int)
        One per analysis with outcome_kind "harm", a proportion measure and back-transformed values: the rate and
        its CI as proportions 0-1 (not percent), and the number of studies.
    """
    out = []
    for a in analyses:
        res = a.result
        if a.outcome_kind == "harm" and res is not None and res.back and res.measure in ("PR", "PLO", "PAS", "PFT"):
            out.append((a.title, res.back.estimate, res.back.ci_low, res.back.ci_high, res.k))
    return out


def _label(title: str, width: int = 48, lines: int = 2) -> str:
    """A row label of at most `lines` lines of `width` characters (a long title is cut with an ellipsis)."""
    import textwrap

    parts = textwrap.wrap(title, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def draw_rates(analyses, thresholds: dict[str, float]):
    """Pooled adverse-event rates against the CIOMS frequency bands.

    thresholds: the lower bound of each band, from grading.toml's [frequency] (very_common, common ...).

    Parameters
    ----------
    analyses : iterable of AnalysisRun
        The analyses (see :func:`rate_rows`).
    thresholds : dict of str to float
        The lower bound of each band but "very rare", as proportions, keyed very_common, common, uncommon, rare.

    Returns
    -------
    matplotlib.figure.Figure
        One row per rate on a log axis from 0.001% to 100%, labelled in percent.

    Raises
    ------
    ValueError
        No pooled harm rate.
    KeyError
        A band missing from `thresholds`.
    """
    theme.theme()
    rows = rate_rows(analyses)
    if not rows:
        raise ValueError("no pooled adverse-event rates (proportion analyses with outcome_kind = \"harm\")")
    edges = [1.0] + [thresholds[b.replace(" ", "_")] for b in BANDS[:-1]] + [FLOOR]
    height = 1.2 + 0.36 * len(rows)
    fig, ax = plt.subplots(figsize=(theme.DOUBLE_COLUMN, height), layout="constrained")
    right = blended_transform_factory(ax.transAxes, ax.transData)
    shades = ["#f2f2f2", "#ffffff"]
    for i, band in enumerate(BANDS):
        hi, lo = edges[i], edges[i + 1]
        ax.axvspan(lo, hi, color=shades[i % 2], lw=0, zorder=0, gid=f"band-{band.replace(' ', '-')}")
        ax.text(np.sqrt(lo * hi), len(rows) - 0.45, SHORT[band], ha="center", va="bottom",
                fontsize=theme.SMALL, color="#555555", linespacing=0.95)
        ax.axvline(lo, color="#bfbfbf", lw=0.5, zorder=0)
    for j, (title, est, lo, hi, k) in enumerate(rows):
        y = len(rows) - 1 - j
        ax.plot([max(lo, FLOOR), min(hi, 1.0)], [y, y], color=theme.STUDY, lw=0.9, gid=f"rate-{j + 1}-ci")
        ax.plot([min(max(est, FLOOR), 1.0)], [y], marker="D", ms=5, color=theme.POOLED, mec="black", mew=0.4,
                clip_on=False, zorder=3, gid=f"rate-{j + 1}")  # a rate of 0 or 100% is drawn whole at the edge
        ax.text(1.02, y, f"{100 * est:.1f}% ({100 * lo:.1f} to {100 * hi:.1f}), k = {k}", transform=right,
                ha="left", va="center", fontsize=theme.FONT_SIZE - 1)
    ax.set_xscale("log")
    ax.set_xlim(FLOOR, 1)
    scales.set_ticks(ax.xaxis, scales.Ticks(scales.fixed_levels(DECADES, anchor=1.0),
                                            lambda v: scales.percent(v) + "%"))
    ax.set_yticks(range(len(rows)), [_label(r[0]) for r in rows][::-1])
    ax.set_ylim(-0.6, len(rows) + 0.25)
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlabel("Pooled rate (95% CI), log scale; bands: CIOMS frequency categories")
    theme.title(fig, "Pooled adverse-event rates against the CIOMS frequency bands")
    return fig
