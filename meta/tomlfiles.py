"""Read a TOML file (analyses, claims, grading rules): its table and its text, or a SchemaError naming the file."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import CellProblem, SchemaError
from .textfiles import read_text


def read_toml(path: str | Path) -> tuple[dict, str]:
    text = read_text(path)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise SchemaError([CellProblem(str(path), int(m.group(1)) if m else None, None,
                                       f"not valid TOML: {exc}")]) from None
