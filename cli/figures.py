"""`evsynth forest | funnel | labbe | bubble | figure`: one figure of one analysis of the evidence base.

The analysis is run (as `evsynth run` runs it) and drawn; nothing else is written. The file is written to a
temporary name and moved into place.
"""
from __future__ import annotations

from pathlib import Path

import click

from .errors import echo, handle_errors
from .outputs import guard_out_file
from .paths import default_base, protected

FORMATS = ("svg", "png", "pdf")


def _draw(kind: str, analysis_id: str, evidence_dir, out, formats) -> None:
    from evsynth.meta.errors import AnalysisError
    from evsynth.meta.review.pipeline import run_one

    base_dir = evidence_dir or default_base()
    stem = Path(out) if out else Path(f"{analysis_id}-{kind}")
    guard_out_file(stem, protect=protected(base_dir))
    analysis = run_one(base_dir, analysis_id)
    from evsynth.meta.review.load import load_base_info

    about = load_base_info(Path(base_dir))
    from evsynth.figures import theme
    from evsynth.figures.catalogue import drawer, kinds_for

    if kind not in kinds_for(analysis, on_request=True):
        have = ", ".join(kinds_for(analysis, on_request=True)) or "none"
        raise AnalysisError(f"analysis {analysis_id!r} has no {kind} figure (it has: {have})")
    try:
        fig = drawer(kind)(analysis, about)
    except ValueError as exc:
        raise AnalysisError(str(exc)) from None
    if stem.suffix.lstrip(".") in FORMATS:
        formats = (stem.suffix.lstrip("."),)
        stem = stem.with_suffix("")
    try:
        for path in theme.save(fig, stem, formats or ("svg", "png")):
            echo(str(path))
    finally:
        theme.close(fig)


def _figure_options(func):
    """--evidence, --out and --format, shared by every figure command."""
    func = click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
                        help="Formats to write (repeatable) [default: svg and png].")(func)
    func = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Output file or stem [default: ANALYSIS_ID-KIND]; an extension picks the format.")(func)
    return click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Evidence base [default: the shipped evidence base].")(func)


def _command(kind: str, help_text: str):
    @click.command(name=kind, help=help_text)
    @click.argument("analysis_id")
    @_figure_options
    @handle_errors
    def cmd(analysis_id, evidence_dir, out, formats):
        _draw(kind, analysis_id, evidence_dir, out, formats)

    return cmd


forest = _command("forest", "Forest plot of one analysis of analyses.toml (subgroup panels when it has `by`).")
funnel = _command("funnel", "Contour-enhanced funnel plot, with trim-and-fill's imputed studies.")
labbe = _command("labbe", "L'Abbé plot: event risk with the intervention against the control, per study.")
bubble = _command("bubble", "Bubble plot of an analysis' meta-regression (e.g. against dose).")


@click.command()
@click.argument("kind", type=click.Choice(["forest", "cumulative", "leave-one-out", "funnel", "labbe", "bubble",
                                           "direction", "rob-traffic-light", "rob-summary"]))
@click.argument("analysis_id")
@_figure_options
@handle_errors
def figure(kind, analysis_id, evidence_dir, out, formats):
    """Any figure of one analysis: forest, cumulative, leave-one-out, funnel, labbe, bubble, direction, and the
    risk-of-bias traffic-light and summary plots (rob-traffic-light, rob-summary)."""
    _draw(kind, analysis_id, evidence_dir, out, formats)
