"""`evsynth audit [BASE]`: how well the evidence base is sourced and extracted (the figures a methods section gives)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import echo, handle_errors
from .paths import default_base


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.1f}%)" if whole else "0 of 0"


@click.command()
@click.argument("base", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def audit(base: Path | None, fmt: str) -> None:
    """Report the sourcing of the evidence base in BASE (default: the shipped base): rows with a scholarly
    identifier, rows per source type, the analysed rows' numbers printed in their quote or computed in `derived`,
    and dual extraction (coverage and agreement before reconciliation). Reads the base as `validate` does (exit 2 on
    a problem); writes nothing.
    """
    from evsynth.meta.review.audit import audit as run_audit
    from evsynth.meta.review.load import load_inputs

    inputs = load_inputs(base or default_base())
    a = run_audit(inputs.base, inputs.specs)
    if fmt == "json":
        echo(json.dumps(a.to_dict(), indent=2, sort_keys=True))
        return
    types = ", ".join(f"{k} {v}" for k, v in a.by_source_type.items())
    lines = [
        f"rows with a DOI, PMID, registration or regulator reference: {_share(a.identified, a.rows)}",
        f"rows by source type: {types}",
        f"rows the analyses take: {a.analysed_rows}; extracted twice: {_share(a.dual_rows, a.analysed_rows)}",
        f"their effect numbers: {a.numbers}; printed in the quote: {_share(a.quoted, a.numbers)}; "
        f"computed in derived: {_share(a.derived, a.numbers)}",
        f"dual extraction, agreement before reconciliation: {_share(a.agreed, a.compared)} fields both read",
        "sources of the rows without an identifier (most rows first): "
        + (", ".join(a.unidentified_sources[:15]) + (" ..." if len(a.unidentified_sources) > 15 else "") or "none"),
    ]
    echo("\n".join(lines))
