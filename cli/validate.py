"""`evsynth validate [BASE]`: check an evidence base's tables and sources; list every problem."""
from __future__ import annotations

from pathlib import Path

import click

from .errors import handle_errors
from .paths import default_base


@click.command()
@click.argument("base", required=False, type=click.Path(path_type=Path))
@handle_errors
def validate(base: Path | None) -> None:
    """Validate the evidence base in BASE (default: the shipped baclofen base).

    Checks types and ranges, categories, provenance (source key in sources.bib, an identifier, a location and a
    quote; numbers not in the quote must say how they were derived) and cross-table rules (unique study_id, no
    trial entered twice in one analysis, no subgroup report beside its parent). Writes nothing; exit 2 on any
    problem, listing them all with file, line and column.
    """
    from evsynth.meta.evidence import load_base

    loaded = load_base(base or default_base())
    kinds = ", ".join(f"{t.name} ({len(t.rows)})" for t in loaded.tables)
    click.echo(f"{loaded.path}: valid. {loaded.n_rows} rows in {len(loaded.tables)} tables [{kinds}], "
               f"{len(loaded.sources)} sources"
               + (f", {len(loaded.gaps.rows)} recorded gaps." if loaded.gaps is not None else "."))
