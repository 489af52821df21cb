"""The forest plot, drawn from ForestData (figures/forest_data.py): nothing is computed here but the layout.

Layout, in inches, from the top: the title, the column headers, one row per study (wrapped labels take more
than one line), per subgroup its title, studies, subtotal diamond and heterogeneity line, then the overall
diamond, the prediction interval bar, heterogeneity and the test for the overall effect, the x axis with
"favours" labels, and the footer. Column widths are measured from the text, so long labels and 1 to 100+
studies never overlap. Every drawn element carries a gid ("study-3", "diamond-overall", "pi-overall" ...),
which the tests read and which SVG files keep as element ids.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, NullLocator

from . import theme
from .forest_data import ROB_SHORT, ForestData, StudyRow, Summary, effect_text

LINE = 0.155  # inches per text line
PLOT_WIDTH = 2.3  # inches for the effect axis
GAP = 0.14  # between columns
MARGIN = 0.1
MAX_LABEL = 2.4  # inches: longer study labels wrap
ROB_WIDTH = 0.16
_T2P = TextToPath()


def text_width(s: str, size: float = theme.FONT_SIZE, bold: bool = False) -> float:
    """Width in inches of a (possibly multi-line) string in the theme's font.

    Parameters
    ----------
    s : str
        The text; lines are separated by newlines (the widest counts).
    size : float
        Font size in points.
    bold : bool
        Bold weight.

    Returns
    -------
    float
        Inches.
    """
    prop = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")
    return max((_T2P.get_text_width_height_descent(line, prop, ismath=False)[0] for line in s.split("\n")),
               default=0.0) / 72


def wrap(s: str, width: float, size: float = theme.FONT_SIZE, bold: bool = False) -> str:
    """Wrap at word boundaries so that each line is at most `width` inches (a word longer than that stays whole).

    Parameters
    ----------
    s : str
        The text (its whitespace is normalised when it is wrapped).
    width : float
        The widest line allowed, inches.
    size : float
        Font size in points.
    bold : bool
        Bold weight.

    Returns
    -------
    str
        The text with newlines, or `s` unchanged when it fits.
    """
    if text_width(s, size, bold) <= width:
        return s
    words, lines, cur = s.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if cur and text_width(trial, size, bold) > width:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    lines.append(cur)
    return "\n".join(lines)


@dataclass
class _Row:
    kind: str  # header | panel | study | summary | pi | text | blank
    label: str = ""
    cells: tuple[str, ...] = ()
    weight: str = ""
    right: str = ""
    item: object = None
    gid: str = ""
    lines: int = 1
    rob: tuple[str, ...] = field(default_factory=tuple)


def _rows(f: ForestData) -> list[_Row]:
    rows: list[_Row] = []
    n = 0
    for p_i, panel in enumerate(f.panels, 1):
        if panel.title:
            rows.append(_Row("panel", panel.title, gid=f"panel-{p_i}"))
        for s in panel.studies:
            n += 1
            label = wrap(s.label, MAX_LABEL)
            rows.append(_Row("study", label, s.cells, "" if s.weight is None else f"{s.weight:.1f}%",
                             effect_text(s.estimate, s.ci_low, s.ci_high, f.percent), s, f"study-{n}",
                             label.count("\n") + 1, s.rob))
        if panel.summary is not None:
            _summary_rows(rows, panel.summary, f, f"subtotal-{p_i}", sub=True)
            rows.append(_Row("blank"))
    _summary_rows(rows, f.overall, f, "overall", sub=False)
    return rows


def _summary_rows(rows: list[_Row], s: Summary, f: ForestData, gid: str, sub: bool) -> None:
    weight = "" if sub else "100.0%"
    rows.append(_Row("summary", s.label, weight=weight, right=effect_text(s.estimate, s.ci_low, s.ci_high, f.percent),
                     item=s, gid=f"diamond-{gid}"))
    if s.pi_low is not None and not sub:
        interval = "[" + effect_text(s.estimate, s.pi_low, s.pi_high, f.percent).split("[", 1)[1]
        rows.append(_Row("pi", "Prediction interval", right=interval, item=s, gid=f"pi-{gid}"))
    for line in s.lines:
        rows.append(_Row("text", line, gid=f"text-{gid}"))


def _limits(f: ForestData) -> tuple[float, float]:
    """The x range: every point estimate, the pooled CIs and PIs and the null; study CIs are included up to a
    range as wide again on each side, beyond which the whiskers end in arrows."""
    if f.percent:  # proportions: the studies' CIs, rounded out to 10%, within 0-100%
        ends = [v for s in f.studies for v in (s.ci_low, s.ci_high)] + [f.overall.ci_low, f.overall.ci_high]
        ends += [v for v in (f.overall.pi_low, f.overall.pi_high) if v is not None]
        return max(0.0, math.floor(min(ends) * 10 - 1e-9) / 10), min(1.0, math.ceil(max(ends) * 10 + 1e-9) / 10)

    def axis(values) -> np.ndarray:
        """Values where the axis is linear (logs for a ratio), the non-finite ones dropped."""
        x = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(x) if f.log_scale else x
        return x[np.isfinite(x)]

    core = [s.estimate for s in f.studies]
    for s in [f.overall] + [p.summary for p in f.panels if p.summary is not None]:
        core += [s.estimate, s.ci_low, s.ci_high] + [v for v in (s.pi_low, s.pi_high) if v is not None]
    if f.null is not None:
        core.append(f.null)
    core_t = axis(core)
    lo, hi = float(core_t.min()), float(core_t.max())
    span = max(hi - lo, math.log(4) if f.log_scale else abs(hi) * 0.5 + 1e-9)
    ends = axis([v for s in f.studies for v in (s.ci_low, s.ci_high)])
    if ends.size:
        lo = max(min(lo, float(ends.min())), lo - span)
        hi = min(max(hi, float(ends.max())), hi + span)
    if f.log_scale:
        return math.exp(lo), math.exp(hi)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


LOG_TICKS = [m * 10.0 ** e for e in range(-4, 5) for m in (1, 2, 5)]


def _log_ticks(lo: float, hi: float) -> tuple[list[float], tuple[float, float]]:
    """Ticks 1-2-5 per decade (thinned to at most 7) and limits rounded out to ticks."""
    lo_t = max([t for t in LOG_TICKS if t <= lo * 1.0001], default=LOG_TICKS[0])
    hi_t = min([t for t in LOG_TICKS if t >= hi / 1.0001], default=LOG_TICKS[-1])
    ticks = [t for t in LOG_TICKS if lo_t <= t <= hi_t]
    if len(ticks) > 7:
        ticks = [t for t in ticks if round(math.log10(t), 6).is_integer() or t in (lo_t, hi_t)]
        if len(ticks) > 7:
            ticks = [t for t in ticks if round(math.log10(t), 6).is_integer()]
    return ticks, (lo_t, hi_t)


def _tick_label(t: float, percent: bool) -> str:
    if percent:
        return f"{100 * t:.0f}"
    return f"{t:g}"


@dataclass(frozen=True)
class _Layout:
    """Where everything of one forest plot goes, in inches: column edges, the plot's box, the figure's size."""

    xs: list  # left edges: label, cells..., weight, plot
    label_w: float
    weight_w: float
    show_weight: bool
    right_header: str
    right_w: float
    plot_x0: float
    right_x0: float
    width: float
    height: float
    title: str
    footer: list
    header_lines: int
    title_h: float
    header_h: float
    body: float
    axis_h: float


def _layout(f: ForestData, rows) -> _Layout:
    """Column widths measured from the text; heights from the rows, the title and the footer."""
    label_w = max([text_width(r.label) for r in rows if r.kind in ("study", "panel", "summary", "pi")]
                  + [text_width("Study", bold=True)])
    cell_w = [max([text_width(r.cells[i]) for r in rows if r.kind == "study"] + [text_width(c, bold=True)])
              for i, c in enumerate(f.columns)]
    show_weight = any(s.weight is not None for s in f.studies)
    weight_w = max(text_width("100.0%"), text_width("Weight", bold=True)) if show_weight else -GAP
    right_header = f"{f.effect_name}\n[95% CI]"
    right_w = max([text_width(r.right) for r in rows if r.right] + [text_width(right_header, bold=True)])
    rob_w = ROB_WIDTH * len(f.rob_columns) + (GAP if f.rob_columns else 0)
    xs = [MARGIN]
    for w in [label_w] + cell_w + [weight_w]:
        xs.append(xs[-1] + w + GAP)
    plot_x0 = xs[-1] + 0.05
    right_x0 = plot_x0 + PLOT_WIDTH + GAP
    width = right_x0 + right_w + GAP + rob_w + MARGIN
    title = wrap(f.title, width - 2 * MARGIN, theme.FONT_SIZE + 1, bold=True)
    footer = [wrap(t, width - 2 * MARGIN, theme.FONT_SIZE - 0.5) for t in f.footer]
    header_lines = max(c.count("\n") + 1 for c in ["Study", *f.columns, "Weight", right_header])
    body = sum(r.lines for r in rows) * LINE
    axis_h = 0.42 + (0.16 if f.favours else 0)
    title_h = (title.count("\n") + 1) * LINE * 1.15 + 0.08
    header_h = header_lines * LINE + 0.08
    footer_h = sum(t.count("\n") + 1 for t in footer) * LINE * 0.95 + 0.06
    height = MARGIN + title_h + header_h + body + axis_h + footer_h + MARGIN
    return _Layout(xs, label_w, weight_w, show_weight, right_header, right_w, plot_x0, right_x0, width, height,
                   title, footer, header_lines, title_h, header_h, body, axis_h)


def draw_forest(f: ForestData):
    """The figure of one forest plot.

    Parameters
    ----------
    f : ForestData
        What the plot shows (see :func:`forest_data` and :func:`steps_data`).

    Returns
    -------
    matplotlib.figure.Figure
        Its size follows the content (inches); elements carry gids.
    """
    theme.theme()
    rows = _rows(f)
    lay = _layout(f, rows)
    fig = plt.figure(figsize=(lay.width, lay.height))
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, lay.width)
    canvas.set_ylim(0, lay.height)
    canvas.axis("off")
    y = lay.height - MARGIN
    canvas.text(MARGIN, y, lay.title, ha="left", va="top", fontsize=theme.FONT_SIZE + 1, fontweight="bold",
                gid="title")
    y -= lay.title_h
    _header(canvas, f, lay, y)
    y -= lay.header_h
    canvas.plot([MARGIN, lay.width - MARGIN], [y + 0.04, y + 0.04], color="black", lw=0.6)
    ax, lo, hi = _effect_axis(fig, f, lay, y)
    y, spans = _body(canvas, ax, f, lay, rows, y, lo, hi)
    if f.null is not None:
        for y0, y1 in _merge(spans):
            ax.plot([f.null, f.null], [y0, y1], color="black", lw=0.6, zorder=1, gid="null-line")
    ax.tick_params(axis="x", length=3, pad=2)
    axis_bottom = y - 0.02
    if f.favours:
        ylab = axis_bottom - 0.30
        mid = lay.plot_x0 + PLOT_WIDTH * _frac(f.null, lo, hi, f.log_scale)
        canvas.text(mid - 0.05, ylab, f.favours[0], ha="right", va="top", gid="favours-left")
        canvas.text(mid + 0.05, ylab, f.favours[1], ha="left", va="top", gid="favours-right")
    y = axis_bottom - lay.axis_h
    for t in lay.footer:
        canvas.text(MARGIN, y, t, ha="left", va="top", fontsize=theme.FONT_SIZE - 0.5, gid="footer")
        y -= (t.count("\n") + 1) * LINE * 0.95
    fig.set_gid("forest")
    return fig


def _header(canvas, f: ForestData, lay: _Layout, y: float) -> None:
    for x, h in zip(lay.xs[:-1], ["Study", *f.columns]):
        canvas.text(x, y, h, ha="left", va="top", fontweight="bold")
    if lay.show_weight:
        canvas.text(lay.xs[-2] + lay.weight_w, y, "Weight", ha="right", va="top", fontweight="bold")
    canvas.text(lay.right_x0, y, lay.right_header, ha="left", va="top", fontweight="bold")
    for i, c in enumerate(f.rob_columns):
        canvas.text(lay.right_x0 + lay.right_w + GAP + (i + 0.5) * ROB_WIDTH, y - (lay.header_lines - 1) * LINE,
                    ROB_SHORT[c], ha="center", va="top", fontweight="bold")


def _effect_axis(fig, f: ForestData, lay: _Layout, body_top: float):
    """The axes the effects are drawn on (a log axis with 1-2-5 ticks for ratios, percent for rates)."""
    lo, hi = _limits(f)
    ticks = None
    if f.log_scale:
        ticks, (lo, hi) = _log_ticks(lo, hi)
    ax = fig.add_axes((lay.plot_x0 / lay.width, (body_top - lay.body - 0.02) / lay.height, PLOT_WIDTH / lay.width,
                       (lay.body + 0.02) / lay.height))
    ax.set_ylim(body_top - lay.body - 0.02, body_top)
    if f.log_scale:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_gid("effect-axis")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_major_locator(NullLocator())
    ax.patch.set_alpha(0)
    if ticks is not None:
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([_tick_label(t, False) for t in ticks])
    elif f.percent:
        step = 0.1 if hi - lo <= 0.6 else 0.2
        ticks_p = [t / 10 for t in range(0, 11) if lo - 1e-9 <= t / 10 <= hi + 1e-9 and round(t / 10 / step, 6)
                   .is_integer()]
        ax.xaxis.set_major_locator(FixedLocator(ticks_p))
        ax.set_xticklabels([f"{100 * t:.0f}" for t in ticks_p])
        ax.set_xlabel(f.effect_name, labelpad=2)
    return ax, lo, hi


def _body(canvas, ax, f: ForestData, lay: _Layout, rows, y: float, lo: float, hi: float):
    """Every row: its text on the canvas, its square, diamond or bar on the axes. Returns the y below the last
    row and the spans of rows that have a graphic (where the line of no effect is drawn)."""
    max_w = max([s.weight for s in f.studies if s.weight is not None], default=None)
    spans = []
    for r in rows:
        h = r.lines * LINE
        yc = y - h / 2
        if r.kind == "panel":
            canvas.text(MARGIN, yc, r.label, ha="left", va="center_baseline", fontweight="bold", fontstyle="italic",
                        gid=r.gid)
        elif r.kind in ("study", "summary", "pi"):
            weight = "bold" if r.kind == "summary" else "normal"
            canvas.text(MARGIN, yc, r.label, ha="left", va="center_baseline", fontweight=weight)
            for x, c in zip(lay.xs[1:], r.cells):
                canvas.text(x, yc, c, ha="left", va="center_baseline")
            if r.weight and lay.show_weight:
                canvas.text(lay.xs[len(f.columns) + 1] + lay.weight_w, yc, r.weight, ha="right",
                            va="center_baseline", fontweight=weight)
            canvas.text(lay.right_x0, yc, r.right, ha="left", va="center_baseline", fontweight=weight)
            for i, j in enumerate(r.rob):
                _rob_dot(canvas, lay.right_x0 + lay.right_w + GAP + (i + 0.5) * ROB_WIDTH, yc, j)
            spans.append((y - h, y))
            if r.kind == "study":
                _study(ax, r.item, yc, lo, hi, max_w, r.gid)
            elif r.kind == "summary":
                _diamond(ax, r.item, yc, r.gid)
            else:
                ax.plot([r.item.pi_low, r.item.pi_high], [yc, yc], color=theme.PREDICTION, lw=2.2,
                        solid_capstyle="butt", gid=r.gid)
        elif r.kind == "text":
            canvas.text(MARGIN, yc, r.label, ha="left", va="center_baseline", fontsize=theme.FONT_SIZE - 0.5, gid=r.gid)
        y -= h
    return y, spans


def _frac(x: float, lo: float, hi: float, log: bool) -> float:
    if log:
        return (math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo))
    return (x - lo) / (hi - lo)


def _merge(spans):
    out = []
    for y0, y1 in sorted(spans, reverse=True, key=lambda s: s[1]):
        if out and abs(out[-1][0] - y1) < 1e-9:
            out[-1] = (y0, out[-1][1])
        else:
            out.append((y0, y1))
    return out


def _study(ax, s: StudyRow, y: float, lo: float, hi: float, max_w: float | None, gid: str) -> None:
    left, right = max(s.ci_low, lo), min(s.ci_high, hi)
    ax.plot([left, right], [y, y], color=theme.STUDY, lw=0.8, solid_capstyle="butt", gid=f"{gid}-ci")
    if s.ci_low < lo:
        ax.plot([lo], [y], marker="<", ms=3.5, color=theme.STUDY, clip_on=False, gid=f"{gid}-arrow-left")
    if s.ci_high > hi:
        ax.plot([hi], [y], marker=">", ms=3.5, color=theme.STUDY, clip_on=False, gid=f"{gid}-arrow-right")
    if lo <= s.estimate <= hi:
        size = 6.5 if s.weight is None or not max_w else max(2.2, 9.0 * math.sqrt(s.weight / max_w))
        ax.plot([s.estimate], [y], marker="s", ms=size, color=theme.STUDY, mew=0, gid=gid)


def _diamond(ax, s: Summary, y: float, gid: str) -> None:
    h = LINE * 0.38
    ax.add_patch(Polygon([(s.ci_low, y), (s.estimate, y + h), (s.ci_high, y), (s.estimate, y - h)], closed=True,
                         facecolor=theme.POOLED, edgecolor="black", lw=0.5, gid=gid, zorder=3))


def _rob_dot(canvas, x: float, y: float, judgement: str) -> None:
    colour = theme.ROB_COLOURS.get(judgement)
    if colour is None:
        canvas.text(x, y, "?", ha="center", va="center_baseline", color="#7f7f7f")
        return
    symbol = {"low": "+", "some concerns": "!", "high": "−"}[judgement]
    canvas.plot([x], [y], marker="o", ms=7, color=colour, mew=0)
    canvas.text(x, y, symbol, ha="center", va="center_baseline", color="white", fontweight="bold",
                fontsize=theme.FONT_SIZE - 1)
