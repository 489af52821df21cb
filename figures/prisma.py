"""The PRISMA 2020 flow diagram of a review (Page et al. 2021, BMJ 372:n71): boxes for identification, screening
and inclusion down the left, a box beside each step for what left the flow there (the excluded rows with their
reasons and counts), arrows between them, and the stage names in bars at the left edge.

Drawn from a PrismaFlow (meta/review/prisma.py says what each count counts); nothing is counted here. Every text
is measured as it will be rendered and wrapped to its box, and each box is as tall as its text, so no text leaves
its box or meets another (tested), whatever the numbers or the reasons' words. The figure is at most WIDTH inches
wide (a journal's double column) and as tall as its boxes need.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

from evsynth.meta.review.prisma import PrismaFlow

from . import theme

WIDTH = 7.0  # inches
TITLE = "PRISMA 2020 flow diagram"
PAD = 0.07  # inside a box, inches
GAP = 0.24  # between two steps (room for an arrow), inches
STAGE_X, STAGE_W = 0.04, 0.26
MAIN_X, MAIN_W = 0.42, 3.22
SIDE_X, SIDE_W = 3.98, WIDTH - 3.98 - 0.04
TOP = 0.42  # room for the title, inches
STAGE_FILL = "#dbe9f6"
EDGE = theme.STUDY
FIT = 0.92  # text is wrapped to this share of a box's inner width: room for a reader's font that runs wider


@dataclass(frozen=True)
class Box:
    """One box of the diagram.

    Attributes
    ----------
    name : str
        Its name (the gid of its patch is "prisma-<name>", of its heading "prisma-<name>-heading", of its body
        "prisma-<name>-body").
    heading : str
        Its first line, in bold: what it counts, with the count.
    lines : tuple of str
        The details below the heading (each wrapped to the box).
    """

    name: str
    heading: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of the flow: its box and the box beside it (what left the flow there), if any.

    Attributes
    ----------
    stage : str
        The PRISMA stage it belongs to (Identification, Screening, Included).
    main : Box
        The step's box.
    side : Box or None
        The box beside it.
    """

    stage: str
    main: Box
    side: Box | None = None


NBSP = "\u00a0"  # "(n = 12)" and "12 rows" are never broken across lines
BULLET = "\u2022 "


def _n(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,}{NBSP}{word if n == 1 else (plural or word + 's')}"


def _count(n: int) -> str:
    return f"(n{NBSP}={NBSP}{n:,})"


def flow_steps(flow: PrismaFlow) -> tuple[Step, ...]:
    """The steps of the diagram with their texts.

    Parameters
    ----------
    flow : PrismaFlow
        The counts.

    Returns
    -------
    tuple of Step
        Identification (reports identified, duplicates removed); Screening (reports screened and those with no
        data sought; reports sought and those not retrieved; reports with extracted data, the rows and trials
        extracted and the rows no analysis asks about; rows assessed for eligibility and the rows excluded, with
        each reason's rows and trials); Included (trials included, and in pooled meta-analyses and vote counts).
    """
    f = flow
    types = "; ".join(f"{c.what} {c.n:,}" for c in f.reports_by_type)
    reasons = tuple(f"{BULLET}{r.reason}: {_n(r.rows, 'row')}, {_n(r.trials, 'trial')}" for r in f.excluded)
    return (
        Step("Identification",
             Box("identified", f"Reports identified {_count(f.reports_identified)}",
                 (f"Entries of sources.bib: {types}",) if types else ()),
             Box("duplicates", f"Duplicate reports removed {_count(f.duplicates_removed)}",
                 ("Entries declared the same publication as another",))),
        Step("Screening",
             Box("screened", f"Reports screened {_count(f.reports_screened)}"),
             Box("no-data", f"Reports with no outcome data sought {_count(f.reports_no_data)}",
                 ("Cited by no evidence row and no line of gaps.csv",))),
        Step("Screening",
             Box("sought", f"Reports sought for outcome data {_count(f.reports_sought)}"),
             Box("not-retrieved", f"Reports not retrieved {_count(f.reports_not_retrieved)}",
                 ("Data sought but not obtainable: named only in gaps.csv",
                  f"All gaps: {_n(f.gap_lines, 'outcome')} not obtained, in {_n(f.gap_reports, 'report')}"))),
        Step("Screening",
             Box("extracted", f"Reports with extracted data {_count(f.reports_with_rows)}",
                 (f"{_n(f.rows_extracted, 'evidence row')} (study outcomes) from {_n(f.trials_extracted, 'trial')}",
                  f"{_n(f.rows_not_primary, 'row')} of these report reviews, meta-analyses or labels")),
             Box("not-assessed", f"Rows no analysis asks about {_count(f.rows_not_assessed)}",
                 ("Outcomes or conditions outside every analysis's question",))),
        Step("Screening",
             Box("assessed", f"Rows assessed for eligibility {_count(f.rows_assessed)}",
                 (f"From {_n(f.trials_assessed, 'trial')}",)),
             Box("excluded", f"Rows excluded, with reasons {_count(f.rows_excluded)}",
                 (f"{_n(f.trials_excluded, 'trial')} with no row in any analysis",) + reasons)),
        Step("Included",
             Box("included", f"Trials included in an analysis {_count(f.trials_included)}",
                 (f"{_n(f.rows_included, 'row')} from {_n(f.reports_included, 'report')}",
                  f"In pooled meta-analyses: {_n(f.trials_pooled, 'trial')}",
                  f"In vote counts: {_n(f.trials_vote_counted, 'trial')} ({f.trials_in_both:,} in both)"))),
    )


