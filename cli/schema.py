"""`evsynth schema results`: the JSON Schema of results.json (every field with its description, unit or scale)."""
from __future__ import annotations

import json

import click

from .errors import echo, handle_errors


@click.command()
@click.argument("what", type=click.Choice(["results"]))
@handle_errors
def schema(what: str) -> None:
    """Print the JSON Schema of WHAT (results: the results.json that `evsynth run` writes)."""
    from evsynth.meta.review.schema import results_schema

    echo(json.dumps(results_schema(), indent=2, ensure_ascii=False))
