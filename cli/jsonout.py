"""JSON output shared by the commands: non-finite floats as null, and the tool's version."""
from __future__ import annotations

import math


def clean(x):
    """A copy with NaN and infinities replaced by None (JSON has no such numbers)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def tool_version() -> str:
    from importlib.metadata import version

    return version("evsynth")