class _Measure:
    """Rendered text sizes, in inches, on the figure that will draw them."""

    def __init__(self, fig):
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def size(self, text: str, bold: bool = False, rotation: int = 0,
             fontsize: float = theme.FONT_SIZE) -> tuple[float, float]:
        t = self.fig.text(0, 0, text, fontsize=fontsize, fontweight="bold" if bold else "normal", rotation=rotation)
        bb = t.get_window_extent(self.renderer)
        t.remove()
        return bb.width / self.fig.dpi, bb.height / self.fig.dpi

    def wrap(self, text: str, width: float, bold: bool = False, indent: str = "",
             fontsize: float = theme.FONT_SIZE) -> str:
        """`text` wrapped at spaces (not at no-break spaces; a word too long for a line broken where it must) to
        lines of at most `width` inches, each line after the first starting with `indent`."""
        lines: list[str] = []
        line = ""
        for word in (w for w in text.split(" ") if w):
            candidate = f"{line} {word}" if line else (indent if lines else "") + word
            if self.size(candidate, bold, fontsize=fontsize)[0] <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = indent + word
            while self.size(line, bold, fontsize=fontsize)[0] > width and len(line) > len(indent) + 1:
                cut = len(line) - 1
                while cut > len(indent) + 1 and self.size(line[:cut], bold, fontsize=fontsize)[0] > width:
                    cut -= 1
                lines.append(line[:cut])
                line = indent + line[cut:]
        if line:
            lines.append(line)
        return "\n".join(lines)


@dataclass(frozen=True)
class _Laid:
    """A box with its wrapped texts and their heights, inches."""

    box: Box
    heading: str
    body: str
    heading_h: float
    body_h: float

    @property
    def height(self) -> float:
        return 2 * PAD + self.heading_h + (0.05 + self.body_h if self.body else 0.0)


def _lay(box: Box, width: float, m: _Measure) -> _Laid:
    inner = (width - 2 * PAD) * FIT
    heading = m.wrap(box.heading, inner, bold=True)
    body = "\n".join(m.wrap(line, inner, indent="  " if line.startswith(BULLET) else "") for line in box.lines)
    return _Laid(box, heading, body, m.size(heading, bold=True)[1], m.size(body)[1] if body else 0.0)


