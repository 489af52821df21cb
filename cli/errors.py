"""Map our exceptions to a message on stderr and an exit code; --debug shows the traceback."""
from __future__ import annotations

import functools
import sys
from typing import Callable

import click

EXIT_OK, EXIT_CLAIM_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def handle_errors(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from evsynth.meta.errors import EvidenceError

        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except EvidenceError as exc:
            if (ctx.find_root().obj or {}).get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper
