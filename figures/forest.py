"""The forest plot, drawn from ForestData (figures/forest_data.py): nothing is computed here but the layout.

Layout, in inches, from the top: the title, the column headers, one row per study (wrapped labels take more
than one line), per subgroup its title, studies, subtotal diamond and heterogeneity line, then the overall
diamond, the prediction interval bar, heterogeneity and the test for the overall effect, the x axis with
"favours" labels, and the footer. Column widths are measured from the text, so long labels and 1 to 100+
studies never overlap; the plot is kept within theme.PAGE_WIDTH by narrowing the effect axis and wrapping labels
where the columns allow it. The axis' limits follow RevMan (see :func:`_limits`), and its ticks thin themselves so
their labels never overlap (figures/scales.py). Every drawn element carries a gid ("study-3", "diamond-overall", "pi-overall" ...),
which the tests read and which SVG files keep as element ids.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.patches import Polygon
from matplotlib.ticker import NullLocator

from . import scales, theme
from .theme import text_width, wrap
from .forest_data import ROB_SHORT, ForestData, StudyRow, Summary, effect_text

LINE = 0.155  # inches per text line
PLOT_WIDTH = 2.3  # inches for the effect axis
MIN_PLOT_WIDTH = 1.8  # ... when the plot would be wider than theme.PAGE_WIDTH
GAP = 0.14  # between columns
MARGIN = 0.1
MAX_LABEL = 2.4  # inches: longer study labels wrap
MIN_LABEL = 1.2  # ... down to this when the plot would be wider than theme.PAGE_WIDTH
ROB_WIDTH = 0.16


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


def _rows(f: ForestData, max_label: float = MAX_LABEL) -> list[_Row]:
    rows: list[_Row] = []
    n = 0
    for p_i, panel in enumerate(f.panels, 1):
        if panel.title:
            rows.append(_Row("panel", panel.title, gid=f"panel-{p_i}"))
        for s in panel.studies:
            n += 1
            label = wrap(s.label, max_label)
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
    """The x range, RevMan's way: every point estimate and the null, the overall CI and the bulk of the studies'
    CIs (each side up to as far again as the estimates' span, or tenfold on a ratio axis), rounded to a scale
    symmetric around the null (0.5-2, 0.2-5, 0.1-10, 0.05-20, 0.02-50, 0.01-100 ...; -L to L on a difference axis)
    unless the effects lie far from it; proportions rounded out within 0-100%. Whiskers, diamonds and prediction
    intervals beyond the range end in arrows; one wide CI never stretches the axis."""
    log = f.log_scale

    def t(values) -> list[float]:
        """Values where the axis is linear (log10 for a ratio; NaN for what cannot be drawn)."""
        out = []
        for v in values:
            v = float("nan") if v is None else float(v)
            if log:
                v = math.log10(v) if v > 0 and math.isfinite(v) else (-math.inf if v == 0 else
                                                                       (math.inf if v == math.inf else math.nan))
            out.append(v)
        return out

    summaries = [f.overall] + [p.summary for p in f.panels if p.summary is not None]
    estimates = [s.estimate for s in f.studies] + [s.estimate for s in summaries]
    core = t(estimates + ([f.null] if f.null is not None else []))
    studies = list(zip(t([s.ci_low for s in f.studies]), t([s.ci_high for s in f.studies])))
    pooled = t([f.overall.ci_low, f.overall.ci_high])
    if log:
        lo, hi = scales.bulk_range(core, pooled, studies, min_span=math.log10(4), least_reach=1.0)
        d_lo, d_hi = scales.bulk_range(t(estimates), pooled, studies, min_span=0.0, least_reach=1.0)
        d_lo, d_hi = max(d_lo, lo), min(d_hi, hi)
        return scales.round_log(10 ** lo, 10 ** hi, (10 ** d_lo, 10 ** d_hi))
    widths = sorted(h - lo_ for lo_, h in studies + [tuple(pooled)] if math.isfinite(h - lo_) and h > lo_)
    min_span = widths[len(widths) // 2] / 2 if widths else (0.1 if f.percent else 1.0)
    lo, hi = scales.bulk_range(core, pooled, studies, min_span=min_span)
    d_lo, d_hi = scales.bulk_range(t(estimates), pooled, studies, min_span=0.0)
    d_lo, d_hi = max(d_lo, lo), min(d_hi, hi)
    if f.percent:
        return scales.round_linear(max(lo, 0.0), min(hi, 1.0), None, bounds=(0.0, 1.0))
    return scales.round_linear(lo, hi, f.null, (d_lo, d_hi))


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
    plot_w: float
    width: float
    height: float
    title: str
    footer: list
    header_lines: int
    title_h: float
    header_h: float
    body: float
    axis_h: float


def _layout(f: ForestData, rows, plot_w: float = PLOT_WIDTH) -> _Layout:
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
    right_x0 = plot_x0 + plot_w + GAP
    width = right_x0 + right_w + GAP + rob_w + MARGIN
    title = wrap(f.title, width - 2 * MARGIN, theme.TITLE_SIZE, bold=True)
    footer = [wrap(t, width - 2 * MARGIN, theme.FONT_SIZE - 0.5) for t in f.footer]
    header_lines = max(c.count("\n") + 1 for c in ["Study", *f.columns, "Weight", right_header])
    body = sum(r.lines for r in rows) * LINE
    axis_h = 0.42 + (0.16 if f.favours else 0)
    title_h = (title.count("\n") + 1) * LINE * 1.15 + 0.08
    header_h = header_lines * LINE + 0.08
    footer_h = sum(t.count("\n") + 1 for t in footer) * LINE * 0.95 + 0.06
    height = MARGIN + title_h + header_h + body + axis_h + footer_h + MARGIN
    return _Layout(xs, label_w, weight_w, show_weight, right_header, right_w, plot_x0, right_x0, plot_w, width, height,
                   title, footer, header_lines, title_h, header_h, body, axis_h)


def _fit(f: ForestData):
    """The rows and the layout, kept within theme.PAGE_WIDTH where the columns allow it: the effect axis narrowed
    to 2.0 in, long study labels wrapped at 1.6 in, the axis narrowed to MIN_PLOT_WIDTH, then labels wrapped down
    to MIN_LABEL. A plot that is still wider (many data and risk-of-bias columns) keeps the narrowest layout."""
    rows = lay = None
    for max_label, plot_w in ((MAX_LABEL, PLOT_WIDTH), (MAX_LABEL, 2.0), (2.0, 2.0), (1.6, 2.0),
                              (1.6, MIN_PLOT_WIDTH), (1.4, MIN_PLOT_WIDTH), (MIN_LABEL, MIN_PLOT_WIDTH)):
        rows = _rows(f, max_label)
        lay = _layout(f, rows, plot_w)
        if lay.width <= theme.PAGE_WIDTH + 1e-9:
            break
    return rows, lay


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
    rows, lay = _fit(f)
    fig = plt.figure(figsize=(lay.width, lay.height))
    canvas = fig.add_axes((0, 0, 1, 1))
    canvas.set_xlim(0, lay.width)
    canvas.set_ylim(0, lay.height)
    canvas.axis("off")
    y = lay.height - MARGIN
    canvas.text(MARGIN, y, lay.title, ha="left", va="top", fontsize=theme.TITLE_SIZE, fontweight="bold",
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
        mid = lay.plot_x0 + lay.plot_w * _frac(f.null, lo, hi, f.log_scale)
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
    """The axes the effects are drawn on: a log axis for ratios, percent for rates; ticks thinned to labels that
    do not overlap (1-2-5 per decade on a log axis, the limits kept where they fit)."""
    lo, hi = _limits(f)
    ax = fig.add_axes((lay.plot_x0 / lay.width, (body_top - lay.body - 0.02) / lay.height, lay.plot_w / lay.width,
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
    if f.log_scale:
        scales.set_ticks(ax.xaxis, scales.log_ticks(keep=(lo, hi)))
    elif f.percent:
        scales.set_ticks(ax.xaxis, scales.linear_ticks(scales.percent, keep=(lo, hi)))
        ax.set_xlabel(f.effect_name, labelpad=2)
    else:
        scales.set_ticks(ax.xaxis, scales.linear_ticks(keep=(lo, hi)))
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
                _diamond(ax, r.item, yc, r.gid, lo, hi)
            else:
                _prediction(ax, r.item, yc, r.gid, lo, hi)
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


def _arrows(ax, low: float, high: float, y: float, lo: float, hi: float, gid: str, colour: str = theme.STUDY) -> None:
    """Arrow heads at the axis' ends where an interval (low-high) runs beyond them (gids <gid>-arrow-left/right)."""
    if low < lo:
        ax.plot([lo], [y], marker="<", ms=3.5, color=colour, clip_on=False, zorder=4, gid=f"{gid}-arrow-left")
    if high > hi:
        ax.plot([hi], [y], marker=">", ms=3.5, color=colour, clip_on=False, zorder=4, gid=f"{gid}-arrow-right")


def _study(ax, s: StudyRow, y: float, lo: float, hi: float, max_w: float | None, gid: str) -> None:
    left, right = max(s.ci_low, lo), min(s.ci_high, hi)
    ax.plot([left, right], [y, y], color=theme.STUDY, lw=0.8, solid_capstyle="butt", gid=f"{gid}-ci")
    _arrows(ax, s.ci_low, s.ci_high, y, lo, hi, gid)
    if lo <= s.estimate <= hi:  # the limits hold every estimate; a square at the edge is drawn whole
        size = 6.5 if s.weight is None or not max_w else max(2.2, 9.0 * math.sqrt(s.weight / max_w))
        ax.plot([s.estimate], [y], marker="s", ms=size, color=theme.STUDY, mew=0, clip_on=False, gid=gid)


def _diamond(ax, s: Summary, y: float, gid: str, lo: float, hi: float) -> None:
    """The pooled diamond (cut at the axis' ends, with arrows where its CI runs beyond them)."""
    h = LINE * 0.38
    ax.add_patch(Polygon([(s.ci_low, y), (s.estimate, y + h), (s.ci_high, y), (s.estimate, y - h)], closed=True,
                         facecolor=theme.POOLED, edgecolor="black", lw=0.5, gid=gid, zorder=3))
    _arrows(ax, s.ci_low, s.ci_high, y, lo, hi, gid, colour="black")


def _prediction(ax, s: Summary, y: float, gid: str, lo: float, hi: float) -> None:
    """The prediction interval bar (cut at the axis' ends, with arrows where it runs beyond them)."""
    ax.plot([s.pi_low, s.pi_high], [y, y], color=theme.PREDICTION, lw=2.2, solid_capstyle="butt", gid=gid)
    _arrows(ax, s.pi_low, s.pi_high, y, lo, hi, gid, colour=theme.PREDICTION)


def _rob_dot(canvas, x: float, y: float, judgement: str) -> None:
    colour = theme.ROB_COLOURS.get(judgement)
    if colour is None:
        canvas.text(x, y, "?", ha="center", va="center_baseline", color="#7f7f7f")
        return
    symbol = {"low": "+", "some concerns": "!", "high": "−"}[judgement]
    canvas.plot([x], [y], marker="o", ms=7, color=colour, mew=0)
    canvas.text(x, y, symbol, ha="center", va="center_baseline", color="white", fontweight="bold",
                fontsize=theme.FONT_SIZE - 1)