def draw_prisma(flow: PrismaFlow, title: str = TITLE):
    """The PRISMA 2020 flow diagram.

    Parameters
    ----------
    flow : PrismaFlow
        The counts (see meta/review/prisma.py).
    title : str
        The figure's title (drawn at the top, gid "title"; the SVG's <title>).

    Returns
    -------
    matplotlib.figure.Figure
        WIDTH inches wide: one rectangle per box (gid "prisma-<name>", see flow_steps), its bold heading and its
        body as texts ("prisma-<name>-heading", "prisma-<name>-body"), an arrow down from each step to the next
        ("prisma-arrow-<name>") and across to the box beside it, and a bar with each stage's name at the left
        ("prisma-stage-<stage>").
    """
    theme.theme()
    fig = plt.figure(figsize=(WIDTH, 4.0), dpi=theme.DPI)  # measured at the resolution it is saved at
    m = _Measure(fig)
    steps = flow_steps(flow)
    laid = [(_lay(s.main, MAIN_W, m), _lay(s.side, SIDE_W, m) if s.side else None) for s in steps]
    heights = [max(a.height, b.height if b else 0.0) for a, b in laid]
    # a stage's bar must hold its rotated name: the last step of a short stage grows when it would not
    for stage in dict.fromkeys(s.stage for s in steps):
        idx = [i for i, s in enumerate(steps) if s.stage == stage]
        need = m.size(stage, bold=True, rotation=90)[1] + 2 * PAD
        have = sum(heights[i] for i in idx) + GAP * (len(idx) - 1)
        if have < need:
            heights[idx[-1]] += need - have
    wrapped_title = m.wrap(title, WIDTH - 0.1, bold=True, fontsize=theme.TITLE_SIZE)  # as every figure's title
    top = max(TOP, m.size(wrapped_title, bold=True, fontsize=theme.TITLE_SIZE)[1] + 0.2)
    total = top + sum(heights) + GAP * (len(steps) - 1) + 0.06
    fig.set_size_inches(WIDTH, total)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(total, 0)  # y grows downwards, in inches
    ax.axis("off")
    fig.text(0.05 / WIDTH, 1 - 0.08 / total, wrapped_title, ha="left", va="top", fontsize=theme.TITLE_SIZE,
             fontweight="bold", gid="title")

    y, tops = top, []
    for (main, side), h in zip(laid, heights):
        tops.append(y)
        main_y = y + (h - main.height) / 2
        _box(ax, main, MAIN_X, main_y, MAIN_W)
        if side is not None:
            side_y = y + (h - side.height) / 2
            _box(ax, side, SIDE_X, side_y, SIDE_W)
            mid = main_y + main.height / 2
            mid = min(max(mid, side_y + 0.05), side_y + side.height - 0.05)  # the arrow meets the side box
            _arrow(ax, (MAIN_X + MAIN_W, mid), (SIDE_X, mid), f"prisma-arrow-{main.box.name}-side")
        y += h + GAP
    for i in range(len(laid) - 1):
        (a, _), (b, _) = laid[i], laid[i + 1]
        start = tops[i] + (heights[i] - a.height) / 2 + a.height
        end = tops[i + 1] + (heights[i + 1] - b.height) / 2
        _arrow(ax, (MAIN_X + MAIN_W / 2, start), (MAIN_X + MAIN_W / 2, end), f"prisma-arrow-{a.box.name}")
    for stage in dict.fromkeys(s.stage for s in steps):
        idx = [i for i, s in enumerate(steps) if s.stage == stage]
        y0, y1 = tops[idx[0]], tops[idx[-1]] + heights[idx[-1]]
        ax.add_patch(Rectangle((STAGE_X, y0), STAGE_W, y1 - y0, facecolor=STAGE_FILL, edgecolor="none",
                               gid=f"prisma-stage-{stage.lower()}"))
        ax.text(STAGE_X + STAGE_W / 2, (y0 + y1) / 2, stage, rotation=90, ha="center", va="center",
                fontsize=theme.FONT_SIZE, fontweight="bold", gid=f"prisma-stage-{stage.lower()}-label")
    return fig


def _box(ax, laid: _Laid, x: float, y: float, width: float) -> None:
    name = laid.box.name
    ax.add_patch(Rectangle((x, y), width, laid.height, facecolor="white", edgecolor=EDGE, linewidth=0.7,
                           gid=f"prisma-{name}"))
    ax.text(x + PAD, y + PAD, laid.heading, ha="left", va="top", fontsize=theme.FONT_SIZE, fontweight="bold",
            gid=f"prisma-{name}-heading")
    if laid.body:
        ax.text(x + PAD, y + PAD + laid.heading_h + 0.05, laid.body, ha="left", va="top",
                fontsize=theme.FONT_SIZE, gid=f"prisma-{name}-body")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], gid: str) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8, linewidth=0.8, color=EDGE,
                                 shrinkA=0, shrinkB=0, gid=gid))
