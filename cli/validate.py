"""`evsynth validate [BASE]`: check an evidence base's tables and sources; list every problem."""
from __future__ import annotations

from pathlib import Path

import click

from .errors import echo, handle_errors
from .paths import default_base


@click.command()
@click.argument("base", required=False, type=click.Path(path_type=Path))
@handle_errors
def validate(base: Path | None) -> None:
    """Validate the evidence base in BASE (default: the shipped evidence base).

    Checks the tables' types and ranges, categories, provenance (source key in sources.bib, an identifier, a
    location and a quote; a number not in the quote must be computed in `derived`, which is recomputed) and
    cross-table rules (unique study_id, no trial entered twice in one analysis, no subgroup report beside its
    parent), and reads analyses.toml, claims.toml and the rule set beside the base with every value typed. Writes
    nothing; exit 2 on any problem, listing them all with file, line and column.
    """
    from evsynth.meta.review.load import load_inputs

    inputs = load_inputs(base or default_base())
    loaded = inputs.base
    kinds = ", ".join(f"{t.name} ({len(t.rows)})" for t in loaded.tables)
    echo(f"{loaded.path}: valid. {loaded.n_rows} rows in {len(loaded.tables)} tables [{kinds}], "
         f"{len(loaded.sources)} sources" + (f", {len(loaded.gaps.rows)} recorded gaps" if loaded.gaps else "")
         + f"; {len(inputs.specs)} analyses, {len(inputs.claims)} claims"
         + (f", rules {inputs.rules.version}." if inputs.rules else "."))
