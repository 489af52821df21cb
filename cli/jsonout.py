"""The tool's version, for JSON output (the cleaner is evsynth.meta.jsonable.clean)."""
from __future__ import annotations


def tool_version() -> str:
    from importlib.metadata import version

    return version("evsynth")
