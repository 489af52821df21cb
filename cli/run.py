"""`evsynth run`: validate the evidence base, run every analysis of analyses.toml, check every claim, draw every
figure and write the report.

Everything is written into a temporary folder beside --out and swapped in only when complete (cli/outputs.py),
so bad input, a crash or a kill leaves the previous build as it was; --out is replaced only when it is empty or an
earlier evsynth build. Exit codes: 0 all claims hold (or cannot be checked), 1 a claim fails, 2 bad input or an
environment problem (nothing written), 130/143 interrupted.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from .errors import EXIT_CLAIM_FAILED, echo, handle_errors
from .outputs import prepare_out, replace_build
from .jsonout import tool_version
from .paths import default_base, protected


class _Clock:
    """Wall time per stage, for --timings."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages.append((name, now - self._t))
        self._t = now


@click.command()
@click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Evidence base (tables/, sources.bib, analyses.toml) [default: the shipped evidence base].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build"),
              show_default=True, help="Output folder: absent, empty, or an earlier evsynth build (replaced only "
              "when the new build is complete; never a folder holding other files).")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.option("--figures/--no-figures", default=True, show_default=True, help="Draw every analysis' figures.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes drawing figures [default: the number of cores].")
@click.option("--timings", is_flag=True, help="Print where the time went, per stage.")
@handle_errors
def run(evidence_dir, out_dir, quiet, figures, jobs, timings):
    """Run every analysis and claim of the evidence base; write OUT/results.json, OUT/figures/, OUT/report.html
    and OUT/report.md. Exit 1 when a claim fails, 2 on bad input (the previous OUT is left as it was)."""
    from evsynth.meta.review.pipeline import run_base
    from evsynth.meta.review.results import results_to_json

    clock = _Clock()
    base_dir = evidence_dir or default_base()
    prepare_out(out_dir, protect=protected(base_dir))  # before any work: a refused --out costs nothing
    if quiet:
        outcome = run_base(base_dir, tool_version())
    else:
        def progress(specs):
            with click.progressbar(specs, label="analyses", item_show_func=lambda s: s.id if s else "") as bar:
                yield from bar
        outcome = run_base(base_dir, tool_version(), progress)
    clock.lap("analyses and claims")
    results = outcome.results
    text = json.dumps(results_to_json(results), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def write(tmp: Path) -> None:
        (tmp / "results.json").write_text(text, encoding="utf-8")
        if figures:
            _figures(results, tmp, jobs or os.cpu_count() or 1, quiet)
            clock.lap("figures")
        from evsynth.meta.review.documents import read_documents

        from .report import render
        from .report_extras import report_extras

        titles = {k: d.label for k, d in read_documents(Path(base_dir) / "claims.toml", base_dir).items()}
        extra = report_extras(results, outcome.base, tmp, figures)
        for name, body in render(results, tmp, titles, extra).items():
            (tmp / name).write_text(body, encoding="utf-8")
        clock.lap("report")

    replace_build(out_dir, write, tool_version(), protect=protected(base_dir))
    failed = [v.id for v in outcome.verdicts if v.status == "fail"]
    if not quiet:
        counts: dict[str, int] = {}
        for v in outcome.verdicts:
            counts[v.status] = counts.get(v.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        echo(f"{len(results.analyses)} analyses, claims: {summary or 'none'} -> {out_dir}/")
    if timings:
        total = sum(t for _, t in clock.stages)
        for name, t in clock.stages:
            echo(f"{name:<22} {t:7.2f} s", err=True)
        echo(f"{'total':<22} {total:7.2f} s", err=True)
    if failed:  # said even with --quiet: an exit status without its reason helps no one
        echo(f"claim(s) that fail: {', '.join(failed)} (a contradiction, or an acknowledged one that no longer holds; "
             "see the report)", err=True)
        raise SystemExit(EXIT_CLAIM_FAILED)


def _figures(results, out: Path, jobs: int, quiet: bool) -> None:
    from evsynth.figures.catalogue import draw_all, not_planned, plan

    for message in not_planned(results):
        echo(f"note: {message}", err=True)
    if quiet:
        _, failed = draw_all(results, out, jobs=jobs)
    else:
        with click.progressbar(length=len(plan(results)), label="figures ") as bar:
            _, failed = draw_all(results, out, jobs=jobs, progress=lambda job: bar.update(1))
    for message in failed:  # a figure that cannot be drawn is named, never silently missing
        echo(f"warning: figure not drawn: {message}", err=True)
