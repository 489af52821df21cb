"""Risk-of-bias figures in the style of robvis (McGuinness & Higgins 2021, Res Synth Methods 12:55): a traffic-light
plot (one row per study, one column per RoB 2 domain and the overall judgement) and a summary bar plot (the share of
studies, or of the analysis's weight, at each judgement in each domain).

The judgements are those the analysis's studies carry (risk_of_bias.csv when it judges the row, else the row's rob_*
cells). A judgement that is missing or "not assessed" is shown as such: a grey circle with "?", and its own legend
entry and bar segment, never left blank or counted as low. Colours are the Okabe-Ito colour-blind-safe ones of the
theme, each with its own symbol, so the plot reads in grey scale too.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt

from evsynth.meta.review.results import AnalysisRun

from . import scales, theme
from .theme import wrap

LABEL_WIDTH = 1.8  # inches: longer study labels wrap

DOMAIN_COLUMNS = ("rob_randomisation", "rob_deviations", "rob_missing", "rob_measurement", "rob_reporting",
                  "rob_overall")
DOMAIN_SHORT = ("D1", "D2", "D3", "D4", "D5", "Overall")
DOMAIN_NAMES = ("Bias arising from the randomisation process", "Bias due to deviations from intended interventions",
                "Bias due to missing outcome data", "Bias in measurement of the outcome",
                "Bias in selection of the reported result", "Overall risk of bias")
JUDGEMENTS = ("low", "some concerns", "high", "not assessed")
LABELS = {"low": "Low", "some concerns": "Some concerns", "high": "High", "not assessed": "Not assessed"}
SYMBOLS = {"low": "+", "some concerns": "!", "high": "\u2212", "not assessed": "?"}
NOT_ASSESSED = "#BBBBBB"  # Okabe-Ito grey
COLOURS = {**theme.ROB_COLOURS, "not assessed": NOT_ASSESSED}
INK = {"low": "white", "some concerns": "black", "high": "white", "not assessed": "black"}  # symbol on its circle


@dataclass(frozen=True)
class RobTable:
    """The risk-of-bias judgements of one analysis's studies.

    Attributes
    ----------
    title : str
        The analysis's title.
    studies : tuple of str
        Study labels, in the analysis's order.
    judgements : tuple of tuple of str
        Per study, the judgements of DOMAIN_COLUMNS (each one of JUDGEMENTS).
    weights : tuple of float
        Per study, its weight in the pooled result, percent (equal shares when the result has no weights).
    """

    title: str
    studies: tuple[str, ...]
    judgements: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...]


def rob_table(analysis: AnalysisRun) -> RobTable:
    """The studies of a pooled analysis with their judgements per domain, and their weights.

    Parameters
    ----------
    analysis : AnalysisRun
        A pooled analysis (its study_effects carry each study's rob_* judgements).

    Returns
    -------
    RobTable
        One row per study; a domain without a judgement, or with a word outside JUDGEMENTS, is "not assessed".

    Raises
    ------
    ValueError
        The analysis has no studies (a vote count, or nothing pooled).
    """
    effects = analysis.study_effects or ()
    if not effects:
        raise ValueError(f"analysis {analysis.id!r} has no pooled studies to show risk of bias for")
    res = analysis.result
    weights = dict(zip(res.studies, res.weights)) if res is not None and res.weights else {}
    rows = tuple(tuple(_judgement(e.rob.get(c, "")) for c in DOMAIN_COLUMNS) for e in effects)
    w = tuple(float(weights.get(e.study, float("nan"))) for e in effects)
    if not all(x == x for x in w) or sum(w) <= 0:
        w = tuple(100.0 / len(effects) for _ in effects)
    return RobTable(analysis.title, tuple(e.study for e in effects), rows, w)


def _judgement(value: str) -> str:
    v = " ".join(str(value).lower().split())
    return v if v in JUDGEMENTS else "not assessed"


def shares(table: RobTable, by: str = "studies") -> dict[str, dict[str, float]]:
    """Per domain, the percent of studies (or of weight) at each judgement.

    Parameters
    ----------
    table : RobTable
        The judgements.
    by : str
        "studies" (each study counts once) or "weight" (each study counts its weight in the pooled result).

    Returns
    -------
    dict of str to dict of str to float
        DOMAIN_SHORT -> judgement -> percent (each domain's percents sum to 100).

    Raises
    ------
    ValueError
        `by` is neither "studies" nor "weight".
    """
    if by not in ("studies", "weight"):
        raise ValueError(f"by must be 'studies' or 'weight', not {by!r}")
    w = table.weights if by == "weight" else (1.0,) * len(table.studies)
    total = sum(w)
    return {d: {j: 100.0 * sum(x for x, row in zip(w, table.judgements) if row[i] == j) / total for j in JUDGEMENTS}
            for i, d in enumerate(DOMAIN_SHORT)}


def draw_traffic_light(table: RobTable):
    """The traffic-light plot: a coloured circle with a symbol for each study and domain, the domains' names below.

    Parameters
    ----------
    table : RobTable
        The judgements.

    Returns
    -------
    matplotlib.figure.Figure
        One scatter collection per judgement (labelled with it, gid "rob-<judgement>"), a text symbol on each
        circle, study labels on the y axis, D1-D5 and Overall on the x axis, a legend of all four judgements and
        the domains' names as text.
    """
    theme.theme()
    n = len(table.studies)
    labels = [wrap(s, LABEL_WIDTH) for s in table.studies]
    lines = max(label.count("\n") + 1 for label in labels)
    row = max(0.3, 0.16 * lines + 0.06)  # inches per study: its label's lines and the circle
    fig, ax = plt.subplots(figsize=(theme.SINGLE_COLUMN + 1.6, 1.9 + row * n), layout="constrained")
    for j in JUDGEMENTS:
        pts = [(x, y) for y, row in enumerate(table.judgements) for x, v in enumerate(row) if v == j]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=150, color=COLOURS[j], edgecolors="none",
                   label=f"{SYMBOLS[j]}  {LABELS[j]}", gid=f"rob-{j.replace(' ', '-')}", zorder=2)
        for x, y in pts:
            ax.text(x, y, SYMBOLS[j], ha="center", va="center", color=INK[j], fontweight="bold",
                    fontsize=theme.FONT_SIZE, zorder=3, gid=f"rob-symbol-{y}-{x}")
    ax.set_xticks(range(len(DOMAIN_SHORT)), DOMAIN_SHORT)
    ax.xaxis.tick_top()
    ax.set_yticks(range(n), labels)
    ax.set_xlim(-0.6, len(DOMAIN_SHORT) - 0.4)
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(len(DOMAIN_SHORT) - 1.5, color=theme.GRID, lw=0.8)
    for side in ("right", "bottom", "left", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    theme.title(fig, f"Risk of bias: {table.title}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="Judgement",
              title_fontsize=theme.FONT_SIZE)
    names = "\n".join(f"{s}: {name}" for s, name in zip(DOMAIN_SHORT[:-1], DOMAIN_NAMES[:-1]))
    fig.supxlabel(names, x=0.02, ha="left", fontsize=theme.SMALL, gid="rob-domain-names")
    return fig


def draw_summary(table: RobTable, by: str = "weight"):
    """The summary plot: for each domain, one bar split into the share at each judgement.

    Parameters
    ----------
    table : RobTable
        The judgements.
    by : str
        "weight" (each study's weight in the pooled result) or "studies" (each study once).

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar container per judgement (labelled with it, gid "rob-<judgement>"), each bar's width its
        percent, the percent written in segments of at least 8%, the x axis 0-100%.

    Raises
    ------
    ValueError
        `by` is neither "studies" nor "weight".
    """
    pct = shares(table, by)
    theme.theme()
    fig, ax = plt.subplots(figsize=(theme.DOUBLE_COLUMN, 2.6), layout="constrained")
    rows = list(range(len(DOMAIN_SHORT)))
    left = [0.0] * len(rows)
    for j in JUDGEMENTS:
        widths = [pct[d][j] for d in DOMAIN_SHORT]
        bars = ax.barh(rows, widths, left=left, color=COLOURS[j], edgecolor="white", linewidth=0.5,
                       label=f"{SYMBOLS[j]}  {LABELS[j]}", gid=f"rob-{j.replace(' ', '-')}")
        for bar, w, x0 in zip(bars, widths, left):
            if w >= 8:
                ax.text(x0 + w / 2, bar.get_y() + bar.get_height() / 2, f"{w:.0f}%", ha="center", va="center",
                        color=INK[j], fontsize=theme.SMALL)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(rows, [f"{s}  {name}" if s != "Overall" else name for s, name in zip(DOMAIN_SHORT, DOMAIN_NAMES)])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of " + ("the pooled weight (%)" if by == "weight" else "studies (%)"))
    theme.title(fig, f"Risk of bias summary: {table.title} ({len(table.studies)} studies)")
    fig.legend(loc="outside lower center", ncol=4, frameon=False)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    scales.thin(fig)
    return fig


def assessed(analysis: AnalysisRun) -> bool:
    """Whether any study of the analysis has a risk-of-bias judgement (low, some concerns or high) to show.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis.

    Returns
    -------
    bool
        False for a vote count, nothing pooled, or studies whose judgements are all missing or "not assessed".
    """
    return any(_judgement(v) in JUDGEMENTS[:3] for e in analysis.study_effects or () for v in e.rob.values())
