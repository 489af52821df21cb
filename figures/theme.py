"""The one look of every evsynth figure, and deterministic saving.

Sizes are for a journal and a page: a single column is 3.5 in wide, a double column (and the widest figure, that
of a forest plot with many columns aside) 7.0 in, within an A4 page's 180 mm text width, so neither print nor a
report that shows each SVG at its own width (96 px per inch: at most 672 px) scales it. Every figure's text is
FONT_SIZE (tick labels and notes half a point or a point smaller, titles TITLE_SIZE), so at their native sizes all
figures read at the same size. Colours come from seaborn's colour-blind-safe palette. Files carry no date, no
random id and no software version, so the same input gives byte-identical SVG, PNG and PDF files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # no display, same output everywhere

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from evsynth.meta.inputs.textfiles import write_atomically  # noqa: E402

SINGLE_COLUMN = 3.5  # inches
DOUBLE_COLUMN = 7.0
PAGE_WIDTH = 7.0  # the widest a figure is drawn when its content allows (A4's 180 mm text width is 7.09 in)
SCREEN_WIDTH = 10.0  # the widest any figure may be: 960 px at 96 px per inch
FONT_SIZE = 7.5
TITLE_SIZE = FONT_SIZE + 1  # every figure's title, bold
SMALL = FONT_SIZE - 1  # the smallest text: legends of shades, notes
PALETTE = sns.color_palette("colorblind")
STUDY = "#3b3b3b"  # study squares and whiskers
POOLED = PALETTE[0]  # diamonds
PREDICTION = PALETTE[3]  # the prediction interval bar
IMPUTED = PALETTE[1]  # trim-and-fill's filled studies
GRID = "#d9d9d9"
ROB_COLOURS = {"low": "#009E73", "some concerns": "#E69F00", "high": "#D55E00"}  # Okabe-Ito
FORMATS = ("svg", "png", "pdf")
_T2P = TextToPath()
DPI = 200

RC = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 0.5,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 0.5,
    "ytick.labelsize": FONT_SIZE - 0.5,
    "legend.fontsize": FONT_SIZE - 0.5,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 0.8,
    "svg.fonttype": "none",  # text kept as text: searchable, selectable, read by screen readers
    "svg.hashsalt": "evsynth",  # fixed ids inside the SVG
    "pdf.fonttype": 42,
    "path.simplify": False,
    "text.parse_math": False,  # data labels are text: "$5 $10" must not be read as mathtext
    "text.usetex": False,
}


def theme() -> None:
    """Apply the evsynth theme (seaborn's 'ticks' style with our sizes) to matplotlib's global settings."""
    sns.set_theme(context="paper", style="ticks", palette=PALETTE, rc=RC)
    plt.rcParams.update(RC)


_METADATA = {
    "svg": {"Date": None, "Creator": None},
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def save(fig, stem: str | Path, formats: Iterable[str] = ("svg", "png")) -> list[Path]:
    """Write the figure as stem.<format> for each format, each to a new temporary file renamed into place.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    stem : str or Path
        The path without its extension; missing folders are created.
    formats : iterable of str
        From FORMATS: "svg", "png", "pdf".

    Returns
    -------
    list of Path
        The files written, in the order of `formats`.

    Raises
    ------
    ValueError
        An unknown format (the formats before it are already written).
    OutputError
        A path that exists and is not a regular file or a symbolic link.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown figure format {fmt!r} (allowed: {', '.join(FORMATS)})")
        path = stem.with_name(f"{stem.name}.{fmt}")
        extra = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
        if fmt == "svg":
            write_atomically(path, lambda fh: fh.write(accessible_svg(fig)))
        else:
            write_atomically(path, lambda fh, fmt=fmt, extra=extra: fig.savefig(fh, format=fmt, dpi=DPI,
                                                                                 metadata=_METADATA[fmt], **extra))
        written.append(path)
    return written


def figure_title(fig) -> str:
    """The figure's title for a reader: the text drawn with gid "title", else its suptitle, else its first axes'
    title, else "Figure".

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    str
    """
    titled = [t.get_text() for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == "title")
              if hasattr(t, "get_text")]
    sup = getattr(fig, "_suptitle", None)
    texts = titled + [sup.get_text() if sup is not None else ""] + [ax.get_title() for ax in fig.axes]
    texts += [t.get_text() for t in fig.texts]
    return next((" ".join(t.split()) for t in texts if t and t.strip()), "Figure")


def accessible_svg(fig) -> bytes:
    """The figure as SVG whose text stays text, with role="img", an aria-label and a <title> (screen readers and
    search read the title; the file stays byte-identical for the same figure).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    bytes
        The SVG document.
    """
    import io
    from xml.sax.saxutils import escape, quoteattr

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=DPI, metadata=_METADATA["svg"])
    text = buf.getvalue().decode("utf-8")
    title = figure_title(fig)
    start = text.index("<svg")
    end = text.index(">", start)
    head = text[start:end]
    text = (text[:start] + head + f' role="img" aria-label={quoteattr(title)}' + ">"
            + f"\n <title>{escape(title)}</title>" + text[end + 1:])
    return text.encode("utf-8")


def text_width(s: str, size: float = FONT_SIZE, bold: bool = False) -> float:
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


def wrap(s: str, width: float, size: float = FONT_SIZE, bold: bool = False) -> str:
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


def title(fig, text: str) -> None:
    """The figure's title as every figure has it: bold, TITLE_SIZE, from the left edge, wrapped to the figure's
    width (the figure's suptitle, placed by the constrained layout).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    text : str
        The title.
    """
    edge = 0.1  # inches, as a forest plot's margin
    fig.suptitle(wrap(text, fig.get_figwidth() - 2 * edge, TITLE_SIZE, bold=True), x=edge / fig.get_figwidth(),
                 ha="left", fontsize=TITLE_SIZE, fontweight="bold")


def close(fig) -> None:
    """Close the figure in pyplot, freeing its memory.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    """
    plt.close(fig)
