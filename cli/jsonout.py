"""JSON output shared by the commands: the cleaner (evsynth.meta.jsonable.clean) and the tool's version."""
from __future__ import annotations

from evsynth.meta.jsonable import clean  # noqa: F401 - re-exported for the commands


def tool_version() -> str:
    from importlib.metadata import version

    return version("evsynth")
